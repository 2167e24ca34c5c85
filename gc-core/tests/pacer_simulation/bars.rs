//! Judging a scenario's cycles: cycles to settle, GC share of CPU, the results table,
//! and the bars each scenario must clear (peak within the band of the goal, the hard
//! goal kept, the memory limit met, or GC CPU held at the limiter's share).

use super::scenarios::{Expect, Scenario};
use super::sim::Cycle;
use super::{CYCLES, PEAK_BAND, SAFE_POINT_BYTES, SETTLE_BOUND};

/// Cycles after `from` until every later cycle is settled (0 if all are).
fn cycles_to_settle(cycles: &[Cycle], from: usize, util_step: Option<f64>) -> usize {
    let settled = |j: usize| {
        let c = &cycles[j];
        let in_band = (PEAK_BAND.0..=PEAK_BAND.1).contains(&c.peak_over_goal);
        let steady_util = match (util_step, j.checked_sub(1)) {
            (Some(tol), Some(prev)) => {
                (c.mark_utilization - cycles[prev].mark_utilization).abs() <= tol
            }
            _ => true,
        };
        in_band && steady_util
    };
    (from..cycles.len())
        .rev()
        .find(|&j| !settled(j))
        .map_or(0, |j| j + 1 - from)
}

/// GC share of CPU over a range of cycles.
fn gc_fraction(cycles: &[Cycle]) -> f64 {
    let gc: f64 = cycles.iter().map(|c| c.gc_nanos).sum();
    let mutator: f64 = cycles.iter().map(|c| c.mutator_nanos).sum();
    gc / (gc + mutator)
}

/// One row of the results table.
pub(crate) struct Row {
    name: &'static str,
    settle: Option<usize>,
    peak_over_goal: (f64, f64),
    peak_over_hard: f64,
    mark_utilization: f64,
    gc_fraction: f64,
    gc_fraction_late: f64,
}

pub(crate) fn summarize(s: &Scenario, cycles: &[Cycle]) -> Row {
    let (settle, from) = match s.expect {
        Expect::Settles { from, util_step } => {
            (Some(cycles_to_settle(cycles, from, util_step)), from)
        }
        Expect::MeetsLimit { .. } => (Some(cycles_to_settle(cycles, 0, Some(0.02))), 0),
        Expect::LimitUnmet => (None, 0),
    };
    let after = &cycles[from + settle.unwrap_or(0)..];
    let ratios = after.iter().map(|c| c.peak_over_goal);
    Row {
        name: s.name,
        settle,
        peak_over_goal: (
            ratios.clone().fold(f64::MAX, f64::min),
            ratios.fold(0.0, f64::max),
        ),
        peak_over_hard: cycles
            .iter()
            .map(|c| c.peak as f64 / c.hard_goal as f64)
            .fold(0.0, f64::max),
        mark_utilization: after.iter().map(|c| c.mark_utilization).sum::<f64>()
            / after.len() as f64,
        gc_fraction: gc_fraction(cycles),
        gc_fraction_late: gc_fraction(&cycles[CYCLES / 2..]),
    }
}

pub(crate) fn print_table(rows: &[Row]) {
    println!(
        "{:<17} {:>7} {:>15} {:>9} {:>9} {:>8} {:>8}",
        "scenario", "settle", "peak/goal", "peak/hard", "mark util", "GC CPU", "GC late"
    );
    for r in rows {
        let settle = r.settle.map_or("-".to_owned(), |n| n.to_string());
        println!(
            "{:<17} {:>7} {:>7.3}..{:<6.3} {:>9.3} {:>9.3} {:>8.4} {:>8.4}",
            r.name,
            settle,
            r.peak_over_goal.0,
            r.peak_over_goal.1,
            r.peak_over_hard,
            r.mark_utilization,
            r.gc_fraction,
            r.gc_fraction_late
        );
    }
}

/// The bars each scenario must clear; returns the failures.
pub(crate) fn check(s: &Scenario, cycles: &[Cycle], row: &Row) -> Vec<String> {
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(format!("{}: {what}", s.name));
    if let Some(settle) = row.settle {
        if settle > SETTLE_BOUND {
            fail(format!(
                "settled after {settle} cycles (bound {SETTLE_BOUND})"
            ));
        }
    }
    match s.expect {
        Expect::Settles { .. } | Expect::MeetsLimit { .. } => {
            for (k, c) in cycles.iter().enumerate() {
                // The heap pays its debt at the safe point after an allocation,
                // so the quantum during which marking completes may cross the
                // hard goal; nothing more may.
                if c.peak > c.hard_goal + SAFE_POINT_BYTES {
                    fail(format!(
                        "cycle {k}: peak {} above hard goal {}",
                        c.peak, c.hard_goal
                    ));
                }
                if !(c.trigger <= c.peak && c.goal <= c.hard_goal) {
                    fail(format!("cycle {k}: trigger/goal order broken: {c:?}"));
                }
            }
        }
        Expect::LimitUnmet => {}
    }
    match s.expect {
        Expect::MeetsLimit { limit } => {
            let worst = cycles
                .iter()
                .map(|c| c.peak + s.non_heap_bytes)
                .max()
                .unwrap_or(0);
            if worst > limit {
                fail(format!("footprint {worst} above the memory limit {limit}"));
            }
        }
        Expect::LimitUnmet => {
            let cpu_limit = s.settings.cpu_limit;
            if row.gc_fraction_late > cpu_limit + 0.02 {
                fail(format!(
                    "GC CPU {:.3} above the limit {cpu_limit}",
                    row.gc_fraction_late
                ));
            }
            let late = &cycles[CYCLES / 2..];
            if late.iter().any(|c| c.mutator_nanos <= 0.0) || 1.0 - row.gc_fraction_late < 0.45 {
                fail("the mutator stopped making progress".to_owned());
            }
        }
        Expect::Settles { .. } => {}
    }
    failures
}
