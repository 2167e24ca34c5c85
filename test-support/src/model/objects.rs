//! The managed types of the model (`Obj`, its `Leaf` and `BigNode` children, the root)
//! and the deterministic contents every object carries, so that a check can tell an
//! intact object from a corrupt one by its id alone. Part of the model test; see
//! [`engine`](super::engine).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::program::PayloadSpec;
use crate::gc::{
    unlock, Array, FinalizationQueue, Gc, GcWeak, GcWeakMap, Heap, Lock, Mutation, RefLock,
    Rootable, Stashed, Trace,
};

/// Bytes in a large child's inline array: above the default 8 KiB large-object
/// threshold, so every [`BigNode`] lives in the large object space.
pub const BIG_BYTES: usize = 9000;

/// Slots of an object's managed array (`Obj::cells`): two 512-byte cards, so
/// that edge slot 2, its last slot, is in the second card.
pub const CELLS: usize = 72;

/// Object `id`'s name (a `Gc<str>`).
pub fn obj_name(id: u32) -> String {
    format!("obj{id}")
}

/// Words in an object's inline array.
pub const INLINE_WORDS: usize = 32;

/// Drop counts by object id, shared by the heap's objects and the model.
pub type DropLog = Rc<RefCell<BTreeMap<u32, u32>>>;

/// A reference to a model object.
pub type ObjRef<'gc> = Gc<'gc, Obj<'gc>>;

/// The stash handle type for model objects.
pub type ObjStash = Stashed<Rootable!['gc => Obj<'gc>]>;

// ---------------------------------------------------------------------------------------
// The managed types.

/// Outside-heap bytes an object owns (reported by `Trace`), checked byte for byte.
#[derive(Trace, Debug)]
pub enum Payload {
    /// No payload.
    Nothing,
    /// A byte vector whose contents follow from the id.
    Bytes(Vec<u8>),
    /// A string whose contents follow from the id.
    Text(String),
}

/// A leaf with no pointers and no `Drop` (the collector neither scans nor drops it).
#[derive(Trace, Debug)]
pub struct Leaf {
    /// `leaf_value(owner id)`.
    pub value: u64,
}

/// A large object (in the large object space) with one pointer back into the graph.
#[derive(Trace)]
pub struct BigNode<'gc> {
    /// The owner's id.
    pub id: u32,
    /// `big_byte(id, i)` at index `i`.
    pub data: [u8; BIG_BYTES],
    /// A graph edge, stored through the write barrier.
    pub back: Lock<Option<ObjRef<'gc>>>,
}

/// A graph node.
#[derive(Trace)]
#[trace(unsafe_drop)]
pub struct Obj<'gc> {
    /// The model's name for this object (unique).
    pub id: u32,
    /// Edge slot 0.
    pub f0: Lock<Option<ObjRef<'gc>>>,
    /// Edge slot 1.
    pub f1: Lock<Option<ObjRef<'gc>>>,
    /// A managed array whose last slot is edge slot 2, stored through the
    /// indexed barrier (`Gc::set`).
    pub cells: Gc<'gc, Array<Option<ObjRef<'gc>>>>,
    /// `obj_name(id)`, an unsized object fixed at allocation.
    pub name: Gc<'gc, str>,
    /// Any number of further edges.
    pub list: RefLock<Vec<ObjRef<'gc>>>,
    /// Outside-heap bytes.
    pub payload: Payload,
    /// `inline_word(id, i)` at index `i`: in-heap bytes that a bad copy would corrupt, and
    /// enough of them that an object (264 bytes with its header) is above the lowest
    /// large-object threshold (256 bytes), so `Knob::LargeThreshold` can make it old-born.
    pub inline: [u32; INLINE_WORDS],
    /// An optional pointer-free child, fixed at allocation.
    pub leaf: Option<Gc<'gc, Leaf>>,
    /// An optional large child, fixed at allocation.
    pub big: Option<Gc<'gc, BigNode<'gc>>>,
    /// Where `Drop` reports, for counted objects.
    #[trace(skip)]
    pub drops: Option<DropLog>,
}

impl Drop for Obj<'_> {
    fn drop(&mut self) {
        // Touches only plain fields, never a `Gc` (the `unsafe_drop` promise).
        if let Some(log) = &self.drops {
            *log.borrow_mut().entry(self.id).or_insert(0) += 1;
        }
    }
}

impl<'gc> Obj<'gc> {
    /// Edge slot `index` (`0..FIELDS`).
    pub fn slot(&self, index: usize) -> &Lock<Option<ObjRef<'gc>>> {
        match index {
            0 => &self.f0,
            1 => &self.f1,
            _ => &self.cells.as_ref_gc().slots()[CELLS - 1],
        }
    }
}

/// The heap's root.
#[derive(Trace)]
pub struct ModelRoot<'gc> {
    /// Root slots (changed through `mutate_root`).
    pub slots: Vec<ObjRef<'gc>>,
    /// Weak references, parallel to `Shadow::weaks`.
    pub weaks: Vec<GcWeak<'gc, Obj<'gc>>>,
    /// An ephemeron table: each value lives exactly as long as its key (the shadow's
    /// `ephemerons`).
    pub ephemerons: GcWeakMap<'gc, Obj<'gc>, ObjRef<'gc>>,
    /// A finalization queue: registered objects that die are resurrected into it (the
    /// shadow's `watched`).
    pub finals: FinalizationQueue<'gc, Obj<'gc>>,
}

/// The heap type the model runs on.
pub type ModelHeap = Heap<Rootable!['gc => ModelRoot<'gc>]>;

/// Stores `to` into edge slot `index` of `obj` through the write barrier.
pub fn set_slot<'gc>(
    m: &'gc Mutation<'gc>,
    obj: ObjRef<'gc>,
    index: usize,
    to: Option<ObjRef<'gc>>,
) {
    match index {
        0 => unlock!(Gc::write(m, obj), Obj, f0).set(to),
        1 => unlock!(Gc::write(m, obj), Obj, f1).set(to),
        // The indexed barrier: an old array remembers the slot's card.
        _ => obj.cells.set(m, CELLS - 1, to),
    }
}

// ---------------------------------------------------------------------------------------
// Deterministic contents.

/// Byte `index` of object `id`'s byte payload.
pub fn payload_byte(id: u32, index: usize) -> u8 {
    (id as usize).wrapping_mul(31).wrapping_add(index) as u8
}

/// Object `id`'s text payload of `len` bytes (its id and a dot, repeated).
pub fn payload_text(id: u32, len: u16) -> String {
    let unit = format!("{id}.");
    unit.repeat(usize::from(len) / unit.len() + 1)[..usize::from(len)].to_string()
}

/// The value of object `id`'s leaf child.
pub fn leaf_value(id: u32) -> u64 {
    u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5
}

/// Word `index` of object `id`'s inline array.
pub fn inline_word(id: u32, index: usize) -> u32 {
    id.rotate_left(index as u32) ^ (index as u32).wrapping_mul(0x0101_0101)
}

/// Byte `index` of object `id`'s large child.
pub fn big_byte(id: u32, index: usize) -> u8 {
    (id as usize).wrapping_add(index.wrapping_mul(7)) as u8
}

/// The payload `spec` asks for, filled with object `id`'s contents.
pub fn make_payload(id: u32, spec: PayloadSpec) -> Payload {
    match spec {
        PayloadSpec::Nothing => Payload::Nothing,
        PayloadSpec::Bytes(len) => {
            Payload::Bytes((0..usize::from(len)).map(|i| payload_byte(id, i)).collect())
        }
        PayloadSpec::Text(len) => Payload::Text(payload_text(id, len)),
    }
}

/// True if `payload` is exactly what [`make_payload`] made for `id` and `spec`.
pub fn payload_matches(id: u32, spec: PayloadSpec, payload: &Payload) -> bool {
    match (spec, payload) {
        (PayloadSpec::Nothing, Payload::Nothing) => true,
        (PayloadSpec::Bytes(len), Payload::Bytes(bytes)) => {
            bytes.len() == usize::from(len)
                && bytes
                    .iter()
                    .enumerate()
                    .all(|(i, &b)| b == payload_byte(id, i))
        }
        (PayloadSpec::Text(len), Payload::Text(text)) => *text == payload_text(id, len),
        _ => false,
    }
}
