//! Reports: the terminal table, JSON, CSV and `docs/benchmarks.md`.
//!
//! Every ratio is taken inside one [`Report`] (one run of the suite, same
//! machine, same minute), against the workload's *reference* tenure run: the
//! first tenure run whose settings are tenure's defaults or `gc=100`, else the
//! first tenure run. "time / tenure" above 1 means the peer took longer.
//! A run whose check differs from the reference's is flagged `MISMATCH`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::collector::Collector;
use crate::driver::{Declined, Failure};
use crate::micro::BenchFigure;
use crate::result::RunResult;

/// One run of the suite: what was asked, what came back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// Where and how it ran.
    pub meta: Meta,
    /// One result per job (the median of its repetitions).
    pub runs: Vec<RunResult>,
    /// Jobs that crashed or timed out.
    pub failures: Vec<Failure>,
    /// Workload/collector pairs a workload cannot express.
    pub declined: Vec<Declined>,
    /// The criterion micro-benchmarks, when `report --criterion` read them.
    #[serde(default)]
    pub micro: Vec<BenchFigure>,
}

/// Where and how the suite ran.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Meta {
    /// The command line, as given.
    pub command: String,
    /// Whether `--quick` sizes were used.
    pub quick: bool,
    /// `release` or `debug` (the profile gc-bench was built with).
    pub profile: String,
    /// Logical CPUs visible.
    pub cpus: usize,
    /// Seconds since the Unix epoch when the suite started.
    pub started_unix: u64,
    /// Wall seconds the whole suite took (spawning included).
    pub suite_seconds: f64,
}

impl Meta {
    /// The metadata of a suite starting now.
    pub fn now(command: String, quick: bool) -> Meta {
        Meta {
            command,
            quick,
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .to_owned(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            started_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            suite_seconds: 0.0,
        }
    }
}

/// The runs that are compared with each other: one workload at one size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Workload name.
    pub workload: String,
    /// Its size parameter.
    pub size: u32,
}

impl std::fmt::Display for Group {
    /// `binary-trees@21`: also the stem of the group's plot files.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.workload, self.size)
    }
}

impl Report {
    /// The groups (workload, size), in the order they first appear.
    pub fn groups(&self) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        for run in &self.runs {
            let group = Group {
                workload: run.workload.clone(),
                size: run.size,
            };
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
        groups
    }

    /// The runs of one group.
    pub fn runs_of<'a>(&'a self, group: &'a Group) -> impl Iterator<Item = &'a RunResult> + 'a {
        self.runs
            .iter()
            .filter(move |r| r.workload == group.workload && r.size == group.size)
    }

    /// The reference tenure run of a group (see the module docs).
    pub fn reference<'a>(&'a self, group: &'a Group) -> Option<&'a RunResult> {
        let tenure: Vec<&RunResult> = self
            .runs_of(group)
            .filter(|r| r.collector == Collector::Tenure)
            .collect();
        tenure
            .iter()
            .find(|r| matches!(r.label.as_str(), "tenure default" | "tenure gc=100"))
            .or(tenure.first())
            .copied()
    }

    /// The largest-size group of `workload` with both a tenure reference and
    /// a run on `peer`: (tenure's reference run, the peer's run).
    pub fn pair(&self, workload: &str, peer: Collector) -> Option<(&RunResult, &RunResult)> {
        let mut groups: Vec<Group> = self
            .groups()
            .into_iter()
            .filter(|g| g.workload == workload)
            .collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.size));
        groups.iter().find_map(|g| {
            let tenure = self.reference(g)?;
            let other = self.runs_of(g).find(|r| r.collector == peer)?;
            // Re-borrow from self so the result does not borrow `groups`.
            let tenure = self.runs.iter().find(|r| std::ptr::eq(*r, tenure))?;
            let other = self.runs.iter().find(|r| std::ptr::eq(*r, other))?;
            Some((tenure, other))
        })
    }
}

// ------------------------------------------------------------------ formatting

/// `812 ns`, `35.2 us`, `4.10 ms`, `1.25 s`.
pub fn fmt_ns(ns: u64) -> String {
    let ns = ns as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} us", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Bytes as MiB with one decimal.
pub fn fmt_mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// `12.3M/s`, `850k/s`.
pub fn fmt_rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.1}M/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.0}k/s", per_second / 1e3)
    } else {
        format!("{per_second:.0}/s")
    }
}

/// The run's 1-minute load average at its start and end (`1.9-2.4`).
pub fn fmt_load(run: &RunResult) -> String {
    match (run.load_start, run.load_end) {
        (Some(a), Some(b)) if (a - b).abs() < 0.05 => format!("{a:.1}"),
        (Some(a), Some(b)) => format!("{a:.1}-{b:.1}"),
        (Some(a), None) | (None, Some(a)) => format!("{a:.1}"),
        (None, None) => "-".to_owned(),
    }
}

/// The median of some values (the lower middle one for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len().saturating_sub(1) / 2).copied()
}

/// The pauses-by-kind table of a group: one row per (run, kind). Wall
/// times first, then on-CPU times where the probe could read them.
pub fn kinds_table(report: &Report, group: &Group) -> Option<Table> {
    let runs: Vec<&RunResult> = report
        .runs_of(group)
        .filter(|r| !r.pause_kinds.is_empty())
        .collect();
    if runs.is_empty() {
        return None;
    }
    let cpu = runs
        .iter()
        .any(|r| r.pause_kinds.iter().any(|k| k.cpu.is_some()));
    let mut header = vec![
        "run", "kind", "count", "p50", "p99", "p99.9", "max", "> 1 ms",
    ];
    if cpu {
        header.extend(["CPU p99.9", "CPU max", "CPU > 1 ms"]);
    }
    header.push("max per repetition (wall / CPU)");
    let mut table = Table::new(&header);
    let list = |values: &[u64]| -> Vec<String> { values.iter().map(|&ns| fmt_ns(ns)).collect() };
    for run in runs {
        for k in &run.pause_kinds {
            let l = &k.latency;
            let mut row = vec![
                run.label.clone(),
                k.kind.clone(),
                l.count.to_string(),
                fmt_ns(l.p50_ns),
                fmt_ns(l.p99_ns),
                fmt_ns(l.p999_ns),
                fmt_ns(l.max_ns),
                k.over_1ms.to_string(),
            ];
            if cpu {
                let c = k.cpu.as_ref();
                row.push(opt(c, |c| fmt_ns(c.p999_ns)));
                row.push(opt(c, |c| fmt_ns(c.max_ns)));
                row.push(if c.is_some() {
                    k.cpu_over_1ms.to_string()
                } else {
                    "-".to_owned()
                });
            }
            let (wall, cpu) = (list(&k.max_ns_runs), list(&k.cpu_max_ns_runs));
            row.push(
                match (
                    wall.is_empty(),
                    cpu.iter().all(|c| c == "1 ns" || c == "0 ns"),
                ) {
                    (true, _) => "-".to_owned(),
                    (false, true) => wall.join(", "),
                    (false, false) => format!("{} / {}", wall.join(", "), cpu.join(", ")),
                },
            );
            table.row(row);
        }
    }
    Some(table)
}

fn opt<T>(value: Option<T>, f: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "-".to_owned(), f)
}

/// A table that renders as aligned text or as Markdown.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (as many cells as columns).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    /// Aligned plain text.
    pub fn text(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain([self.header[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (c, w))| {
                    if i == 0 {
                        format!("{c:<w$}")
                    } else {
                        format!("{c:>w$}")
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_owned()
        };
        let mut out = line(&self.header) + "\n";
        for row in &self.rows {
            out += &line(row);
            out.push('\n');
        }
        out
    }

    /// GitHub-flavoured Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!("| {} |\n", self.header.join(" | "));
        out += &format!("|{}\n", " --- |".repeat(self.header.len()));
        for row in &self.rows {
            out += &format!("| {} |\n", row.join(" | "));
        }
        out
    }
}

/// The detail table of one group: one row per run.
pub fn workload_table(report: &Report, group: &Group) -> Table {
    let reference = report.reference(group);
    let latency = report.runs_of(group).any(|r| r.op_latency.is_some());
    let mut header = vec![
        "run",
        "wall s",
        "time/tenure",
        "throughput",
        "pauses",
        "p50",
        "p99",
        "p99.9",
        "max pause",
        "minor/major",
        "GC %",
        "peak heap",
        "max goal",
        "live",
        "peak RSS",
        "load",
        "check",
    ];
    if latency {
        header.extend(["worst op", "worst op warm", "op p99.99"]);
    }
    let mut table = Table::new(&header);
    for run in report.runs_of(group) {
        let ratio = reference.map(|t| run.wall_s / t.wall_s.max(1e-9));
        let check = match reference {
            Some(t) if t.check != run.check => "MISMATCH".to_owned(),
            _ => "ok".to_owned(),
        };
        let p = run.pauses.as_ref();
        let mut row = vec![
            run.label.clone(),
            format!("{:.3}", run.wall_s),
            opt(ratio, |r| format!("{r:.2}x")),
            format!("{} {}", fmt_rate(run.throughput), run.ops_unit),
            opt(p, |p| p.count.to_string()),
            opt(p, |p| fmt_ns(p.p50_ns)),
            opt(p, |p| fmt_ns(p.p99_ns)),
            opt(p, |p| fmt_ns(p.p999_ns)),
            opt(p, |p| fmt_ns(p.max_ns)),
            match (run.minor_collections, run.major_collections) {
                (Some(minor), Some(major)) => format!("{minor}/{major}"),
                (None, Some(n)) => format!("-/{n}"),
                _ => "-".to_owned(),
            },
            opt(run.gc_fraction, |f| format!("{:.1}", f * 100.0)),
            opt(run.peak_heap_bytes, fmt_mib),
            opt(run.max_heap_goal_bytes, fmt_mib),
            opt(run.max_live_bytes, fmt_mib),
            fmt_mib(run.peak_rss_bytes),
            fmt_load(run),
            check,
        ];
        if latency {
            let o = run.op_latency.as_ref();
            row.push(opt(o, |o| fmt_ns(o.max_ns)));
            row.push(opt(run.worst_op_after_warmup_ns, fmt_ns));
            row.push(opt(o, |o| fmt_ns(o.p9999_ns)));
        }
        table.row(row);
    }
    table
}

/// The headline: the reference tenure run against every peer, per workload.
pub fn headline_table(report: &Report) -> Table {
    let mut table = Table::new(&[
        "workload@size",
        "collector",
        "wall s",
        "time / tenure",
        "worst stop",
        "peak RSS",
        "RSS / tenure",
    ]);
    for group in report.groups() {
        let Some(reference) = report.reference(&group) else {
            continue;
        };
        let mut rows: Vec<&RunResult> = vec![reference];
        rows.extend(
            report
                .runs_of(&group)
                .filter(|r| r.collector != Collector::Tenure),
        );
        for run in rows {
            // The worst stop the program saw: the longest pause, or for a
            // workload that times operations, the worst operation.
            let worst = run
                .op_latency
                .as_ref()
                .map(|o| o.max_ns)
                .or(run.pauses.as_ref().map(|p| p.max_ns));
            table.row(vec![
                group.to_string(),
                run.label.clone(),
                format!("{:.3}", run.wall_s),
                format!("{:.2}x", run.wall_s / reference.wall_s.max(1e-9)),
                opt(worst, fmt_ns),
                fmt_mib(run.peak_rss_bytes),
                format!(
                    "{:.2}x",
                    run.peak_rss_bytes as f64 / reference.peak_rss_bytes.max(1) as f64
                ),
            ]);
        }
    }
    table
}

/// Everything for the terminal.
pub fn terminal(report: &Report) -> String {
    let mut out = String::new();
    for group in report.groups() {
        let _ = writeln!(out, "\n== {group}");
        out += &workload_table(report, &group).text();
    }
    let _ = writeln!(out, "\n== headline (ratios to the reference tenure run)");
    out += &headline_table(report).text();
    for failure in &report.failures {
        let _ = writeln!(out, "FAILED {}: {}", failure.job.label(), failure.message);
    }
    out
}

/// Writes `results.json` and `results.csv` (no samples) into `dir`.
pub fn write_files(report: &Report, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json = dir.join("results.json");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(report).map_err(std::io::Error::other)?,
    )?;
    let csv_path = dir.join("results.csv");
    let mut csv = csv::Writer::from_path(&csv_path).map_err(std::io::Error::other)?;
    csv.write_record([
        "workload@size",
        "collector",
        "label",
        "size",
        "wall_s",
        "ops",
        "ops_unit",
        "throughput",
        "pauses",
        "pause_p50_ns",
        "pause_p99_ns",
        "pause_p999_ns",
        "pause_max_ns",
        "pause_total_ns",
        "gc_fraction",
        "gc_cpu_fraction_reported",
        "minor",
        "major",
        "peak_heap_bytes",
        "max_heap_goal_bytes",
        "max_live_bytes",
        "goal_ratio",
        "max_cycle_overshoot",
        "peak_rss_bytes",
        "op_p50_ns",
        "op_p9999_ns",
        "op_max_ns",
        "worst_op_warm_ns",
        "check",
    ])
    .map_err(std::io::Error::other)?;
    let s = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    let f = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
    for r in &report.runs {
        let p = r.pauses.as_ref();
        let o = r.op_latency.as_ref();
        csv.write_record([
            r.workload.clone(),
            r.collector.to_string(),
            r.label.clone(),
            r.size.to_string(),
            format!("{:.6}", r.wall_s),
            r.ops.to_string(),
            r.ops_unit.clone(),
            format!("{:.1}", r.throughput),
            s(p.map(|p| p.count)),
            s(p.map(|p| p.p50_ns)),
            s(p.map(|p| p.p99_ns)),
            s(p.map(|p| p.p999_ns)),
            s(p.map(|p| p.max_ns)),
            s(p.map(|p| p.total_ns)),
            f(r.gc_fraction),
            f(r.gc_cpu_fraction_reported),
            s(r.minor_collections),
            s(r.major_collections),
            s(r.peak_heap_bytes),
            s(r.max_heap_goal_bytes),
            s(r.max_live_bytes),
            f(r.goal_ratio),
            f(r.max_cycle_overshoot),
            r.peak_rss_bytes.to_string(),
            s(o.map(|o| o.p50_ns)),
            s(o.map(|o| o.p9999_ns)),
            s(o.map(|o| o.max_ns)),
            s(r.worst_op_after_warmup_ns),
            r.check.clone(),
        ])
        .map_err(std::io::Error::other)?;
    }
    csv.flush()?;
    Ok(vec![json, csv_path])
}

/// Reads a report written by [`write_files`].
pub fn read_json(path: &Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `to` relative to directory `from` (both made absolute), for links.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let absolute = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        p.canonicalize().unwrap_or(p)
    };
    let (from, to) = (absolute(from), absolute(to));
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in from.components().skip(common) {
        out.push("..");
    }
    for part in to.components().skip(common) {
        out.push(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_well() {
        assert_eq!(fmt_ns(812), "812 ns");
        assert_eq!(fmt_ns(35_200), "35.2 us");
        assert_eq!(fmt_ns(4_100_000), "4.10 ms");
        assert_eq!(fmt_mib(3 << 20), "3.0 MiB");
        assert_eq!(fmt_rate(2.5e6), "2.5M/s");
    }

    #[test]
    fn tables_render_both_ways() {
        let mut table = Table::new(&["a", "bb"]);
        table.row(vec!["x".into(), "1".into()]);
        assert_eq!(table.text(), "a  bb\nx   1\n");
        assert_eq!(table.markdown(), "| a | bb |\n| --- | --- |\n| x | 1 |\n");
    }

    #[test]
    fn relative_paths_climb_and_descend() {
        let rel = relative(
            Path::new("/a/b/docs"),
            Path::new("/a/b/gc-bench/results/x.svg"),
        );
        assert_eq!(rel, PathBuf::from("../gc-bench/results/x.svg"));
    }
}
