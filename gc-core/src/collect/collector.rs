//! The collector's hub: the life of an object, and the cycle that ends it.
//!
//! Read this file first; each step names the module that implements it. The
//! steps are numbered as the chapters of `docs/architecture.md`, and each
//! module's "step N" refers to this list.
//!
//! 1. **The map** (`lib.rs`): the folders are layers, `policy` < `object` <
//!    `space` < `state` < `telemetry` < `collect` < `api`; a module imports
//!    only from its own layer and those below (`tests/layering.rs`).
//! 2. **The object and the safety core** (`object`, `api`, `barrier`): every
//!    object is a `GcBox` (header, then value). The program runs inside
//!    `mutate`, where no collection can happen, so every `Gc` on the Rust
//!    stack stays valid; collection runs only at safe points between `mutate`
//!    calls. Every store goes through the write barrier.
//! 3. **Allocation** (`state`, `eden`): a new object is bump-allocated in Eden,
//!    or, if large or if the young generation is off, placed in old space
//!    (a cell in `old`, or `large`).
//! 4. **Minor GC** (`evacuate`, `young`, `survivor`): at a safe point, when
//!    Eden is full, live young objects are copied into survivor space; roots
//!    are the root object, the stash and the remembered set (`barrier`);
//!    big root containers and the stash by the chunks that changed
//!    (`root_scan`).
//! 5. **Promotion** (`evacuate`, `young`): an object that survives enough minor
//!    GCs (the tenuring threshold), or that survivor space has no room for, is
//!    copied into old space instead.
//! 6. **Marking** (`mark`): when the paced heap reaches the pacer's trigger, a
//!    major cycle starts: a minor GC and the roots shade the first gray
//!    objects, then each safe point does a bounded mark step, paying the
//!    allocation's *assist debt*. The write barrier keeps the tri-colour
//!    invariant between steps. Marking ends with a short *termination* pause:
//!    a minor GC that shades from the young generation, a final drain of the
//!    three gray lists and the oblets, and settling the weak containers.
//! 7. **Sweeping** (`sweep`, `old`, `scavenge`): termination flips the old
//!    space (every block unswept); allocation sweeps blocks lazily by bitmap,
//!    paced steps sweep the rest and drop dead values; empty blocks are pooled
//!    and the scavenger returns idle ones to the OS at a bounded rate.
//! 8. **Pacing** (`pacer`): at termination the pacer measures the live heap
//!    and sets the next goal (`gc_percent`, memory limit) and trigger; while
//!    marking it sets the assist ratio.
//! 9. **Weak containers** (`settle`, `object/weak_ops`): every minor GC and
//!    every mark termination settles the weak containers it reached
//!    (ephemerons, then finalization queues, to a fixed point) and sweeps
//!    their weak slots.
//!
//! Phases: `Idle` -> `Marking` -> `Sweeping` -> `Idle`. Only this file changes
//! the phase, through `set_phase`, which asserts the transition.
//! A panic in user code run by a step (a `Drop`, the cycle callback) is
//! caught and resumed after it (`object/unwind`; embedding.md, "Panics").

use std::ptr::NonNull;
use std::time::{Duration, Instant};

use crate::collect::assist::WaitedForTime;
use crate::collect::deadline::{Deadline, DeadlineReader};
use crate::collect::mark::{
    is_drained, mark_roots, mark_step_within, settle_and_sweep_containers, Marker,
};
use crate::collect::root_scan;
use crate::collect::scavenge::{prefault, scavenge, PREFAULT_TIME};
use crate::collect::sweep::Sweeper;
use crate::collect::young::{
    check_run_time_change, eden_sizer, initial_eden_size, initial_tenuring_threshold, resize_young,
};
use crate::object::header::Header;
use crate::object::trace::Tracer;
use crate::policy::config::{Config, ConfigError};
use crate::policy::pacer::{CycleFacts, EdenSizer, Pacer};
use crate::state::phase::Phase;
use crate::state::GcState;
use crate::telemetry::publish::{publish, CycleCallback};
use crate::telemetry::stats::{CycleReport, PauseKind, StatsRecorder};
use crate::telemetry::timing::{timed, StepClock, SAFE_POINT_TIME};

/// The mutator is asked back to a safe point at most once per this many
/// bytes allocated (64 KiB): when marking is late the assist ratio is huge,
/// and spacing safe points by `mark_step_budget / ratio` alone would stop the
/// program every few bytes; 64 KiB of allocation is tens of microseconds.
pub(crate) const MIN_SAFE_POINT_INTERVAL: usize = 64 << 10;

/// Facts about the major cycle in progress (written at its start and steps).
#[derive(Default)]
pub(super) struct CycleInProgress {
    heap_at_start: usize,
    /// The largest heap seen at a safe point while marking.
    heap_peak: usize,
    bytes_allocated_at_start: u64,
    /// Old bytes when marking began (nothing is freed while marking).
    old_bytes_at_start: usize,
    minor_at_start: u64,
    mark_pause_total: Duration,
    mutator_time: Duration,
    pub(super) assist_work: usize,
    /// Mark work done before termination (what assists paid for).
    incremental_work: usize,
    /// Not paced (stepped by hand or a full collection): the pacer does not
    /// learn from its timing.
    forced: bool,
    /// Run by `collect_full`.
    full: bool,
    started: Option<Instant>,
}

/// Everything the collector keeps between safe points.
pub(crate) struct Collector {
    pub(crate) config: Config,
    pub(crate) marker: Marker,
    pub(crate) sweeper: Sweeper,
    pub(crate) pacer: Pacer,
    pub(crate) stats: StatsRecorder,
    /// Objects that survived this many minor GCs are promoted.
    pub(crate) tenuring_threshold: u8,
    pub(super) cycle: CycleInProgress,
    /// Assist work owed but not yet done (carried past `assist::MAX_ASSIST_STEPS`).
    pub(crate) assist_debt: f64,
    /// Bytes counted by quiet safe points (knob changes, manual steps) since
    /// the last `pay_debt`: an explicit `collect_debt` after them is not a
    /// call that allocated nothing (see `assist_due`).
    pub(super) unpaid_bytes: usize,
    /// `GcState::paced_bytes` when the last safe point ended.
    last_paced_bytes: usize,
    /// When the heap was built (for report timestamps).
    born: Instant,
    /// When the last safe point ended (mutator time is measured from here).
    last_safe_point: Instant,
    /// Called with each cycle's report.
    pub(crate) on_cycle: Option<CycleCallback>,
    /// Sizes Eden toward `minor_pause_target`, when one is set.
    pub(super) eden_sizer: Option<EdenSizer>,
    /// A phase change waited a safe point for Eden (`empty_young_first`).
    pub(super) waited_for_young: bool,
    /// Bytes the next minor GC may promote (`scavenge::promotion_forecast`).
    pub(super) promotion_forecast: usize,
    /// Major-cycle work that waited a safe point for time (`assist::time_for`).
    pub(super) waited_for_time: WaitedForTime,
    /// The recording in progress, if any (`record` feature).
    #[cfg(feature = "record")]
    pub(crate) recorder: Option<Box<crate::telemetry::record::Recorder>>,
}

impl Collector {
    pub(crate) fn new(config: Config) -> Collector {
        let pacer = Pacer::new(config.pacer_settings());
        let now = Instant::now();
        Collector {
            tenuring_threshold: initial_tenuring_threshold(&config),
            config,
            marker: Marker::default(),
            sweeper: Sweeper::default(),
            pacer,
            stats: StatsRecorder::default(),
            cycle: CycleInProgress::default(),
            assist_debt: 0.0,
            unpaid_bytes: 0,
            last_paced_bytes: 0,
            born: now,
            last_safe_point: now,
            on_cycle: None,
            eden_sizer: eden_sizer(&config),
            waited_for_young: false,
            promotion_forecast: 0,
            waited_for_time: WaitedForTime::default(),
            #[cfg(feature = "record")]
            recorder: None,
        }
    }

    /// Applies a new configuration at a safe point; returns the old one.
    /// `generational` is fixed when the heap is built (the barrier and the
    /// remembered set are only kept for a young generation).
    pub(crate) fn apply_config(
        &mut self,
        state: &mut GcState,
        new: Config,
    ) -> Result<Config, ConfigError> {
        new.validate()?;
        check_run_time_change(&self.config, &new)?;
        let old = std::mem::replace(&mut self.config, new);
        let settings = new.pacer_settings();
        self.pacer.set_gc_percent(settings.gc_percent);
        self.pacer.set_memory_limit(settings.memory_limit);
        self.pacer.set_min_heap(settings.min_heap);
        self.pacer.set_cpu_limit(settings.cpu_limit);
        state.set_large_threshold(new.large_object_threshold);
        state.set_pretenuring(new.pretenuring);
        if old.tenuring != new.tenuring {
            self.tenuring_threshold = initial_tenuring_threshold(&new);
        }
        if old.eden_size != new.eden_size
            || old.minor_pause_target != new.minor_pause_target
            || old.survivor_ratio != new.survivor_ratio
            || old.deterministic != new.deterministic
        {
            self.eden_sizer = eden_sizer(&new);
            resize_young(state, &new, initial_eden_size(&new));
        }
        Ok(old)
    }

    /// Opens a safe point that pays no debt (a knob change, a step run by
    /// hand): folds the counters and charges the assist debt, paid later.
    pub(crate) fn begin_quiet_safe_point(&mut self, state: &GcState) {
        let bytes = self.begin_safe_point(state);
        self.unpaid_bytes = self.unpaid_bytes.saturating_add(bytes);
        self.charge_assist_debt(state, bytes);
    }

    /// The only writer of the phase (rule 3 of STYLE.md).
    fn set_phase(state: &GcState, to: Phase) {
        let from = state.phase.get();
        debug_assert!(
            matches!(
                (from, to),
                (Phase::Idle, Phase::Marking)
                    | (Phase::Marking, Phase::Sweeping)
                    | (Phase::Sweeping, Phase::Idle)
            ),
            "illegal phase transition {from:?} -> {to:?}"
        );
        state.phase.set(to);
    }

    // ---------------------------------------------------------------- safe points

    /// Opens a safe point: folds the mutator's counters into the totals and
    /// tells the pacer how long the mutator ran.
    pub(crate) fn begin_safe_point(&mut self, state: &GcState) -> usize {
        state.fold_sampling();
        let counters = &state.counters;
        let bytes = state.bytes_since_safe_point();
        counters.old_bytes_since_safe_point.set(0);
        let objects = counters.objects_since_safe_point.replace(0);
        self.stats.bytes_allocated += bytes as u64;
        self.stats.objects_allocated += objects as u64;
        let mutator_time = self.last_safe_point.elapsed();
        self.pacer.record_mutator_time(mutator_time);
        self.cycle.mutator_time += mutator_time;
        let peak = state.heap_bytes() + state.old.borrow().lazy_freed_since_safe_point;
        self.stats.peak_heap_bytes = self.stats.peak_heap_bytes.max(peak);
        if state.is_marking() {
            self.cycle.heap_peak = self.cycle.heap_peak.max(state.paced_bytes());
        }
        bytes
    }

    /// Charges the assist debt. Below the goal, each byte the paced heap grew
    /// by since the last safe point (old-space allocation, and promotion by
    /// the minor GC that may have just run) owes `assist_ratio` units of mark
    /// work. Once the paced heap has reached the goal, marking is late: every
    /// allocated byte then owes them, so marking keeps moving between minor
    /// GCs instead of waiting for the next promotion.
    fn charge_assist_debt(&mut self, state: &GcState, allocated: usize) {
        let paced = state.paced_bytes();
        if state.is_marking() {
            self.cycle.heap_peak = self.cycle.heap_peak.max(paced);
        }
        let growth = paced.saturating_sub(self.last_paced_bytes);
        let owed = if paced >= self.pacer.heap_goal() {
            allocated.max(growth)
        } else {
            growth
        };
        self.assist_debt += owed as f64 * self.assist_ratio(state);
    }

    /// Closes a safe point: sets the limits the mutator checks until the next.
    pub(crate) fn end_safe_point(&mut self, state: &GcState) {
        self.last_paced_bytes = state.paced_bytes();
        let heap = state.heap_bytes();
        // The heap may have shrunk inside `mutate` (lazy sweeping): its peak was higher.
        let peak = heap + std::mem::take(&mut state.old.borrow_mut().lazy_freed_since_safe_point);
        self.stats.peak_heap_bytes = self.stats.peak_heap_bytes.max(peak);
        let max_heap = self.config.max_heap.unwrap_or(usize::MAX);
        state.max_heap.set(max_heap);
        state.alloc_limit.set(max_heap.saturating_sub(heap));
        state.young_limit.set(
            state
                .eden
                .used()
                .saturating_add(max_heap.saturating_sub(heap)),
        );
        state.eden_used_at_safe_point.set(state.eden.used());
        state.rearm_sampling();
        let (limit, old_limit) = self.debt_limit(state);
        state.debt_limit.set(limit);
        state.old_debt_limit.set(old_limit);
        self.last_safe_point = Instant::now();
    }

    /// Mark work owed per allocated byte (0 unless marking).
    pub(crate) fn assist_ratio(&self, state: &GcState) -> f64 {
        if state.phase.get() != Phase::Marking {
            return 0.0;
        }
        self.pacer
            .assist_ratio(state.paced_bytes(), self.marker.work_done)
    }

    /// Records a pause's duration everywhere it counts.
    pub(crate) fn record_pause(&mut self, kind: PauseKind, duration: Duration) {
        self.stats.record_pause(kind, duration);
        self.pacer.record_gc_time(duration);
        if matches!(
            kind,
            PauseKind::MarkStart | PauseKind::MarkStep | PauseKind::MarkTermination
        ) {
            self.cycle.mark_pause_total += duration;
        }
    }

    // ---------------------------------------------------------------- the paced step

    /// Pays the debt the mutator ran up: a minor GC if Eden is full, then one
    /// bounded piece of major-cycle work as the pacer asks. Returns the kinds
    /// of pause it made, in order, with durations.
    pub(crate) fn pay_debt(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        bytes: usize,
    ) -> Vec<(PauseKind, Duration)> {
        let safe_point = StepClock::for_step(SAFE_POINT_TIME, &self.config);
        let mut pauses = Vec::new();
        self.pay_young_debt(state, roots, bytes, &mut pauses);
        self.charge_assist_debt(state, bytes);
        if pauses.is_empty() {
            // Before the step, so that its recorded state includes the block.
            let (goal, limit) = (self.pacer.heap_goal(), self.config.memory_limit());
            let clock = StepClock::for_step(PREFAULT_TIME, &self.config);
            prefault(state, goal, limit, self.promotion_forecast, clock);
        }
        if self.pacer.limited() {
            // The GC CPU limiter is full (Go's gcCPULimiter): collection has
            // had its share of the CPU, so the major cycle waits and the heap
            // may overshoot its goal until the mutator has run for a while.
            return pauses;
        }
        match state.phase.get() {
            Phase::Idle => {
                let due = self.pacer.should_start_cycle(state.paced_bytes());
                if due && !self.empty_young_first(state, roots, &mut pauses) {
                    pauses.push((
                        PauseKind::MarkStart,
                        timed(|| self.start_cycle(state, roots, false)),
                    ));
                    #[cfg(feature = "record")]
                    self.record_last(state, roots, &pauses);
                    if !self.config.incremental {
                        // Marking in one pause, as a non-incremental collector does.
                        let termination = timed(|| self.finish_marking(state, roots));
                        pauses.push((PauseKind::MarkTermination, termination));
                        #[cfg(feature = "record")]
                        self.record_last(state, roots, &pauses);
                    }
                }
            }
            Phase::Marking => {
                if !self.pay_mark_debt(state, roots, bytes, &mut pauses, &safe_point) {
                    return pauses; // less than a quantum owed: carried
                }
            }
            Phase::Sweeping => {
                pauses.push((
                    PauseKind::SweepStep,
                    timed(|| self.paced_sweep(state, bytes, safe_point.left())),
                ));
                #[cfg(feature = "record")]
                self.record_last(state, roots, &pauses);
            }
        }
        scavenge(state, self.pacer.heap_goal(), self.config.memory_limit());
        pauses
    }

    // ---------------------------------------------------------------- major cycle

    /// Step 6 begins: finish any sweep, then shade the roots.
    pub(crate) fn start_cycle(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        forced: bool,
    ) {
        match state.phase.get() {
            Phase::Marking => return,
            Phase::Sweeping => {
                self.sweep(state, usize::MAX, None);
            }
            Phase::Idle => {}
        }
        self.marker.reset();
        state.cycle.set(state.cycle.get() + 1);
        self.marker.cycle = state.cycle.get();
        let heap = state.paced_bytes();
        self.cycle = CycleInProgress {
            heap_at_start: heap,
            heap_peak: heap,
            bytes_allocated_at_start: self.stats.bytes_allocated,
            old_bytes_at_start: state.old_bytes(),
            minor_at_start: self.stats.minor_collections,
            forced,
            started: Some(Instant::now()),
            ..CycleInProgress::default()
        };
        self.assist_debt = 0.0;
        self.pacer
            .start_cycle(heap, state.old_bytes() + state.external_bytes.get());
        Collector::set_phase(state, Phase::Marking);
        // The root containers and the stash are shaded by root jobs in the
        // mark steps (`root_scan`), not here: mark start costs O(containers).
        root_scan::begin_cycle(state);
        // Like G1's initial mark, start with a minor GC: it shades every old
        // object the young generation points to, so old data reachable only
        // through young objects is marked incrementally, not all at once in
        // the termination pause.
        self.minor(state, roots);
        let root_bytes = mark_roots(&mut self.marker, roots);
        self.marker.external_bytes += root_bytes;
    }

    /// An incremental mark step of at most `budget` units; returns the work
    /// done. Root jobs come first (`root_scan`), then gray objects. Objects
    /// born gray join the gray stack; re-grayed ones wait until it is empty
    /// (see `GcState::gray_again`).
    pub(crate) fn mark(
        &mut self,
        state: &mut GcState,
        budget: usize,
        deadline: Option<Deadline>,
    ) -> usize {
        if state.phase.get() != Phase::Marking {
            return 0;
        }
        let mut reader = DeadlineReader::new(deadline);
        let mut work = root_scan::mark_root_jobs(&mut self.marker, state, budget, &mut reader);
        self.marker.gray.append(state.gray_new.get_mut());
        work += mark_step_within(&mut self.marker, budget.saturating_sub(work), &mut reader);
        if work < budget && self.marker.gray.is_empty() {
            // The gray stack ran dry: rescan the objects the barrier re-grayed
            // now, in this bounded step, so that termination rescans only
            // those written since (not every object written this cycle).
            self.marker.gray.append(state.gray_again.get_mut());
            work += mark_step_within(&mut self.marker, budget.saturating_sub(work), &mut reader);
        }
        work
    }

    /// Step 6 ends (mark termination): shade from the young generation and the
    /// roots once more, drain the gray stack, clear dead weak targets, flip the
    /// whites, and hand the measurements to the pacer.
    pub(crate) fn finish_marking(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
    ) {
        if state.phase.get() != Phase::Marking {
            return;
        }
        let termination = Instant::now();
        // The pacer steers the incremental part of marking: the termination's
        // rescans are done in the pause, not paid for by allocation.
        self.cycle.incremental_work = self.marker.work_done;
        let young_containers = self.shade_from_roots_and_young(state, roots);
        self.marker.containers.extend(young_containers);
        loop {
            self.marker.gray.append(state.gray_again.get_mut());
            self.mark(state, usize::MAX, None);
            if is_drained(
                &self.marker,
                state.gray_again.get_mut(),
                state.gray_new.get_mut(),
            ) {
                break;
            }
        }
        root_scan::end_cycle(state);
        let weak_cleared = settle_and_sweep_containers(&mut self.marker, state);
        crate::collect::young::forget_dead_remembered(state);
        state.judge_pretenuring_old();
        // The flip: every block becomes unswept; no header is repainted.
        state.old.get_mut().start_sweep(self.config.stress);
        Collector::set_phase(state, Phase::Sweeping);
        self.end_cycle(state, weak_cleared, termination.elapsed());
        // Sweep credit: the whole sweep before the next trigger is reached.
        let to_trigger = self.pacer.trigger().saturating_sub(state.paced_bytes());
        self.start_sweeper(state, to_trigger);
    }

    /// The termination's rescan: a minor GC (which shades every old object the
    /// root, the stash, the remembered set and the young objects point to), or
    /// with the young generation off, the roots alone.
    fn shade_from_roots_and_young(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
    ) -> Vec<NonNull<Header>> {
        if state.generational {
            return self.run_minor(state, roots, false);
        }
        // The root containers and the stash: the mark loop that follows runs
        // the root jobs left, i.e. the chunks touched since they were shaded.
        mark_roots(&mut self.marker, roots);
        Vec::new()
    }

    /// Feeds the finished cycle to the pacer and the telemetry.
    fn end_cycle(&mut self, state: &mut GcState, weak_cleared: usize, termination: Duration) {
        let survivors = state.survivors.occupied().used;
        // Live is what was marked (docs/architecture.md), not born black.
        // Traced outside bytes are measured afresh; reported ones carry over.
        let external = self.marker.external_bytes + state.reported_external.get();
        let live_bytes = self.marker.marked_bytes + survivors + external;
        let allocated_black = state.old_bytes() - self.cycle.old_bytes_at_start;
        state.external_bytes.set(external);
        let heap_at_end = state.paced_bytes();
        let mark_time = self.cycle.started.map(|t| t.elapsed()).unwrap_or_default();
        let goal = self.pacer.heap_goal();
        let facts = CycleFacts {
            live_bytes,
            root_scan_bytes: survivors,
            heap_bytes_at_mark_end: heap_at_end,
            mark_work_done: self.cycle.incremental_work,
            bytes_allocated_during_mark: (self.stats.bytes_allocated
                - self.cycle.bytes_allocated_at_start)
                as usize,
            mark_time: self.cycle.mark_pause_total + termination,
            mutator_time_during_mark: self.cycle.mutator_time.min(mark_time),
            forced: self.cycle.forced,
        };
        let summary = self
            .pacer
            .end_cycle(facts.timed_by_work_if(self.config.deterministic));
        self.stats.major_collections += 1;
        self.stats.full_collections += u64::from(self.cycle.full);
        let non_heap = state.committed_bytes().saturating_sub(state.paced_bytes());
        self.pacer.set_non_heap_bytes(non_heap);
        self.stats.live_bytes = live_bytes;
        self.stats.allocated_black_bytes = allocated_black;
        self.stats.live_objects = self.marker.marked_objects + state.survivors.occupied().objects;
        self.stats.mark_work += self.marker.work_done as u64;
        let report = CycleReport {
            cycle: self.stats.major_collections,
            at_seconds: self.born.elapsed().as_secs_f64(),
            gc_cpu_fraction: self.pacer.gc_cpu_fraction(),
            heap_at_start: self.cycle.heap_at_start,
            heap_at_end,
            heap_peak: self.cycle.heap_peak.max(heap_at_end),
            live_bytes,
            heap_goal: goal,
            next_goal: summary.next_goal,
            minor_collections: self.stats.minor_collections - self.cycle.minor_at_start,
            mark_pause_total: self.cycle.mark_pause_total + termination,
            termination_pause: termination,
            mark_work: self.marker.work_done,
            assist_work: self.cycle.assist_work,
            weak_cleared,
            pretenured_sites: state.pretenure.pretenured_types().len(),
            forced: self.cycle.forced,
        };
        publish(
            &report,
            self.on_cycle.as_mut(),
            self.config.gctrace,
            &mut state.deferred_panic,
        );
    }

    /// Step 7: sweeps at most `budget` cells, within `clock`; true once done.
    pub(crate) fn sweep(
        &mut self,
        state: &mut GcState,
        budget: usize,
        clock: Option<StepClock>,
    ) -> bool {
        if state.phase.get() != Phase::Sweeping {
            return true;
        }
        let done = self.sweeper.step(state, budget, clock);
        if done {
            Collector::set_phase(state, Phase::Idle);
        }
        done
    }

    /// A whole stop-the-world collection of both generations: finishes any
    /// cycle in progress, empties the young generation into old space, then
    /// marks and sweeps everything.
    pub(crate) fn full(&mut self, state: &mut GcState, roots: &mut dyn FnMut(&mut Tracer)) {
        self.finish_marking(state, roots);
        self.sweep(state, usize::MAX, None);
        if state.generational {
            self.run_minor(state, roots, true);
        }
        self.start_cycle(state, roots, true);
        self.cycle.full = true;
        self.finish_marking(state, roots);
        self.sweep(state, usize::MAX, None);
        self.finish_young_drops(state);
    }
}
