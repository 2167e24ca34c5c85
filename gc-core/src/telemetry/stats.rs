//! Telemetry: counters in the spirit of Go's `runtime.MemStats`, and the
//! per-cycle report (Go's `GODEBUG=gctrace=1`).
//!
//! The collector updates a `StatsRecorder` at every safe point; `Heap::stats`
//! copies it into a [`Stats`] snapshot together with the spaces' current
//! sizes. Every pause (any collection work done between `mutate` calls) goes
//! into a ring buffer and the totals, so pause percentiles can be computed by
//! tools like gc-bench without the collector keeping a histogram itself.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use crate::state::phase::Phase;
use crate::telemetry::minor::MinorOutcome;

/// How many recent pauses the ring buffer keeps (Go keeps 256).
pub const PAUSE_RING_LEN: usize = 256;

/// What kind of work a pause did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PauseKind {
    /// A minor (young-generation) collection.
    Minor,
    /// Starting a major cycle: shading the roots.
    MarkStart,
    /// An incremental mark step (assist work).
    MarkStep,
    /// The end of marking: a minor GC, draining the gray stack, weak refs.
    MarkTermination,
    /// An incremental sweep step.
    SweepStep,
    /// A whole stop-the-world collection (`collect_full`).
    Full,
}

/// One pause.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Pause {
    /// What the pause did.
    pub kind: PauseKind,
    /// How long it took.
    pub duration: Duration,
}

/// A snapshot of the heap's counters (see `Heap::stats`).
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Bytes allocated over the heap's life.
    pub bytes_allocated: u64,
    /// Objects allocated over the heap's life.
    pub objects_allocated: u64,
    /// Bytes in the heap now: young + old + large + outside bytes.
    pub heap_bytes: usize,
    /// The highest `heap_bytes` seen at a safe point.
    pub peak_heap_bytes: usize,
    /// Bytes the heap holds from the system: Eden's and the survivor spaces'
    /// arenas, old-space blocks and large objects.
    pub committed_bytes: usize,
    /// Bytes allocated in Eden since the last minor GC.
    pub eden_bytes: usize,
    /// Eden's nominal size.
    pub eden_capacity: usize,
    /// Bytes in the survivor from-space.
    pub survivor_bytes: usize,
    /// Capacity of one survivor semispace.
    pub survivor_capacity: usize,
    /// Bytes of old-space cells in use (unswept garbage included).
    pub old_bytes: usize,
    /// Objects in old-space cells.
    pub old_objects: usize,
    /// Bytes of old-space blocks held from the system (blocks in use and
    /// idle pooled blocks; released ones excluded).
    pub old_committed: usize,
    /// Bytes of empty old-space blocks pooled and still resident (Go's
    /// HeapIdle minus HeapReleased): reused before fresh memory, counted by
    /// the memory limit.
    pub old_idle_bytes: usize,
    /// Bytes of pooled old-space blocks whose pages were returned to the OS
    /// and whose address range is kept for reuse (Go's HeapReleased).
    pub old_released_bytes: usize,
    /// Bytes the scavenger returned to the OS over the heap's life.
    pub scavenged_bytes: u64,
    /// Bytes of large objects.
    pub large_bytes: usize,
    /// Large objects.
    pub large_objects: usize,
    /// Outside-heap bytes: those `Trace` impls reported at the last mark (and
    /// promotion since), plus `reported_external_bytes`.
    pub external_bytes: usize,
    /// Outside-heap bytes the program reported with
    /// `Mutation::report_external` and has not released yet.
    pub reported_external_bytes: usize,
    /// Bytes found live by the last completed mark (old + survivors +
    /// outside): old objects *marked by tracing*, so objects allocated or
    /// promoted black during that cycle are not in it (see
    /// `allocated_black_bytes`). The pacer's goal is taken from it.
    pub live_bytes: usize,
    /// Old-generation bytes allocated or promoted (born black or gray) while
    /// the last completed cycle marked: kept by that cycle without proof
    /// that they are reachable (part may be floating garbage).
    pub allocated_black_bytes: usize,
    /// Objects found live by the last completed mark.
    pub live_objects: usize,
    /// Minor collections run.
    pub minor_collections: u64,
    /// Of those, minor collections run because the remembered set (written
    /// old objects and dirty cards) reached its limit before Eden was full
    /// (`pacer::remembered`).
    pub remembered_set_minors: u64,
    /// Old weak cells (`GcWeak`) whose target died, cleared by the sweep
    /// steps after each mark termination (`collect/weak_cells.rs`); the cycle
    /// report's `weak_cleared` counts the weak slots termination cleared.
    pub weak_cells_cleared: u64,
    /// Major cycles completed (marking finished).
    pub major_collections: u64,
    /// Of those, cycles run by `collect_full`.
    pub full_collections: u64,
    /// The current collector phase.
    pub phase: Phase,
    /// Sum of every pause.
    pub pause_total: Duration,
    /// Number of pauses.
    pub pause_count: u64,
    /// The last pause.
    pub last_pause: Option<Pause>,
    /// The longest pause.
    pub max_pause: Duration,
    /// The most recent pauses, oldest first (at most `PAUSE_RING_LEN`).
    pub recent_pauses: Vec<Pause>,
    /// Every pause, by kind: p50, p99, p99.9 and max since the heap was
    /// built and since `Heap::reset_pause_histograms` (kinds that never
    /// paused are left out).
    pub pause_histograms: Vec<crate::telemetry::pause_histogram::PauseHistogram>,
    /// Bytes copied into survivor space, over all minor GCs.
    pub survived_bytes: u64,
    /// Bytes promoted into the old generation, over all minor GCs.
    pub promoted_bytes: u64,
    /// Of those, bytes promoted early because survivor space was full.
    pub premature_promoted_bytes: u64,
    /// What the last minor GC did.
    pub last_minor: MinorOutcome,
    /// The tenuring threshold in force.
    pub tenuring_threshold: u8,
    /// The paced heap size (old generation + survivors + outside bytes) at
    /// which the current cycle should finish (the goal).
    pub heap_goal: usize,
    /// The paced heap size at which the next major cycle starts.
    pub next_trigger: usize,
    /// Mark work done over the heap's life (bytes scanned).
    pub mark_work: u64,
    /// Mark work done as allocation assists (paid through `collect_debt`).
    pub assist_work: u64,
    /// Fraction of run time spent collecting since the heap was built.
    pub gc_cpu_fraction: f64,
    /// Live stashed handles.
    pub stashed_handles: usize,
    /// Stores the write barrier re-grayed while marking.
    pub barrier_regrays: u64,
    /// Young drop-list entries queued by minor GCs and not yet visited by a
    /// drop step (`space/drop_list`); each dead one is dropped by a later
    /// `collect_debt`, or by any collection run by hand.
    pub pending_drops: usize,
    /// Bytes held by young arenas retired until their dead objects are
    /// dropped (included in `committed_bytes`).
    pub pending_drop_bytes: usize,
    /// Dead young objects dropped after their minor GC, in drop steps, since
    /// the heap was built (those dropped inside it are in
    /// `last_minor.dropped_objects`).
    pub deferred_drops: u64,
    /// Types allocated straight into old space now, because their objects
    /// mostly survived while the survivor space overflowed (pretenuring).
    pub pretenured_types: Vec<&'static str>,
    /// Times a type was switched to old allocation, since the heap was built.
    pub pretenure_decisions: u64,
    /// Times a pretenured type went back to young allocation (its probes
    /// died young), since the heap was built.
    pub pretenure_reverts: u64,
    /// Bytes allocated old because their type was pretenured.
    pub pretenured_bytes: u64,
    /// Slots of root containers ([`RootVec`](crate::RootVec)) and of the
    /// stash table scanned by collections, since the heap was built. A minor
    /// GC adds only the chunks touched since the last one or still holding a
    /// young pointer; marking adds each chunk once per cycle plus the chunks
    /// touched after they were shaded. (The root object's own fields are not
    /// counted: they are traced whole, as ever.)
    pub root_slots_scanned: u64,
}

impl Stats {
    /// The pause at quantile `q` (0.0..=1.0) of the recent pauses.
    pub fn pause_quantile(&self, q: f64) -> Option<Duration> {
        let mut pauses: Vec<Duration> = self.recent_pauses.iter().map(|p| p.duration).collect();
        if pauses.is_empty() {
            return None;
        }
        pauses.sort();
        let index = ((pauses.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        Some(pauses[index])
    }
}

/// Accumulates counters between snapshots (collector side).
#[derive(Default)]
pub(crate) struct StatsRecorder {
    pub(crate) bytes_allocated: u64,
    pub(crate) objects_allocated: u64,
    pub(crate) peak_heap_bytes: usize,
    pub(crate) live_bytes: usize,
    /// Old bytes born during the last completed cycle's marking.
    pub(crate) allocated_black_bytes: usize,
    pub(crate) live_objects: usize,
    pub(crate) minor_collections: u64,
    pub(crate) remembered_set_minors: u64,
    /// Weak cells cleared by finished sweeps (the current one is added when read).
    pub(crate) weak_cells_cleared: u64,
    pub(crate) major_collections: u64,
    pub(crate) full_collections: u64,
    pub(crate) pause_total: Duration,
    pub(crate) pause_count: u64,
    pub(crate) max_pause: Duration,
    pub(crate) recent_pauses: VecDeque<Pause>,
    pub(crate) survived_bytes: u64,
    pub(crate) promoted_bytes: u64,
    pub(crate) premature_promoted_bytes: u64,
    pub(crate) last_minor: MinorOutcome,
    pub(crate) mark_work: u64,
    pub(crate) assist_work: u64,
    /// Every pause by kind (`pause_histogram`).
    pub(crate) pause_histograms: crate::telemetry::pause_histogram::PauseHistograms,
}

impl StatsRecorder {
    /// Records one pause.
    pub(crate) fn record_pause(&mut self, kind: PauseKind, duration: Duration) {
        self.pause_histograms.record(kind, duration);
        self.pause_total += duration;
        self.pause_count += 1;
        self.max_pause = self.max_pause.max(duration);
        if self.recent_pauses.len() == PAUSE_RING_LEN {
            self.recent_pauses.pop_front();
        }
        self.recent_pauses.push_back(Pause { kind, duration });
    }

    /// Records one minor collection.
    pub(crate) fn record_minor(&mut self, outcome: MinorOutcome) {
        self.minor_collections += 1;
        self.survived_bytes += outcome.survived_bytes as u64;
        self.promoted_bytes += outcome.promoted_bytes as u64;
        self.premature_promoted_bytes += outcome.premature_bytes as u64;
        self.last_minor = outcome;
    }
}

/// The report of one completed major cycle, emitted as a `tracing` event,
/// given to the cycle callback, and printed as one line when `gctrace` is on.
#[derive(Clone, Debug, PartialEq)]
pub struct CycleReport {
    /// The cycle's number (1-based).
    pub cycle: u64,
    /// Seconds since the heap was built, when marking finished.
    pub at_seconds: f64,
    /// Fraction of run time spent collecting so far.
    pub gc_cpu_fraction: f64,
    /// Paced heap bytes (old generation + survivors + outside bytes; Eden
    /// is not paced) when marking started.
    pub heap_at_start: usize,
    /// Paced heap bytes when marking finished (after the termination's minor GC).
    pub heap_at_end: usize,
    /// The largest paced heap seen at a safe point while the cycle was
    /// marking: what the pacer steers toward the goal.
    pub heap_peak: usize,
    /// Bytes found live.
    pub live_bytes: usize,
    /// The goal this cycle aimed at.
    pub heap_goal: usize,
    /// The goal for the next cycle.
    pub next_goal: usize,
    /// Minor GCs run while this cycle was marking.
    pub minor_collections: u64,
    /// Total time of this cycle's mark pauses (start, steps, termination).
    pub mark_pause_total: Duration,
    /// The mark termination pause.
    pub termination_pause: Duration,
    /// Mark work done (bytes scanned).
    pub mark_work: usize,
    /// Of that, work done as allocation assists.
    pub assist_work: usize,
    /// Weak references cleared.
    pub weak_cleared: usize,
    /// Types allocated old by pretenuring when the cycle ended.
    pub pretenured_sites: usize,
    /// True for a cycle the pacer did not pace: run by `collect_full` or
    /// stepped by hand (`start_marking`).
    pub forced: bool,
}

impl fmt::Display for CycleReport {
    /// `gc 7 @1.204s 3%: 0.081 ms mark total, 0.024 ms term, 12->14->6 MiB, 12 MiB goal, 3 minor`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MIB: f64 = 1024.0 * 1024.0;
        write!(
            f,
            "gc {} @{:.3}s {:.0}%: {:.3} ms mark total, {:.3} ms term, {:.1}->{:.1}->{:.1} MiB, {:.1} MiB goal, {} minor, {} weak cleared{}{}",
            self.cycle,
            self.at_seconds,
            self.gc_cpu_fraction * 100.0,
            self.mark_pause_total.as_secs_f64() * 1e3,
            self.termination_pause.as_secs_f64() * 1e3,
            self.heap_at_start as f64 / MIB,
            self.heap_at_end as f64 / MIB,
            self.live_bytes as f64 / MIB,
            self.heap_goal as f64 / MIB,
            self.minor_collections,
            self.weak_cleared,
            match self.pretenured_sites {
                0 => String::new(),
                n => format!(", {n} pretenured"),
            },
            if self.forced { " (forced)" } else { "" },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_ring_keeps_the_most_recent() {
        let mut recorder = StatsRecorder::default();
        for i in 0..(PAUSE_RING_LEN as u64 + 10) {
            recorder.record_pause(PauseKind::Minor, Duration::from_micros(i));
        }
        assert_eq!(recorder.recent_pauses.len(), PAUSE_RING_LEN);
        assert_eq!(
            recorder.recent_pauses[0].duration,
            Duration::from_micros(10)
        );
        assert_eq!(
            recorder.max_pause,
            Duration::from_micros(PAUSE_RING_LEN as u64 + 9)
        );
    }

    #[test]
    fn quantiles_come_from_the_ring() {
        let stats = Stats {
            recent_pauses: (1..=100)
                .map(|ms| Pause {
                    kind: PauseKind::MarkStep,
                    duration: Duration::from_millis(ms),
                })
                .collect(),
            ..Stats::default()
        };
        assert_eq!(stats.pause_quantile(0.0), Some(Duration::from_millis(1)));
        assert_eq!(stats.pause_quantile(1.0), Some(Duration::from_millis(100)));
        assert_eq!(stats.pause_quantile(0.5), Some(Duration::from_millis(51)));
    }

    #[test]
    fn report_line_reads_like_gctrace() {
        let report = CycleReport {
            cycle: 3,
            at_seconds: 1.5,
            gc_cpu_fraction: 0.04,
            heap_at_start: 8 << 20,
            heap_at_end: 9 << 20,
            heap_peak: 9 << 20,
            live_bytes: 4 << 20,
            heap_goal: 8 << 20,
            next_goal: 8 << 20,
            minor_collections: 2,
            mark_pause_total: Duration::from_micros(500),
            termination_pause: Duration::from_micros(100),
            mark_work: 1000,
            assist_work: 800,
            weak_cleared: 1,
            pretenured_sites: 0,
            forced: false,
        };
        let line = report.to_string();
        assert!(!line.contains("pretenured"), "{line}");
        let pretenuring = CycleReport {
            pretenured_sites: 2,
            ..report.clone()
        };
        assert!(pretenuring.to_string().ends_with(", 2 pretenured"));
        assert!(line.starts_with("gc 3 @1.500s 4%:"), "{line}");
        assert!(line.contains("8.0->9.0->4.0 MiB, 8.0 MiB goal"), "{line}");
    }
}
