//! A handle for other threads: read the latest stats, turn the knobs.
//!
//! A heap is single-threaded (its objects are `!Send`), but a host often has
//! a metrics or admin thread that wants to see how the collector is doing and
//! to change `gc_percent` or the memory limit while the program runs, the way
//! Go's `debug.SetGCPercent` can be called from any goroutine.
//!
//! [`GcControl`] is that handle: cloneable, `Send + Sync`. It shares with the
//! heap one small block of synchronised state:
//!
//! - `requested`: the configuration the handle wants, behind a mutex, plus a
//!   `dirty` flag. The handle validates a change against it immediately (so a
//!   bad value is an error at the call, not later) and sets `dirty`.
//! - At every safe point the heap does one atomic load of `dirty`; only when
//!   it is set does it take the mutex and apply the configuration. Changes
//!   therefore take effect at the next safe point, never in the middle of a
//!   collection, and the mutator's fast path pays one relaxed-cost load.
//! - `published`: the stats snapshot the heap last published (at the end of
//!   every major cycle, and at safe points at most every `PUBLISH_INTERVAL`).
//!
//! The protocol is checked with `loom` (`RUSTFLAGS="--cfg loom"`), which runs
//! the handle and the mutator under every interleaving the memory model allows.

use std::time::Duration;

use crate::policy::config::{Config, ConfigError};
use crate::telemetry::stats::Stats;

#[cfg(loom)]
use loom::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex,
};
#[cfg(not(loom))]
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex,
};

/// The heap publishes stats to its handles at most this often at ordinary
/// safe points (always at the end of a major cycle): 10 ms keeps a metrics
/// thread current while costing a program with 10 000 safe points a second
/// one snapshot per hundred of them.
pub(crate) const PUBLISH_INTERVAL: Duration = Duration::from_millis(10);

/// The state shared between a heap and its control handles.
pub(crate) struct ControlShared {
    /// The configuration the handles have asked for (always valid).
    requested: Mutex<Config>,
    /// Set by a handle after changing `requested`; cleared by the heap when
    /// it applies it. Release/Acquire pairs the flag with the mutex contents.
    dirty: AtomicBool,
    /// The last stats snapshot the heap published.
    published: Mutex<Option<Stats>>,
}

/// A cloneable, thread-safe handle to a heap's knobs and stats.
#[derive(Clone)]
pub struct GcControl {
    shared: Arc<ControlShared>,
}

impl GcControl {
    /// A handle whose requested configuration starts as `config`.
    pub(crate) fn new(config: Config) -> GcControl {
        GcControl {
            shared: Arc::new(ControlShared {
                requested: Mutex::new(config),
                dirty: AtomicBool::new(false),
                published: Mutex::new(None),
            }),
        }
    }

    /// The latest stats the heap published. `Heap::control` publishes a
    /// snapshot as it hands out the handle, so a handle always has one; the
    /// heap then republishes at safe points (see the module docs).
    pub fn stats(&self) -> Option<Stats> {
        lock(&self.shared.published).clone()
    }

    /// The configuration as last requested (applied at the heap's next safe point).
    pub fn config(&self) -> Config {
        *lock(&self.shared.requested)
    }

    /// Changes the configuration with `edit`, which gets the requested
    /// configuration and returns an error to refuse (e.g. a setter's
    /// validation error). The heap applies it at its next safe point.
    pub fn update<T>(
        &self,
        edit: impl FnOnce(&mut Config) -> Result<T, ConfigError>,
    ) -> Result<T, ConfigError> {
        let mut requested = lock(&self.shared.requested);
        let mut next = *requested;
        let result = edit(&mut next)?;
        next.validate()?;
        *requested = next;
        self.shared.dirty.store(true, Ordering::Release);
        Ok(result)
    }

    /// Sets `gc_percent` (like Go's `debug.SetGCPercent`); returns the old value.
    pub fn set_gc_percent(&self, gc_percent: Option<u32>) -> Result<Option<u32>, ConfigError> {
        self.update(|config| config.set_gc_percent(gc_percent))
    }

    /// Sets the soft memory limit (like Go's `debug.SetMemoryLimit`); returns the old value.
    pub fn set_memory_limit(&self, limit: Option<usize>) -> Result<Option<usize>, ConfigError> {
        self.update(|config| config.set_memory_limit(limit))
    }

    /// Heap side: the requested configuration, if a handle changed it since
    /// the last call.
    pub(crate) fn take_request(&self) -> Option<Config> {
        // compare_exchange rather than swap: same meaning, and loom 0.7
        // models an RMW `swap` of this shape wrongly (seen while writing the
        // loom test below: a swap read `false` after a store of `true`).
        let was_dirty =
            self.shared
                .dirty
                .compare_exchange(true, false, Ordering::Acquire, Ordering::Relaxed);
        if was_dirty.is_err() {
            return None;
        }
        Some(*lock(&self.shared.requested))
    }

    /// Heap side: records the configuration actually in force (after the heap
    /// changed it itself, or refused a request).
    pub(crate) fn sync_config(&self, config: Config) {
        *lock(&self.shared.requested) = config;
    }

    /// Heap side: publishes a stats snapshot.
    pub(crate) fn publish(&self, stats: Stats) {
        *lock(&self.shared.published) = Some(stats);
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it
/// (the data is plain values, always consistent between statements).
fn lock<T>(mutex: &Mutex<T>) -> Guard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(loom)]
type Guard<'a, T> = loom::sync::MutexGuard<'a, T>;
#[cfg(not(loom))]
type Guard<'a, T> = std::sync::MutexGuard<'a, T>;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_seen_once() {
        let control = GcControl::new(Config::default());
        assert!(control.take_request().is_none());
        assert_eq!(control.set_gc_percent(Some(300)).unwrap(), Some(100));
        let applied = control.take_request().expect("a pending request");
        assert_eq!(applied.gc_percent(), Some(300));
        assert!(control.take_request().is_none());
    }

    #[test]
    fn an_invalid_request_is_refused_at_the_call() {
        let control = GcControl::new(Config::default());
        let error = control.set_memory_limit(Some(10)).unwrap_err();
        assert!(error.to_string().contains("memory_limit"), "{error}");
        assert!(control.take_request().is_none());
    }

    #[test]
    fn handles_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<GcControl>();
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// A knob set from another thread is applied by the mutator's next safe
    /// point after the set, and a published snapshot is never torn.
    #[test]
    fn knob_changes_reach_the_mutator() {
        loom::model(|| {
            let control = GcControl::new(Config::default());
            let admin = control.clone();
            let thread = loom::thread::spawn(move || {
                admin.set_gc_percent(Some(250)).unwrap();
                admin.stats().map(|stats| stats.minor_collections)
            });
            // The mutator: two safe points racing with the admin thread.
            let mut in_force = Config::default();
            for round in 0..2u64 {
                if let Some(config) = control.take_request() {
                    in_force = config;
                }
                control.publish(Stats {
                    minor_collections: round,
                    ..Stats::default()
                });
            }
            let seen = thread.join().unwrap();
            assert!(seen.is_none_or(|minor| minor < 2));
            // After the admin thread finished, one more safe point must see it.
            if let Some(config) = control.take_request() {
                in_force = config;
            }
            assert_eq!(in_force.gc_percent(), Some(250));
        });
    }
}
