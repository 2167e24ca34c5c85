//! The criterion micro-benchmarks' figures (`benches/alloc.rs`,
//! `benches/barrier.rs`, `benches/collect.rs`), read back for the report.
//!
//! criterion writes each benchmark's statistics under
//! `target/criterion/<group>/<function>[/<value>]/new/`: `benchmark.json`
//! (its id and throughput) and `estimates.json` (point estimates and
//! confidence intervals, in nanoseconds per iteration). [`read_dir`] collects
//! the median of each; `gc-bench report --criterion target/criterion` stores
//! them in the merged report, so that `docs/benchmarks.md` can show them
//! beside the workloads, with the ratios the issues set bars on (allocation
//! against `bumpalo` and `Box`, a minor GC per MiB survived).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One criterion benchmark's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchFigure {
    /// `alloc_1000_nodes/tenure`, `minor/survive/1024KiB`.
    pub id: String,
    /// Median time per iteration, ns.
    pub median_ns: f64,
    /// The 95% confidence interval of the median, ns.
    pub median_ci_ns: (f64, f64),
    /// Elements per iteration, if the benchmark declared them.
    pub elements: Option<u64>,
    /// Bytes per iteration, if the benchmark declared them.
    pub bytes: Option<u64>,
}

impl BenchFigure {
    /// Median time per element (or per byte), ns; else per iteration.
    pub fn per_unit_ns(&self) -> f64 {
        let units = self.elements.or(self.bytes).unwrap_or(1).max(1);
        self.median_ns / units as f64
    }
}

#[derive(Deserialize)]
struct BenchmarkJson {
    full_id: String,
    throughput: Option<Throughput>,
}

#[derive(Deserialize)]
enum Throughput {
    Elements(u64),
    Bytes(u64),
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct EstimatesJson {
    median: Estimate,
}

/// Every benchmark under a criterion output directory, sorted by id.
/// Directories that are not a benchmark's `new/` results are skipped.
pub fn read_dir(dir: &Path) -> Result<Vec<BenchFigure>, String> {
    let mut figures = Vec::new();
    visit(dir, &mut figures).map_err(|e| format!("{}: {e}", dir.display()))?;
    figures.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(figures)
}

fn visit(dir: &Path, figures: &mut Vec<BenchFigure>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            if let Some(figure) = read_one(&path) {
                figures.push(figure);
            }
        } else if path.file_name().is_some_and(|n| n != "report") {
            visit(&path, figures)?;
        }
    }
    Ok(())
}

fn read_one(dir: &Path) -> Option<BenchFigure> {
    let bench: BenchmarkJson =
        serde_json::from_str(&std::fs::read_to_string(dir.join("benchmark.json")).ok()?).ok()?;
    let estimates: EstimatesJson =
        serde_json::from_str(&std::fs::read_to_string(dir.join("estimates.json")).ok()?).ok()?;
    let (elements, bytes) = match bench.throughput {
        Some(Throughput::Elements(n)) => (Some(n), None),
        Some(Throughput::Bytes(n)) => (None, Some(n)),
        _ => (None, None),
    };
    let median = estimates.median;
    Some(BenchFigure {
        id: bench.full_id,
        median_ns: median.point_estimate,
        median_ci_ns: (
            median.confidence_interval.lower_bound,
            median.confidence_interval.upper_bound,
        ),
        elements,
        bytes,
    })
}

/// The figure with this id.
pub fn find<'a>(figures: &'a [BenchFigure], id: &str) -> Option<&'a BenchFigure> {
    figures.iter().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_criterion_tree() {
        let dir = std::env::temp_dir().join(format!("gc-bench-micro-{}", std::process::id()));
        let new = dir.join("minor/survive/1024KiB/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"minor","function_id":"survive","value_str":"1024KiB","throughput":{"Bytes":1048576},"full_id":"minor/survive/1024KiB"}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"median":{"point_estimate":800000.0,"confidence_interval":{"lower_bound":790000.0,"upper_bound":810000.0,"confidence_level":0.95},"standard_error":1.0}}"#,
        )
        .unwrap();
        // A base/ directory beside new/ is ignored.
        std::fs::create_dir_all(dir.join("minor/survive/1024KiB/base")).unwrap();
        let figures = read_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(figures.len(), 1);
        assert_eq!(figures[0].id, "minor/survive/1024KiB");
        assert_eq!(figures[0].bytes, Some(1 << 20));
        assert!((figures[0].per_unit_ns() - 800_000.0 / 1048576.0).abs() < 1e-9);
    }
}
