//! Heap snapshots: a walk of the object graph that records every object.
//!
//! At a safe point (no `mutate` call running), the walker visits every object
//! reachable from the root and the stash, breadth first, the way the heap
//! verifier (`verify`) walks it, and reports for each object its identity,
//! type, space, colour, age, remembered bit, size and outgoing edges. It is
//! what heap dumps, retaining paths ("why is this alive") and in-use heap
//! profiles are built from.
//!
//! - **Ids.** An object's id is its identity hash (`Gc::identity_hash`: the
//!   header's hash slot, assigned on first use and copied with the object, I6),
//!   so the same object has the same id in every snapshot. Two objects may
//!   share a hash; within one snapshot a repeat gets the hash plus a multiple
//!   of 2^32, so ids are unique in each snapshot (and stable for all objects
//!   whose hash is unique, which is almost all).
//! - **Field names.** The walker traces objects with `Trace::trace_named`
//!   (the `TypeInfo::trace_named` entry), which `#[derive(Trace)]` writes to
//!   announce each field's name before tracing it. Marking and evacuation
//!   keep calling `trace`: names cost them nothing.
//! - **Weak containers.** A container's strong part is traced as usual; each
//!   ephemeron value is an [`EdgeKind::Ephemeron`] edge (strong only while its
//!   key lives), each weak slot an [`EdgeKind::Weak`] edge. Their targets are
//!   recorded as objects too: they are in the heap until a collection proves
//!   them dead.
//! - **Memory.** The streaming form ([`SnapshotVisitor`]) keeps one entry per
//!   object (its address and id) plus the queue, never a copy of the objects'
//!   bytes; `HeapSnapshot` is that stream collected.
//!
//! The walk moves nothing, and it assigns identity hashes (a header write
//! only). Colours are reported as they stand (a young object's colour has no
//! meaning until it is promoted).

use std::collections::{HashMap, HashSet, VecDeque};
use std::ptr::NonNull;

use crate::object::header::{Colour, Header, Space};
use crate::object::trace::{TraceMode, Tracer};
use crate::state::GcState;

/// Where an object lives (the header's space, survivor halves merged).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum ObjectSpace {
    /// The nursery: allocated since the last minor GC.
    Eden,
    /// The survivor space: survived at least one minor GC, still young.
    Survivor,
    /// An old-space cell: promoted or born old; not moved any more.
    Old,
    /// The large object space: an allocation of its own, never moved.
    Large,
}

impl ObjectSpace {
    /// The lower-case name used in dumps (`"eden"`, `"survivor"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ObjectSpace::Eden => "eden",
            ObjectSpace::Survivor => "survivor",
            ObjectSpace::Old => "old",
            ObjectSpace::Large => "large",
        }
    }
}

/// An object's tri-colour state (invariant I1), as marking sees it.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum ObjectColour {
    /// Not reached by the current (or, when idle, the next) marking cycle.
    White,
    /// Reached and waiting on the gray stack to be scanned.
    Gray,
    /// Reached and scanned.
    Black,
}

impl ObjectColour {
    /// The lower-case name used in dumps.
    pub fn name(self) -> &'static str {
        match self {
            ObjectColour::White => "white",
            ObjectColour::Gray => "gray",
            ObjectColour::Black => "black",
        }
    }
}

/// How an edge keeps its target alive.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum EdgeKind {
    /// An ordinary `Gc` field: keeps the target alive.
    Strong,
    /// An ephemeron table's value: keeps the target alive while its key lives.
    Ephemeron,
    /// A weak slot (`GcWeak`'s cell, a finalization queue's watched object):
    /// does not keep the target alive.
    Weak,
}

impl EdgeKind {
    /// The lower-case name used in dumps.
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Strong => "strong",
            EdgeKind::Ephemeron => "ephemeron",
            EdgeKind::Weak => "weak",
        }
    }
}

/// One outgoing pointer.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct EdgeRecord {
    /// The target's id.
    pub to: u64,
    /// The field the pointer is stored in, when the source's `Trace` impl
    /// names it (`#[derive(Trace)]` does: `"next"`, `"0"`, `"Cons.car"`).
    pub field: Option<&'static str>,
    /// Whether the edge keeps its target alive.
    pub kind: EdgeKind,
}

/// One live object.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ObjectRecord {
    /// Stable id: the identity hash (see the module docs).
    pub id: u64,
    /// The Rust type (`std::any::type_name`).
    pub type_name: &'static str,
    /// Where it lives.
    pub space: ObjectSpace,
    /// Its colour.
    pub colour: ObjectColour,
    /// Minor GCs survived (saturating at the tenuring maximum; 0 for
    /// objects born old).
    pub age: u8,
    /// In the remembered set (an old object that may hold young pointers, I2).
    pub remembered: bool,
    /// Bytes in the heap, the 16-byte header included.
    pub size: usize,
    /// Bytes it owns outside the heap, as its `Trace` impl reports them
    /// (a `Vec`'s buffer, a `String`'s bytes).
    pub external_bytes: usize,
    /// Its outgoing pointers, in trace order.
    pub edges: Vec<EdgeRecord>,
}

/// One stashed handle (a root that outlives a `mutate` call).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct StashRecord {
    /// The handle's slot in the stash table.
    pub slot: usize,
    /// The stashed object's id.
    pub to: u64,
}

/// The whole object graph at one safe point.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct HeapSnapshot {
    /// Every object reached, breadth first from the roots and the stash.
    pub objects: Vec<ObjectRecord>,
    /// The root's edges.
    pub roots: Vec<EdgeRecord>,
    /// The stash entries.
    pub stash: Vec<StashRecord>,
}

/// Receives a snapshot as it is walked: all root edges, then all stash
/// entries, then each object once (breadth first). Records are lent, so
/// memory stays proportional to the number of objects.
pub trait SnapshotVisitor {
    /// One edge of the root.
    fn root_edge(&mut self, edge: &EdgeRecord);
    /// One stashed handle.
    fn stash_entry(&mut self, entry: &StashRecord);
    /// One object.
    fn object(&mut self, object: &ObjectRecord);
}

impl SnapshotVisitor for HeapSnapshot {
    fn root_edge(&mut self, edge: &EdgeRecord) {
        self.roots.push(*edge);
    }
    fn stash_entry(&mut self, entry: &StashRecord) {
        self.stash.push(*entry);
    }
    fn object(&mut self, object: &ObjectRecord) {
        self.objects.push(object.clone());
    }
}

/// The walker's state, reached through the tracer.
struct Walk {
    /// Address -> id of every object discovered.
    ids: HashMap<usize, u64>,
    /// Ids handed out (to disambiguate equal hashes).
    used: HashSet<u64>,
    /// Discovered, not yet reported.
    queue: VecDeque<NonNull<Header>>,
    /// Edges of the object (or root) being traced.
    edges: Vec<EdgeRecord>,
    /// The kind of edge the current visits make.
    kind: EdgeKind,
}

impl Walk {
    /// The id of `object`, discovering (queueing) it on first sight.
    fn discover(&mut self, object: NonNull<Header>) -> u64 {
        let address = object.as_ptr() as usize;
        if let Some(&id) = self.ids.get(&address) {
            return id;
        }
        // SAFETY: only live objects are reached (the walk runs at a safe
        // point, over edges the Trace contract reports).
        let hash = u64::from(unsafe { object.as_ref() }.identity_hash());
        let mut id = hash;
        while !self.used.insert(id) {
            id += 1 << 32;
        }
        self.ids.insert(address, id);
        self.queue.push_back(object);
        id
    }
}

/// The snapshot's edge visitor (`TraceMode::Snapshot`).
pub(crate) fn visit_edge(tracer: &mut Tracer, target: NonNull<Header>) {
    let field = tracer.field;
    // SAFETY: this tracer was created with a Walk context.
    let walk = unsafe { tracer.context::<Walk>() };
    let to = walk.discover(target);
    let kind = walk.kind;
    walk.edges.push(EdgeRecord { to, field, kind });
}

/// What a walk leaves behind: the address of every object reported, with
/// its id (retaining paths look objects up in it).
pub(crate) type IdMap = HashMap<usize, u64>;

/// Walks the heap, reporting to `visitor`; `trace_root` traces the root
/// (with `Trace::trace_named`, so root fields are named too).
pub(crate) fn walk_snapshot(
    state: &mut GcState,
    trace_root: &mut dyn FnMut(&mut Tracer),
    visitor: &mut dyn SnapshotVisitor,
) -> IdMap {
    let epoch = state.next_trace_epoch();
    let state: &GcState = state;
    let mut walk = Walk {
        ids: HashMap::new(),
        used: HashSet::new(),
        queue: VecDeque::new(),
        edges: Vec::new(),
        kind: EdgeKind::Strong,
    };
    let mut tracer = Tracer::new(TraceMode::Snapshot, &mut walk, state.cycle.get());
    trace_root(&mut tracer);
    // SAFETY: this tracer was created with a Walk context.
    let walk_now = unsafe { tracer.context::<Walk>() };
    for edge in walk_now.edges.drain(..) {
        visitor.root_edge(&edge);
    }
    for (slot, object) in state.stash.borrow().entries() {
        let to = walk_now.discover(object);
        visitor.stash_entry(&StashRecord { slot, to });
    }
    let mut record = ObjectRecord {
        id: 0,
        type_name: "",
        space: ObjectSpace::Eden,
        colour: ObjectColour::White,
        age: 0,
        remembered: false,
        size: 0,
        external_bytes: 0,
        edges: Vec::new(),
    };
    loop {
        // SAFETY: as above.
        let walk_now = unsafe { tracer.context::<Walk>() };
        let Some(object) = walk_now.queue.pop_front() else {
            break;
        };
        let id = walk_now.ids[&(object.as_ptr() as usize)];
        tracer.field = None;
        tracer.external = 0;
        trace_object(&mut tracer, object, epoch);
        // SAFETY: as above.
        let walk_now = unsafe { tracer.context::<Walk>() };
        // The two edge buffers alternate: the walk fills one while the
        // record lends the other.
        record.edges.clear();
        std::mem::swap(&mut record.edges, &mut walk_now.edges);
        describe(&mut record, object, id, tracer.external);
        visitor.object(&record);
    }
    tracer.finish();
    walk.ids
}

/// Fills `record` (all but its edges) from `object`'s header.
fn describe(record: &mut ObjectRecord, object: NonNull<Header>, id: u64, external: usize) {
    // SAFETY: a live object reached by the walk.
    let header = unsafe { object.as_ref() };
    let info = header.info();
    record.id = id;
    record.type_name = (info.name)();
    record.space = match header.space() {
        Space::Eden => ObjectSpace::Eden,
        Space::SurvivorA | Space::SurvivorB => ObjectSpace::Survivor,
        Space::Old => ObjectSpace::Old,
        Space::Large => ObjectSpace::Large,
    };
    record.colour = match crate::space::marks::colour(object) {
        Colour::White => ObjectColour::White,
        Colour::Gray => ObjectColour::Gray,
        Colour::Black => ObjectColour::Black,
    };
    record.age = header.age();
    record.remembered = header.is_remembered();
    // SAFETY: as above; an unsized object's length is in its body.
    record.size = unsafe { info.size_of(object) };
    record.external_bytes = external;
}

/// Traces one object's edges into the walk: named fields for ordinary
/// objects; strong part, ephemeron values and weak slots for containers.
fn trace_object(tracer: &mut Tracer, object: NonNull<Header>, epoch: u64) {
    // SAFETY: a live object reached by the walk, at a safe point.
    let info = unsafe { object.as_ref() }.info();
    let Some(ops) = info.weak else {
        if let Some(trace_named) = info.trace_named {
            // SAFETY: as above.
            unsafe { trace_named(object, tracer) };
        }
        return;
    };
    // SAFETY: as above.
    unsafe { (ops.trace_strong)(object, tracer) };
    tracer.field = None;
    // SAFETY: this tracer was created with a Walk context.
    unsafe { tracer.context::<Walk>() }.kind = EdgeKind::Ephemeron;
    crate::collect::settle::settle(object, tracer, &|_| true, epoch);
    // SAFETY: as above.
    let walk = unsafe { tracer.context::<Walk>() };
    walk.kind = EdgeKind::Strong;
    let mut weak = Vec::new();
    crate::collect::settle::sweep(object, &mut |target| {
        weak.push(target);
        Some(target)
    });
    for target in weak {
        let to = walk.discover(target);
        walk.edges.push(EdgeRecord {
            to,
            field: None,
            kind: EdgeKind::Weak,
        });
    }
}
