//! The shadow graph: the model's plain-Rust copy of the heap's objects (ids and edges),
//! its roots, stash, weak references and ephemerons, reachability over it, and the heap's
//! since-start counters as the program's allocations determine them. Part of the model
//! test; see [`engine`](super::engine).

use std::collections::{BTreeMap, BTreeSet};

use super::program::{AllocSpec, FIELDS};
use crate::gc::{Mutation, Stats};

/// One object as the model knows it.
#[derive(Debug, Clone)]
pub struct ShadowObj {
    /// How it was built.
    pub spec: AllocSpec,
    /// Targets of its `Lock` slots.
    pub slots: [Option<u32>; FIELDS],
    /// Targets in its list.
    pub list: Vec<u32>,
    /// Target of its large child's edge.
    pub big_back: Option<u32>,
}

impl ShadowObj {
    /// A new object with no edges.
    pub fn new(spec: AllocSpec) -> ShadowObj {
        ShadowObj {
            spec,
            slots: [None; FIELDS],
            list: Vec::new(),
            big_back: None,
        }
    }

    /// Its strong edges.
    pub fn edges(&self) -> impl Iterator<Item = u32> + '_ {
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
pub struct ShadowWeak {
    /// The object it was made from.
    pub target: u32,
    /// Seen to upgrade to `None` (it must stay so).
    pub cleared: bool,
}

/// The graph in plain Rust: every object ever allocated (index = id) and the roots.
#[derive(Debug, Default)]
pub struct Shadow {
    /// Every object ever allocated, by id.
    pub objs: Vec<ShadowObj>,
    /// The root slots, in order.
    pub roots: Vec<u32>,
    /// The stash handles, in order.
    pub stash: Vec<u32>,
    /// The weak references, in order.
    pub weaks: Vec<ShadowWeak>,
    /// The ephemeron table: key id to value id. Entries whose keys are unreachable stay
    /// until a full collection (the heap may keep them until it frees the key).
    pub ephemerons: BTreeMap<u32, u32>,
    /// Objects registered with the finalization queue and not yet resurrected, once per
    /// registration.
    pub watched: Vec<u32>,
    /// What the heap's counters must say.
    pub counters: ShadowCounters,
}

/// The heap's since-start counters as the model expects them: `bytes_allocated` is what
/// the heap had allocated when the model started plus the size of every allocation the
/// program made since, whatever knob changes and collections came between; and no
/// since-start counter ever goes backwards.
#[derive(Debug, Default)]
pub struct ShadowCounters {
    /// Bytes the heap must report in `Stats::bytes_allocated`.
    pub bytes_allocated: u64,
    /// The stats at the last check.
    last: Option<Stats>,
}

impl ShadowCounters {
    /// Counters starting from a fresh heap's `stats`.
    pub fn new(stats: Stats) -> ShadowCounters {
        ShadowCounters {
            bytes_allocated: stats.bytes_allocated,
            last: Some(stats),
        }
    }

    /// Runs `alloc` (one `Gc::new` of a `T`) and adds its size: what the mutation
    /// context's count of bytes since the safe point grew by, at least a `T`.
    pub fn sized<'gc, T, R>(&mut self, m: &Mutation<'gc>, alloc: impl FnOnce() -> R) -> R {
        let before = m.allocated_since_safe_point();
        let result = alloc();
        let size = m.allocated_since_safe_point() - before;
        assert!(
            size >= std::mem::size_of::<T>(),
            "an allocation of {} counted {size} bytes",
            std::any::type_name::<T>()
        );
        self.bytes_allocated += size as u64;
        result
    }

    /// Checks the heap's `stats` against the expected counters and the last ones.
    pub fn check(&mut self, stats: Stats, context: &str) {
        assert_eq!(
            stats.bytes_allocated, self.bytes_allocated,
            "{context}: bytes_allocated is not the sum of the allocations' sizes"
        );
        if let Some(last) = &self.last {
            assert_counters_monotone(last, &stats, context);
        }
        self.last = Some(stats);
    }
}

impl Shadow {
    /// Adds an object; returns its id.
    pub fn add(&mut self, spec: AllocSpec) -> u32 {
        self.objs.push(ShadowObj::new(spec));
        (self.objs.len() - 1) as u32
    }

    /// Ids reachable from the root slots and the stash, in order. An ephemeron's value
    /// is reachable when its key is.
    pub fn reachable(&self) -> BTreeSet<u32> {
        self.reachable_from(&[])
    }

    /// Ids reachable from the root slots, the stash and `extra`.
    pub fn reachable_from(&self, extra: &[u32]) -> BTreeSet<u32> {
        let mut seen = BTreeSet::new();
        let mut queue: Vec<u32> = self
            .roots
            .iter()
            .chain(&self.stash)
            .chain(extra)
            .copied()
            .collect();
        while let Some(id) = queue.pop() {
            if seen.insert(id) {
                queue.extend(self.objs[id as usize].edges());
                queue.extend(self.ephemerons.get(&id));
            }
        }
        seen
    }

    /// Objects the heap holds when exactly `reachable` is live: the nodes, their name
    /// (`Gc<str>`) and managed array, their leaf and large children, the weak cells (the root keeps every weak reference), the
    /// ephemeron table and the finalization queue.
    pub fn expected_objects(&self, reachable: &BTreeSet<u32>) -> usize {
        let children: usize = reachable
            .iter()
            .map(|&id| {
                let spec = self.objs[id as usize].spec;
                2 + usize::from(spec.leaf) + usize::from(spec.big)
            })
            .sum();
        reachable.len() + children + self.weaks.len() + 2
    }
}

/// What an `edge` number names in one object (see `Op::Link`).
pub enum Edge {
    /// A `Lock` slot.
    Slot(usize),
    /// The list.
    List,
    /// The large child's edge.
    Big,
}

/// The edge `edge` names in `entry`.
pub fn resolve_edge(entry: &ShadowObj, edge: u8) -> Edge {
    match usize::from(edge) % (FIELDS + 2) {
        index if index < FIELDS => Edge::Slot(index),
        FIELDS => Edge::List,
        _ if entry.spec.big => Edge::Big,
        _ => Edge::Slot(0),
    }
}

/// Asserts that every since-start counter of `now` is at least that of
/// `before` (`Stats` counters never go backwards, whatever knob calls or
/// collections come between).
pub fn assert_counters_monotone(before: &Stats, now: &Stats, context: &str) {
    let pairs = [
        (
            "bytes_allocated",
            before.bytes_allocated,
            now.bytes_allocated,
        ),
        (
            "objects_allocated",
            before.objects_allocated,
            now.objects_allocated,
        ),
        (
            "minor_collections",
            before.minor_collections,
            now.minor_collections,
        ),
        (
            "major_collections",
            before.major_collections,
            now.major_collections,
        ),
        (
            "full_collections",
            before.full_collections,
            now.full_collections,
        ),
        ("pause_count", before.pause_count, now.pause_count),
        ("survived_bytes", before.survived_bytes, now.survived_bytes),
        ("promoted_bytes", before.promoted_bytes, now.promoted_bytes),
        ("mark_work", before.mark_work, now.mark_work),
        ("assist_work", before.assist_work, now.assist_work),
        (
            "barrier_regrays",
            before.barrier_regrays,
            now.barrier_regrays,
        ),
        (
            "peak_heap_bytes",
            before.peak_heap_bytes as u64,
            now.peak_heap_bytes as u64,
        ),
    ];
    for (name, old, new) in pairs {
        assert!(
            new >= old,
            "{context}: {name} went backwards: {old} -> {new}"
        );
    }
    assert!(
        now.pause_total >= before.pause_total,
        "{context}: pause_total went backwards"
    );
}
