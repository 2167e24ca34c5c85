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
//! - `requested`: the *wanted* configuration, behind a mutex, with a write
//!   `version` and a `dirty` flag. Every write to a knob, from a handle
//!   ([`GcControl::update`]) or from the heap's own setters
//!   ([`Heap::update_config`](crate::Heap::update_config) and the setters
//!   built on it), is an edit of this one configuration under the mutex, so
//!   the mutex orders all writes and each gets the next version.
//! - `published`: the stats snapshot the heap last published (when a handle
//!   is made, at the end of every major cycle, and at safe points at most
//!   every `PUBLISH_INTERVAL`).
//!
//! **Semantics: per-knob last-writer-wins, no write lost.** A write edits the
//! wanted configuration as the latest writes left it, so each knob's wanted
//! value is always the value of the latest write (by version) that set it,
//! whichever side made it. A write is validated against the wanted
//! configuration at the call (and `generational`, fixed when the heap is
//! built, cannot change); a refused write is an error to its caller and
//! changes nothing. The heap brings its configuration in force up to the
//! wanted one:
//!
//! - at every safe point, by one atomic load of `dirty`; only when it is set
//!   does it take the mutex, copy the wanted configuration, clear `dirty`, and
//!   apply the copy, so a handle's write takes effect at the heap's next safe
//!   point, never in the middle of a collection, and the mutator's fast path
//!   pays one load;
//! - at once, when the heap's own setter writes: it applies the whole wanted
//!   configuration (its own write and any pending request) immediately.
//!
//! Invariant: after the heap applies version `v`, every knob in force holds
//! the value of the latest write to it with version `<= v`. A write made while
//! the heap applies an earlier one sets `dirty` again (`dirty` is only written
//! under the mutex), so it is applied at the following safe point. The heap
//! never writes the configuration in force back over the wanted one: nothing
//! can revert a request it has not applied yet.
//!
//! The protocol is checked with `loom` (`RUSTFLAGS="--cfg loom"`), which runs
//! handles, heap-side setters, request application and publishing under every
//! interleaving the memory model allows.

use std::time::Duration;

use crate::collect::young::check_run_time_change;
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

/// The wanted configuration and the number of writes that made it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Requested {
    /// Per knob, the value of the latest write (always valid).
    pub(crate) config: Config,
    /// Writes so far, from either side; the write that made `config` has
    /// this version.
    pub(crate) version: u64,
}

/// The state shared between a heap and its control handles.
pub(crate) struct ControlShared {
    /// The wanted configuration (see the module docs).
    requested: Mutex<Requested>,
    /// Set by a handle's write, cleared by the heap when it copies
    /// `requested` to apply it; written only while holding `requested`'s
    /// mutex. Release/Acquire pairs the flag with the mutex contents.
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
    /// A handle whose wanted configuration starts as `config` (the one in force).
    pub(crate) fn new(config: Config) -> GcControl {
        GcControl {
            shared: Arc::new(ControlShared {
                requested: Mutex::new(Requested { config, version: 0 }),
                dirty: AtomicBool::new(false),
                published: Mutex::new(None),
            }),
        }
    }

    /// The latest stats the heap published. A handle from
    /// [`Heap::control`](crate::Heap::control) always has one (the heap
    /// publishes a snapshot before returning the handle), so this is `Some`;
    /// it is refreshed after every major cycle and at safe points at most
    /// every 10 ms.
    pub fn stats(&self) -> Option<Stats> {
        lock(&self.shared.published).clone()
    }

    /// The wanted configuration: per knob, the latest value written by a
    /// handle or by the heap. The heap's configuration equals it after the
    /// heap's next safe point.
    pub fn config(&self) -> Config {
        lock(&self.shared.requested).config
    }

    /// Changes the configuration with `edit`, which gets the wanted
    /// configuration (the latest writes) and returns an error to refuse (e.g.
    /// a setter's validation error). The result must be valid and keep
    /// `generational`; otherwise the error is returned and nothing changes.
    /// The heap applies it at its next safe point, unless a later write
    /// (from a handle or the heap) sets the same knob first.
    pub fn update<T>(
        &self,
        edit: impl FnOnce(&mut Config) -> Result<T, ConfigError>,
    ) -> Result<T, ConfigError> {
        self.request(edit).map(|(result, _)| result)
    }

    /// [`GcControl::update`], also returning the write's version.
    pub(crate) fn request<T>(
        &self,
        edit: impl FnOnce(&mut Config) -> Result<T, ConfigError>,
    ) -> Result<(T, u64), ConfigError> {
        let mut requested = lock(&self.shared.requested);
        let result = write(&mut requested, edit)?;
        self.shared.dirty.store(true, Ordering::Release);
        Ok((result, requested.version))
    }

    /// Sets `gc_percent` (like Go's `debug.SetGCPercent`); returns the old value.
    pub fn set_gc_percent(&self, gc_percent: Option<u32>) -> Result<Option<u32>, ConfigError> {
        self.update(|config| config.set_gc_percent(gc_percent))
    }

    /// Sets the soft memory limit (like Go's `debug.SetMemoryLimit`); returns the old value.
    pub fn set_memory_limit(&self, limit: Option<usize>) -> Result<Option<usize>, ConfigError> {
        self.update(|config| config.set_memory_limit(limit))
    }

    /// Heap side: a write by the heap's own setter, applied at once. Edits
    /// the wanted configuration like [`GcControl::update`], clears `dirty`
    /// (the heap applies everything wanted now) and returns the wanted
    /// configuration for the heap to put in force.
    pub(crate) fn write_now<T>(
        &self,
        edit: impl FnOnce(&mut Config) -> Result<T, ConfigError>,
    ) -> Result<(T, Requested), ConfigError> {
        let mut requested = lock(&self.shared.requested);
        let result = write(&mut requested, edit)?;
        self.shared.dirty.store(false, Ordering::Relaxed);
        Ok((result, *requested))
    }

    /// Heap side: the wanted configuration, if a handle wrote since the heap
    /// last took or wrote it.
    pub(crate) fn take_request(&self) -> Option<Requested> {
        if !self.shared.dirty.load(Ordering::Acquire) {
            return None;
        }
        let requested = lock(&self.shared.requested);
        // Cleared under the mutex, so a handle's later write (which sets the
        // flag under the mutex too) cannot be lost between copy and clear.
        self.shared.dirty.store(false, Ordering::Relaxed);
        Some(*requested)
    }

    /// Heap side: publishes a stats snapshot.
    pub(crate) fn publish(&self, stats: Stats) {
        *lock(&self.shared.published) = Some(stats);
    }
}

/// One write to the wanted configuration: `edit` on a copy, validated (also
/// against run-time restrictions), committed with the next version.
fn write<T>(
    requested: &mut Requested,
    edit: impl FnOnce(&mut Config) -> Result<T, ConfigError>,
) -> Result<T, ConfigError> {
    let mut next = requested.config;
    let result = edit(&mut next)?;
    next.validate()?;
    check_run_time_change(&requested.config, &next)?;
    requested.config = next;
    requested.version += 1;
    Ok(result)
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
        assert_eq!(applied.config.gc_percent(), Some(300));
        assert_eq!(applied.version, 1);
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
    fn a_heap_side_write_keeps_a_pending_request_for_another_knob() {
        let control = GcControl::new(Config::default());
        control.set_gc_percent(Some(50)).unwrap();
        let (_, now) = control
            .write_now(|config| config.set_memory_limit(Some(64 << 20)))
            .unwrap();
        assert_eq!(now.config.gc_percent(), Some(50), "the request is kept");
        assert_eq!(now.config.memory_limit(), Some(64 << 20));
        assert_eq!(now.version, 2);
        assert!(control.take_request().is_none(), "applied with the write");
    }

    #[test]
    fn changing_generational_is_refused_at_the_call() {
        let control = GcControl::new(Config::default());
        let error = control.update(|config| config.set_generational(false));
        assert_eq!(error.unwrap_err().field(), Some("generational"));
        assert!(control.take_request().is_none());
        assert!(control.config().generational());
    }

    #[test]
    fn handles_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<GcControl>();
    }
}

#[cfg(all(test, loom))]
#[path = "control_loom.rs"]
mod loom_tests;
