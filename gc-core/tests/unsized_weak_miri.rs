//! Weak references, ephemeron maps and finalization queues whose targets are
//! unsized objects (`Gc<str>`, `Gc<[T]>`, `Gc<WithTail<H, T>>`): the weak
//! slot is a header pointer, so it follows a moved unsized object and is
//! cleared when the object dies, as for sized ones. A finalization queue
//! holds them as keys (`Gc<str>` is a `WeakKey`). Small enough for Miri.

use gc_core::{FinalizationQueue, Gc, GcWeak, GcWeakMap, Heap, Lock, Rootable, WithTail};
use gc_derive::Trace;

#[derive(Trace)]
struct Root<'gc> {
    kept: Option<Gc<'gc, str>>,
    weak_kept: Option<GcWeak<'gc, str>>,
    weak_dropped: Option<GcWeak<'gc, [u64]>>,
    map: GcWeakMap<'gc, WithTail<u32, Lock<u64>>, u64>,
    queue: FinalizationQueue<'gc, Gc<'gc, str>>,
    closure: Option<Gc<'gc, WithTail<u32, Lock<u64>>>>,
}

type R = Rootable!['gc => Root<'gc>];

#[test]
fn weak_targets_can_be_unsized() {
    let mut heap = Heap::<R>::new(|m| Root {
        kept: None,
        weak_kept: None,
        weak_dropped: None,
        map: GcWeakMap::new(m),
        queue: FinalizationQueue::new(m),
        closure: None,
    });
    heap.mutate_root(|m, root| {
        let kept = Gc::from_str(m, "kept");
        root.kept = Some(kept);
        root.weak_kept = Some(Gc::downgrade(m, kept));
        root.weak_dropped = Some(Gc::downgrade(m, Gc::from_slice(m, &[1, 2, 3])));
        let closure = Gc::new_with_tail(m, 7, [Lock::new(10), Lock::new(20)]);
        root.closure = Some(closure);
        root.map.insert(m, closure, 30);
        let lone = Gc::new_with_tail(m, 8, [Lock::new(1)]);
        root.map.insert(m, lone, 40);
        root.queue
            .register_key(m, Gc::from_str(m, "finalize me"))
            .expect("a string is an object");
    });
    // A minor GC moves the young survivors; a full GC frees the rest.
    heap.collect_minor();
    heap.collect_full();
    heap.mutate_root(|m, root| {
        let kept = root
            .weak_kept
            .unwrap()
            .upgrade(m)
            .expect("kept alive by the root");
        assert!(Gc::ptr_eq(kept, root.kept.unwrap()));
        assert_eq!(&*kept, "kept");
        assert!(root.weak_dropped.unwrap().upgrade(m).is_none());
        let closure = root.closure.unwrap();
        assert_eq!(root.map.get(closure), Some(30));
        assert_eq!(root.map.len(), 1, "the entry of the dead key is gone");
        let resurrected = root.queue.take_key(m).expect("the dead string was queued");
        assert_eq!(&*resurrected, "finalize me");
        assert!(root.queue.take_key(m).is_none());
    });
}
