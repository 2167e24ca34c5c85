//! Young-generation glue: how the hub runs a minor GC (steps 4 and 5).
//!
//! The copying itself is `evacuate`; this file decides its parameters (the
//! tenuring threshold, the survivor capacity) and learns from its outcome:
//! the next threshold from the age table (HotSpot's rule) and, when a
//! minor-pause target is set, Eden's next size (G1's pause goal).

use std::ptr::NonNull;
use std::time::{Duration, Instant};

use crate::collect::collector::Collector;
use crate::collect::evacuate::{minor_gc, MinorParams};
use crate::object::header::Header;
use crate::object::trace::Tracer;
use crate::policy::config::{Config, ConfigError};
use crate::policy::pacer::{AgeTable, EdenSizer, MinorFacts, Tenuring};
use crate::state::GcState;
use crate::telemetry::minor::MinorOutcome;

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
            let promoted = cells.into_iter().filter(|cell| is_old(*cell));
            self.marker.containers.extend(promoted);
        }
    }

    /// Adaptive Eden sizing: moves Eden toward the minor-pause target.
    fn adapt_eden(&mut self, state: &mut GcState, pause: Duration) {
        let Some(sizer) = self.eden_sizer.as_mut() else {
            return;
        };
        let eden_bytes_used = self.stats.last_minor.eden_bytes;
        let size = sizer.record_minor(MinorFacts {
            eden_bytes_used,
            pause,
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
        let params = MinorParams {
            tenuring_threshold: self.tenuring_threshold,
            tenure_all,
            poison: self.config.stress,
        };
        let (outcome, cells) = minor_gc(state, &mut self.marker.gray, roots, params);
        let external = state.external_bytes.get() + outcome.promoted_external_bytes;
        state.external_bytes.set(external);
        if state.is_marking() {
            self.marker.marked_bytes += outcome.promoted_bytes;
        }
        self.stats.record_minor(outcome);
        self.tenuring_threshold =
            next_tenuring_threshold(&self.config, &outcome, state.survivors.capacity);
        cells
    }
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

/// The adaptive Eden sizer, when a minor-pause target is configured. Eden
/// may shrink to 1/16 of its configured size or grow to 16 times it.
pub(super) fn eden_sizer(config: &Config) -> Option<EdenSizer> {
    let target = config.minor_pause_target()?;
    let size = config.eden_size();
    Some(EdenSizer::new(
        size,
        (size / 16).max(64 << 10),
        size.saturating_mul(16),
        target,
    ))
}

/// The threshold before any minor GC has measured ages.
pub(super) fn initial_tenuring_threshold(config: &Config) -> u8 {
    match config.tenuring {
        Tenuring::Fixed(age) => age,
        Tenuring::Adaptive { max } => max,
    }
}

/// The threshold for the next minor GC, from the age table this one filled.
fn next_tenuring_threshold(
    config: &Config,
    outcome: &MinorOutcome,
    survivor_capacity: usize,
) -> u8 {
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
        // SAFETY: remembered objects are live old objects until swept.
        .retain(|object| !unsafe { object.as_ref() }.colour().is_white());
    state
        .carded
        .get_mut()
        // SAFETY: carded arrays are live old objects until swept.
        .retain(|object| !unsafe { object.as_ref() }.colour().is_white());
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
