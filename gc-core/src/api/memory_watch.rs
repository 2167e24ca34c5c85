//! A warning before the memory limit: a callback when the heap nears it.
//!
//! Go's soft memory limit makes the collector work harder as the heap
//! approaches it; the program often wants to know too (drop caches, shed
//! load) before the limit is reached. [`Heap::on_memory_limit_near`]
//! registers a callback that fires at the safe point where the heap's
//! committed bytes first reach a fraction of the limit (the soft
//! `memory_limit`, or the hard `max_heap` when there is no soft one). It
//! fires once per crossing: it re-arms when the heap falls back below the
//! fraction, so a heap hovering at the mark does not call it at every safe
//! point. [`Heap::reset_pause_histograms`] lives here too: both are the
//! program's hooks into what the collector measured.

use crate::api::heap::Heap;
use crate::api::root::{Root, Rootable};
use crate::object::trace::Trace;
use crate::policy::config::{Config, ConfigError};
use crate::state::GcState;

/// What the memory-limit callback is told.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct MemoryPressure {
    /// Bytes the heap holds from the system now (`Stats::committed_bytes`).
    pub committed_bytes: usize,
    /// The limit it is measured against: `memory_limit`, else `max_heap`.
    pub limit: usize,
    /// `committed_bytes / limit`.
    pub fraction: f64,
}

/// A memory-limit callback.
type PressureCallback = Box<dyn FnMut(&MemoryPressure)>;

/// The registered callback and its state (kept in the `Heap`).
#[derive(Default)]
pub(crate) struct MemoryWatch {
    /// Fires at this fraction of the limit.
    fraction: f64,
    callback: Option<PressureCallback>,
    /// True after firing, until the heap falls below the fraction again.
    fired: bool,
}

impl MemoryWatch {
    /// Checks the heap at a safe point and calls the callback on a crossing.
    pub(crate) fn check(&mut self, state: &GcState, config: &Config) {
        let Some(callback) = self.callback.as_mut() else {
            return;
        };
        let Some(limit) = config.memory_limit().or(config.max_heap()) else {
            return;
        };
        let committed = state.committed_bytes();
        let fraction = committed as f64 / limit as f64;
        if fraction < self.fraction {
            self.fired = false;
        } else if !self.fired {
            self.fired = true;
            callback(&MemoryPressure {
                committed_bytes: committed,
                limit,
                fraction,
            });
        }
    }
}

impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    Root<'static, R>: Trace,
{
    /// Calls `callback` at the first safe point where the heap's committed
    /// bytes reach `fraction` of the memory limit (`memory_limit`, else
    /// `max_heap`; nothing fires while neither is set), and again after each
    /// time it fell back below. Replaces any earlier callback.
    ///
    /// `fraction` must be in `0.0 < fraction <= 1.0` (0.9 warns at 90%).
    pub fn on_memory_limit_near(
        &mut self,
        fraction: f64,
        callback: impl FnMut(&MemoryPressure) + 'static,
    ) -> Result<(), ConfigError> {
        if !(fraction > 0.0 && fraction <= 1.0) {
            return Err(ConfigError::OutOfRange {
                field: "memory_limit_near fraction",
                value: format!("{fraction}"),
                accepted: "0.0 < fraction <= 1.0".to_owned(),
            });
        }
        *self.memory_watch() = MemoryWatch {
            fraction,
            callback: Some(Box::new(callback)),
            fired: false,
        };
        Ok(())
    }

    /// Starts the "since reset" half of `Stats::pause_histograms` afresh.
    pub fn reset_pause_histograms(&mut self) {
        self.with_named_roots(|collector, _, _| collector.stats.pause_histograms.reset());
    }
}
