//! The trigger: at what heap size old-generation marking starts.
//!
//! Part of the pacer (see [`super`]). Marking is paid for by the mutator as it
//! allocates (assists), so the trigger sets how heavily each allocated byte is
//! taxed while marking runs. Start late and the tax is steep; start early and
//! marking (with its write-barrier cost and black-allocated floating garbage) is
//! on for longer. Like Go's pacer we aim for a fixed share of the CPU during the
//! mark phase, [`GOAL_UTILIZATION`], and place the trigger where that share
//! finishes the expected mark work just as the heap reaches its goal.
//!
//! The **cons/mark ratio** makes that computable. It is the mutator's allocation
//! rate (bytes per mutator-nanosecond) divided by the collector's scan rate
//! (work units per GC-nanosecond): how many bytes the program allocates for each
//! unit of marking, if both got the same CPU time. If the collector gets a share
//! `u` of the CPU, then while it does `W` units of work the mutator allocates
//! `cons_mark * W * (1 - u) / u` bytes: that is the *runway* the trigger leaves
//! below the goal. Each cycle measures one sample ([`cons_mark_sample`]); the
//! estimate is the largest of the last [`CONS_MARK_HISTORY`] samples (as Go has
//! done since 1.19), because an underestimate makes the trigger late and taxes
//! the mutator above the goal share, while an overestimate only starts marking a
//! little early.
//!
//! The trigger is clamped into a band of the *span* `goal - live`:
//! `live + MIN_TRIGGER_FRACTION * span ..= live + MAX_TRIGGER_FRACTION * span`
//! (Go: 45/64 and 61/64 of the span).
//!
//! Invariants: `live <= trigger <= goal` whenever `live <= goal`; with no goal
//! ([`NO_GOAL`]) the trigger is [`NO_GOAL`] too (collection only by hand); with
//! `goal <= live` the trigger is the goal (start at once).

use std::time::Duration;

use super::goal::NO_GOAL;

/// Share of the CPU, as a fraction, that marking should take while a mark phase
/// runs. Go's background workers use 0.25: the mutator keeps three quarters of
/// its speed while marking, and marking takes a quarter of the time between
/// cycles at most. Higher values shorten mark phases and lengthen each assist.
pub const GOAL_UTILIZATION: f64 = 0.25;

/// Lowest trigger, as a fraction of the span from the live heap to the goal.
/// Starting earlier than 70% of the way would keep marking (and its barrier
/// cost) on for most of the cycle to save little; Go clamps at 45/64 ~ 0.70.
pub const MIN_TRIGGER_FRACTION: f64 = 0.7;

/// Highest trigger, as a fraction of the span. Leaving at least 5% of the span
/// as runway bounds the assist ratio at `expected_work / (0.05 * span)`: at
/// `gc_percent = 100`, where the span is about the expected work, at most 20
/// units of marking per allocated byte, even when the cons/mark estimate is tiny
/// (a program that barely allocates). Go clamps at 61/64 ~ 0.95.
pub const MAX_TRIGGER_FRACTION: f64 = 0.95;

/// Number of past cycles whose cons/mark samples the estimate looks at. Four (as
/// in Go) forgets a genuine drop in allocation rate within four cycles while one
/// noisy low sample never lowers the estimate.
pub const CONS_MARK_HISTORY: usize = 4;

/// One cycle's cons/mark ratio (bytes allocated per unit of mark work, at equal
/// CPU): `(bytes_allocated / mutator_time) / (mark_work / mark_time)`.
///
/// `None` when any input is zero: a cycle marked in one stop-the-world step, or
/// during which nothing was allocated, says nothing about the rates.
pub fn cons_mark_sample(
    bytes_allocated: usize,
    mark_work: usize,
    mark_time: Duration,
    mutator_time: Duration,
) -> Option<f64> {
    let mark_nanos = mark_time.as_nanos() as f64;
    let mutator_nanos = mutator_time.as_nanos() as f64;
    if bytes_allocated == 0 || mark_work == 0 || mark_nanos == 0.0 || mutator_nanos == 0.0 {
        return None;
    }
    let alloc_rate = bytes_allocated as f64 / mutator_nanos;
    let scan_rate = mark_work as f64 / mark_nanos;
    Some(alloc_rate / scan_rate)
}

/// The last [`CONS_MARK_HISTORY`] cons/mark samples and the estimate taken from them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsMarkHistory {
    /// Samples, in bytes per work unit; a ring buffer. Written by [`Self::record`].
    samples: [f64; CONS_MARK_HISTORY],
    /// How many entries of `samples` hold a sample (at most the length).
    len: usize,
    /// Index in `samples` the next sample overwrites.
    next: usize,
}

impl ConsMarkHistory {
    /// An empty history: no estimate until the first sample.
    pub fn new() -> ConsMarkHistory {
        ConsMarkHistory::default()
    }

    /// Adds one cycle's sample, forgetting the oldest once the history is full.
    ///
    /// # Requires
    /// `sample` is finite and positive (as [`cons_mark_sample`] returns).
    pub fn record(&mut self, sample: f64) {
        assert!(
            sample.is_finite() && sample > 0.0,
            "cons/mark sample {sample} must be > 0"
        );
        self.samples[self.next] = sample;
        self.next = (self.next + 1) % CONS_MARK_HISTORY;
        self.len = (self.len + 1).min(CONS_MARK_HISTORY);
    }

    /// The estimate, in bytes per work unit: the largest recent sample, or
    /// `None` before any cycle was measured.
    pub fn estimate(&self) -> Option<f64> {
        self.samples[..self.len].iter().copied().reduce(f64::max)
    }
}

/// The runway, in bytes: what the mutator allocates while the collector does
/// `expected_work` units at [`GOAL_UTILIZATION`], given the cons/mark ratio.
pub fn runway(cons_mark: f64, expected_work: usize) -> f64 {
    cons_mark * expected_work as f64 * (1.0 - GOAL_UTILIZATION) / GOAL_UTILIZATION
}

/// The trigger in heap bytes: `goal - runway`, clamped into the band described
/// in the module docs. Without an estimate (before the first measured cycle) it
/// is the lowest trigger in the band, the cautious choice.
pub fn trigger(
    live_bytes: usize,
    goal: usize,
    cons_mark: Option<f64>,
    expected_work: usize,
) -> usize {
    if goal == NO_GOAL || goal <= live_bytes {
        return goal;
    }
    let span = (goal - live_bytes) as f64;
    let lowest = live_bytes as f64 + span * MIN_TRIGGER_FRACTION;
    let highest = live_bytes as f64 + span * MAX_TRIGGER_FRACTION;
    let wanted = match cons_mark {
        None => lowest,
        Some(ratio) => goal as f64 - runway(ratio, expected_work),
    };
    // Float-to-int `as` saturates; the clamp keeps the value in [live, goal].
    wanted.clamp(lowest, highest) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn sample_is_the_ratio_of_rates() {
        // 1 MiB allocated in 10 ms of mutator time, 4 MiB scanned in 2 ms:
        // alloc 1/10 MiB per ms, scan 2 MiB per ms -> 0.05.
        let s = cons_mark_sample(
            MIB,
            4 * MIB,
            Duration::from_millis(2),
            Duration::from_millis(10),
        );
        assert!(close(s.unwrap(), 0.05));
    }

    #[test]
    fn sample_without_timing_is_none() {
        assert_eq!(
            cons_mark_sample(MIB, MIB, Duration::ZERO, Duration::from_millis(1)),
            None
        );
        assert_eq!(
            cons_mark_sample(MIB, MIB, Duration::from_millis(1), Duration::ZERO),
            None
        );
        assert_eq!(
            cons_mark_sample(0, MIB, Duration::from_millis(1), Duration::from_millis(1)),
            None
        );
        assert_eq!(
            cons_mark_sample(MIB, 0, Duration::from_millis(1), Duration::from_millis(1)),
            None
        );
    }

    #[test]
    fn history_takes_the_max_of_the_last_four() {
        let mut h = ConsMarkHistory::new();
        assert_eq!(h.estimate(), None);
        for s in [0.5, 0.1, 0.2, 0.3] {
            h.record(s);
        }
        assert_eq!(h.estimate(), Some(0.5));
        h.record(0.1); // the 0.5 falls out
        assert_eq!(h.estimate(), Some(0.3));
    }

    #[test]
    #[should_panic(expected = "must be > 0")]
    fn history_rejects_nan() {
        ConsMarkHistory::new().record(f64::NAN);
    }

    #[test]
    fn runway_at_goal_utilization() {
        // u = 0.25: the mutator gets 3x the collector's CPU.
        assert!(close(runway(0.1, 10 * MIB), 3.0 * MIB as f64));
    }

    #[test]
    fn trigger_leaves_the_runway_below_the_goal() {
        // live 100 MiB, goal 200 MiB; runway = 0.05 * 100 MiB * 3 = 15 MiB.
        let t = trigger(100 * MIB, 200 * MIB, Some(0.05), 100 * MIB);
        assert_eq!(t, 185 * MIB);
    }

    #[test]
    fn trigger_is_clamped_into_the_band() {
        let (live, goal) = (100 * MIB, 200 * MIB);
        // A huge ratio wants to start before the live heap: clamp to 70%.
        assert_eq!(trigger(live, goal, Some(100.0), 100 * MIB), 170 * MIB);
        // A tiny ratio wants to start at the goal: clamp to 95%.
        assert_eq!(trigger(live, goal, Some(1e-9), 100 * MIB), 195 * MIB);
        // No estimate yet: the cautious end.
        assert_eq!(trigger(live, goal, None, 100 * MIB), 170 * MIB);
    }

    #[test]
    fn trigger_edge_cases() {
        assert_eq!(trigger(10, NO_GOAL, Some(1.0), 10), NO_GOAL);
        assert_eq!(trigger(300 * MIB, 200 * MIB, Some(1.0), 10), 200 * MIB);
        assert_eq!(trigger(200 * MIB, 200 * MIB, None, 10), 200 * MIB);
        let t = trigger(0, usize::MAX - 1, Some(f64::MAX), usize::MAX);
        assert!(t < usize::MAX);
    }
}
