//! Unsized payloads (`Gc<str>`, `Gc<[T]>`, `Gc<WithTail<H, T>>`) through
//! every space and every kind of collection, small enough for Miri.

use std::cell::Cell;
use std::rc::Rc;

use gc_core::{Config, Gc, Heap, Lock, Rootable, WithTail};
use gc_derive::Trace;
use tenure_test_support::drop_count::DropCount;

#[derive(Trace)]
struct Leaf {
    value: u64,
}

#[derive(Trace)]
struct Root<'gc> {
    strings: Vec<Gc<'gc, str>>,
    slices: Vec<Gc<'gc, [Gc<'gc, Leaf>]>>,
    numbers: Vec<Gc<'gc, [u64]>>,
    closures: Vec<Gc<'gc, WithTail<Proto<'gc>, Lock<Gc<'gc, Leaf>>>>>,
}

#[derive(Trace)]
struct Proto<'gc> {
    name: Gc<'gc, str>,
    arity: u32,
}

type R = Rootable!['gc => Root<'gc>];

fn empty_root<'gc>(_: &gc_core::Mutation<'gc>) -> Root<'gc> {
    Root {
        strings: Vec::new(),
        slices: Vec::new(),
        numbers: Vec::new(),
        closures: Vec::new(),
    }
}

const N: usize = if cfg!(miri) { 6 } else { 200 };

/// The object size the layout promises: header (16) + length (8), the
/// elements, rounded up to 8.
fn tail_bytes(elems: usize) -> usize {
    (24 + elems).div_ceil(8) * 8
}

fn fill(heap: &mut Heap<R>) {
    heap.mutate_root(|m, root| {
        for i in 0..N {
            root.strings.push(Gc::from_str(m, &"x".repeat(i)));
            let leaves: Vec<_> = (0..i as u64)
                .map(|v| Gc::new(m, Leaf { value: v }))
                .collect();
            root.slices.push(Gc::from_vec(m, leaves));
            root.numbers
                .push(Gc::from_iter_exact(m, (0..i).map(|v| v as u64 * 3)));
            let proto = Proto {
                name: Gc::from_str(m, "f"),
                arity: i as u32,
            };
            let ups = (0..i).map(|v| {
                Lock::new(Gc::new(
                    m,
                    Leaf {
                        value: v as u64 + 100,
                    },
                ))
            });
            root.closures.push(Gc::new_with_tail(m, proto, ups));
        }
    });
}

fn check(heap: &Heap<R>) {
    heap.mutate(|_, root| {
        for i in 0..N {
            assert_eq!(&*root.strings[i], "x".repeat(i).as_str());
            let values: Vec<u64> = root.slices[i].iter().map(|leaf| leaf.value).collect();
            assert_eq!(values, (0..i as u64).collect::<Vec<_>>());
            assert_eq!(
                &*root.numbers[i],
                &(0..i as u64).map(|v| v * 3).collect::<Vec<_>>()[..]
            );
            let closure = root.closures[i];
            assert_eq!(&*closure.head.name, "f");
            assert_eq!(closure.head.arity, i as u32);
            let ups: Vec<u64> = closure.tail.iter().map(|up| up.get().value).collect();
            assert_eq!(ups, (100..100 + i as u64).collect::<Vec<_>>());
        }
    });
}

#[test]
fn unsized_objects_survive_minor_and_full_collections() {
    let mut heap = Heap::<R>::new(empty_root);
    fill(&mut heap);
    check(&heap);
    heap.collect_minor();
    heap.verify().unwrap();
    check(&heap);
    heap.collect_minor();
    check(&heap);
    heap.collect_full();
    heap.verify().unwrap();
    check(&heap);
    // Old now: a young target stored into an upvalue through the barrier.
    heap.mutate(|m, root| {
        let closure = root.closures[N - 1];
        let fresh = Gc::new(m, Leaf { value: 7 });
        Gc::write(m, closure).tail().set(0, fresh);
    });
    heap.collect_minor();
    heap.verify().unwrap();
    heap.mutate(|_, root| assert_eq!(root.closures[N - 1].tail[0].get().value, 7));
}

#[test]
fn empty_payloads_work() {
    let mut heap = Heap::<R>::new(empty_root);
    heap.mutate_root(|m, root| {
        let s = Gc::from_str(m, "");
        assert_eq!(&*s, "");
        assert!(s.is_empty());
        root.strings.push(s);
        root.numbers.push(Gc::from_slice(m, &[]));
        root.slices.push(Gc::from_iter_exact(m, std::iter::empty()));
    });
    heap.collect_minor();
    heap.collect_full();
    heap.verify().unwrap();
    heap.mutate(|_, root| {
        assert_eq!(root.strings[0], "");
        assert!(root.numbers[0].is_empty() && root.slices[0].is_empty());
        assert_eq!(format!("{:?}", root.numbers[0]), "[]");
        assert_eq!(format!("{}", root.strings[0]), "");
    });
}

#[test]
fn sizes_are_exact_in_eden_old_and_large_space() {
    let mut heap = Heap::<R>::new(empty_root);
    let before = heap.stats().eden_bytes;
    heap.mutate_root(|m, root| root.strings.push(Gc::from_str(m, "hello")));
    assert_eq!(heap.stats().eden_bytes - before, tail_bytes(5));
    let profile = heap.heap_profile();
    let str_bytes = profile.iter().find(|(name, _)| *name == "str").unwrap().1;
    assert_eq!((str_bytes.objects, str_bytes.bytes), (1, tail_bytes(5)));

    // Straight into the old generation: cells by size class, large objects
    // by their own size.
    let config = Config::builder().generational(false).build().unwrap();
    let mut heap = Heap::<R>::with_config(config, empty_root).unwrap();
    let large = if cfg!(miri) { 1100 } else { 9000 };
    heap.mutate_root(|m, root| {
        root.numbers.push(Gc::from_vec(m, vec![1; 4]));
        root.numbers.push(Gc::from_vec(m, vec![2; large]));
    });
    let stats = heap.stats();
    assert_eq!(stats.large_objects, 1);
    assert_eq!(stats.large_bytes, 24 + 8 * large);
    assert_eq!(stats.old_bytes, 64, "a 56-byte slice takes a 64-byte cell");
    heap.collect_full();
    heap.verify().unwrap();
    let profile = heap.heap_profile();
    let slices = profile.iter().find(|(name, _)| *name == "[u64]").unwrap().1;
    assert_eq!((slices.objects, slices.bytes), (2, 56 + 24 + 8 * large));
    heap.mutate(|_, root| {
        assert!(root.numbers[0].iter().all(|&v| v == 1));
        assert_eq!(root.numbers[1].len(), large);
        assert!(root.numbers[1].iter().all(|&v| v == 2));
    });
    heap.mutate_root(|_, root| root.numbers.clear());
    heap.collect_full();
    assert_eq!(heap.stats().large_objects, 0);
}

#[test]
fn promotion_copies_by_object_size() {
    let mut heap = Heap::<R>::new(empty_root);
    heap.mutate_root(|m, root| root.numbers.push(Gc::from_vec(m, (0..40).collect())));
    heap.collect_full();
    let stats = heap.stats();
    assert_eq!(stats.promoted_bytes, 24 + 8 * 40);
    assert_eq!(
        stats.old_bytes, 352,
        "a 344-byte slice takes a 352-byte cell"
    );
    heap.verify().unwrap();
    heap.mutate(|_, root| assert_eq!(root.numbers[0].iter().sum::<u64>(), 780));
}

#[test]
fn elements_are_dropped_exactly_once() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = Heap::<Rootable![()]>::new(|_| ());
    let young = drops.clone();
    heap.mutate(|m, _| {
        let counted: Vec<DropCount> = (0..3).map(|_| DropCount(young.clone())).collect();
        Gc::from_vec(m, counted);
        Gc::new_with_tail(m, DropCount(young.clone()), [DropCount(young.clone())]);
    });
    heap.collect_minor();
    assert_eq!(
        drops.get(),
        5,
        "dead young tails are dropped by the minor GC"
    );
    heap.collect_full();
    assert_eq!(drops.get(), 5);

    let config = Config::builder().generational(false).build().unwrap();
    let mut heap = Heap::<Rootable![()]>::with_config(config, |_| ()).unwrap();
    let old = drops.clone();
    heap.mutate(|m, _| {
        Gc::from_iter_exact(m, (0..2).map(|_| DropCount(old.clone())));
    });
    heap.collect_full();
    assert_eq!(drops.get(), 7, "dead old tails are dropped by the sweep");
    heap.collect_full();
    drop(heap);
    assert_eq!(drops.get(), 7);

    let heap = Heap::<Rootable![()]>::new(|_| ());
    let live = drops.clone();
    heap.mutate(|m, _| {
        Gc::from_vec(m, vec![DropCount(live.clone())]);
    });
    drop(heap);
    assert_eq!(drops.get(), 8, "the heap drops what it still holds");
}

#[test]
#[should_panic(expected = "promised 3 items but yielded 1")]
fn a_lying_exact_size_iterator_is_caught() {
    struct Liar(usize);
    impl Iterator for Liar {
        type Item = u8;
        fn next(&mut self) -> Option<u8> {
            self.0 = self.0.checked_sub(1)?;
            Some(1)
        }
        fn size_hint(&self) -> (usize, Option<usize>) {
            (3, Some(3))
        }
    }
    impl ExactSizeIterator for Liar {}
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        Gc::<[u8]>::from_iter_exact(m, Liar(1));
    });
}
