//! The `Trace` trait and the `Tracer` that collections pass to it.
//!
//! Tracing is how the collector learns an object's outgoing pointers. Each
//! managed type implements [`Trace`] (usually with `#[derive(Trace)]`), and the
//! collector calls it at a safe point with **exclusive** access, so that a
//! moving collection can rewrite every `Gc` field in place: the same call that
//! *reads* a pointer during marking *updates* it during a minor GC.
//!
//! One `Tracer` type serves every kind of traversal; its mode says what
//! visiting an edge means, and the collector layer, which built the tracer,
//! dispatches each edge to its traversal (`collect/dispatch.rs`), so this
//! layer depends on no collector module:
//!
//! - `Evacuate` (minor GC, `evacuate`): copy young targets to survivor or old
//!   space and rewrite the slot with the new address; shade old targets while a
//!   major cycle is marking.
//! - `Mark` (incremental marking, `mark`): shade white old targets gray.
//! - `Verify` (the heap verifier, `verify`): check that every edge is sound.
//! - `Snapshot` (heap snapshots, `snapshot`): record every edge, with the
//!   field it leaves from when `Trace::trace_named` announces it.
//!
//! Containers that own memory outside the heap (a `Vec`'s buffer, a
//! `String`'s bytes) report it with [`Tracer::external_bytes`], so that the
//! live heap, the heap goal and the memory limit see the program's real size.

use std::ptr::NonNull;

/// A type whose managed pointers the collector can find and update.
///
/// # Safety
///
/// Implementations must uphold, for every call of `trace`:
///
/// 1. Every `Gc` and `GcWeak` that `self` owns (directly, or through owned
///    containers) is passed to the tracer exactly once, by `&mut` to the value
///    stored in `self` (not a copy), because a moving collection rewrites it.
/// 2. `trace` does not read through any `Gc` (targets may be mid-move), does
///    not allocate managed objects and does not panic. (A panic is not
///    undefined behaviour, but it cuts a traversal short: the heap is then
///    poisoned, every later use of it panics, and dropping it leaks the
///    managed values. See "Panics" in docs/embedding.md.)
/// 3. The set of pointers visited is the set the value holds: hiding a
///    pointer from the tracer lets its target be freed while still reachable.
/// 4. If `NEEDS_TRACE` is false, the type holds no `Gc`/`GcWeak` and owns no
///    memory outside the heap worth reporting.
/// 5. If `HOLDS_GC` is false, the type holds no `Gc`/`GcWeak` (it may still
///    report outside bytes): `trace` never visits an edge, so no collection
///    ever changes the value.
///
/// `#[derive(Trace)]` writes implementations that meet this contract.
pub unsafe trait Trace {
    /// False when `trace` would do nothing, so containers and the collector can
    /// skip scanning (a `Vec<u8>` inside an object needs no element walk).
    const NEEDS_TRACE: bool = true;

    /// False when the value can hold no `Gc` or `GcWeak`, directly or through
    /// the containers it owns. Tracing such a value may report outside bytes
    /// (a `String`'s buffer) but never visits an edge, so a moving collection
    /// never changes it: a hashed or ordered container whose keys are of such
    /// a type keeps its keys in place instead of rebuilding itself at every
    /// trace. The default, `NEEDS_TRACE`, is always sound; a type that only
    /// reports outside bytes says `false`.
    const HOLDS_GC: bool = Self::NEEDS_TRACE;

    /// Visit every managed pointer held by `self` (see the safety contract).
    fn trace(&mut self, tracer: &mut Tracer);

    /// Like [`Trace::trace`], but first announces each field's name with
    /// [`Tracer::field_name`], so that heap snapshots and retaining paths can
    /// name the field an edge leaves from. Only the snapshot walker calls it;
    /// marking and evacuation call `trace`, so they do no per-field work for
    /// names. The default (for hand-written impls and containers) is `trace`:
    /// edges are then unnamed, or named by an enclosing derived field.
    /// `#[derive(Trace)]` overrides it; transparent wrappers (`Lock`,
    /// `RefLock`, `Box`) forward it. The same contract as `trace` applies.
    #[inline]
    fn trace_named(&mut self, tracer: &mut Tracer) {
        self.trace(tracer)
    }
}

/// What visiting an edge means in the current traversal.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum TraceMode {
    /// Minor GC: copy young targets and rewrite slots.
    Evacuate,
    /// Old-generation marking: shade white old targets.
    Mark,
    /// Heap verification: check edges, move nothing. (A `GcPool` still
    /// catches up with its cycle when traced, as in any traversal.)
    Verify,
    /// Heap snapshot (`collect/snapshot.rs`): record each edge and its field
    /// name, move nothing.
    Snapshot,
    /// Sweeping a value a weak container holds weakly as a whole (a key of a
    /// finalization queue, `object/weak_ops.rs`): rewrite each edge to its
    /// target's new address, or note that the target is dead.
    FixWeak,
}

/// The visitor handed to [`Trace::trace`]. Only the collector creates one.
pub struct Tracer {
    pub(crate) mode: TraceMode,
    /// The traversal's state; which type it points at depends on `mode`
    /// (`evacuate::Evacuation`, `mark::Marker`, `verify::Verification`).
    /// Valid for the whole life of the tracer (it is created on the
    /// collector's stack and never escapes a collection).
    pub(crate) context: NonNull<()>,
    /// Set when the object being scanned was seen to hold a young pointer
    /// (minor GC uses it to rebuild the remembered set, invariant I2).
    pub(crate) saw_young: bool,
    /// Outside-heap bytes reported by the object being scanned.
    pub(crate) external: usize,
    /// The number of major cycles started when this traversal began.
    pub(crate) cycle: u64,
    /// The field last announced by `Trace::trace_named` (snapshots only;
    /// the snapshot walker clears it before each object).
    pub(crate) field: Option<&'static str>,
}

impl Tracer {
    pub(crate) fn new<C>(mode: TraceMode, context: &mut C, cycle: u64) -> Tracer {
        Tracer {
            mode,
            context: NonNull::from(context).cast(),
            saw_young: false,
            external: 0,
            cycle,
            field: None,
        }
    }

    /// Ends the traversal: after this, its context may be used directly
    /// again (while a tracer lives, the context is reached only through it).
    pub(crate) fn finish(self) {}

    /// The traversal's state.
    ///
    /// # Safety
    /// `C` must be the context type this tracer was created with. The returned
    /// borrow holds the tracer, so it cannot overlap another `context` call.
    #[inline]
    pub(crate) unsafe fn context<C>(&mut self) -> &mut C {
        // SAFETY: the caller names the right type; the context outlives the
        // tracer and is reached only through it while the tracer exists.
        unsafe { self.context.cast::<C>().as_mut() }
    }

    /// Reports `bytes` of memory that the value being traced owns outside the
    /// managed heap (a `Vec`'s buffer, a `String`'s bytes). Counted in the
    /// live heap after marking and in the work a mark step does. Memory no
    /// `Trace` impl sees, or growth the pacer must see before the next trace,
    /// is reported by the program instead, with
    /// [`Mutation::report_external`](crate::Mutation::report_external) (never
    /// both for the same bytes).
    #[inline]
    pub fn external_bytes(&mut self, bytes: usize) {
        self.external += bytes;
    }

    /// Names the field whose pointers the next visits come from. Called by
    /// `#[derive(Trace)]`'s `trace_named` before each field; only heap
    /// snapshots read it. `name` is the field (`"next"`, `"0"`), prefixed by
    /// the variant for enums (`"Cons.car"`).
    #[inline]
    pub fn field_name(&mut self, name: &'static str) {
        self.field = Some(name);
    }

    /// True if this traversal may move objects (a minor GC): `trace` must then
    /// pass the pointers it really stores, never copies of them.
    pub fn is_moving(&self) -> bool {
        matches!(self.mode, TraceMode::Evacuate | TraceMode::FixWeak)
    }
}
