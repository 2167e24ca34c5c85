//! The pacer: when old-generation marking starts and how much work each allocated byte owes
//! (step 8 of an object's life).
//!
//! Pure arithmetic, modelled on Go's pacer (1.18+): it reads counters the heap
//! passes in (bytes, work units, durations) and returns decisions. It never
//! touches the heap and never reads a clock, so it is unit-tested and simulated
//! on its own (`tests/pacer_simulation/`). Units: heap sizes in bytes of the
//! *paced heap* (`GcState::paced_bytes`): old-space cells in use, large
//! objects, the survivor from-space and the outside bytes that `Trace` impls
//! report. Eden is left out: minor GCs empty it, and it counts against the
//! memory limit only as overhead (see [`Pacer::set_non_heap_bytes`]). Mark work
//! is in *work units*, one unit per byte of old object scanned plus each
//! outside byte it reports; time is in [`Duration`]s.
//!
//! One old-generation cycle, as the heap drives it:
//!
//! 1. Between cycles, at each safe point: `if pacer.should_start_cycle(heap)`
//!    (at the trigger, and the CPU limiter allows) then
//!    `pacer.start_cycle(heap, max_scan_work)` and start marking.
//!    ([`trigger`]: the trigger sits below the goal by the runway that marking
//!    at [`trigger::GOAL_UTILIZATION`] needs, at the measured cons/mark ratio.)
//! 2. While marking, every allocated byte adds `assist_ratio(heap, work_done)`
//!    units to the mutator's debt, which the heap pays at the next safe point
//!    unless [`Pacer::limited`]. ([`assist`]: soft and hard regimes.)
//! 3. When marking finishes: `pacer.end_cycle(CycleFacts { .. })`, which
//!    measures this cycle's cons/mark ratio and sets the next goal from the live
//!    heap. ([`goal`]: `gc_percent`, minimum heap, memory limit, hard goal.)
//! 4. Always: the heap reports GC and mutator time to the CPU limiter
//!    ([`cpu_limiter`]), which caps collection at `cpu_limit` of the CPU.
//!
//! The young generation's knobs are separate: the tenuring threshold in
//! [`young`], Eden sizing toward a pause target in [`eden`].
//!
//! Invariants: `live_bytes <= trigger() <= heap_goal() <= hard_goal()`, except
//! that with no goal all three are [`NO_GOAL`]. Every knob can be changed at any
//! time, also mid-cycle; the setters return the old value (like Go's
//! `debug.SetGCPercent`) and the decisions use the new value from then on.

pub mod assist;
pub mod cpu_limiter;
pub mod eden;
pub mod goal;
pub mod pretenure;
pub mod remembered;
pub mod trigger;
pub mod young;

use std::time::Duration;

use crate::policy::config::Config;

pub use self::assist::{AssistTargets, Regime};
pub use self::cpu_limiter::CpuLimiter;
pub use self::eden::{EdenSizer, MinorFacts};
pub use self::goal::{GoalInputs, NO_GOAL};
pub use self::trigger::ConsMarkHistory;
pub use self::young::{AgeTable, Tenuring};

// The pacer's defaults are the knob table's (`policy/config/table.rs`, where
// their reasons are given); these names are kept for code that used them.

/// Default growth per cycle, in percent of the live heap (the table's
/// `gc_percent`, which is on by default).
pub const DEFAULT_GC_PERCENT: u32 = match Config::DEFAULT.gc_percent {
    Some(percent) => percent,
    None => panic!("gc_percent is on by default"),
};

/// Default minimum heap goal at `gc_percent = 100`, in bytes (the table's `min_heap`).
pub const DEFAULT_MIN_HEAP: usize = Config::DEFAULT.min_heap;

/// Default largest share of CPU for collection, a fraction (the table's `cpu_limit`).
pub const DEFAULT_CPU_LIMIT: f64 = Config::DEFAULT.cpu_limit;

/// The pacer's knobs. Every one can also be changed later with a setter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PacerSettings {
    /// Heap growth allowed per cycle, in percent of live + root bytes; `None`
    /// turns the proportional goal off (then only the memory limit drives GC).
    pub gc_percent: Option<u32>,
    /// Soft limit on the heap's footprint, in bytes; `None` for no limit.
    pub memory_limit: Option<usize>,
    /// Smallest heap goal at `gc_percent = 100`, in bytes (scaled by `gc_percent / 100`).
    pub min_heap: usize,
    /// Largest share of CPU time for collection, a fraction in (0, 1].
    pub cpu_limit: f64,
}

impl Default for PacerSettings {
    /// The knob table's defaults: `gc_percent = 100`, no memory limit, 4 MiB
    /// minimum heap, 50% CPU limit.
    fn default() -> PacerSettings {
        Config::DEFAULT.pacer_settings()
    }
}

/// What the heap measured over one completed mark phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CycleFacts {
    /// Bytes found reachable, including objects promoted or allocated during
    /// the mark (they survive this cycle's sweep). Basis of the next goal.
    pub live_bytes: usize,
    /// Bytes of roots scanned (root object, stashed handles, young objects
    /// scanned as roots).
    pub root_scan_bytes: usize,
    /// Heap bytes when marking finished: this cycle's peak, measured against its goal.
    pub heap_bytes_at_mark_end: usize,
    /// Work units the incremental part of this mark did (what assists paid
    /// for; the termination pause's rescans are not paced): the next cycle's
    /// expected work.
    pub mark_work_done: usize,
    /// Bytes the mutator allocated between mark start and mark end.
    pub bytes_allocated_during_mark: usize,
    /// Time spent marking in this cycle (assists and explicit steps).
    pub mark_time: Duration,
    /// Time the mutator ran between mark start and mark end.
    pub mutator_time_during_mark: Duration,
    /// True when the cycle was forced (stepped by hand, `collect_full`): its
    /// timing says nothing about pacing, so cons/mark is not sampled.
    pub forced: bool,
}

impl CycleFacts {
    /// These facts, with their times replaced by work when `by_work`
    /// ([`crate::Config::deterministic`]): a nanosecond per byte scanned
    /// (marking) or allocated (the mutator). Cons/mark is then 1, the
    /// mutator assumed to allocate as fast as marking scans, and the next
    /// trigger depends on no clock.
    pub fn timed_by_work_if(self, by_work: bool) -> CycleFacts {
        if !by_work {
            return self;
        }
        let nanos = |n: usize| Duration::from_nanos(n as u64);
        CycleFacts {
            mark_time: nanos(self.mark_work_done),
            mutator_time_during_mark: nanos(self.bytes_allocated_during_mark),
            ..self
        }
    }
}

/// What [`Pacer::end_cycle`] concluded, for statistics and the trace line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CycleSummary {
    /// Number of this cycle, from 1.
    pub cycle: u64,
    /// Heap bytes when marking started.
    pub heap_bytes_at_mark_start: usize,
    /// Heap bytes when marking finished.
    pub heap_bytes_at_mark_end: usize,
    /// This cycle's heap goal, in bytes.
    pub goal: usize,
    /// This cycle's hard goal, in bytes.
    pub hard_goal: usize,
    /// Peak heap over goal: 1.0 is on target, above 1.0 overshoot.
    pub peak_over_goal: f64,
    /// Share of CPU time marking took during the mark phase, a fraction.
    pub mark_utilization: f64,
    /// This cycle's cons/mark sample, bytes per work unit (`None` if not measured).
    pub cons_mark_sample: Option<f64>,
    /// Next cycle's heap goal, in bytes.
    pub next_goal: usize,
    /// Next cycle's trigger, in bytes.
    pub next_trigger: usize,
}

/// The state of the current old-generation mark phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkCycle {
    /// Heap bytes when marking started.
    pub heap_bytes_at_start: usize,
    /// Work units this mark is expected to need (last cycle's work).
    pub expected_work: usize,
    /// Work units if everything in the heap at mark start is live.
    pub max_work: usize,
}

/// Whether old-generation marking is under way, as the pacer sees it (the
/// heap's own phase, with sweeping, is `gc_core::Phase`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkState {
    /// No mark phase: the heap grows toward the trigger.
    Idle,
    /// Marking: allocations owe assist work. Entered by `start_cycle`, left by `end_cycle`.
    Marking(MarkCycle),
}

/// The pacer. See the module docs for the cycle it drives.
///
/// ```
/// use std::time::Duration;
/// use gc_core::pacer::{CycleFacts, Pacer, PacerSettings};
///
/// const QUANTUM: usize = 64 << 10; // bytes allocated between safe points
/// let mut pacer = Pacer::new(PacerSettings::default());
/// let mut heap = 0;
/// // Idle: the mutator allocates until the heap reaches the trigger.
/// while !pacer.should_start_cycle(heap) {
///     heap += QUANTUM;
///     pacer.record_mutator_time(Duration::from_micros(50));
/// }
/// // Mark: everything allocated so far is live and must be scanned.
/// let work = heap;
/// pacer.start_cycle(heap, work);
/// let (mut done, mut allocated) = (0, 0);
/// while done < work {
///     let ratio = pacer.assist_ratio(heap, done);
///     heap += QUANTUM;
///     allocated += QUANTUM;
///     pacer.record_mutator_time(Duration::from_micros(50));
///     // At the safe point, pay the debt (one unit per byte scanned).
///     let paid = ((ratio * QUANTUM as f64) as usize).min(work - done);
///     done += paid;
///     pacer.record_gc_time(Duration::from_nanos(paid as u64));
/// }
/// let summary = pacer.end_cycle(CycleFacts {
///     live_bytes: work + allocated,
///     heap_bytes_at_mark_end: heap,
///     mark_work_done: work,
///     bytes_allocated_during_mark: allocated,
///     mark_time: Duration::from_nanos(work as u64),
///     mutator_time_during_mark: Duration::from_micros(50) * (allocated / QUANTUM) as u32,
///     ..CycleFacts::default()
/// });
/// assert!(heap <= summary.hard_goal + QUANTUM);
/// assert_eq!(pacer.heap_goal(), 2 * (work + allocated));
/// ```
#[derive(Clone, Debug)]
pub struct Pacer {
    /// The knobs, except `cpu_limit`, which lives in `limiter`. Written by `new`
    /// and the setters.
    settings: PacerSettings,
    /// Bytes found live by the last completed mark; 0 before the first.
    /// Written by `end_cycle`.
    live_bytes: usize,
    /// Bytes of roots scanned by the last completed mark. Written by `end_cycle`.
    root_scan_bytes: usize,
    /// Work units done by the last completed mark; `None` before the first.
    /// Written by `end_cycle`.
    last_mark_work: Option<usize>,
    /// Bytes the heap holds that are not objects (block metadata, free cells),
    /// as last reported; counted against the memory limit. Written by
    /// `set_non_heap_bytes`.
    non_heap_bytes: usize,
    /// Recent cons/mark samples. Written by `end_cycle` for unforced cycles.
    cons_mark: ConsMarkHistory,
    /// Idle or marking. Written by `start_cycle` and `end_cycle`.
    mark_state: MarkState,
    /// Completed cycles. Written by `end_cycle`.
    cycles: u64,
    /// The GC CPU limiter. Written by `record_*_time` and `set_cpu_limit`.
    limiter: CpuLimiter,
}

impl Pacer {
    /// A pacer that has seen no cycle yet: its first goal is the minimum heap.
    ///
    /// # Requires
    /// `0.0 < settings.cpu_limit <= 1.0`.
    pub fn new(settings: PacerSettings) -> Pacer {
        let limiter = CpuLimiter::new(settings.cpu_limit);
        Pacer {
            settings,
            live_bytes: 0,
            root_scan_bytes: 0,
            last_mark_work: None,
            non_heap_bytes: 0,
            cons_mark: ConsMarkHistory::new(),
            mark_state: MarkState::Idle,
            cycles: 0,
            limiter,
        }
    }

    /// The current knobs.
    pub fn settings(&self) -> PacerSettings {
        PacerSettings {
            cpu_limit: self.limiter.cpu_limit(),
            ..self.settings
        }
    }

    /// Sets the growth percent (`None` = off); returns the old value.
    pub fn set_gc_percent(&mut self, gc_percent: Option<u32>) -> Option<u32> {
        std::mem::replace(&mut self.settings.gc_percent, gc_percent)
    }

    /// Sets the soft memory limit in bytes (`None` = none); returns the old value.
    pub fn set_memory_limit(&mut self, memory_limit: Option<usize>) -> Option<usize> {
        std::mem::replace(&mut self.settings.memory_limit, memory_limit)
    }

    /// Sets the minimum heap at `gc_percent = 100`, in bytes; returns the old value.
    pub fn set_min_heap(&mut self, min_heap: usize) -> usize {
        std::mem::replace(&mut self.settings.min_heap, min_heap)
    }

    /// Sets the largest share of CPU for collection; returns the old value.
    ///
    /// # Requires
    /// `0.0 < cpu_limit <= 1.0`.
    pub fn set_cpu_limit(&mut self, cpu_limit: f64) -> f64 {
        self.limiter.set_cpu_limit(cpu_limit)
    }

    /// Reports the bytes the heap holds that are not objects (metadata, free
    /// cells), which count against the memory limit; returns the old value.
    pub fn set_non_heap_bytes(&mut self, bytes: usize) -> usize {
        std::mem::replace(&mut self.non_heap_bytes, bytes)
    }

    /// Whether a mark phase is under way, and its state.
    pub fn mark_state(&self) -> MarkState {
        self.mark_state
    }

    /// Completed cycles.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Bytes found live by the last completed mark (0 before the first).
    pub fn live_bytes(&self) -> usize {
        self.live_bytes
    }

    /// Work units the next (or current) mark is expected to need: the last
    /// mark's work, or `None` before the first cycle.
    pub fn expected_mark_work(&self) -> Option<usize> {
        self.last_mark_work
    }

    /// The cons/mark estimate, bytes allocated per work unit at equal CPU
    /// (`None` before the first measured cycle).
    pub fn cons_mark(&self) -> Option<f64> {
        self.cons_mark.estimate()
    }

    /// The heap goal, in bytes: the heap should not outgrow it before the
    /// current (or next) mark finishes. [`NO_GOAL`] when nothing drives GC.
    pub fn heap_goal(&self) -> usize {
        goal::heap_goal(&GoalInputs {
            live_bytes: self.live_bytes,
            root_scan_bytes: self.root_scan_bytes,
            gc_percent: self.settings.gc_percent,
            min_heap: self.settings.min_heap,
            memory_limit: self.settings.memory_limit,
            non_heap_bytes: self.non_heap_bytes,
        })
    }

    /// The hard goal, in bytes: the heap's ceiling when the work estimate was wrong.
    pub fn hard_goal(&self) -> usize {
        goal::hard_goal(
            self.heap_goal(),
            self.settings.memory_limit,
            self.non_heap_bytes,
        )
    }

    /// The trigger, in heap bytes: marking should start when the heap reaches it.
    pub fn trigger(&self) -> usize {
        let expected = self.last_mark_work.unwrap_or(0);
        trigger::trigger(
            self.live_bytes,
            self.heap_goal(),
            self.cons_mark(),
            expected,
        )
    }

    /// Whether the heap should start marking now: idle, at or past the
    /// trigger, and the CPU limiter not engaged.
    pub fn should_start_cycle(&self, heap_bytes_now: usize) -> bool {
        self.mark_state == MarkState::Idle && heap_bytes_now >= self.trigger() && !self.limited()
    }

    /// Starts a mark phase with `heap_bytes_now` bytes in the heap.
    /// `max_scan_work` is the work if everything now in the old generation is
    /// live (the heap passes its old-space and large bytes plus the outside
    /// bytes last reported; survivors and roots are not included): the heap
    /// knows it best (the pacer's own expectation is the
    /// last cycle's work).
    ///
    /// # Requires
    /// The pacer is idle.
    pub fn start_cycle(&mut self, heap_bytes_now: usize, max_scan_work: usize) {
        assert_eq!(
            self.mark_state,
            MarkState::Idle,
            "start_cycle while a mark phase is under way"
        );
        // The first cycle has no history: assume the worst case.
        let expected_work = self
            .last_mark_work
            .unwrap_or(max_scan_work)
            .min(max_scan_work);
        self.mark_state = MarkState::Marking(MarkCycle {
            heap_bytes_at_start: heap_bytes_now,
            expected_work,
            max_work: max_scan_work,
        });
    }

    /// What the assist ratio of the current mark aims at.
    ///
    /// # Requires
    /// A mark phase is under way.
    pub fn assist_targets(&self) -> AssistTargets {
        let MarkState::Marking(cycle) = self.mark_state else {
            panic!("assist_targets while idle");
        };
        AssistTargets {
            goal: self.heap_goal(),
            hard_goal: self.hard_goal(),
            expected_work: cycle.expected_work,
            max_work: cycle.max_work,
        }
    }

    /// Work units each allocated byte owes now, with `heap_bytes_now` in the
    /// heap and `mark_work_done` units of this mark done. See [`assist`].
    ///
    /// # Requires
    /// A mark phase is under way.
    pub fn assist_ratio(&self, heap_bytes_now: usize, mark_work_done: usize) -> f64 {
        self.assist_targets()
            .assist_ratio(heap_bytes_now, mark_work_done)
    }

    /// Ends the mark phase: samples cons/mark (unless forced), then takes the
    /// live heap as the basis of the next goal. Returns what was concluded.
    ///
    /// # Requires
    /// A mark phase is under way.
    pub fn end_cycle(&mut self, facts: CycleFacts) -> CycleSummary {
        let MarkState::Marking(cycle) = self.mark_state else {
            panic!("end_cycle while idle");
        };
        let (goal, hard_goal) = (self.heap_goal(), self.hard_goal());
        let sample = self.sample_cons_mark(&facts);
        self.live_bytes = facts.live_bytes;
        self.root_scan_bytes = facts.root_scan_bytes;
        self.last_mark_work = Some(facts.mark_work_done);
        self.mark_state = MarkState::Idle;
        self.cycles += 1;
        CycleSummary {
            cycle: self.cycles,
            heap_bytes_at_mark_start: cycle.heap_bytes_at_start,
            heap_bytes_at_mark_end: facts.heap_bytes_at_mark_end,
            goal,
            hard_goal,
            peak_over_goal: facts.heap_bytes_at_mark_end as f64 / goal.max(1) as f64,
            mark_utilization: utilization(facts.mark_time, facts.mutator_time_during_mark),
            cons_mark_sample: sample,
            next_goal: self.heap_goal(),
            next_trigger: self.trigger(),
        }
    }

    /// Records this cycle's cons/mark sample, if the cycle was paced and timed.
    fn sample_cons_mark(&mut self, facts: &CycleFacts) -> Option<f64> {
        if facts.forced {
            return None;
        }
        let sample = trigger::cons_mark_sample(
            facts.bytes_allocated_during_mark,
            facts.mark_work_done,
            facts.mark_time,
            facts.mutator_time_during_mark,
        )?;
        self.cons_mark.record(sample);
        Some(sample)
    }

    /// Records time spent collecting (any kind) for the CPU limiter.
    pub fn record_gc_time(&mut self, time: Duration) {
        self.limiter.record_gc_time(time);
    }

    /// Records time the mutator ran for the CPU limiter.
    pub fn record_mutator_time(&mut self, time: Duration) {
        self.limiter.record_mutator_time(time);
    }

    /// Whether collection is over its CPU share: skip assists, start no cycle.
    pub fn limited(&self) -> bool {
        self.limiter.limited()
    }

    /// GC time over all time recorded, a fraction in [0, 1].
    pub fn gc_cpu_fraction(&self) -> f64 {
        self.limiter.gc_cpu_fraction()
    }

    /// The CPU limiter, for its totals and level.
    pub fn limiter(&self) -> &CpuLimiter {
        &self.limiter
    }
}

impl Default for Pacer {
    /// A pacer with [`PacerSettings::default`].
    fn default() -> Pacer {
        Pacer::new(PacerSettings::default())
    }
}

/// `gc / (gc + mutator)`, or 0 when no time passed.
fn utilization(gc: Duration, mutator: Duration) -> f64 {
    let total = gc + mutator;
    if total.is_zero() {
        return 0.0;
    }
    gc.as_secs_f64() / total.as_secs_f64()
}

#[cfg(test)]
mod tests;
