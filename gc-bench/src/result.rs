//! What one run reports, and how peak RSS is read.
//!
//! A [`RunResult`] is what a child process prints (one JSON line) and what
//! the driver collects, tabulates, plots and writes to JSON and CSV. Fields
//! that a collector cannot provide are `None` and shown as `-`: a peer that
//! collects inside allocation has no separable pause; only tenure has a heap
//! goal. Times are in seconds or nanoseconds as the field name says; sizes
//! are bytes.
//!
//! Peak RSS is the kernel's high-water mark (`VmHWM` in `/proc/self/status`)
//! of the child process that ran only this workload on only this collector,
//! so it is the run's own.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::collector::Collector;
use crate::probe::{CycleRecord, Probe, Sample};
use crate::settings::TenureSettings;

/// Percentiles of a latency histogram, nanoseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Latency {
    /// Number of values recorded.
    pub count: u64,
    /// Sum of all values (exact, not from the histogram), ns.
    pub total_ns: u64,
    /// Median, ns.
    pub p50_ns: u64,
    /// 99th percentile, ns.
    pub p99_ns: u64,
    /// 99.9th percentile, ns.
    pub p999_ns: u64,
    /// 99.99th percentile, ns.
    pub p9999_ns: u64,
    /// Largest, ns.
    pub max_ns: u64,
    /// Log-spaced histogram for plots: (upper bound ns, count) per bucket.
    pub buckets: Vec<(u64, u64)>,
}

impl Latency {
    /// Summarises `histogram`; `total` is the exact sum; None if empty.
    pub fn from_histogram(histogram: &Histogram<u64>, total: Duration) -> Option<Latency> {
        if histogram.is_empty() {
            return None;
        }
        let buckets = histogram
            .iter_log(1_000, 2.0)
            .filter(|v| v.count_since_last_iteration() > 0)
            .map(|v| (v.value_iterated_to(), v.count_since_last_iteration()))
            .collect();
        Some(Latency {
            count: histogram.len(),
            total_ns: u64::try_from(total.as_nanos()).unwrap_or(u64::MAX),
            p50_ns: histogram.value_at_quantile(0.5),
            p99_ns: histogram.value_at_quantile(0.99),
            p999_ns: histogram.value_at_quantile(0.999),
            p9999_ns: histogram.value_at_quantile(0.9999),
            max_ns: histogram.max(),
            buckets,
        })
    }
}

/// The pauses of one kind (see `probe`'s "pauses by kind").
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KindLatency {
    /// `minor`, `mark`, `minor+mark`, `mark-end`, `sweep`, ...
    pub kind: String,
    /// Their distribution (wall time).
    pub latency: Latency,
    /// How many took longer than 1 ms (issue 4's bar for one step).
    pub over_1ms: u64,
    /// Their on-CPU time (wall time less any time the thread waited for a
    /// CPU), where the platform can tell.
    #[serde(default)]
    pub cpu: Option<Latency>,
    /// How many were on a CPU for longer than 1 ms.
    #[serde(default)]
    pub cpu_over_1ms: u64,
    /// The longest of this kind in each repetition, ns (empty if run once).
    #[serde(default)]
    pub max_ns_runs: Vec<u64>,
    /// The longest on-CPU time of this kind in each repetition, ns.
    #[serde(default)]
    pub cpu_max_ns_runs: Vec<u64>,
}

/// Everything one run measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResult {
    /// Workload name.
    pub workload: String,
    /// Collector.
    pub collector: Collector,
    /// tenure's settings for this run (None for peers).
    pub settings: Option<TenureSettings>,
    /// `tenure gc=100`, `box`, ...: the row's name in tables and plots.
    pub label: String,
    /// The workload's size parameter (depth for trees).
    pub size: u32,
    /// Wall-clock seconds of the workload (process start-up excluded); the
    /// median run's when the job was repeated.
    pub wall_s: f64,
    /// Every repetition's wall time, seconds (empty if run once).
    #[serde(default)]
    pub wall_s_runs: Vec<f64>,
    /// Units of work done (see `ops_unit`).
    pub ops: u64,
    /// What one op is ("nodes", "pushes", "lookups").
    pub ops_unit: String,
    /// ops / wall_s.
    pub throughput: f64,
    /// Every pause (collection work between mutate calls); None if the
    /// collector has no separable pause.
    pub pauses: Option<Latency>,
    /// Safe points visited (with or without work).
    pub safe_points: u64,
    /// Per-operation latency, if the workload times operations.
    pub op_latency: Option<Latency>,
    /// Worst operation after warm-up (gc-latency: after the window filled), ns.
    pub worst_op_after_warmup_ns: Option<u64>,
    /// Sum of pauses / wall time.
    pub gc_fraction: Option<f64>,
    /// tenure's own GC CPU fraction estimate.
    pub gc_cpu_fraction_reported: Option<f64>,
    /// tenure minor collections.
    pub minor_collections: Option<u64>,
    /// tenure major cycles (or a peer's collection count).
    pub major_collections: Option<u64>,
    /// tenure's highest heap size seen at a safe point, bytes.
    pub peak_heap_bytes: Option<u64>,
    /// Highest heap goal seen, bytes.
    pub max_heap_goal_bytes: Option<u64>,
    /// Highest live size found by a mark, bytes.
    pub max_live_bytes: Option<u64>,
    /// Bytes promoted to the old generation.
    pub promoted_bytes: Option<u64>,
    /// peak heap / (max live x (1 + gc_percent/100)): 1.0 means on target.
    pub goal_ratio: Option<f64>,
    /// Largest heap_at_end / goal over the cycles (overshoot of the goal).
    pub max_cycle_overshoot: Option<f64>,
    /// Peak RSS of the child process, bytes.
    pub peak_rss_bytes: u64,
    /// The workload's self-check (check values; must match across collectors).
    pub check: String,
    /// Things a reader must know (leaks, adaptations).
    pub notes: Vec<String>,
    /// Pauses by kind of work (tenure, where the workload asked for it).
    #[serde(default)]
    pub pause_kinds: Vec<KindLatency>,
    /// The 1-minute load average at the start of the run.
    #[serde(default)]
    pub load_start: Option<f64>,
    /// The 1-minute load average at the end of the run.
    #[serde(default)]
    pub load_end: Option<f64>,
    /// The longest pause of each repetition, ns (empty if run once).
    #[serde(default)]
    pub max_pause_ns_runs: Vec<u64>,
    /// The load average at the end of each repetition (empty if run once).
    #[serde(default)]
    pub load_end_runs: Vec<f64>,
    /// Heap size over time.
    pub samples: Vec<Sample>,
    /// tenure's major cycles.
    pub cycles: Vec<CycleRecord>,
}

/// The parts of a run the workload itself returns.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Units of work done.
    pub ops: u64,
    /// What one unit is.
    pub ops_unit: &'static str,
    /// The self-check, printed in the report (identical across collectors).
    pub check: String,
}

impl RunResult {
    /// Builds the result from a finished probe.
    pub fn from_probe(
        workload: &str,
        collector: Collector,
        settings: Option<TenureSettings>,
        size: u32,
        wall: Duration,
        outcome: Outcome,
        probe: Probe,
    ) -> RunResult {
        let wall_s = wall.as_secs_f64();
        let label = match &settings {
            Some(s) => format!("tenure {}", s.label()),
            None => collector.name().to_owned(),
        };
        let pauses = Latency::from_histogram(&probe.pauses, probe.pause_total);
        let separable = matches!(collector, Collector::Tenure | Collector::GcArena);
        let cycles = probe.cycles();
        let stats = probe.tenure_stats.as_ref();
        let max_live = stats.map(|s| {
            let from_cycles = cycles.iter().map(|c| c.live).max().unwrap_or(0);
            from_cycles.max(s.live_bytes as u64)
        });
        let max_goal = stats.map(|s| {
            let from_cycles = cycles.iter().map(|c| c.goal).max().unwrap_or(0);
            let from_samples = probe
                .samples
                .iter()
                .filter_map(|s| s.goal)
                .max()
                .unwrap_or(0);
            from_cycles.max(from_samples).max(s.heap_goal as u64)
        });
        let gc_percent = settings.as_ref().and_then(|s| s.effective_gc_percent());
        let goal_ratio = match (stats, max_live, gc_percent) {
            (Some(s), Some(live), Some(p)) if live > 0 => {
                Some(s.peak_heap_bytes as f64 / (live as f64 * (1.0 + p as f64 / 100.0)))
            }
            _ => None,
        };
        const MS: u64 = 1_000_000;
        let pause_kinds = probe
            .kinds
            .iter()
            .filter_map(|(kind, pauses)| {
                let latency = Latency::from_histogram(&pauses.histogram, pauses.total)?;
                let h = &pauses.histogram;
                // Values in the bucket holding 1 ms count as "at most 1 ms".
                let over_1ms = h.len() - h.count_between(0, MS);
                let c = &pauses.cpu;
                Some(KindLatency {
                    kind: kind.clone(),
                    latency,
                    over_1ms,
                    cpu: Latency::from_histogram(c, pauses.cpu_total),
                    cpu_over_1ms: c.len() - c.count_between(0, MS),
                    max_ns_runs: Vec::new(),
                    cpu_max_ns_runs: Vec::new(),
                })
            })
            .collect();
        let max_cycle_overshoot = cycles
            .iter()
            .filter(|c| !c.forced && c.goal > 0)
            .map(|c| c.heap_at_end as f64 / c.goal as f64)
            .reduce(f64::max);
        RunResult {
            workload: workload.to_owned(),
            collector,
            label,
            size,
            wall_s,
            wall_s_runs: Vec::new(),
            ops: outcome.ops,
            ops_unit: outcome.ops_unit.to_owned(),
            throughput: outcome.ops as f64 / wall_s.max(1e-9),
            gc_fraction: separable.then(|| probe.pause_total.as_secs_f64() / wall_s.max(1e-9)),
            pauses: if separable { pauses } else { None },
            safe_points: probe.safe_points,
            op_latency: Latency::from_histogram(&probe.ops, Duration::ZERO),
            worst_op_after_warmup_ns: probe.worst_op_after_warmup.map(|d| d.as_nanos() as u64),
            gc_cpu_fraction_reported: stats.map(|s| s.gc_cpu_fraction),
            minor_collections: stats.map(|s| s.minor_collections),
            major_collections: stats
                .map(|s| s.major_collections)
                .or(probe.peer_collections),
            peak_heap_bytes: stats.map(|s| s.peak_heap_bytes as u64),
            max_heap_goal_bytes: max_goal,
            max_live_bytes: max_live,
            promoted_bytes: stats.map(|s| s.promoted_bytes),
            goal_ratio,
            max_cycle_overshoot,
            peak_rss_bytes: read_status_kib("VmHWM:").unwrap_or(0) * 1024,
            check: outcome.check,
            notes: probe.notes,
            pause_kinds,
            load_start: probe.load_start,
            load_end: crate::probe::load_average(),
            max_pause_ns_runs: Vec::new(),
            load_end_runs: Vec::new(),
            samples: probe.samples,
            cycles,
            settings,
        }
    }
}

/// Reads a `kB` field of `/proc/self/status` (`VmRSS:`, `VmHWM:`), in KiB.
/// None where procfs is missing (then RSS figures read 0).
pub fn read_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_is_readable_on_linux() {
        if cfg!(target_os = "linux") {
            let rss = read_status_kib("VmRSS:").unwrap();
            let hwm = read_status_kib("VmHWM:").unwrap();
            assert!(rss > 0 && hwm >= rss);
        }
    }

    #[test]
    fn latency_summary_reads_percentiles() {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 1_000_000_000, 3).unwrap();
        for v in 1..=1000u64 {
            histogram.record(v * 1000).unwrap();
        }
        let latency = Latency::from_histogram(&histogram, Duration::from_nanos(1)).unwrap();
        assert_eq!(latency.count, 1000);
        assert!((499_000..=501_000).contains(&latency.p50_ns));
        assert!(latency.max_ns >= 999_000);
        assert_eq!(latency.buckets.iter().map(|b| b.1).sum::<u64>(), 1000);
    }
}
