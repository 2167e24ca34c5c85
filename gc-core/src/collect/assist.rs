//! Assist pacing at the safe points: when the program is asked back, and how
//! much mark work it then pays (step 6 and 8 of the hub).
//!
//! While marking, each paced byte (old-space allocation, promotion; every
//! byte once the heap is past its goal) owes `assist_ratio` units of mark
//! work (`Collector::charge_assist_debt`). The program is polled in that same
//! unit: `debt_due` turns true when enough paced bytes were added for the
//! debt to reach a *quantum*, and a paid step is at least a quantum, so there
//! are no steps that do nothing but their fixed cost.

use std::time::Duration;

use crate::collect::collector::{Collector, MIN_SAFE_POINT_INTERVAL};
use crate::collect::deadline::Deadline;
use crate::object::trace::Tracer;
use crate::state::phase::Phase;
use crate::state::GcState;
use crate::telemetry::stats::PauseKind;
use crate::telemetry::timing::{timed, timed_value, StepClock, SAFE_POINT_TIME};

/// A single assist may not exceed this many multiples of `mark_step_budget`
/// (one, if the same safe point ran a minor GC); the rest is carried as
/// debt and paid at the next safe points, which come every
/// `MIN_SAFE_POINT_INTERVAL` bytes while it is owed. Two: 128 KiB of work,
/// ~130 us at the usual 1 byte/ns; the slowest steps of old-steps at 1 GiB
/// scanned ~150 bytes/us (a cache and TLB miss per 64-byte node, on a
/// loaded VM), where the former eight steps took 3-4 ms of CPU.
pub(crate) const MAX_ASSIST_STEPS: usize = 2;

/// The smallest mark step an assist runs, as a fraction of
/// `mark_step_budget`: a quarter (16 KiB of work by default, ~16 us at ~1
/// byte/ns). The debt is charged and polled in paced bytes, and the program
/// is asked back only once a quantum is owed, so no step is a fixed cost
/// for nothing (without it, old-steps made 351,294 steps of median 0.36 us).
/// A step paid early (at a minor GC, or an explicit `collect_debt`) still
/// does a whole quantum and keeps the excess as credit.
pub(crate) const ASSIST_QUANTUM_DIVISOR: usize = 4;

impl Collector {
    /// The paced step while marking: a mark step if a quantum of debt is
    /// owed, then mark termination once nothing is left to mark. Below the
    /// heap goal the mark step stops when `safe_point` is spent (after a
    /// quantum at least), and the work it did not do stays owed. Returns
    /// false, having done nothing, when less than a quantum is owed.
    pub(super) fn pay_mark_debt(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        bytes: usize,
        pauses: &mut Vec<(PauseKind, Duration)>,
        safe_point: &StepClock,
    ) -> bool {
        let mut drained = self.marking_drained(state);
        if !drained {
            let allocated = bytes + std::mem::take(&mut self.unpaid_bytes);
            if !self.assist_due(allocated) {
                return false;
            }
            // A minor GC in this pause took its share (`MAX_ASSIST_STEPS`).
            let ran_minor = !pauses.is_empty();
            if ran_minor && !time_for(&mut self.waited_for_time.mark_step, safe_point) {
                // The minor GC took half the safe point: the step waits for
                // the next one (at most `MIN_SAFE_POINT_INTERVAL` of
                // allocation away, as the debt is still owed).
                return true;
            }
            let budget = self.take_assist_budget(ran_minor);
            // Past the goal marking is late: the heap grows until it ends, so
            // the step does its whole budget whatever the time.
            let late = state.paced_bytes() >= self.pacer.heap_goal();
            let deadline = (!late).then(|| Deadline {
                clock: *safe_point,
                min_work: self.assist_quantum() as usize,
            });
            let (done, duration) = timed_value(|| self.mark(state, budget, deadline));
            drained = self.marking_drained(state);
            if !drained {
                // Stopped by the clock: what is left stays owed.
                self.assist_debt += budget.saturating_sub(done) as f64;
            }
            self.cycle.assist_work += done;
            self.stats.assist_work += done as u64;
            pauses.push((PauseKind::MarkStep, duration));
            #[cfg(feature = "record")]
            self.record_last(state, roots, pauses);
        }
        if drained
            && time_for(&mut self.waited_for_time.termination, safe_point)
            && !self.empty_young_first(state, roots, pauses)
        {
            pauses.push((
                PauseKind::MarkTermination,
                timed(|| self.finish_marking(state, roots)),
            ));
            #[cfg(feature = "record")]
            self.record_last(state, roots, pauses);
        }
        true
    }

    /// Bytes the mutator may allocate before `debt_due` asks it back, and the
    /// old-space bytes it may allocate (see `GcState::old_debt_limit`).
    pub(super) fn debt_limit(&self, state: &GcState) -> (usize, usize) {
        let eden_room = if state.generational {
            state.eden.capacity().saturating_sub(state.eden.used())
        } else {
            usize::MAX
        };
        let mut old_room = usize::MAX;
        let major_room = match state.phase.get() {
            Phase::Marking => {
                // Poll in the unit the debt is charged in (`charge_assist_debt`):
                // paced bytes below the goal (old allocation; promotion comes
                // with the minor GC at Eden's end), every byte past it.
                let ratio = self.assist_ratio(state).max(f64::MIN_POSITIVE);
                let to_quantum = (self.assist_quantum() - self.assist_debt).max(0.0);
                let room = (to_quantum / ratio).min(usize::MAX as f64) as usize;
                old_room = room.max(MIN_SAFE_POINT_INTERVAL);
                let late = state.paced_bytes() >= self.pacer.heap_goal();
                if late || self.assist_debt >= self.assist_quantum() {
                    room
                } else {
                    usize::MAX
                }
            }
            Phase::Sweeping => self.config.mark_step_budget,
            Phase::Idle => self.pacer.trigger().saturating_sub(state.paced_bytes()),
        };
        // Deferred young drops need safe points too (`young::drop_room`).
        let drop_room = crate::collect::young::drop_room(state);
        let limit = eden_room
            .min(major_room)
            .min(drop_room)
            .max(MIN_SAFE_POINT_INTERVAL);
        (limit, old_room)
    }

    /// True when a mark step is due at this safe point: a quantum of debt is
    /// owed, or the call allocated nothing (an explicit `collect_debt` asks
    /// for progress; the excess becomes credit).
    pub(super) fn assist_due(&self, bytes: usize) -> bool {
        self.assist_debt >= self.assist_quantum() || bytes == 0
    }

    /// True when nothing is left to mark but termination's rescans: no gray
    /// object waits and the root jobs have shaded every root container.
    pub(super) fn marking_drained(&self, state: &mut GcState) -> bool {
        self.marker.gray.is_empty()
            && self.marker.oblets.is_empty()
            && state.gray_new.get_mut().is_empty()
            && !crate::collect::root_scan::root_jobs_pending(state)
    }

    /// The smallest assist step, in work units (`ASSIST_QUANTUM_DIVISOR`).
    fn assist_quantum(&self) -> f64 {
        (self.config.mark_step_budget / ASSIST_QUANTUM_DIVISOR).max(1) as f64
    }

    /// The mark work to do now: the assist debt, at least a quantum (the
    /// excess is kept as credit, at most one capped step's worth), bounded
    /// per pause: one step if `ran_minor` (the pause already ran a minor GC)
    /// or the CPU limiter is full, else `MAX_ASSIST_STEPS`.
    pub(super) fn take_assist_budget(&mut self, ran_minor: bool) -> usize {
        let step = self.config.mark_step_budget;
        let cap = (step * MAX_ASSIST_STEPS) as f64;
        let limited = if self.pacer.limited() || ran_minor {
            step as f64
        } else {
            cap
        };
        let budget = self.assist_debt.max(self.assist_quantum()).min(limited);
        self.assist_debt = (self.assist_debt - budget).max(-limited);
        budget as usize
    }
}

/// Major-cycle work that waited a safe point for time (see [`time_for`]).
#[derive(Default)]
pub(super) struct WaitedForTime {
    /// A mark step after a long minor GC.
    pub(super) mark_step: bool,
    /// Mark termination.
    pub(super) termination: bool,
}

/// True if a piece of major-cycle work (a mark step after this safe point's
/// minor GC, or mark termination) may run now: the safe point has half its
/// time left (`SAFE_POINT_TIME`), or the work already waited once (`waited`).
/// A mark step of a quantum or more after a long minor GC made 1-3.7 ms steps
/// in intern and old-steps (a step's deadline lets it do its minimum work),
/// and termination (a minor GC, the roots' rescan, the gray-again list) after
/// a mark step or a minor GC made intern's 1.0-1.1 ms steps. Each waits one
/// safe point at most, so a program whose every safe point runs a long minor
/// GC or mark step still marks and ends its cycles.
fn time_for(waited: &mut bool, safe_point: &StepClock) -> bool {
    if *waited || safe_point.left() >= SAFE_POINT_TIME / 2 {
        *waited = false;
        return true;
    }
    *waited = true;
    false
}
