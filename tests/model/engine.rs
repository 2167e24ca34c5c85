//! The model: a random mutator program run against a real heap and a shadow graph.
//!
//! A program is a list of [`Op`]s: allocate, link, unlink, push and pop root slots,
//! stash and unstash, downgrade and upgrade weak references, and collect in every way the
//! heap offers (`collect_debt`, `collect_minor`, `collect_full`, and the manual steps
//! `start_marking` / `mark_step` / `finish_marking` / `sweep_step`), in any order, so that
//! mutations land between incremental mark and sweep steps. Selectors in the ops are
//! reduced modulo whatever they select from, so every program is valid and shrinks well.
//!
//! The [`Shadow`] is the same graph in plain Rust (ids and edges). After every collection
//! [`Model::check`] demands that:
//!
//! 1. `Heap::verify` finds nothing wrong;
//! 2. the objects reachable in the heap (from the root slots and the stash) are exactly the
//!    shadow's reachable ones, each intact: id, payload, leaf, large child and every edge;
//! 3. no reachable object was dropped, and no object was dropped twice;
//! 4. a weak reference to a reachable object upgrades to that object; one to an unreachable
//!    object upgrades to `None` or to the intact object, and once `None`, stays `None`.
//!
//! After a `collect_full` it also demands that everything unreachable is gone: each
//! unreachable object with a counted `Drop` was dropped exactly once, weak references to
//! the unreachable are `None`, and `stats().live_objects`, the verifier's object count and
//! the old + large object counts all equal the shadow's count. When the heap is dropped,
//! every counted object must have been dropped exactly once.
//!
//! This file is shared: `tests/model.rs` (the facade, driven by proptest) and
//! `gc-core/tests/model_miri.rs` (seeded programs small enough for Miri) both include it.
//! Each provides a sibling module `gc` that re-exports the collector's API and the derive.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::mem::ManuallyDrop;
use std::rc::Rc;

use super::gc::config::Tenuring;
use super::gc::{unlock, Config, Gc, GcWeak, Heap, Lock, Phase, RefLock, Rootable, Stashed, Trace};

/// Number of `Lock<Option<Gc>>` fields per object.
pub const FIELDS: usize = 3;

/// Bytes in a large child's inline array: above the default 8 KiB large-object
/// threshold, so every [`BigNode`] lives in the large object space.
pub const BIG_BYTES: usize = 9000;

/// Mark work units (bytes scanned) per live object, for sizing [`CollectOp::MarkStep`]:
/// an `Obj` box is about 140 bytes, plus its payload and children.
pub const UNITS_PER_OBJECT: usize = 200;

/// The large-object thresholds `Knob::LargeThreshold` chooses from, in bytes.
pub const LARGE_THRESHOLDS: [usize; 3] = [256, 1024, 8 * 1024];

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
    /// Edge slot 2.
    pub f2: Lock<Option<ObjRef<'gc>>>,
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
    fn slot(&self, index: usize) -> &Lock<Option<ObjRef<'gc>>> {
        match index {
            0 => &self.f0,
            1 => &self.f1,
            _ => &self.f2,
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
}

/// The heap type the model runs on.
pub type ModelHeap = Heap<Rootable!['gc => ModelRoot<'gc>]>;

/// Stores `to` into edge slot `index` of `obj` through the write barrier.
fn set_slot<'gc>(
    m: &'gc super::gc::Mutation<'gc>,
    obj: ObjRef<'gc>,
    index: usize,
    to: Option<ObjRef<'gc>>,
) {
    let write = Gc::write(m, obj);
    let slot = match index {
        0 => unlock!(write, Obj, f0),
        1 => unlock!(write, Obj, f1),
        _ => unlock!(write, Obj, f2),
    };
    slot.set(to);
}

// ---------------------------------------------------------------------------------------
// Deterministic contents.

fn payload_byte(id: u32, index: usize) -> u8 {
    (id as usize).wrapping_mul(31).wrapping_add(index) as u8
}

fn payload_text(id: u32, len: u16) -> String {
    let unit = format!("{id}.");
    unit.repeat(usize::from(len) / unit.len() + 1)[..usize::from(len)].to_string()
}

fn leaf_value(id: u32) -> u64 {
    u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5
}

fn inline_word(id: u32, index: usize) -> u32 {
    id.rotate_left(index as u32) ^ (index as u32).wrapping_mul(0x0101_0101)
}

fn big_byte(id: u32, index: usize) -> u8 {
    (id as usize).wrapping_add(index.wrapping_mul(7)) as u8
}

fn make_payload(id: u32, spec: PayloadSpec) -> Payload {
    match spec {
        PayloadSpec::Nothing => Payload::Nothing,
        PayloadSpec::Bytes(len) => {
            Payload::Bytes((0..usize::from(len)).map(|i| payload_byte(id, i)).collect())
        }
        PayloadSpec::Text(len) => Payload::Text(payload_text(id, len)),
    }
}

fn payload_matches(id: u32, spec: PayloadSpec, payload: &Payload) -> bool {
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

// ---------------------------------------------------------------------------------------
// Programs.

/// Picks one of `len` things: the value modulo `len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sel(pub u16);

impl Sel {
    fn pick(self, len: usize) -> usize {
        usize::from(self.0) % len
    }
}

/// What an object carries besides its edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadSpec {
    /// No payload.
    Nothing,
    /// A `Vec<u8>` of this length.
    Bytes(u16),
    /// A `String` of this length.
    Text(u16),
}

/// How to build a new object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocSpec {
    /// Its payload.
    pub payload: PayloadSpec,
    /// Whether its `Drop` is counted in the drop log.
    pub counted: bool,
    /// Whether it gets a [`Leaf`] child.
    pub leaf: bool,
    /// Whether it gets a [`BigNode`] child.
    pub big: bool,
}

/// Where a new object goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    /// Pushed onto the root slots.
    Root,
    /// Stored into an edge of a reachable object (`edge` as in [`Op::Link`]).
    Edge {
        /// The parent, among the reachable objects.
        parent: Sel,
        /// Which edge.
        edge: u8,
    },
}

/// The collections a program can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectOp {
    /// `collect_debt()`.
    Debt,
    /// `collect_minor()`.
    Minor,
    /// `collect_full()`.
    Full,
    /// `start_marking()`.
    StartMarking,
    /// `mark_step` with a budget of `share / 1024` of the live heap (estimated as
    /// [`UNITS_PER_OBJECT`] per reachable object, at least one unit), so that a step
    /// scans part of the heap whatever its size, and marking is often left part done
    /// while the program mutates.
    MarkStep(u16),
    /// `finish_marking()`.
    FinishMarking,
    /// `sweep_step(cells)`.
    SweepStep(u16),
}

/// One step of a mutator program. Object selectors choose among the objects reachable
/// (in the shadow) when the op runs, in id order; an op with nothing to select is a no-op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Allocate one object and attach it.
    Alloc {
        /// What to build.
        spec: AllocSpec,
        /// Where it goes.
        attach: Attach,
    },
    /// Allocate a chain of `len` objects linked through `f0`, rooting the head.
    AllocChain {
        /// Chain length.
        len: u8,
        /// What each link is.
        spec: AllocSpec,
    },
    /// Allocate `count` objects and drop them at once.
    AllocGarbage {
        /// How many.
        count: u16,
        /// What each is.
        spec: AllocSpec,
    },
    /// Store `to` into an edge of `from`: edge `0..FIELDS` is a `Lock` slot, `FIELDS`
    /// pushes onto the `RefLock<Vec>`, `FIELDS + 1` sets the large child's back pointer
    /// (slot 0 if there is no large child). Taken modulo `FIELDS + 2`.
    Link {
        /// The object written.
        from: Sel,
        /// The object stored.
        to: Sel,
        /// Which edge.
        edge: u8,
    },
    /// Clear an edge of `from` (for the list: remove element `index`).
    Unlink {
        /// The object written.
        from: Sel,
        /// Which edge, as in `Link`.
        edge: u8,
        /// Which list element.
        index: Sel,
    },
    /// Move the target of an edge of `from` (the first non-empty one from `edge` on) into
    /// an edge of `to`, then clear the first edge (for the list: its last element). This is the store pattern that loses an
    /// object under incremental marking if the barrier misses it: the only pointer to a
    /// white object moves from an unscanned object into a scanned one.
    Move {
        /// The object the pointer is taken from.
        from: Sel,
        /// Which of its edges, as in `Link`.
        edge: u8,
        /// The object the pointer is stored into.
        to: Sel,
        /// Which of its edges, as in `Link`.
        to_edge: u8,
    },
    /// Push a reachable object onto the root slots.
    PushRoot(Sel),
    /// Remove a root slot.
    PopRoot(Sel),
    /// Stash a reachable object.
    Stash(Sel),
    /// Drop a stash handle.
    Unstash(Sel),
    /// Fetch a stashed object (and maybe root it).
    Fetch {
        /// Which handle.
        handle: Sel,
        /// Whether to push it onto the root slots too.
        reroot: bool,
    },
    /// Downgrade a reachable object into a new weak reference (kept in the root).
    Downgrade(Sel),
    /// Upgrade a weak reference (and maybe root the result, reviving it).
    Upgrade {
        /// Which weak reference.
        weak: Sel,
        /// Whether to push a live result onto the root slots.
        reroot: bool,
    },
    /// Drop a weak reference.
    DropWeak(Sel),
    /// Change a knob at run time (`Heap::set_config`); skipped if the result is invalid.
    Knob(Knob),
    /// Collect.
    Collect(CollectOp),
}

/// A run-time change of one knob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// `gc_percent`.
    GcPercent(u16),
    /// `eden_size`, in KiB.
    EdenKib(u16),
    /// `tenuring`: `Fixed(n)` for `1..=15`, `Adaptive { max: 15 }` for 0.
    Tenuring(u8),
    /// `mark_step_budget`, in KiB.
    MarkStepKib(u16),
    /// `stress`.
    Stress(bool),
    /// `large_object_threshold`: `LARGE_THRESHOLDS[n % 3]` bytes. The lowest makes every
    /// model object old-born (a large object), built with pointers to young ones.
    LargeThreshold(u8),
}

/// How the runner drives the heap besides the program.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Call `collect_debt()` (and check) after every op, as a program that returns to a
    /// safe point after every statement would. With `stress(true)` that collects at
    /// every safe point.
    pub debt_after_each_op: bool,
}

// ---------------------------------------------------------------------------------------
// The op mix, and a seeded program generator (for Miri, where proptest is too slow).
// `tests/model.rs` builds its proptest strategies from the same table and limits.

/// The kinds of op, one per variant of [`Op`] and [`CollectOp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Op::Alloc` onto the root slots.
    AllocRoot,
    /// `Op::Alloc` into an edge.
    AllocEdge,
    /// `Op::AllocChain`.
    AllocChain,
    /// `Op::AllocGarbage`.
    AllocGarbage,
    /// `Op::Link`.
    Link,
    /// `Op::Unlink`.
    Unlink,
    /// `Op::Move`.
    Move,
    /// `Op::PushRoot`.
    PushRoot,
    /// `Op::PopRoot`.
    PopRoot,
    /// `Op::Stash`.
    Stash,
    /// `Op::Unstash`.
    Unstash,
    /// `Op::Fetch`.
    Fetch,
    /// `Op::Downgrade`.
    Downgrade,
    /// `Op::Upgrade`.
    Upgrade,
    /// `Op::DropWeak`.
    DropWeak,
    /// `Op::Knob`.
    Knob,
    /// `CollectOp::Debt`.
    Debt,
    /// `CollectOp::Minor`.
    Minor,
    /// `CollectOp::Full`.
    Full,
    /// `CollectOp::StartMarking`.
    StartMarking,
    /// `CollectOp::MarkStep`.
    MarkStep,
    /// `CollectOp::FinishMarking`.
    FinishMarking,
    /// `CollectOp::SweepStep`.
    SweepStep,
}

impl Kind {
    /// True for the collections.
    pub fn is_collection(self) -> bool {
        matches!(
            self,
            Kind::Debt
                | Kind::Minor
                | Kind::Full
                | Kind::StartMarking
                | Kind::MarkStep
                | Kind::FinishMarking
                | Kind::SweepStep
        )
    }
}

/// The op mix of a general program: relative weights. Few root allocations and more
/// root pops than pushes keep objects deep (reachable through other objects only), and
/// `Move` is common: both make objects that incremental marking can lose.
pub const MIX: [(u32, Kind); 23] = [
    (6, Kind::AllocRoot),
    (14, Kind::AllocEdge),
    (4, Kind::AllocChain),
    (3, Kind::AllocGarbage),
    (6, Kind::Link),
    (5, Kind::Unlink),
    (14, Kind::Move),
    (1, Kind::PushRoot),
    (3, Kind::PopRoot),
    (3, Kind::Stash),
    (2, Kind::Unstash),
    (2, Kind::Fetch),
    (3, Kind::Downgrade),
    (4, Kind::Upgrade),
    (1, Kind::DropWeak),
    (1, Kind::Knob),
    (2, Kind::Debt),
    (2, Kind::Minor),
    (2, Kind::Full),
    (6, Kind::StartMarking),
    (12, Kind::MarkStep),
    (2, Kind::FinishMarking),
    (3, Kind::SweepStep),
];

/// The mutations of [`MIX`], with `Move` three times as likely: the mix between the
/// steps of a marking episode.
pub fn mutation_mix() -> Vec<(u32, Kind)> {
    MIX.iter()
        .filter(|(_, kind)| !kind.is_collection())
        .map(|&(weight, kind)| {
            (
                if kind == Kind::Move {
                    weight * 3
                } else {
                    weight
                },
                kind,
            )
        })
        .collect()
}

/// Limits on what ops build.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Ops per general program (at most, for proptest).
    pub ops: usize,
    /// Marking episodes per episode program (at most, for proptest).
    pub episodes: usize,
    /// Longest chain.
    pub chain: u8,
    /// Most garbage objects per op.
    pub garbage: u16,
    /// Longest payload, in bytes.
    pub payload: u16,
    /// Percent of objects that get a large child.
    pub big_percent: u8,
}

/// Limits for native runs.
pub const NATIVE: Sizes = Sizes {
    ops: 150,
    episodes: 5,
    chain: 12,
    garbage: 300,
    payload: 512,
    big_percent: 3,
};

/// Limits for Miri.
pub const MIRI: Sizes = Sizes {
    ops: 30,
    episodes: 1,
    chain: 3,
    garbage: 8,
    payload: 16,
    big_percent: 2,
};

/// Mark steps scan `share / 1024` of the live heap: shares up to this keep a step
/// below half of it, so marking is usually left part done.
pub const MAX_MARK_SHARE: u16 = 512;

/// Most mark steps per marking episode.
pub const EPISODE_MARK_STEPS: u64 = 8;

/// SplitMix64: a tiny, good-enough generator for test programs.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn sel(&mut self) -> Sel {
        Sel(self.next() as u16)
    }

    fn flag(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    fn edge(&mut self) -> u8 {
        self.below(FIELDS as u64 + 2) as u8
    }

    fn pick_kind(&mut self, mix: &[(u32, Kind)]) -> Kind {
        let total: u32 = mix.iter().map(|(weight, _)| weight).sum();
        let mut point = self.below(u64::from(total)) as u32;
        for &(weight, kind) in mix {
            if point < weight {
                return kind;
            }
            point -= weight;
        }
        unreachable!("the point falls inside the total weight")
    }
}

/// A general program: `sizes.ops` ops drawn from [`MIX`].
pub fn random_program(rng: &mut SplitMix, sizes: Sizes) -> Vec<Op> {
    (0..sizes.ops)
        .map(|_| {
            let kind = rng.pick_kind(&MIX);
            random_op(rng, sizes, kind)
        })
        .collect()
}

/// A program of `sizes.episodes` marking episodes. Each: up to 11 mutations, a
/// collection that settles the heap (full, minor or debt), `start_marking`, 1 to
/// [`EPISODE_MARK_STEPS`] mark steps each followed by up to 4 mutations, the end of
/// marking (`finish_marking` or debt), then up to 3 sweep steps each followed by up to
/// 2 mutations. Dense in the stores that lose objects if a barrier is wrong.
pub fn random_marking_program(rng: &mut SplitMix, sizes: Sizes) -> Vec<Op> {
    let mix = mutation_mix();
    let mut program = Vec::new();
    let mutations = |rng: &mut SplitMix, program: &mut Vec<Op>, most: u64| {
        for _ in 0..rng.below(most + 1) {
            let kind = rng.pick_kind(&mix);
            program.push(random_op(rng, sizes, kind));
        }
    };
    for _ in 0..sizes.episodes {
        mutations(rng, &mut program, 11);
        let settle = [CollectOp::Full, CollectOp::Minor, CollectOp::Debt][rng.below(3) as usize];
        program.push(Op::Collect(settle));
        program.push(Op::Collect(CollectOp::StartMarking));
        for _ in 0..1 + rng.below(EPISODE_MARK_STEPS) {
            program.push(random_op(rng, sizes, Kind::MarkStep));
            mutations(rng, &mut program, 4);
        }
        let finish = if rng.flag(2) {
            CollectOp::FinishMarking
        } else {
            CollectOp::Debt
        };
        program.push(Op::Collect(finish));
        for _ in 0..rng.below(4) {
            program.push(random_op(rng, sizes, Kind::SweepStep));
            mutations(rng, &mut program, 2);
        }
    }
    program
}

fn random_spec(rng: &mut SplitMix, sizes: Sizes) -> AllocSpec {
    let len = rng.below(u64::from(sizes.payload) + 1) as u16;
    AllocSpec {
        payload: match rng.below(3) {
            0 => PayloadSpec::Nothing,
            1 => PayloadSpec::Bytes(len),
            _ => PayloadSpec::Text(len),
        },
        counted: rng.flag(2),
        leaf: rng.flag(3),
        big: rng.below(100) < u64::from(sizes.big_percent),
    }
}

/// A random knob change (see [`Knob`]).
fn random_knob(rng: &mut SplitMix) -> Knob {
    match rng.below(6) {
        0 => Knob::GcPercent(10 + rng.below(400) as u16),
        1 => Knob::EdenKib(64 + rng.below(960) as u16),
        2 => Knob::Tenuring(rng.below(16) as u8),
        3 => Knob::MarkStepKib(1 + rng.below(64) as u16),
        4 => Knob::Stress(rng.flag(2)),
        _ => Knob::LargeThreshold(rng.below(LARGE_THRESHOLDS.len() as u64) as u8),
    }
}

/// A random op of `kind`.
fn random_op(rng: &mut SplitMix, sizes: Sizes, kind: Kind) -> Op {
    match kind {
        Kind::AllocRoot => Op::Alloc {
            spec: random_spec(rng, sizes),
            attach: Attach::Root,
        },
        Kind::AllocEdge => Op::Alloc {
            spec: random_spec(rng, sizes),
            attach: Attach::Edge {
                parent: rng.sel(),
                edge: rng.edge(),
            },
        },
        Kind::AllocChain => Op::AllocChain {
            len: 1 + rng.below(u64::from(sizes.chain)) as u8,
            spec: random_spec(rng, sizes),
        },
        Kind::AllocGarbage => Op::AllocGarbage {
            count: 1 + rng.below(u64::from(sizes.garbage)) as u16,
            spec: random_spec(rng, sizes),
        },
        Kind::Link => Op::Link {
            from: rng.sel(),
            to: rng.sel(),
            edge: rng.edge(),
        },
        Kind::Unlink => Op::Unlink {
            from: rng.sel(),
            edge: rng.edge(),
            index: rng.sel(),
        },
        Kind::Move => Op::Move {
            from: rng.sel(),
            edge: rng.edge(),
            to: rng.sel(),
            to_edge: rng.edge(),
        },
        Kind::PushRoot => Op::PushRoot(rng.sel()),
        Kind::PopRoot => Op::PopRoot(rng.sel()),
        Kind::Stash => Op::Stash(rng.sel()),
        Kind::Unstash => Op::Unstash(rng.sel()),
        Kind::Fetch => Op::Fetch {
            handle: rng.sel(),
            reroot: rng.flag(2),
        },
        Kind::Downgrade => Op::Downgrade(rng.sel()),
        Kind::Upgrade => Op::Upgrade {
            weak: rng.sel(),
            reroot: rng.flag(2),
        },
        Kind::DropWeak => Op::DropWeak(rng.sel()),
        Kind::Knob => Op::Knob(random_knob(rng)),
        Kind::Debt => Op::Collect(CollectOp::Debt),
        Kind::Minor => Op::Collect(CollectOp::Minor),
        Kind::Full => Op::Collect(CollectOp::Full),
        Kind::StartMarking => Op::Collect(CollectOp::StartMarking),
        Kind::MarkStep => Op::Collect(CollectOp::MarkStep(
            1 + rng.below(u64::from(MAX_MARK_SHARE)) as u16,
        )),
        Kind::FinishMarking => Op::Collect(CollectOp::FinishMarking),
        Kind::SweepStep => Op::Collect(CollectOp::SweepStep(1 + rng.below(64) as u16)),
    }
}

// ---------------------------------------------------------------------------------------
// The shadow graph.

/// One object as the model knows it.
#[derive(Debug, Clone)]
struct ShadowObj {
    spec: AllocSpec,
    slots: [Option<u32>; FIELDS],
    list: Vec<u32>,
    big_back: Option<u32>,
}

impl ShadowObj {
    fn new(spec: AllocSpec) -> ShadowObj {
        ShadowObj {
            spec,
            slots: [None; FIELDS],
            list: Vec::new(),
            big_back: None,
        }
    }

    fn edges(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .flatten()
            .chain(&self.list)
            .chain(&self.big_back)
            .copied()
    }
}

/// A weak reference as the model knows it.
#[derive(Debug, Clone, Copy)]
struct ShadowWeak {
    target: u32,
    /// Seen to upgrade to `None` (it must stay so).
    cleared: bool,
}

/// The graph in plain Rust: every object ever allocated (index = id) and the roots.
#[derive(Debug, Default)]
pub struct Shadow {
    objs: Vec<ShadowObj>,
    roots: Vec<u32>,
    stash: Vec<u32>,
    weaks: Vec<ShadowWeak>,
}

impl Shadow {
    fn add(&mut self, spec: AllocSpec) -> u32 {
        self.objs.push(ShadowObj::new(spec));
        (self.objs.len() - 1) as u32
    }

    /// Ids reachable from the root slots and the stash, in order.
    fn reachable(&self) -> BTreeSet<u32> {
        let mut seen = BTreeSet::new();
        let mut queue: Vec<u32> = self.roots.iter().chain(&self.stash).copied().collect();
        while let Some(id) = queue.pop() {
            if seen.insert(id) {
                queue.extend(self.objs[id as usize].edges());
            }
        }
        seen
    }

    /// Objects the heap holds when exactly `reachable` is live: the nodes, their leaf and
    /// large children, and the weak cells (the root keeps every weak reference).
    fn expected_objects(&self, reachable: &BTreeSet<u32>) -> usize {
        let children: usize = reachable
            .iter()
            .map(|&id| {
                let spec = self.objs[id as usize].spec;
                usize::from(spec.leaf) + usize::from(spec.big)
            })
            .sum();
        reachable.len() + children + self.weaks.len()
    }
}

// ---------------------------------------------------------------------------------------
// The runner.

/// A heap, the handles the program keeps outside it, and the shadow.
pub struct Model {
    heap: ModelHeap,
    handles: Vec<ObjStash>,
    shadow: Shadow,
    drops: DropLog,
    options: RunOptions,
    /// What the run has covered so far.
    summary: RunSummary,
    /// Whether the young generation is on.
    generational: bool,
}

/// What a whole run covered, for callers that check that programs reach the
/// interesting interleavings.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunSummary {
    /// Collections checked.
    pub checks: usize,
    /// Mutating ops run while a major cycle was marking (between mark steps).
    pub mutations_while_marking: usize,
    /// Mutating ops run while a major cycle was sweeping.
    pub mutations_while_sweeping: usize,
    /// Minor collections run.
    pub minor_collections: u64,
    /// Major cycles completed.
    pub major_collections: u64,
    /// Black objects the write barrier turned gray again.
    pub barrier_regrays: u64,
}

impl std::ops::AddAssign for RunSummary {
    fn add_assign(&mut self, other: RunSummary) {
        self.checks += other.checks;
        self.mutations_while_marking += other.mutations_while_marking;
        self.mutations_while_sweeping += other.mutations_while_sweeping;
        self.minor_collections += other.minor_collections;
        self.major_collections += other.major_collections;
        self.barrier_regrays += other.barrier_regrays;
    }
}

/// Runs `program` on a fresh heap built with `config`, checking after every collection,
/// then collects fully, drops the heap and checks that every counted object was dropped
/// exactly once. Panics (with the op index) on the first discrepancy.
///
/// On a failure the heap is leaked, not dropped: its objects may be corrupt, and dropping
/// them could crash the process before proptest has shrunk the program.
pub fn run(config: Config, options: RunOptions, program: &[Op]) -> RunSummary {
    let mut model = ManuallyDrop::new(Model::new(config, options));
    for (step, op) in program.iter().enumerate() {
        model.apply(*op, step);
    }
    model.apply(Op::Collect(CollectOp::Full), program.len());
    ManuallyDrop::into_inner(model).finish()
}

impl Model {
    /// A model over a fresh heap.
    pub fn new(config: Config, options: RunOptions) -> Model {
        let generational = config.generational();
        let heap = ModelHeap::with_config(config, |_| ModelRoot {
            slots: Vec::new(),
            weaks: Vec::new(),
        })
        .expect("the model's configs are valid");
        Model {
            heap,
            handles: Vec::new(),
            shadow: Shadow::default(),
            drops: DropLog::default(),
            options,
            summary: RunSummary::default(),
            generational,
        }
    }

    /// Runs one op (and the checks it calls for). `step` names it in failure messages.
    pub fn apply(&mut self, op: Op, step: usize) {
        match op {
            Op::Collect(collect) => {
                self.collect(collect);
                self.check(step, op, matches!(collect, CollectOp::Full));
            }
            Op::Knob(knob) => self.set_knob(knob),
            _ => {
                match self.heap.phase() {
                    Phase::Marking => self.summary.mutations_while_marking += 1,
                    Phase::Sweeping => self.summary.mutations_while_sweeping += 1,
                    Phase::Idle => {}
                }
                self.mutate(op, step);
                if self.options.debt_after_each_op {
                    self.heap.collect_debt();
                    self.check(step, op, false);
                }
            }
        }
    }

    /// Drops the heap (the handles outlive it) and checks the drop log.
    pub fn finish(self) -> RunSummary {
        let Model {
            heap,
            handles,
            shadow,
            drops,
            summary,
            ..
        } = self;
        let stats = heap.stats();
        let summary = RunSummary {
            minor_collections: stats.minor_collections,
            major_collections: stats.major_collections,
            barrier_regrays: stats.barrier_regrays,
            ..summary
        };
        drop(heap);
        drop(handles);
        let log = drops.borrow();
        for (id, obj) in shadow.objs.iter().enumerate() {
            let dropped = log.get(&(id as u32)).copied().unwrap_or(0);
            let expected = u32::from(obj.spec.counted);
            assert_eq!(
                dropped, expected,
                "object {id} dropped {dropped} times in all (expected {expected})"
            );
        }
        summary
    }

    /// Applies a knob change if the resulting configuration is valid.
    fn set_knob(&mut self, knob: Knob) {
        let builder = self.heap.config().to_builder();
        let builder = match knob {
            Knob::GcPercent(percent) => builder.gc_percent(Some(u32::from(percent))),
            Knob::EdenKib(kib) => builder.eden_size(usize::from(kib) * 1024),
            Knob::Tenuring(0) => builder.tenuring(Tenuring::Adaptive { max: 15 }),
            Knob::Tenuring(age) => builder.tenuring(Tenuring::Fixed(age.min(15))),
            Knob::MarkStepKib(kib) => builder.mark_step_budget(usize::from(kib) * 1024),
            Knob::Stress(on) => builder.stress(on),
            Knob::LargeThreshold(n) => builder
                .large_object_threshold(LARGE_THRESHOLDS[usize::from(n) % LARGE_THRESHOLDS.len()]),
        };
        if let Ok(config) = builder.build() {
            self.heap
                .set_config(config)
                .expect("a config that built is accepted");
        }
    }

    fn collect(&mut self, collect: CollectOp) {
        match collect {
            CollectOp::Debt => self.heap.collect_debt(),
            CollectOp::Minor => self.heap.collect_minor(),
            CollectOp::Full => self.heap.collect_full(),
            CollectOp::StartMarking => self.heap.start_marking(),
            CollectOp::MarkStep(share) => {
                let units =
                    self.shadow.reachable().len() * UNITS_PER_OBJECT * usize::from(share) / 1024;
                self.heap.mark_step(units.max(1));
            }
            CollectOp::FinishMarking => self.heap.finish_marking(),
            CollectOp::SweepStep(cells) => {
                self.heap.sweep_step(usize::from(cells));
            }
        }
    }

    /// Allocates one object in the heap and the shadow.
    fn alloc<'gc>(
        m: &'gc super::gc::Mutation<'gc>,
        shadow: &mut Shadow,
        drops: &DropLog,
        spec: AllocSpec,
        f0: Option<(u32, ObjRef<'gc>)>,
    ) -> (u32, ObjRef<'gc>) {
        let id = shadow.add(spec);
        shadow.objs[id as usize].slots[0] = f0.map(|(child, _)| child);
        let leaf = spec.leaf.then(|| {
            Gc::new(
                m,
                Leaf {
                    value: leaf_value(id),
                },
            )
        });
        // A large child is born old; it starts out pointing where `f0` does (in a
        // chain, the previous, young link), so it must be remembered from birth (I2).
        let big = spec.big.then(|| {
            let mut data = [0u8; BIG_BYTES];
            for (i, byte) in data.iter_mut().enumerate() {
                *byte = big_byte(id, i);
            }
            Gc::new(
                m,
                BigNode {
                    id,
                    data,
                    back: Lock::new(f0.map(|(_, gc)| gc)),
                },
            )
        });
        if spec.big {
            shadow.objs[id as usize].big_back = f0.map(|(child, _)| child);
        }
        let obj = Gc::new(
            m,
            Obj {
                id,
                f0: Lock::new(f0.map(|(_, gc)| gc)),
                f1: Lock::new(None),
                f2: Lock::new(None),
                list: RefLock::new(Vec::new()),
                payload: make_payload(id, spec.payload),
                inline: std::array::from_fn(|i| inline_word(id, i)),
                leaf,
                big,
                drops: spec.counted.then(|| Rc::clone(drops)),
            },
        );
        (id, obj)
    }

    /// Runs a mutating op inside one `mutate_root` call.
    fn mutate(&mut self, op: Op, step: usize) {
        let reachable: Vec<u32> = self.shadow.reachable().into_iter().collect();
        let pick = |sel: Sel| (!reachable.is_empty()).then(|| reachable[sel.pick(reachable.len())]);
        let Model {
            heap,
            handles,
            shadow,
            drops,
            ..
        } = self;
        heap.mutate_root(|m, root| {
            let objects = find_objects(root, handles, m);
            let obj = |id: u32| {
                *objects.get(&id).unwrap_or_else(|| {
                    panic!("op {step} ({op:?}): reachable object {id} not found in the heap")
                })
            };
            match op {
                Op::Alloc { spec, attach } => match attach {
                    Attach::Root => {
                        let (id, new) = Model::alloc(m, shadow, drops, spec, None);
                        root.slots.push(new);
                        shadow.roots.push(id);
                    }
                    Attach::Edge { parent, edge } => {
                        let Some(parent) = pick(parent) else { return };
                        let (id, new) = Model::alloc(m, shadow, drops, spec, None);
                        link(m, shadow, (parent, obj(parent)), (id, new), edge);
                    }
                },
                Op::AllocChain { len, spec } => {
                    let mut head = None;
                    for _ in 0..len.max(1) {
                        head = Some(Model::alloc(m, shadow, drops, spec, head));
                    }
                    let (id, gc) = head.expect("a chain has a head");
                    root.slots.push(gc);
                    shadow.roots.push(id);
                }
                Op::AllocGarbage { count, spec } => {
                    for _ in 0..count {
                        Model::alloc(m, shadow, drops, spec, None);
                    }
                }
                Op::Link { from, to, edge } => {
                    let (Some(from), Some(to)) = (pick(from), pick(to)) else {
                        return;
                    };
                    link(m, shadow, (from, obj(from)), (to, obj(to)), edge);
                }
                Op::Unlink { from, edge, index } => {
                    let Some(from) = pick(from) else { return };
                    unlink(m, shadow, (from, obj(from)), edge, index);
                }
                Op::Move {
                    from,
                    edge,
                    to,
                    to_edge,
                } => {
                    let (Some(from), Some(to)) = (pick(from), pick(to)) else {
                        return;
                    };
                    // The first edge from `edge` on that holds something.
                    let entry = &shadow.objs[from as usize];
                    let taken = (0..FIELDS as u8 + 2)
                        .map(|offset| edge.wrapping_add(offset))
                        .find_map(|edge| {
                            let child = match resolve_edge(entry, edge) {
                                Edge::Slot(index) => entry.slots[index],
                                Edge::List => entry.list.last().copied(),
                                Edge::Big => entry.big_back,
                            };
                            child.map(|child| (edge, child))
                        });
                    let Some((edge, child)) = taken else { return };
                    let last = Sel(entry.list.len().saturating_sub(1) as u16);
                    link(m, shadow, (to, obj(to)), (child, obj(child)), to_edge);
                    unlink(m, shadow, (from, obj(from)), edge, last);
                }
                Op::PushRoot(sel) => {
                    let Some(id) = pick(sel) else { return };
                    root.slots.push(obj(id));
                    shadow.roots.push(id);
                }
                Op::PopRoot(sel) => {
                    if shadow.roots.is_empty() {
                        return;
                    }
                    let index = sel.pick(shadow.roots.len());
                    root.slots.swap_remove(index);
                    shadow.roots.swap_remove(index);
                }
                Op::Stash(sel) => {
                    let Some(id) = pick(sel) else { return };
                    handles.push(m.stash(obj(id)));
                    shadow.stash.push(id);
                }
                Op::Unstash(sel) => {
                    if handles.is_empty() {
                        return;
                    }
                    let index = sel.pick(handles.len());
                    handles.swap_remove(index);
                    shadow.stash.swap_remove(index);
                }
                Op::Fetch { handle, reroot } => {
                    if handles.is_empty() {
                        return;
                    }
                    let index = handle.pick(handles.len());
                    let fetched = m.fetch(&handles[index]);
                    let id = shadow.stash[index];
                    assert_eq!(
                        fetched.id, id,
                        "op {step}: stash handle {index} fetched the wrong object"
                    );
                    assert!(
                        Gc::ptr_eq(fetched, obj(id)),
                        "op {step}: fetched object {id} is a copy"
                    );
                    if reroot {
                        root.slots.push(fetched);
                        shadow.roots.push(id);
                    }
                }
                Op::Downgrade(sel) => {
                    let Some(id) = pick(sel) else { return };
                    root.weaks.push(Gc::downgrade(m, obj(id)));
                    shadow.weaks.push(ShadowWeak {
                        target: id,
                        cleared: false,
                    });
                }
                Op::Upgrade { weak, reroot } => {
                    if shadow.weaks.is_empty() {
                        return;
                    }
                    let index = weak.pick(shadow.weaks.len());
                    let expected = shadow.weaks[index];
                    let upgraded = root.weaks[index].upgrade(m);
                    let live = reachable.binary_search(&expected.target).is_ok();
                    match upgraded {
                        Some(target) => {
                            assert!(
                                !expected.cleared,
                                "op {step}: weak {index} came back to life"
                            );
                            assert_eq!(
                                target.id, expected.target,
                                "op {step}: weak {index} upgraded to the wrong object"
                            );
                            assert_eq!(
                                drops.borrow().get(&expected.target),
                                None,
                                "op {step}: weak {index} upgraded to dropped object {}",
                                expected.target
                            );
                            if live {
                                assert!(
                                    Gc::ptr_eq(target, obj(expected.target)),
                                    "op {step}: weak {index} upgraded to a copy"
                                );
                            }
                            if reroot {
                                // Revives the target if it was unreachable: the checks then
                                // demand that its whole subgraph is intact.
                                root.slots.push(target);
                                shadow.roots.push(expected.target);
                            }
                        }
                        None => {
                            assert!(
                                !live,
                                "op {step}: weak {index} to reachable object {} is empty",
                                expected.target
                            );
                            shadow.weaks[index].cleared = true;
                        }
                    }
                }
                Op::DropWeak(sel) => {
                    if shadow.weaks.is_empty() {
                        return;
                    }
                    let index = sel.pick(shadow.weaks.len());
                    root.weaks.swap_remove(index);
                    shadow.weaks.swap_remove(index);
                }
                Op::Collect(_) | Op::Knob(_) => unreachable!("run by `apply`"),
            }
        });
    }

    /// The checks of the module docs, after a collection (`full` after `collect_full`).
    pub fn check(&mut self, step: usize, op: Op, full: bool) {
        self.summary.checks += 1;
        let context = format!("after op {step} ({op:?}, phase {:?})", self.heap.phase());
        let verified = match self.heap.verify() {
            Ok(count) => count,
            Err(error) => panic!("{context}: {error}"),
        };
        let reachable = self.shadow.reachable();
        let Model {
            heap,
            handles,
            shadow,
            drops,
            ..
        } = self;
        let cleared = heap.mutate(|m, root| {
            let objects = find_objects(root, handles, m);
            let found: BTreeSet<u32> = objects.keys().copied().collect();
            if found != reachable {
                let lost: Vec<_> = reachable.difference(&found).collect();
                let extra: Vec<_> = found.difference(&reachable).collect();
                panic!("{context}: reachable sets differ: lost {lost:?}, unexpected {extra:?}");
            }
            for (&id, &gc) in &objects {
                check_intact(&context, shadow, id, gc);
            }
            for (slot, &id) in root.slots.iter().zip(&shadow.roots) {
                assert_eq!(slot.id, id, "{context}: root slot holds the wrong object");
            }
            for (handle, &id) in handles.iter().zip(&shadow.stash) {
                assert_eq!(m.fetch(handle).id, id, "{context}: stash handle holds the wrong object");
            }
            let log = drops.borrow();
            for (&id, &count) in log.iter() {
                assert_eq!(count, 1, "{context}: object {id} dropped {count} times");
                assert!(!reachable.contains(&id), "{context}: reachable object {id} was dropped");
            }
            let mut cleared = Vec::new();
            assert_eq!(root.weaks.len(), shadow.weaks.len());
            for (index, (weak, expected)) in root.weaks.iter().zip(&shadow.weaks).enumerate() {
                let live = reachable.contains(&expected.target);
                match weak.upgrade(m) {
                    Some(target) => {
                        assert!(!expected.cleared, "{context}: weak {index} came back to life");
                        assert_eq!(target.id, expected.target, "{context}: weak {index} points at the wrong object");
                        assert!(!log.contains_key(&expected.target), "{context}: weak {index} points at a dropped object");
                        if live {
                            assert!(Gc::ptr_eq(target, objects[&expected.target]), "{context}: weak {index} points at a copy");
                        } else if full {
                            panic!("{context}: weak {index} to unreachable {} survived a full collection", expected.target);
                        } else {
                            // Not yet collected: it must still be whole.
                            check_intact(&context, shadow, expected.target, target);
                        }
                    }
                    None => {
                        assert!(!live, "{context}: weak {index} to reachable object {} is empty", expected.target);
                        cleared.push(index);
                    }
                }
            }
            cleared
        });
        for index in cleared {
            shadow.weaks[index].cleared = true;
        }
        if full {
            self.check_full(&context, &reachable, verified);
        }
    }

    /// After `collect_full`: nothing unreachable is left, and the counts agree.
    fn check_full(&self, context: &str, reachable: &BTreeSet<u32>, verified: usize) {
        let log = self.drops.borrow();
        for (id, obj) in self.shadow.objs.iter().enumerate() {
            let id = id as u32;
            if obj.spec.counted && !reachable.contains(&id) {
                let dropped = log.get(&id).copied().unwrap_or(0);
                assert_eq!(dropped, 1, "{context}: unreachable object {id} dropped {dropped} times after a full collection");
            }
        }
        let expected = self.shadow.expected_objects(reachable);
        let stats = self.heap.stats();
        assert_eq!(
            stats.phase,
            Phase::Idle,
            "{context}: a full collection ends idle"
        );
        assert_eq!(
            verified, expected,
            "{context}: the verifier reached {verified} objects, expected {expected}"
        );
        assert_eq!(stats.live_objects, expected, "{context}: live_objects");
        assert_eq!(
            stats.old_objects + stats.large_objects,
            expected,
            "{context}: old + large objects after a full collection (old {}, large {})",
            stats.old_objects,
            stats.large_objects
        );
        if self.generational {
            assert_eq!(
                stats.eden_bytes, 0,
                "{context}: Eden is empty after a full collection"
            );
            assert_eq!(
                stats.survivor_bytes, 0,
                "{context}: survivors are empty after a full collection"
            );
        }
        assert_eq!(
            stats.stashed_handles,
            self.handles.len(),
            "{context}: stashed_handles"
        );
    }
}

/// Stores `to` into edge `edge` of `from` (see [`Op::Link`]).
fn link<'gc>(
    m: &'gc super::gc::Mutation<'gc>,
    shadow: &mut Shadow,
    from: (u32, ObjRef<'gc>),
    to: (u32, ObjRef<'gc>),
    edge: u8,
) {
    let (from_id, from_gc) = from;
    let (to_id, to_gc) = to;
    let entry = &mut shadow.objs[from_id as usize];
    match resolve_edge(entry, edge) {
        Edge::Slot(index) => {
            set_slot(m, from_gc, index, Some(to_gc));
            entry.slots[index] = Some(to_id);
        }
        Edge::List => {
            unlock!(Gc::write(m, from_gc), Obj, list)
                .borrow_mut()
                .push(to_gc);
            entry.list.push(to_id);
        }
        Edge::Big => {
            let big = from_gc.big.expect("the shadow says it has a large child");
            unlock!(Gc::write(m, big), BigNode, back).set(Some(to_gc));
            entry.big_back = Some(to_id);
        }
    }
}

/// Clears edge `edge` of `from` (for the list, removes element `index`).
fn unlink<'gc>(
    m: &'gc super::gc::Mutation<'gc>,
    shadow: &mut Shadow,
    from: (u32, ObjRef<'gc>),
    edge: u8,
    index: Sel,
) {
    let (from_id, from_gc) = from;
    let entry = &mut shadow.objs[from_id as usize];
    match resolve_edge(entry, edge) {
        Edge::Slot(slot) => {
            set_slot(m, from_gc, slot, None);
            entry.slots[slot] = None;
        }
        Edge::List => {
            if entry.list.is_empty() {
                return;
            }
            let index = index.pick(entry.list.len());
            unlock!(Gc::write(m, from_gc), Obj, list)
                .borrow_mut()
                .remove(index);
            entry.list.remove(index);
        }
        Edge::Big => {
            let big = from_gc.big.expect("the shadow says it has a large child");
            unlock!(Gc::write(m, big), BigNode, back).set(None);
            entry.big_back = None;
        }
    }
}

enum Edge {
    Slot(usize),
    List,
    Big,
}

fn resolve_edge(entry: &ShadowObj, edge: u8) -> Edge {
    match usize::from(edge) % (FIELDS + 2) {
        index if index < FIELDS => Edge::Slot(index),
        FIELDS => Edge::List,
        _ if entry.spec.big => Edge::Big,
        _ => Edge::Slot(0),
    }
}

/// Every object reachable in the heap from the root slots and the stash, by id. Two
/// distinct objects with one id, or an id the model never made, fail the test.
fn find_objects<'gc>(
    root: &ModelRoot<'gc>,
    handles: &[ObjStash],
    m: &'gc super::gc::Mutation<'gc>,
) -> HashMap<u32, ObjRef<'gc>> {
    let mut found: HashMap<u32, ObjRef<'gc>> = HashMap::new();
    let mut queue: Vec<ObjRef<'gc>> = root.slots.clone();
    queue.extend(handles.iter().map(|handle| m.fetch(handle)));
    while let Some(obj) = queue.pop() {
        if let Some(&seen) = found.get(&obj.id) {
            assert!(Gc::ptr_eq(seen, obj), "two objects carry id {}", obj.id);
            continue;
        }
        found.insert(obj.id, obj);
        for index in 0..FIELDS {
            queue.extend(obj.slot(index).get());
        }
        queue.extend(obj.list.borrow().iter().copied());
        if let Some(big) = obj.big {
            queue.extend(big.back.get());
        }
    }
    found
}

/// Checks one heap object against its shadow: id, payload, children and every edge.
fn check_intact(context: &str, shadow: &Shadow, id: u32, gc: ObjRef<'_>) {
    let entry = shadow
        .objs
        .get(id as usize)
        .unwrap_or_else(|| panic!("{context}: object with unknown id {id}"));
    let spec = entry.spec;
    assert_eq!(gc.id, id, "{context}: object {id} has id {}", gc.id);
    assert!(
        payload_matches(id, spec.payload, &gc.payload),
        "{context}: object {id} has a corrupt payload"
    );
    assert_eq!(
        gc.drops.is_some(),
        spec.counted,
        "{context}: object {id} lost its drop log"
    );
    let inline_intact = gc
        .inline
        .iter()
        .enumerate()
        .all(|(i, &word)| word == inline_word(id, i));
    assert!(
        inline_intact,
        "{context}: object {id} has corrupt inline words"
    );
    match (spec.leaf, gc.leaf) {
        (false, None) => {}
        (true, Some(leaf)) => assert_eq!(
            leaf.value,
            leaf_value(id),
            "{context}: object {id} has a corrupt leaf"
        ),
        _ => panic!("{context}: object {id} has the wrong leaf"),
    }
    match (spec.big, gc.big) {
        (false, None) => {}
        (true, Some(big)) => {
            assert_eq!(
                big.id, id,
                "{context}: object {id} has the wrong large child"
            );
            for index in [0, 1, BIG_BYTES / 2, BIG_BYTES - 1] {
                assert_eq!(
                    big.data[index],
                    big_byte(id, index),
                    "{context}: object {id} has a corrupt large child"
                );
            }
            assert_eq!(
                big.back.get().map(|o| o.id),
                entry.big_back,
                "{context}: object {id}: large child's edge"
            );
        }
        _ => panic!("{context}: object {id} has the wrong large child"),
    }
    for (index, expected) in entry.slots.iter().enumerate() {
        assert_eq!(
            gc.slot(index).get().map(|o| o.id),
            *expected,
            "{context}: object {id} slot {index}"
        );
    }
    let list: Vec<u32> = gc.list.borrow().iter().map(|o| o.id).collect();
    assert_eq!(list, entry.list, "{context}: object {id} list");
}
