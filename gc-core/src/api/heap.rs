//! `Heap<R>`: the public arena that owns a root and every managed object.
//!
//! The whole safety model lives in two signatures:
//!
//! - [`Heap::mutate`] takes a closure that is generic over a fresh lifetime
//!   `'gc`. Every `Gc<'gc, _>` it makes or reads is branded with that lifetime,
//!   which is invariant, so none can be returned, stored in a `static`, or
//!   mixed with another heap's pointers (invariant I4).
//! - The collection methods (`collect_debt`, `collect_minor`, `collect_full`,
//!   and the manual steps) take `&mut self`, so they cannot run while any
//!   `mutate` call is active. At that point every live object is reachable
//!   from the root or the stash, and the collector may move young objects and
//!   rewrite every pointer to them.
//!
//! A program alternates: `mutate` for a slice of work, then `collect_debt()`
//! at the safe point between slices.
//!
//! Panics (docs/embedding.md, "Panics"): a `Drop` or the cycle callback that
//! panics during a collection is caught; the collection finishes and the
//! public call resumes the first panic once the heap is consistent again.
//! A `Trace` impl that panics breaks its contract mid-traversal, which cannot
//! be finished for it: the heap is then **poisoned**, every later `mutate`,
//! collection or verification panics, and dropping it leaks the managed
//! values (their memory is returned, their destructors never run).

use std::mem::ManuallyDrop;
use std::time::{Duration, Instant};

use crate::api::control::{GcControl, PUBLISH_INTERVAL};
use crate::api::memory_watch::MemoryWatch;
use crate::api::mutation::Mutation;
use crate::api::root::{Root, Rootable};
use crate::collect::collector::Collector;
use crate::collect::verify::{walk_heap, TypeTally, VerifyError};
use crate::object::trace::{Trace, Tracer};
use crate::policy::config::{Config, ConfigError};
use crate::state::phase::Phase;
use crate::state::GcState;
use crate::telemetry::stats::{CycleReport, PauseKind, Stats};

#[cfg(feature = "record")]
mod recording;
mod teardown;

/// A garbage-collected heap with one root of type `Root<'gc, R>`.
///
/// `R` is written with [`Rootable!`](macro@crate::Rootable):
/// `Heap<Rootable!['gc => Vm<'gc>]>`.
///
/// # Panics
///
/// A collection method resumes the first panic of a `Drop` or of the cycle
/// callback it ran, after the collection has finished and the heap is
/// consistent; dropping the heap does the same. Once a `Trace` impl has
/// panicked, the heap is poisoned and every later `mutate`, collection or
/// verification panics (docs/embedding.md, "Panics").
pub struct Heap<R>
where
    R: for<'a> Rootable<'a>,
{
    /// The root, stored at the `'static` brand; only ever lent out at a fresh
    /// `'gc` brand. Dropped before `state` (see `Drop`).
    root: ManuallyDrop<Root<'static, R>>,
    state: GcState,
    collector: Collector,
    /// Handles given to other threads, if any (see `control`).
    control: Option<GcControl>,
    /// When stats were last published to `control`, and the major cycle
    /// count then (a finished cycle is always published).
    last_publish: (Instant, u64),
    /// The memory-limit callback (`memory_watch`), checked at safe points.
    memory_watch: MemoryWatch,
    /// Set while the collector traverses the heap and left set if a `Trace`
    /// impl unwound out of the traversal (see the module docs).
    poisoned: bool,
}

impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    Root<'static, R>: Trace,
{
    /// A heap with the process-wide default configuration: the `TENURE_GC`
    /// environment variable, or the built-in defaults if it is unset.
    ///
    /// If `TENURE_GC` is invalid, the error (naming the key and the accepted
    /// range) is reported once on stderr and as a `tracing` error, and the
    /// built-in defaults are used; [`Heap::try_new`] returns the error instead.
    pub fn new(build_root: impl for<'gc> FnOnce(&'gc Mutation<'gc>) -> Root<'gc, R>) -> Heap<R> {
        let config = match Config::process_default() {
            Ok(config) => *config,
            Err(error) => {
                report_env_error_once(&error);
                Config::default()
            }
        };
        Heap::build(config, build_root)
    }

    /// A heap with the process-wide default configuration, or the error if
    /// the `TENURE_GC` environment variable is invalid.
    pub fn try_new(
        build_root: impl for<'gc> FnOnce(&'gc Mutation<'gc>) -> Root<'gc, R>,
    ) -> Result<Heap<R>, ConfigError> {
        let config = *Config::process_default()?;
        Ok(Heap::build(config, build_root))
    }

    /// A heap with an explicit configuration (validated again here).
    pub fn with_config(
        config: Config,
        build_root: impl for<'gc> FnOnce(&'gc Mutation<'gc>) -> Root<'gc, R>,
    ) -> Result<Heap<R>, ConfigError> {
        config.validate()?;
        Ok(Heap::build(config, build_root))
    }

    fn build(
        config: Config,
        build_root: impl for<'gc> FnOnce(&'gc Mutation<'gc>) -> Root<'gc, R>,
    ) -> Heap<R> {
        let eden = crate::collect::young::initial_eden_size(&config);
        let mut state = GcState::new(
            config.generational,
            eden,
            crate::collect::young::survivor_capacity(&config, eden),
            config.large_object_threshold,
        );
        state.set_pretenuring(config.pretenuring);
        crate::collect::young::reserve_young(&mut state, &config);
        let mut collector = Collector::new(config);
        collector.end_safe_point(&state);
        let root = build_root(Mutation::from_state(&state));
        // SAFETY: `Root<'gc, R>` and `Root<'static, R>` differ only in a
        // lifetime, so they have the same layout. The 'static brand is never
        // exposed: `mutate` lends the root out at a fresh 'gc only.
        let root = unsafe { transmute_root::<R>(root) };
        let mut heap = Heap {
            root: ManuallyDrop::new(root),
            state,
            collector,
            control: None,
            last_publish: (Instant::now(), 0),
            memory_watch: MemoryWatch::default(),
            poisoned: false,
        };
        heap.empty_an_overrun_eden();
        heap
    }

    /// Ends the build with a minor GC if the root's constructor filled Eden:
    /// the end of `Heap::new` is a safe point, and the program's first
    /// `collect_debt` would otherwise copy the whole initial heap (200,000
    /// cells: 9 ms on gc-latency-cells). Here it is part of building it.
    fn empty_an_overrun_eden(&mut self) {
        if self.state.generational && self.state.eden.is_full() {
            self.collect_minor();
        }
    }

    /// Runs `f` with the mutation context and shared access to the root.
    pub fn mutate<T>(
        &self,
        f: impl for<'gc> FnOnce(&'gc Mutation<'gc>, &'gc Root<'gc, R>) -> T,
    ) -> T {
        self.assert_not_poisoned();
        let root: &Root<'static, R> = &self.root;
        // SAFETY: shortening the brand from 'static to the closure's 'gc is
        // sound because 'gc is fresh and invariant: nothing from another
        // brand can be stored into the root, and nothing branded 'gc escapes.
        let root = unsafe { &*(root as *const Root<'static, R>).cast::<Root<'_, R>>() };
        f(Mutation::from_state(&self.state), root)
    }

    /// Runs `f` with the mutation context and exclusive access to the root.
    /// Stores into the root need no write barrier: the root is rescanned at
    /// every minor GC and at the end of marking.
    pub fn mutate_root<T>(
        &mut self,
        f: impl for<'gc> FnOnce(&'gc Mutation<'gc>, &'gc mut Root<'gc, R>) -> T,
    ) -> T {
        self.assert_not_poisoned();
        let root: &mut Root<'static, R> = &mut self.root;
        // SAFETY: as in `mutate`.
        let root = unsafe { &mut *(root as *mut Root<'static, R>).cast::<Root<'_, R>>() };
        f(Mutation::from_state(&self.state), root)
    }

    /// The safe point: pays the GC debt the last `mutate` calls ran up. Runs a
    /// minor GC if Eden is full and one bounded step of the major cycle (start
    /// marking, a mark step sized by the assist ratio, mark termination, or a
    /// sweep step) as the pacer decides. In stress mode it collects everything.
    pub fn collect_debt(&mut self) {
        self.apply_control_requests();
        let bytes = self.collector.begin_safe_point(&self.state);
        #[cfg(feature = "record")]
        let pauses_before = self.collector.stats.pause_count;
        if self.collector.config.stress {
            self.stress_collect();
        } else {
            self.with_roots(|collector, state, roots| {
                for (kind, duration) in collector.pay_debt(state, roots, bytes) {
                    collector.record_pause(kind, duration);
                }
            });
        }
        #[cfg(feature = "record")]
        self.record_safe_point(pauses_before);
        self.finish_safe_point();
        self.state.deferred_panic.resume();
    }

    /// Runs a minor (young-generation) collection now. Does nothing when the
    /// young generation is off.
    pub fn collect_minor(&mut self) {
        self.paused(PauseKind::Minor, |collector, state, roots| {
            collector.minor(state, roots)
        });
    }

    /// Collects everything now: finishes any cycle in progress, then runs a
    /// whole stop-the-world collection of both generations.
    pub fn collect_full(&mut self) {
        self.paused(PauseKind::Full, |collector, state, roots| {
            collector.full(state, roots)
        });
    }

    /// Manual stepping: starts a major cycle (shades the roots). Finishes a
    /// sweep in progress first; does nothing if already marking. The pacer
    /// does not learn from the timing of a cycle stepped by hand.
    pub fn start_marking(&mut self) {
        self.paused(PauseKind::MarkStart, |collector, state, roots| {
            collector.start_cycle(state, roots, true)
        });
    }

    /// Manual stepping: does up to `units` of mark work (bytes scanned).
    /// Returns the work done (0 when not marking or nothing is gray).
    pub fn mark_step(&mut self, units: usize) -> usize {
        let mut done = 0;
        self.paused(PauseKind::MarkStep, |collector, state, _| {
            done = collector.mark(state, units, None)
        });
        done
    }

    /// Manual stepping: ends marking (termination pause), then sweeping begins.
    pub fn finish_marking(&mut self) {
        self.paused(PauseKind::MarkTermination, |collector, state, roots| {
            collector.finish_marking(state, roots)
        });
    }

    /// Manual stepping: sweeps up to `cells` old-space cells. Returns true
    /// when no sweep is in progress any more.
    pub fn sweep_step(&mut self, cells: usize) -> bool {
        let mut done = false;
        self.paused(PauseKind::SweepStep, |collector, state, _| {
            done = collector.sweep(state, cells, None)
        });
        done
    }

    /// The major cycle's phase.
    pub fn phase(&self) -> Phase {
        self.state.phase.get()
    }

    /// Runs one collection operation as a timed pause at a safe point.
    fn paused(
        &mut self,
        kind: PauseKind,
        op: impl FnOnce(&mut Collector, &mut GcState, &mut dyn FnMut(&mut Tracer)),
    ) {
        self.apply_control_requests();
        self.collector.begin_quiet_safe_point(&self.state);
        let start = Instant::now();
        self.with_roots(|collector, state, roots| {
            op(collector, state, roots);
            // By hand, a step returns with the young garbage it found dropped.
            collector.finish_young_drops(state);
        });
        self.collector.record_pause(kind, start.elapsed());
        #[cfg(feature = "record")]
        self.record_last_pause();
        self.finish_safe_point();
        self.state.deferred_panic.resume();
    }

    /// Closes a safe point: limits for the mutator, verification, publishing.
    fn finish_safe_point(&mut self) {
        self.collector.end_safe_point(&self.state);
        self.verify_if_asked();
        self.publish_to_control();
        self.memory_watch.check(&self.state, &self.collector.config);
    }

    /// The memory-limit callback's slot (`api/memory_watch.rs`).
    pub(crate) fn memory_watch(&mut self) -> &mut MemoryWatch {
        &mut self.memory_watch
    }

    /// Applies the configuration requested through a `GcControl` handle, if
    /// a handle wrote since the heap last applied one.
    fn apply_control_requests(&mut self) {
        let Some(request) = self.control.as_ref().and_then(GcControl::take_request) else {
            return;
        };
        // Cannot fail: a request was validated at the call, against the
        // run-time restrictions too. Never written back (that would revert
        // later requests); a failure is logged.
        if let Err(error) = self.collector.apply_config(&mut self.state, request.config) {
            tracing::warn!(target: "tenure::gc", %error, "configuration requested through GcControl refused");
        }
    }

    /// Publishes stats to the control handles at most every `PUBLISH_INTERVAL`.
    fn publish_to_control(&mut self) {
        let cycles = self.collector.stats.major_collections;
        let (when, cycles_then) = self.last_publish;
        if self.control.is_none() || (when.elapsed() < PUBLISH_INTERVAL && cycles == cycles_then) {
            return;
        }
        self.last_publish = (Instant::now(), cycles);
        let stats = self.stats();
        if let Some(control) = &self.control {
            control.publish(stats);
        }
    }

    /// A `Send + Sync` handle through which other threads read the latest
    /// stats and change knobs; changes apply at this heap's next safe point.
    pub fn control(&mut self) -> GcControl {
        let control = self
            .control
            .get_or_insert_with(|| GcControl::new(self.collector.config))
            .clone();
        control.publish(self.stats());
        control
    }

    /// Changes the configuration now with `edit`, which gets the wanted
    /// configuration and returns an error to refuse (as
    /// [`GcControl::update`] does). The result must be valid and keep
    /// `generational`; otherwise the error is returned and nothing changes.
    ///
    /// With control handles, this is one more write to the wanted
    /// configuration, ordered with the handles' writes (per-knob
    /// last-writer-wins, see [`GcControl`]): the knobs it sets win over
    /// earlier requests, and requests for other knobs still pending are
    /// applied now too, never dropped. The call is a safe point that pays no
    /// debt: the bytes allocated since the last one are counted and charged
    /// to the assist debt, which the next `collect_debt` pays.
    pub fn update_config<T>(
        &mut self,
        edit: impl FnOnce(&mut Config) -> Result<T, ConfigError>,
    ) -> Result<T, ConfigError> {
        let (result, config) = match &self.control {
            Some(control) => {
                let (result, requested) = control.write_now(edit)?;
                (result, requested.config)
            }
            None => {
                let mut config = self.collector.config;
                (edit(&mut config)?, config)
            }
        };
        self.collector.begin_quiet_safe_point(&self.state);
        let applied = self.collector.apply_config(&mut self.state, config);
        self.collector.end_safe_point(&self.state);
        applied.map(|_| result)
    }

    /// Replaces the configuration (validated; `generational` cannot change):
    /// a write of every knob (see [`Heap::update_config`]). Returns the
    /// configuration it replaces.
    pub fn set_config(&mut self, config: Config) -> Result<Config, ConfigError> {
        self.update_config(|wanted| Ok(std::mem::replace(wanted, config)))
    }

    /// Sets `gc_percent` now (like Go's `debug.SetGCPercent`); returns the old value.
    pub fn set_gc_percent(&mut self, gc_percent: Option<u32>) -> Result<Option<u32>, ConfigError> {
        self.update_config(|config| config.set_gc_percent(gc_percent))
    }

    /// Sets the soft memory limit now (like Go's `debug.SetMemoryLimit`);
    /// returns the old value.
    pub fn set_memory_limit(&mut self, limit: Option<usize>) -> Result<Option<usize>, ConfigError> {
        self.update_config(|config| config.set_memory_limit(limit))
    }

    /// Splits the heap into the collector, the spaces, and a tracer callback
    /// for the root object, and runs `op` on them. If `op` unwinds (only a
    /// `Trace` impl can: the collector catches every other panic), the heap
    /// stays poisoned.
    fn with_roots<T>(
        &mut self,
        op: impl FnOnce(&mut Collector, &mut GcState, &mut dyn FnMut(&mut Tracer)) -> T,
    ) -> T {
        self.assert_not_poisoned();
        self.poisoned = true;
        let Heap {
            root,
            state,
            collector,
            ..
        } = self;
        let mut roots = |tracer: &mut Tracer| root.trace(tracer);
        let result = op(collector, state, &mut roots);
        self.poisoned = false;
        result
    }

    /// Panics if a `Trace` impl unwound out of an earlier collection.
    #[inline]
    fn assert_not_poisoned(&self) {
        if self.poisoned {
            poisoned();
        }
    }

    /// Like `with_roots`, but the root is traced with `Trace::trace_named`
    /// (heap snapshots name the root's fields).
    pub(crate) fn with_named_roots<T>(
        &mut self,
        op: impl FnOnce(&mut Collector, &mut GcState, &mut dyn FnMut(&mut Tracer)) -> T,
    ) -> T {
        let Heap {
            root,
            state,
            collector,
            ..
        } = self;
        let mut roots = |tracer: &mut Tracer| root.trace_named(tracer);
        op(collector, state, &mut roots)
    }

    /// Stress mode: every safe point runs a minor GC and completes one phase
    /// of the major cycle, so every interleaving is exercised quickly.
    fn stress_collect(&mut self) {
        let start = Instant::now();
        self.with_roots(|collector, state, roots| {
            collector.minor(state, roots);
            match state.phase.get() {
                Phase::Idle => collector.start_cycle(state, roots, false),
                Phase::Marking => collector.finish_marking(state, roots),
                Phase::Sweeping => {
                    collector.sweep(state, usize::MAX, None);
                }
            }
            collector.finish_young_drops(state);
        });
        self.collector
            .record_pause(PauseKind::Full, start.elapsed());
    }

    /// Registers a callback that receives every major cycle's report.
    pub fn on_cycle(&mut self, callback: impl FnMut(&CycleReport) + 'static) {
        self.collector.on_cycle = Some(Box::new(callback));
    }

    /// A snapshot of the heap's counters.
    pub fn stats(&self) -> Stats {
        let state = &self.state;
        let collector = &self.collector;
        let recorder = &collector.stats;
        let old = state.old.borrow();
        let large = state.large.borrow();
        let survivors = state.survivors.occupied();
        let in_flight = state.bytes_since_safe_point() as u64;
        Stats {
            bytes_allocated: recorder.bytes_allocated + in_flight,
            objects_allocated: recorder.objects_allocated
                + state.counters.objects_since_safe_point.get() as u64,
            heap_bytes: state.heap_bytes(),
            peak_heap_bytes: recorder
                .peak_heap_bytes
                .max(state.heap_bytes() + old.lazy_freed_since_safe_point),
            committed_bytes: state.committed_bytes(),
            eden_bytes: state.eden.used(),
            eden_capacity: state.eden.capacity(),
            survivor_bytes: survivors.used,
            survivor_capacity: state.survivors.capacity,
            old_bytes: old.bytes_in_use,
            old_objects: old.objects,
            old_committed: old.committed(),
            old_idle_bytes: old.pool.idle_bytes(),
            old_released_bytes: old.pool.released_bytes(),
            scavenged_bytes: old.pool.released_total,
            large_bytes: large.bytes,
            large_objects: large.len(),
            external_bytes: state.external_bytes.get(),
            reported_external_bytes: state.reported_external.get(),
            live_bytes: recorder.live_bytes,
            allocated_black_bytes: recorder.allocated_black_bytes,
            live_objects: recorder.live_objects,
            minor_collections: recorder.minor_collections,
            remembered_set_minors: recorder.remembered_set_minors,
            weak_cells_cleared: recorder.weak_cells_cleared
                + self.collector.sweeper.weak.cleared as u64,
            major_collections: recorder.major_collections,
            full_collections: recorder.full_collections,
            phase: state.phase.get(),
            pause_total: recorder.pause_total,
            pause_count: recorder.pause_count,
            last_pause: recorder.recent_pauses.back().copied(),
            max_pause: recorder.max_pause,
            recent_pauses: recorder.recent_pauses.iter().copied().collect(),
            pause_histograms: recorder.pause_histograms.summaries(),
            survived_bytes: recorder.survived_bytes,
            promoted_bytes: recorder.promoted_bytes,
            premature_promoted_bytes: recorder.premature_promoted_bytes,
            last_minor: recorder.last_minor,
            tenuring_threshold: collector.tenuring_threshold,
            heap_goal: collector.pacer.heap_goal(),
            next_trigger: collector.pacer.trigger(),
            mark_work: recorder.mark_work,
            assist_work: recorder.assist_work,
            gc_cpu_fraction: collector.pacer.gc_cpu_fraction(),
            stashed_handles: state.stash.borrow().len(),
            barrier_regrays: state.counters.barrier_regrays.get(),
            pending_drops: state.young_drops.pending(),
            pending_drop_bytes: state.young_drops.retired_bytes(),
            deferred_drops: state.young_drops.dropped_total,
            pretenured_types: state.pretenure.pretenured_types(),
            pretenure_decisions: state.pretenure.decisions.get(),
            pretenure_reverts: state.pretenure.reverts.get(),
            pretenured_bytes: state.pretenure.pretenured_bytes.get(),
            root_slots_scanned: state.root_table.slots_scanned.get(),
        }
    }

    /// Walks every reachable object and checks the collector's invariants
    /// (see `docs/invariants.md`). Returns the number of objects checked.
    pub fn verify(&mut self) -> Result<usize, VerifyError> {
        self.with_roots(|_, state, roots| walk_heap(state, roots))
            .verdict()
    }

    /// The heap profile by type, like `pprof`'s in-use view: reachable
    /// objects and bytes per type name, largest first.
    pub fn heap_profile(&mut self) -> Vec<(&'static str, TypeTally)> {
        let reachable = self.with_roots(|_, state, roots| walk_heap(state, roots));
        let mut profile: Vec<_> = reachable.by_type.into_iter().collect();
        profile.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
        profile
    }

    /// In verify or stress mode, checks the heap after a collection and
    /// panics with the verifier's report: a failure is a collector bug.
    fn verify_if_asked(&mut self) {
        if self.collector.config.verify || self.collector.config.stress {
            if let Err(error) = self.verify() {
                panic!("{error}");
            }
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.collector.config
    }

    /// Total time spent in pauses.
    pub fn pause_total(&self) -> Duration {
        self.collector.stats.pause_total
    }
}

/// Reports an invalid `TENURE_GC` the first time a heap is built from it.
fn report_env_error_once(error: &ConfigError) {
    static REPORTED: std::sync::Once = std::sync::Once::new();
    REPORTED.call_once(|| {
        tracing::error!(target: "tenure::gc", %error, "invalid TENURE_GC; using the built-in defaults");
        eprintln!("tenure: invalid TENURE_GC ({error}); using the built-in defaults");
    });
}

/// The panic of every use of a poisoned heap.
#[cold]
#[inline(never)]
fn poisoned() -> ! {
    panic!(
        "tenure: this heap is poisoned: a `Trace` impl panicked during a collection, which \
         leaves the heap inconsistent; it can no longer be used, and dropping it leaks the \
         managed values (see \"Panics\" in docs/embedding.md)"
    )
}

/// Re-brands a root from `'gc` to `'static`.
///
/// # Safety
/// The result must only be used at a fresh brand (as `Heap` does).
unsafe fn transmute_root<'gc, R: for<'a> Rootable<'a>>(root: Root<'gc, R>) -> Root<'static, R> {
    let root = ManuallyDrop::new(root);
    // SAFETY: same type up to a lifetime, so same layout; the original is
    // not dropped (ManuallyDrop), so ownership moves exactly once.
    unsafe { std::ptr::read((&*root as *const Root<'gc, R>).cast::<Root<'static, R>>()) }
}
