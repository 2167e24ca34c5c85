//! Stress and regression cases: the shapes and sizes that break naive collectors.
//!
//! - a linked list of a million nodes, collected by minor, full and incremental
//!   collections, with and without the young generation (a recursive marker or a
//!   recursive Cheney scan would overflow the stack), the verifier on (it walks the
//!   million nodes in O(objects + edges));
//! - cycles (within the young generation, within the old one, and across the two), which
//!   must be freed, each `Drop` running once;
//! - large objects (an inline array above the large-object threshold): kept whole while
//!   reachable, freed when not, with their pointers into the young generation kept up to
//!   date;
//! - `HashMap` and `HashSet` keyed by `Gc`: minor GCs move the keys, so the tables must be
//!   re-keyed, and lookups through other references to the same objects must still hit;
//! - identity: `Gc::ptr_eq` and `Gc::identity_hash` stable across moves and promotion;
//! - the hard cap: `Gc::try_new` returns `AllocError::HeapLimit` naming `max_heap`.
//!
//! Run as tests by `tests/stress.rs` (the facade) and `gc-core/tests/stress_miri.rs`, each
//! through [`stress_tests!`](crate::stress_tests). Sizes shrink under Miri.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::gc::config::Config;
use crate::gc::{unlock, AllocError, Gc, Heap, Lock, RefLock, Rootable, Stashed, Trace};

/// Nodes in the long list.
const LIST_LEN: usize = if cfg!(miri) { 120 } else { 1_000_000 };

/// Objects in the smaller cases.
const N: usize = if cfg!(miri) { 12 } else { 2_000 };

/// Eden: the default natively; the smallest under Miri, where every byte the collector
/// touches is slow.
const EDEN: usize = if cfg!(miri) { 64 * 1024 } else { 4 << 20 };

/// Bytes of a large object's inline array: well above the 8 KiB large-object threshold.
const LARGE: usize = 20_000;

/// Counts drops of the objects that carry it.
#[derive(Clone, Default)]
struct Drops(Rc<Cell<usize>>);

impl Drops {
    fn count(&self) -> usize {
        self.0.get()
    }
}

/// The configuration of most cases: the verifier runs after every collection.
fn heap_config(generational: bool) -> Config {
    Config::builder()
        .generational(generational)
        .eden_size(EDEN)
        .verify(true)
        .build()
        .expect("valid config")
}

/// The young generation on and off natively; under Miri, where every collection is
/// slow, only `miri_choice` (each case picks the mode it is most about).
fn modes(miri_choice: bool) -> Vec<bool> {
    if cfg!(miri) {
        vec![miri_choice]
    } else {
        vec![true, false]
    }
}

// ---------------------------------------------------------------------------------------
// A very long list.

#[derive(Trace)]
struct Link<'gc> {
    value: u32,
    next: Lock<Option<Gc<'gc, Link<'gc>>>>,
}

#[derive(Trace)]
struct ListRoot<'gc> {
    head: Option<Gc<'gc, Link<'gc>>>,
}

type ListHeap = Heap<Rootable!['gc => ListRoot<'gc>]>;

/// Walks the list without recursion: its length and the sum of its values.
fn walk(heap: &ListHeap) -> (usize, u64) {
    heap.mutate(|_, root| {
        let (mut len, mut sum) = (0, 0);
        let mut cursor = root.head;
        while let Some(link) = cursor {
            len += 1;
            sum += u64::from(link.value);
            cursor = link.next.get();
        }
        (len, sum)
    })
}

fn build_list(heap: &mut ListHeap, len: usize) {
    heap.mutate_root(|m, root| {
        for value in 0..len as u32 {
            root.head = Some(Gc::new(
                m,
                Link {
                    value,
                    next: Lock::new(root.head),
                },
            ));
        }
    });
}

fn list_case(generational: bool) {
    let mut heap =
        ListHeap::with_config(heap_config(generational), |_| ListRoot { head: None }).unwrap();
    build_list(&mut heap, LIST_LEN);
    let expected = (LIST_LEN, (LIST_LEN as u64) * (LIST_LEN as u64 - 1) / 2);
    assert_eq!(walk(&heap), expected);

    // Young: one minor GC copies the whole list (Cheney's scan, not recursion).
    heap.collect_minor();
    assert_eq!(walk(&heap), expected);

    // Full: promotes the rest and marks the whole list.
    heap.collect_full();
    assert_eq!(walk(&heap), expected);
    assert_eq!(heap.stats().live_objects, LIST_LEN);

    // Incremental: many small mark steps with mutations in between (a new node is
    // stored into the old, possibly black head through the barrier). The verifier
    // walks the whole list, so from here to the end of the sweep it runs at every
    // 32nd step rather than after each.
    heap.update_config(|config| config.set_verify(false))
        .unwrap();
    heap.start_marking();
    let mut steps = 0;
    while heap.mark_step(64 * 1024) > 0 {
        steps += 1;
        if steps % 32 == 0 {
            heap.verify()
                .unwrap_or_else(|error| panic!("after mark step {steps}: {error}"));
        }
        if steps % 4 == 0 {
            heap.mutate(|m, root| {
                let head = root.head.expect("the list is not empty");
                let fresh = Gc::new(
                    m,
                    Link {
                        value: 0,
                        next: Lock::new(head.next.get()),
                    },
                );
                unlock!(Gc::write(m, head), Link, next).set(Some(fresh));
            });
        }
    }
    let added = steps / 4;
    heap.finish_marking();
    heap.verify().expect("after mark termination");
    let mut sweeps = 0;
    while !heap.sweep_step(4096) {
        sweeps += 1;
        if sweeps % 32 == 0 {
            heap.verify()
                .unwrap_or_else(|error| panic!("after sweep step {sweeps}: {error}"));
        }
    }
    heap.update_config(|config| config.set_verify(true))
        .unwrap();
    assert_eq!(walk(&heap), (expected.0 + added, expected.1));

    // Cut the list in the middle, then drop it all: everything is freed.
    heap.mutate(|m, root| {
        let mut cursor = root.head.expect("the list is not empty");
        for _ in 0..LIST_LEN / 2 {
            cursor = cursor.next.get().expect("long enough");
        }
        unlock!(Gc::write(m, cursor), Link, next).set(None);
    });
    heap.collect_full();
    assert_eq!(walk(&heap).0, LIST_LEN / 2 + 1);
    heap.mutate_root(|_, root| root.head = None);
    heap.collect_full();
    let stats = heap.stats();
    assert_eq!(stats.live_objects, 0);
    assert_eq!(stats.old_objects + stats.large_objects, 0);
}

/// A million node list is collected without recursion.
pub fn a_million_node_list_is_collected_without_recursion() {
    list_case(true);
}

/// A million node list is collected without recursion or young generation.
pub fn a_million_node_list_is_collected_without_recursion_or_young_generation() {
    list_case(false);
}

/// Dropping a heap that still holds a long list drops it without recursion too.
pub fn a_heap_holding_a_million_node_list_drops_cleanly() {
    for generational in modes(true) {
        let mut heap =
            ListHeap::with_config(heap_config(generational), |_| ListRoot { head: None }).unwrap();
        build_list(&mut heap, LIST_LEN / 2);
        heap.collect_minor();
        build_list(&mut heap, LIST_LEN / 2);
        drop(heap);
    }
}

// ---------------------------------------------------------------------------------------
// Cycles.

#[derive(Trace)]
#[trace(unsafe_drop)]
struct Vertex<'gc> {
    edges: RefLock<Vec<Gc<'gc, Vertex<'gc>>>>,
    #[trace(skip)]
    drops: Drops,
}

impl Drop for Vertex<'_> {
    fn drop(&mut self) {
        self.drops.0.set(self.drops.0.get() + 1);
    }
}

#[derive(Trace)]
struct Graph<'gc> {
    entry: Option<Gc<'gc, Vertex<'gc>>>,
}

type GraphHeap = Heap<Rootable!['gc => Graph<'gc>]>;

fn vertex<'gc>(m: &crate::gc::Mutation<'gc>, drops: &Drops) -> Gc<'gc, Vertex<'gc>> {
    Gc::new(
        m,
        Vertex {
            edges: RefLock::new(Vec::new()),
            drops: drops.clone(),
        },
    )
}

fn add_edge<'gc>(
    m: &crate::gc::Mutation<'gc>,
    from: Gc<'gc, Vertex<'gc>>,
    to: Gc<'gc, Vertex<'gc>>,
) {
    unlock!(Gc::write(m, from), Vertex, edges)
        .borrow_mut()
        .push(to);
}

/// A ring of `N` vertices with chords and self-loops. With `promote_first`, the first half
/// is promoted before the ring is closed, so the cycle crosses the generations.
fn cycle_case(generational: bool, promote_first: bool) {
    let drops = Drops::default();
    let mut heap =
        GraphHeap::with_config(heap_config(generational), |_| Graph { entry: None }).unwrap();
    heap.mutate_root(|m, root| {
        let first = vertex(m, &drops);
        let mut last = first;
        for _ in 1..N / 2 {
            let next = vertex(m, &drops);
            add_edge(m, last, next);
            last = next;
        }
        root.entry = Some(first);
        // The first vertex's second edge leads to the end of the half-ring.
        add_edge(m, first, last);
    });
    if promote_first {
        heap.collect_full();
    }
    heap.mutate(|m, root| {
        let first = root.entry.expect("rooted");
        let mut last = first.edges.borrow()[1];
        for index in N / 2..N {
            let next = vertex(m, &drops);
            add_edge(m, last, next);
            if index % 3 == 0 {
                add_edge(m, next, next);
            }
            if index % 5 == 0 {
                add_edge(m, next, first);
            }
            last = next;
        }
        add_edge(m, last, first);
    });
    heap.collect_minor();
    heap.collect_full();
    assert_eq!(drops.count(), 0, "a reachable cycle was freed");
    assert_eq!(heap.stats().live_objects, N);
    heap.mutate_root(|_, root| root.entry = None);
    heap.collect_full();
    assert_eq!(
        drops.count(),
        N,
        "every vertex of the dead cycle is dropped once"
    );
    assert_eq!(heap.stats().live_objects, 0);
    drop(heap);
    assert_eq!(drops.count(), N, "dropping the heap drops nothing twice");
}

/// Cycles are freed.
pub fn cycles_are_freed() {
    for generational in modes(true) {
        for promote_first in modes(true) {
            cycle_case(generational, promote_first);
        }
    }
}

/// A dead cycle is freed by incremental cycles too, with the program running between
/// their steps.
pub fn a_dead_cycle_is_freed_by_incremental_cycles() {
    for generational in modes(false) {
        let drops = Drops::default();
        let mut heap =
            GraphHeap::with_config(heap_config(generational), |_| Graph { entry: None }).unwrap();
        heap.mutate_root(|m, root| {
            let a = vertex(m, &drops);
            let b = vertex(m, &drops);
            add_edge(m, a, b);
            add_edge(m, b, a);
            add_edge(m, b, b);
            root.entry = Some(a);
        });
        heap.collect_full();
        heap.start_marking();
        heap.mark_step(1);
        heap.mutate_root(|_, root| root.entry = None);
        heap.mark_step(usize::MAX);
        heap.finish_marking();
        while !heap.sweep_step(1) {}
        // Unlinked after marking started, the cycle may float through this cycle; the
        // next one, started after the unlink, must free it.
        heap.start_marking();
        heap.mark_step(usize::MAX);
        heap.finish_marking();
        while !heap.sweep_step(1) {}
        assert_eq!(drops.count(), 2);
    }
}

// ---------------------------------------------------------------------------------------
// Large objects.

#[derive(Trace)]
#[trace(unsafe_drop)]
struct Large<'gc> {
    id: u32,
    data: [u8; LARGE],
    child: Lock<Option<Gc<'gc, Small>>>,
    #[trace(skip)]
    drops: Drops,
}

impl Drop for Large<'_> {
    fn drop(&mut self) {
        self.drops.0.set(self.drops.0.get() + 1);
    }
}

#[derive(Trace)]
struct Small {
    value: u64,
}

#[derive(Trace)]
struct LargeRoot<'gc> {
    large: Vec<Gc<'gc, Large<'gc>>>,
}

type LargeHeap = Heap<Rootable!['gc => LargeRoot<'gc>]>;

fn large_byte(id: u32, index: usize) -> u8 {
    (index as u32).wrapping_mul(13).wrapping_add(id) as u8
}

/// Every byte is checked natively; under Miri, every 97th (the walk is what is slow).
const CHECK_STRIDE: usize = if cfg!(miri) { 97 } else { 1 };

fn check_large(heap: &LargeHeap, context: &str) {
    heap.mutate(|_, root| {
        for large in &root.large {
            let id = large.id;
            let intact = (0..LARGE)
                .step_by(CHECK_STRIDE)
                .all(|i| large.data[i] == large_byte(id, i));
            assert!(intact, "{context}: large object {id} is corrupt");
            let child = large.child.get().expect("every large object has a child");
            assert_eq!(
                child.value,
                u64::from(id) * 3,
                "{context}: large object {id}'s child"
            );
        }
    })
}

/// Large objects survive while reachable and are freed after.
pub fn large_objects_survive_while_reachable_and_are_freed_after() {
    let count: u32 = if cfg!(miri) { 2 } else { 40 };
    for generational in modes(true) {
        let drops = Drops::default();
        let mut heap = LargeHeap::with_config(heap_config(generational), |_| LargeRoot {
            large: Vec::new(),
        })
        .unwrap();
        heap.mutate_root(|m, root| {
            for id in 0..count {
                let mut data = [0u8; LARGE];
                for i in (0..LARGE).step_by(CHECK_STRIDE) {
                    data[i] = large_byte(id, i);
                }
                let large = Gc::new(
                    m,
                    Large {
                        id,
                        data,
                        child: Lock::new(None),
                        drops: drops.clone(),
                    },
                );
                // Stored through the barrier: the large object is old from birth, so
                // it must be remembered while its child is young.
                let child = Gc::new(
                    m,
                    Small {
                        value: u64::from(id) * 3,
                    },
                );
                unlock!(Gc::write(m, large), Large, child).set(Some(child));
                root.large.push(large);
            }
        });
        assert_eq!(heap.stats().large_objects, count as usize);
        for round in 0..3 {
            heap.collect_minor();
            check_large(&heap, &format!("after minor GC {round}"));
        }
        // A fresh young child for an old large object, then an incremental cycle.
        heap.mutate(|m, root| {
            let large = root.large[0];
            unlock!(Gc::write(m, large), Large, child).set(Some(Gc::new(m, Small { value: 0 })));
        });
        heap.start_marking();
        heap.collect_minor();
        heap.mark_step(usize::MAX);
        heap.finish_marking();
        while !heap.sweep_step(16) {}
        check_large(&heap, "after an incremental cycle");
        assert_eq!(drops.count(), 0);
        heap.collect_full();
        check_large(&heap, "after a full collection");
        assert_eq!(drops.count(), 0);
        heap.mutate_root(|_, root| root.large.truncate(1));
        heap.collect_full();
        assert_eq!(
            drops.count(),
            count as usize - 1,
            "unreachable large objects are dropped once"
        );
        let stats = heap.stats();
        assert_eq!(stats.large_objects, 1);
        assert!(
            stats.large_bytes >= LARGE && stats.large_bytes < 2 * LARGE,
            "{}",
            stats.large_bytes
        );
        check_large(&heap, "after freeing the others");
        heap.mutate_root(|_, root| root.large.clear());
        heap.collect_full();
        assert_eq!(drops.count(), count as usize);
        assert_eq!(heap.stats().large_objects, 0);
        assert_eq!(heap.stats().large_bytes, 0);
    }
}

// ---------------------------------------------------------------------------------------
// Tables keyed by `Gc`.

#[derive(Trace)]
struct Key {
    id: u32,
}

#[derive(Trace)]
struct Table<'gc> {
    by_key: RefLock<HashMap<Gc<'gc, Key>, u32>>,
    members: RefLock<HashSet<Gc<'gc, Key>>>,
}

#[derive(Trace)]
struct TableRoot<'gc> {
    /// Every key, in id order (the other reference to each key object).
    keys: Vec<Gc<'gc, Key>>,
    /// A table in the root (rescanned at every collection)...
    in_root: HashMap<Gc<'gc, Key>, u32>,
    /// ...and tables in a managed object: old after the first full GC, so young keys
    /// stored later reach them through the barrier and the remembered set.
    in_heap: Gc<'gc, Table<'gc>>,
}

type TableHeap = Heap<Rootable!['gc => TableRoot<'gc>]>;

/// Keys added per step: every traversal re-keys the tables (hashing each key), which is
/// slow under Miri.
const TABLE_KEYS: usize = if cfg!(miri) { 6 } else { N };

fn check_tables(heap: &TableHeap, context: &str) {
    heap.mutate(|_, root| {
        let by_key = root.in_heap.by_key.borrow();
        let members = root.in_heap.members.borrow();
        assert_eq!(root.in_root.len(), root.keys.len(), "{context}");
        assert_eq!(by_key.len(), root.keys.len(), "{context}");
        for key in &root.keys {
            let id = key.id;
            assert_eq!(
                root.in_root.get(key),
                Some(&id),
                "{context}: root table lookup of key {id}"
            );
            assert_eq!(
                by_key.get(key),
                Some(&(id * 2)),
                "{context}: heap table lookup of key {id}"
            );
            assert_eq!(
                members.contains(key),
                id % 2 == 0,
                "{context}: set lookup of key {id}"
            );
        }
        for (key, value) in root.in_root.iter() {
            assert_eq!(*value, key.id, "{context}: entry for key {}", key.id);
        }
    });
}

fn add_keys(heap: &mut TableHeap, count: usize) {
    heap.mutate_root(|m, root| {
        for _ in 0..count {
            let key = Gc::new(
                m,
                Key {
                    id: root.keys.len() as u32,
                },
            );
            root.keys.push(key);
            root.in_root.insert(key, key.id);
            let table = Gc::write(m, root.in_heap);
            unlock!(table, Table, by_key)
                .borrow_mut()
                .insert(key, key.id * 2);
            if key.id % 2 == 0 {
                unlock!(table, Table, members).borrow_mut().insert(key);
            }
        }
    });
}

/// Tables keyed by gc survive minor gcs.
pub fn tables_keyed_by_gc_survive_minor_gcs() {
    for generational in modes(true) {
        let mut heap = TableHeap::with_config(heap_config(generational), |m| TableRoot {
            keys: Vec::new(),
            in_root: HashMap::new(),
            in_heap: Gc::new(
                m,
                Table {
                    by_key: RefLock::new(HashMap::new()),
                    members: RefLock::new(HashSet::new()),
                },
            ),
        })
        .unwrap();
        add_keys(&mut heap, TABLE_KEYS);
        check_tables(&heap, "before any GC");
        heap.collect_minor();
        check_tables(&heap, "after the minor GC that moved every key");
        heap.collect_minor();
        check_tables(&heap, "after a second minor GC");
        heap.collect_full();
        check_tables(&heap, "after promotion");
        // Young keys into the old tables: remembered, moved, re-keyed.
        add_keys(&mut heap, TABLE_KEYS);
        heap.collect_minor();
        check_tables(&heap, "after young keys entered an old table");
        heap.start_marking();
        heap.mark_step(1);
        add_keys(&mut heap, TABLE_KEYS / 4);
        heap.collect_minor();
        heap.finish_marking();
        check_tables(&heap, "after an incremental cycle");
        while !heap.sweep_step(1) {}
        heap.collect_full();
        check_tables(&heap, "at the end");
    }
}

// ---------------------------------------------------------------------------------------
// Identity.

type KeyHeap = Heap<Rootable!['gc => Vec<Gc<'gc, Key>>]>;
type KeyStash = Stashed<Rootable![Key]>;

fn check_identity(heap: &KeyHeap, handles: &[KeyStash], hashes: &[u32], when: &str) {
    heap.mutate(|m, root| {
        let mut addresses = HashSet::new();
        for ((handle, &hash), &key) in handles.iter().zip(hashes).zip(root.iter()) {
            let fetched = m.fetch(handle);
            assert!(
                Gc::ptr_eq(fetched, key),
                "{when}: stash and root disagree on key {}",
                key.id
            );
            assert!(fetched == key, "{when}: `Eq` is identity");
            assert_eq!(
                Gc::identity_hash(fetched),
                hash,
                "{when}: identity hash of key {} changed",
                key.id
            );
            assert!(
                addresses.insert(Gc::as_ptr(key)),
                "{when}: two keys share an address"
            );
        }
        for pair in root.windows(2) {
            assert!(
                !Gc::ptr_eq(pair[0], pair[1]),
                "{when}: distinct objects compare equal"
            );
        }
    });
}

/// Identity hash and ptr eq are stable across moves.
pub fn identity_hash_and_ptr_eq_are_stable_across_moves() {
    for generational in modes(true) {
        let mut heap = KeyHeap::with_config(heap_config(generational), |_| Vec::new()).unwrap();
        let (handles, hashes): (Vec<KeyStash>, Vec<u32>) = heap.mutate_root(|m, root| {
            (0..N as u32)
                .map(|id| {
                    let key = Gc::new(m, Key { id });
                    root.push(key);
                    (m.stash(key), Gc::identity_hash(key))
                })
                .unzip()
        });
        check_identity(&heap, &handles, &hashes, "before any GC");
        heap.collect_minor();
        check_identity(&heap, &handles, &hashes, "after a minor GC");
        heap.collect_minor();
        check_identity(&heap, &handles, &hashes, "after a second minor GC");
        heap.collect_full();
        check_identity(&heap, &handles, &hashes, "after promotion");
        heap.collect_full();
        check_identity(&heap, &handles, &hashes, "after a full GC of old objects");
    }
}

// ---------------------------------------------------------------------------------------
// The hard cap.

const CAP: usize = 1 << 20;

/// A kilobyte: the cap (at its 1 MiB minimum) is reached in about a thousand allocations.
#[derive(Trace)]
struct Blob {
    bytes: [u8; 1024],
}

type BlobHeap = Heap<Rootable!['gc => Vec<Gc<'gc, Blob>>]>;

fn capped(generational: bool) -> Config {
    Config::builder()
        .generational(generational)
        .min_heap(64 * 1024)
        .eden_size(64 * 1024)
        .max_heap(Some(CAP))
        .build()
        .expect("valid config")
}

/// The hard cap fails allocation with an error naming max heap.
pub fn the_hard_cap_fails_allocation_with_an_error_naming_max_heap() {
    for generational in modes(false) {
        let mut heap = BlobHeap::with_config(capped(generational), |_| Vec::new()).unwrap();
        let error = heap.mutate_root(|m, root| {
            for _ in 0..CAP {
                match Gc::try_new(m, Blob { bytes: [1; 1024] }) {
                    Ok(key) => root.push(key),
                    Err(error) => return error,
                }
            }
            panic!("{CAP} objects fit under a {CAP}-byte cap");
        });
        let AllocError::HeapLimit {
            requested,
            max_heap,
            ..
        } = error.clone()
        else {
            panic!("expected HeapLimit, got {error:?}");
        };
        assert_eq!(max_heap, CAP);
        assert!(requested > 0);
        let message = error.to_string();
        assert!(
            message.contains("max_heap"),
            "the message names the knob: {message}"
        );
        // Freeing the objects makes room again.
        heap.mutate_root(|_, root| root.clear());
        heap.collect_full();
        heap.mutate_root(|m, root| {
            for _ in 0..16 {
                root.push(
                    Gc::try_new(m, Blob { bytes: [2; 1024] })
                        .expect("room after a full collection"),
                );
            }
        });
    }
}

/// Gc new past the hard cap panics naming max heap.
pub fn gc_new_past_the_hard_cap_panics_naming_max_heap() {
    let heap = BlobHeap::with_config(capped(true), |_| Vec::new()).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        heap.mutate(|m, _| {
            let mut keep = Vec::new();
            loop {
                keep.push(Gc::new(m, Blob { bytes: [3; 1024] }));
            }
        })
    }));
    let payload = result.expect_err("allocation past the cap panics");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        message.contains("max_heap"),
        "the panic names the knob: {message}"
    );
}

/// Declares every case of this module as a `#[test]` of the calling test crate (which
/// writes `tenure_test_support::stress_tests!();` at its root).
#[macro_export]
macro_rules! stress_tests {
    () => {
        $crate::tests_for! {
            stress:
            a_million_node_list_is_collected_without_recursion,
            a_million_node_list_is_collected_without_recursion_or_young_generation,
            a_heap_holding_a_million_node_list_drops_cleanly,
            cycles_are_freed,
            a_dead_cycle_is_freed_by_incremental_cycles,
            large_objects_survive_while_reachable_and_are_freed_after,
            tables_keyed_by_gc_survive_minor_gcs,
            identity_hash_and_ptr_eq_are_stable_across_moves,
            the_hard_cap_fails_allocation_with_an_error_naming_max_heap,
            gc_new_past_the_hard_cap_panics_naming_max_heap,
        }
    };
}
