//! Young-generation glue: how the hub runs a minor GC (steps 4 and 5).
//!
//! The copying itself is `evacuate`; this file decides its parameters (the
//! tenuring threshold, the survivor capacity) and learns from its outcome:
//! the next threshold from the age table (HotSpot's rule, or 0 when the
//! first cohort overflowed the survivor space) and, when a minor-pause target
//! is set (1 ms by default), Eden's next size from the measured copy cost
//! after the fixed costs (G1's pause goal). It also paces the drop queue.

use std::ptr::NonNull;
use std::time::{Duration, Instant};

use crate::collect::collector::Collector;
use crate::collect::evacuate::{minor_gc, MinorParams};
use crate::collect::scavenge::promotion_forecast;
use crate::object::header::Header;
use crate::object::trace::Tracer;
use crate::object::weak_ops::ops_of;
use crate::policy::config::{Config, ConfigError};
use crate::policy::pacer::eden::fixed_minor_cost;
use crate::policy::pacer::remembered::remembered_limit;
use crate::policy::pacer::young::{drop_step_budget, drop_step_room, overflow_threshold};
use crate::policy::pacer::{AgeTable, EdenSizer, MinorFacts, Tenuring};
use crate::space::drop_list::DROP_STEP_OBJECTS;
use crate::state::GcState;
use crate::telemetry::minor::MinorOutcome;
use crate::telemetry::stats::PauseKind;
use crate::telemetry::timing::{timed, StepClock, STEP_TIME};

impl Collector {
    /// Steps 4 and 5: a minor collection.
    pub(crate) fn minor(&mut self, state: &mut GcState, roots: &mut dyn FnMut(&mut Tracer)) {
        if !state.generational {
            return;
        }
        let start = Instant::now();
        let cells = self.run_minor(state, roots, false);
        self.adapt_eden(state, start.elapsed());
        if state.is_marking() {
            // Weak containers promoted black will not be scanned by the
            // marker; remember them so they are settled at termination.
            for &cell in cells.iter().filter(|cell| is_old(**cell)) {
                self.marker.record_container(cell, ops_of(cell).stage);
            }
        }
        state.minor_buffers.recycle_containers(cells);
    }

    /// The paced step's young part: a minor GC if Eden is full or the
    /// remembered set reached its limit, else a step of the drop queue if a
    /// minor GC left dead objects to drop.
    pub(crate) fn pay_young_debt(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        bytes: usize,
        pauses: &mut Vec<(PauseKind, Duration)>,
    ) {
        let remembered_full = self.remembered_set_full(state);
        let pause = if state.generational && (state.eden.is_full() || remembered_full) {
            if remembered_full && !state.eden.is_full() {
                self.stats.remembered_set_minors += 1;
            }
            (PauseKind::Minor, timed(|| self.minor(state, roots)))
        } else if state.young_drops.is_pending() {
            let step = timed(|| self.young_drop_step(state, bytes));
            (PauseKind::SweepStep, step)
        } else {
            return;
        };
        pauses.push(pause);
        #[cfg(feature = "record")]
        self.record_last(state, roots, pauses);
    }

    /// Before a phase change (mark start, mark termination), both of which
    /// begin with a minor GC: true if the change must wait for the next safe
    /// point because Eden is not nearly empty. Then a minor GC of its own runs
    /// now (unless one already ran at this safe point), so that the phase
    /// change's pause holds a minor GC of at most `1 / PHASE_CHANGE_EDEN` of
    /// Eden instead of a whole one on top of its own work. A phase change
    /// waits one safe point at most (a program whose every safe point runs a
    /// minor GC would otherwise never start or end a cycle).
    pub(crate) fn empty_young_first(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        pauses: &mut Vec<(PauseKind, Duration)>,
    ) -> bool {
        let nearly_empty = state.eden.used() <= state.eden.capacity() / PHASE_CHANGE_EDEN;
        let ran_minor = pauses.iter().any(|(kind, _)| *kind == PauseKind::Minor);
        if !state.generational || self.waited_for_young || (nearly_empty && !ran_minor) {
            self.waited_for_young = false;
            return false;
        }
        self.waited_for_young = true;
        if !ran_minor {
            pauses.push((PauseKind::Minor, timed(|| self.minor(state, roots))));
            #[cfg(feature = "record")]
            self.record_last(state, roots, pauses);
        }
        true
    }

    /// True when the remembered set holds as many entries (remembered old
    /// objects, cards dirtied and root container slots touched since the
    /// last minor GC) as the pause target allows a minor GC to scan
    /// (`pacer::remembered`).
    fn remembered_set_full(&self, state: &GcState) -> bool {
        let entries = state.remembered.borrow().len()
            + state.counters.cards_dirtied.get()
            + state.root_table.touched_slots()
            + state.stash.borrow().touched_slots();
        entries >= remembered_limit(self.config.minor_pause_target)
    }

    /// A bounded step of the young drop queue (`space/drop_list`), paced so
    /// the queue is empty long before the next minor GC; `allocated` is the
    /// bytes allocated since the last safe point.
    pub(crate) fn young_drop_step(&mut self, state: &mut GcState, allocated: usize) {
        let budget = drop_step_budget(
            state.young_drops.pending(),
            allocated,
            state.eden.capacity(),
            DROP_STEP_OBJECTS,
        );
        let poison = self.config.stress;
        let clock = StepClock::for_step(STEP_TIME, &self.config);
        state
            .young_drops
            .step(budget, || clock.spent(), &mut state.deferred_panic, poison);
    }

    /// Drops every dead young object still queued (collections run by hand
    /// and full collections return with their garbage dropped).
    pub(crate) fn finish_young_drops(&mut self, state: &mut GcState) {
        let poison = self.config.stress;
        state.young_drops.drain(&mut state.deferred_panic, poison);
    }

    /// Adaptive Eden sizing: moves Eden toward the minor-pause target.
    fn adapt_eden(&mut self, state: &mut GcState, pause: Duration) {
        let Some(sizer) = self.eden_sizer.as_mut() else {
            return;
        };
        let last = &self.stats.last_minor;
        let size = sizer.record_minor(MinorFacts {
            eden_bytes_used: last.eden_bytes,
            pause,
            fixed: fixed_minor_cost(
                last.root_scan_time,
                last.root_copied_bytes,
                last.survived_bytes + last.promoted_bytes,
            ) + last.drop_time,
        });
        resize_young(state, &self.config, size);
    }

    /// Runs the evacuation and records it; returns the weak cells reached.
    pub(super) fn run_minor(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        tenure_all: bool,
    ) -> Vec<NonNull<Header>> {
        // Threshold 0 (overflow) is not applied while marking: see
        // `next_tenuring_threshold`.
        let threshold = if state.is_marking() {
            self.tenuring_threshold.max(1)
        } else {
            self.tenuring_threshold
        };
        let params = MinorParams {
            tenuring_threshold: threshold,
            tenure_all,
            poison: self.config.stress,
        };
        state.counters.cards_dirtied.set(0);
        let (outcome, cells) = minor_gc(state, &mut self.marker.gray, roots, params);
        let external = state.external_bytes.get() + outcome.promoted_external_bytes;
        state.external_bytes.set(external);
        if state.is_marking() {
            self.marker.marked_bytes += outcome.promoted_bytes;
        }
        self.stats.record_minor(outcome);
        self.promotion_forecast =
            promotion_forecast(self.promotion_forecast, outcome.promoted_bytes);
        let overflow_rule = !state.is_marking();
        self.tenuring_threshold = next_tenuring_threshold(
            &self.config,
            &outcome,
            state.survivors.capacity,
            overflow_rule,
        );
        cells
    }
}

/// A phase change runs its minor GC on at most this fraction of Eden
/// (`empty_young_first`): 1/8. gc-latency's mark terminations took 1.3-2.8
/// ms, of which the minor GC on a part-full Eden was most.
pub(crate) const PHASE_CHANGE_EDEN: usize = 8;

/// Bytes the program may allocate before the next young drop step is due.
pub(crate) fn drop_room(state: &GcState) -> usize {
    let pending = state.young_drops.pending();
    drop_step_room(pending, state.eden.capacity(), DROP_STEP_OBJECTS)
}

/// Bytes in one survivor semispace: Eden / `survivor_ratio` (HotSpot's rule).
pub(crate) fn survivor_capacity(config: &Config, eden_size: usize) -> usize {
    eden_size / config.survivor_ratio().max(1) as usize
}

/// Gives Eden (and with it, each survivor space) a new nominal size.
pub(super) fn resize_young(state: &mut GcState, config: &Config, eden_size: usize) {
    state.eden.set_capacity(eden_size);
    state.survivors.capacity = survivor_capacity(config, eden_size);
}

/// Gives the new heap's Eden and survivor spaces one chunk each for the
/// largest sizes the sizer may choose (`Eden::reserve`), so that a minor GC
/// never frees arena chunks inside its pause.
pub(crate) fn reserve_young(state: &mut GcState, config: &Config) {
    if !config.generational {
        return;
    }
    let largest = config.eden_size();
    state.eden.reserve(largest);
    state.survivors.reserve(survivor_capacity(config, largest));
}

/// The adaptive Eden sizer, when a minor-pause target is configured. Eden
/// may shrink to 1/16 of its configured size to meet the target, and grows
/// back at most to the configured size: a larger Eden would cut the number
/// of minor GCs but move allocation out of the cache (binary-trees d21 ran
/// 6.5 s with Eden grown to 16x, 4.7 s at 4 MiB; each fresh cache line of a
/// bump allocator that has outgrown L2 is a miss).
pub(super) fn eden_sizer(config: &Config) -> Option<EdenSizer> {
    // Deterministic collection does not size Eden by measured pauses.
    let target = config
        .minor_pause_target()
        .filter(|_| !config.deterministic)?;
    let size = config.eden_size();
    let min = (size / 16).max(64 << 10).min(size);
    // Eden starts at its smallest: nothing is known of the program before its
    // first minor GC, and a full Eden that all survives (a tree being built,
    // a window of messages) made that one 6-16 ms. The sizer then grows it as
    // measured, by at most a quarter per minor GC.
    Some(EdenSizer::new(min, min, size, target))
}

/// Eden's size before the first minor GC: the sizer's starting size (its
/// smallest) when a pause target is set, else `eden_size`.
pub(crate) fn initial_eden_size(config: &Config) -> usize {
    eden_sizer(config).map_or(config.eden_size(), |sizer| sizer.eden_size())
}

/// The threshold before any minor GC has measured ages.
pub(super) fn initial_tenuring_threshold(config: &Config) -> u8 {
    match config.tenuring {
        Tenuring::Fixed(age) => age,
        Tenuring::Adaptive { max } => max,
    }
}

/// The threshold for the next minor GC, from the age table this one filled,
/// or 0 if its first cohort overflowed the survivor space and `overflow_rule`
/// (not while marking: objects promoted then are born black and count as
/// live, so promoting whole cohorts would raise the next goal, lengthen the
/// next cycle and promote more: a feedback loop the pacing tests showed).
fn next_tenuring_threshold(
    config: &Config,
    outcome: &MinorOutcome,
    survivor_capacity: usize,
    overflow_rule: bool,
) -> u8 {
    if let (Tenuring::Adaptive { .. }, true) = (config.tenuring, overflow_rule) {
        if let Some(threshold) = overflow_threshold(outcome.first_cohort_bytes, survivor_capacity) {
            return threshold;
        }
    }
    let mut ages = AgeTable::new();
    for (age, &bytes) in outcome.age_bytes.iter().enumerate().skip(1) {
        ages.record(age as u8, bytes);
    }
    config
        .tenuring
        .threshold(&ages, survivor_capacity, config.target_survivor_ratio)
}

/// Removes garbage from the remembered set before the sweeper frees it
/// (I2 keeps the set pointing at live objects only).
pub(super) fn forget_dead_remembered(state: &mut GcState) {
    state
        .remembered
        .get_mut()
        // Remembered objects are live old objects until swept.
        .retain(|&object| crate::space::marks::is_marked(object));
    state
        .carded
        .get_mut()
        // Carded arrays are live old objects until swept.
        .retain(|&object| crate::space::marks::is_marked(object));
}

fn is_old(object: NonNull<Header>) -> bool {
    // SAFETY: callers pass objects reached by the current collection.
    unsafe { object.as_ref() }.is_old()
}

/// Refuses a run-time change the heap cannot make: `generational` is fixed
/// when the heap is built. `GcControl` checks it at the call, so that a
/// request the heap would refuse is never queued.
pub(crate) fn check_run_time_change(old: &Config, new: &Config) -> Result<(), ConfigError> {
    if new.generational != old.generational {
        return Err(ConfigError::Conflict {
            field: "generational",
            value: new.generational.to_string(),
            requirement:
                "fixed when the heap is built: the young generation cannot be switched at run time"
                    .to_string(),
        });
    }
    Ok(())
}
