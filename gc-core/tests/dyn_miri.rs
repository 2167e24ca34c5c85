//! Host objects: `Gc<dyn Trait>` allocation, tracing through erased
//! objects, downcasting, and drop, small enough for Miri.

use std::cell::Cell;
use std::rc::Rc;

use gc_core::{gc_dyn, Gc, Heap, Lock, Rootable};
use gc_derive::Trace;
use tenure_test_support::drop_count::DropCount;

trait Shape {
    fn area(&self) -> u64;
}
gc_dyn!(dyn Shape);

trait Host<'gc> {
    fn child(&self) -> Gc<'gc, Leaf>;
    fn name(&self) -> &str;
}
gc_dyn!(<'gc> dyn Host<'gc> + 'gc);

#[derive(Trace)]
struct Leaf {
    value: u64,
}

#[derive(Trace)]
struct Square(u64);

impl Shape for Square {
    fn area(&self) -> u64 {
        self.0 * self.0
    }
}

#[derive(Trace)]
struct Circle(u64);

impl Shape for Circle {
    fn area(&self) -> u64 {
        3 * self.0 * self.0
    }
}

#[derive(Trace)]
struct Timer<'gc> {
    callback: Lock<Gc<'gc, Leaf>>,
    #[trace(skip)]
    label: String,
}

impl<'gc> Host<'gc> for Timer<'gc> {
    fn child(&self) -> Gc<'gc, Leaf> {
        self.callback.get()
    }
    fn name(&self) -> &str {
        &self.label
    }
}

#[derive(Trace)]
struct File<'gc> {
    owner: Gc<'gc, Leaf>,
}

impl<'gc> Host<'gc> for File<'gc> {
    fn child(&self) -> Gc<'gc, Leaf> {
        self.owner
    }
    fn name(&self) -> &str {
        "file"
    }
}

#[derive(Trace)]
struct Root<'gc> {
    shapes: Vec<Gc<'gc, dyn Shape>>,
    hosts: Vec<Gc<'gc, dyn Host<'gc> + 'gc>>,
}

type R = Rootable!['gc => Root<'gc>];

fn new_heap() -> Heap<R> {
    Heap::<R>::new(|_| Root {
        shapes: Vec::new(),
        hosts: Vec::new(),
    })
}

#[test]
fn a_dyn_gc_is_one_word_and_views_the_value_in_place() {
    // The layout assumption of `api/erased.rs`: no fat pointer is stored, so
    // a `Gc<dyn _>` is a thin header pointer and the value follows the
    // 16-byte header as in every sized object.
    assert_eq!(
        std::mem::size_of::<Gc<'static, dyn Shape>>(),
        std::mem::size_of::<usize>()
    );
    let heap = new_heap();
    heap.mutate(|m, _| {
        let square = Gc::<dyn Shape>::new_dyn_static(m, Square(4));
        let data = Gc::as_ptr(square) as *const u8 as usize;
        let concrete = Gc::downcast::<Square>(square).unwrap();
        assert_eq!(data, Gc::as_ptr(concrete) as usize);
        assert_eq!(square.area(), 16);
    });
}

#[test]
fn wrong_type_downcasts_return_none() {
    let heap = new_heap();
    heap.mutate(|m, _| {
        let square: Gc<dyn Shape> = Gc::new_dyn_static(m, Square(2));
        assert_eq!(Gc::downcast::<Square>(square).unwrap().0, 2);
        assert!(Gc::downcast::<Circle>(square).is_none());
        assert!(Gc::downcast::<u64>(square).is_none());
        let leaf = Gc::new(m, Leaf { value: 1 });
        let timer: Gc<dyn Host> = Gc::new_dyn::<Rootable!['a => Timer<'a>]>(
            m,
            Timer {
                callback: Lock::new(leaf),
                label: "t".into(),
            },
        );
        let back = Gc::downcast_root::<Rootable!['a => Timer<'a>]>(timer).unwrap();
        assert_eq!(back.label, "t");
        assert!(Gc::downcast_root::<Rootable!['a => File<'a>]>(timer).is_none());
        // A sized object never downcasts: it was not allocated erased.
        assert!(Gc::downcast::<Leaf>(leaf).is_none());
    });
}

#[test]
fn erased_objects_are_traced_and_their_targets_updated() {
    let mut heap = new_heap();
    let n = if cfg!(miri) { 4 } else { 100 };
    heap.mutate_root(|m, root| {
        for i in 0..n {
            let leaf = Gc::new(m, Leaf { value: i });
            let host: Gc<dyn Host> = if i % 2 == 0 {
                Gc::new_dyn::<Rootable!['a => Timer<'a>]>(
                    m,
                    Timer {
                        callback: Lock::new(leaf),
                        label: format!("timer {i}"),
                    },
                )
            } else {
                Gc::new_dyn::<Rootable!['a => File<'a>]>(m, File { owner: leaf })
            };
            root.hosts.push(host);
            root.shapes.push(Gc::new_dyn_static(m, Circle(i)));
        }
    });
    let check = |heap: &Heap<R>| {
        heap.mutate(|_, root| {
            for (i, host) in root.hosts.iter().enumerate() {
                assert_eq!(host.child().value, i as u64);
                let name = if i % 2 == 0 {
                    format!("timer {i}")
                } else {
                    "file".into()
                };
                assert_eq!(host.name(), name);
                assert_eq!(root.shapes[i].area(), 3 * (i * i) as u64);
            }
        })
    };
    heap.collect_minor();
    heap.verify().unwrap();
    check(&heap);
    heap.collect_full();
    heap.verify().unwrap();
    check(&heap);
    // The hosts are old now: a young target stored into one survives the
    // next minor GC through the barrier and is updated when it moves.
    heap.mutate(|m, root| {
        let timer = Gc::downcast_root::<Rootable!['a => Timer<'a>]>(root.hosts[0]).unwrap();
        let fresh = Gc::new(m, Leaf { value: 99 });
        gc_core::unlock!(Gc::write(m, timer), Timer, callback).set(fresh);
    });
    heap.collect_minor();
    heap.verify().unwrap();
    heap.mutate(|_, root| assert_eq!(root.hosts[0].child().value, 99));
    let profile = heap.heap_profile();
    let timers = profile
        .iter()
        .find(|(name, _)| name.contains("Timer"))
        .unwrap()
        .1;
    assert_eq!(timers.objects, n.div_ceil(2) as usize);
}

impl Shape for DropCount {
    fn area(&self) -> u64 {
        0
    }
}

#[test]
fn erased_objects_are_dropped_exactly_once() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = new_heap();
    heap.mutate_root(|m, root| {
        Gc::<dyn Shape>::new_dyn_static(m, DropCount(drops.clone()));
        root.shapes
            .push(Gc::new_dyn_static(m, DropCount(drops.clone())));
        root.shapes
            .push(Gc::new_dyn_static(m, DropCount(drops.clone())));
    });
    heap.collect_minor();
    assert_eq!(drops.get(), 1, "a dead young erased object is dropped");
    heap.collect_full();
    heap.mutate_root(|_, root| {
        root.shapes.pop();
    });
    heap.collect_full();
    assert_eq!(
        drops.get(),
        2,
        "a dead old erased object is swept and dropped"
    );
    heap.collect_full();
    assert_eq!(drops.get(), 2);
    drop(heap);
    assert_eq!(drops.get(), 3, "the heap drops what it still holds");
}
