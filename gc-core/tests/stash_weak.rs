//! Weak stashed handles (`Mutation::stash_weak` / `fetch_weak`): a handle
//! that survives between `mutate` calls without keeping its object alive.
//! It follows the object when a minor GC moves it, reads `None` once a minor
//! GC (young object) or a major cycle (old object) frees it, and dropping it
//! frees its stash slot and lets its weak cell be collected. Small enough for
//! Miri.

use gc_core::{Config, Gc, Heap, Mutation, Rootable, StashedWeak};
use gc_derive::Trace;

#[derive(Trace)]
struct Obj {
    id: u32,
}

#[derive(Trace)]
struct Root<'gc> {
    keep: Vec<Gc<'gc, Obj>>,
}

type R = Rootable!['gc => Root<'gc>];
type ObjR = Rootable!['gc => Obj];

fn heap() -> Heap<R> {
    let config = Config::builder()
        .eden_size(64 << 10)
        .verify(true)
        .build()
        .unwrap();
    Heap::<R>::with_config(config, |_| Root { keep: Vec::new() }).unwrap()
}

fn obj<'gc>(m: &Mutation<'gc>, id: u32) -> Gc<'gc, Obj> {
    Gc::new(m, Obj { id })
}

/// The handle's object's id and address, if it is still alive.
fn fetch(heap: &Heap<R>, handle: &StashedWeak<ObjR>) -> Option<(u32, usize)> {
    heap.mutate(|m, _| m.fetch_weak(handle).map(|o| (o.id, Gc::as_ptr(o) as usize)))
}

#[test]
fn follows_a_young_object_that_moves() {
    let mut heap = heap();
    let handle = heap.mutate_root(|m, root| {
        let o = obj(m, 7);
        root.keep.push(o);
        m.stash_weak::<ObjR>(o)
    });
    let (id, born) = fetch(&heap, &handle).expect("alive");
    assert_eq!(id, 7);
    heap.collect_minor();
    let (id, moved) = fetch(&heap, &handle).expect("still reachable from the root");
    assert_eq!(id, 7);
    assert_ne!(moved, born, "the minor GC moved the object");
    // The fetched Gc is the root's object itself.
    heap.mutate(|m, root| {
        let fetched = m.fetch_weak(&handle).unwrap();
        assert!(Gc::ptr_eq(fetched, root.keep[0]));
    });
    heap.collect_minor();
    heap.collect_full();
    assert_eq!(
        fetch(&heap, &handle).map(|f| f.0),
        Some(7),
        "promoted, alive"
    );
}

#[test]
fn does_not_keep_a_young_object_alive() {
    let mut heap = heap();
    let handle = heap.mutate(|m, _| m.stash_weak::<ObjR>(obj(m, 1)));
    assert!(fetch(&heap, &handle).is_some(), "alive until a collection");
    heap.collect_minor();
    assert_eq!(fetch(&heap, &handle), None, "a minor GC freed it");
    assert_eq!(
        heap.stats().stashed_handles,
        1,
        "the handle itself lives on"
    );
}

#[test]
fn is_cleared_when_an_old_object_dies_in_a_major_cycle() {
    let mut heap = heap();
    let handle = heap.mutate_root(|m, root| {
        let o = obj(m, 2);
        root.keep.push(o);
        m.stash_weak::<ObjR>(o)
    });
    heap.collect_full(); // promotes it (a full collection tenures everything)
    heap.mutate_root(|_, root| root.keep.clear());
    heap.collect_minor();
    assert_eq!(
        fetch(&heap, &handle).map(|f| f.0),
        Some(2),
        "a minor GC does not judge old objects"
    );
    heap.collect_full();
    assert_eq!(fetch(&heap, &handle), None, "the major cycle freed it");
}

#[test]
fn a_fetched_object_stored_in_the_root_lives_on() {
    let mut heap = heap();
    let handle = heap.mutate(|m, _| m.stash_weak::<ObjR>(obj(m, 3)));
    heap.mutate_root(|m, root| root.keep.push(m.fetch_weak(&handle).unwrap()));
    heap.collect_minor();
    heap.collect_full();
    assert_eq!(fetch(&heap, &handle).map(|f| f.0), Some(3));
}

#[test]
fn dropping_the_handle_frees_its_slot_and_cell() {
    let mut heap = heap();
    heap.mutate_root(|m, root| root.keep.push(obj(m, 4)));
    heap.collect_full();
    let live_before = heap.stats().live_objects;
    let handle = heap.mutate(|m, root| m.stash_weak::<ObjR>(root.keep[0]));
    let clone = handle.clone();
    assert_ne!(handle.slot(), clone.slot(), "a clone has a slot of its own");
    assert_eq!(heap.stats().stashed_handles, 2);
    heap.collect_full();
    assert_eq!(
        heap.stats().live_objects,
        live_before + 1,
        "the weak cell (one object) is rooted by the handles"
    );
    let slot = handle.slot();
    drop(handle);
    assert_eq!(heap.stats().stashed_handles, 1);
    assert_eq!(
        fetch(&heap, &clone).map(|f| f.0),
        Some(4),
        "the clone still works"
    );
    drop(clone);
    assert_eq!(heap.stats().stashed_handles, 0);
    heap.collect_full();
    assert_eq!(heap.stats().live_objects, live_before, "the cell was freed");
    // The freed slot is reused.
    let again = heap.mutate(|m, root| m.stash_weak::<ObjR>(root.keep[0]));
    assert!(
        again.slot() == slot || again.slot() < 2,
        "a freed slot is reused"
    );
    assert_eq!(fetch(&heap, &again).map(|f| f.0), Some(4));
}
