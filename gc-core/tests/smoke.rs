//! A first end-to-end check: a linked list through every kind of collection.

use gc_core::{unlock, Gc, Heap, Lock, Rootable, Trace, Tracer};

struct Node<'gc> {
    value: u64,
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

// SAFETY: traces its one pointer field.
unsafe impl<'gc> Trace for Node<'gc> {
    fn trace(&mut self, t: &mut Tracer) {
        self.next.trace(t);
    }
}

struct Root<'gc> {
    head: Option<Gc<'gc, Node<'gc>>>,
}

// SAFETY: traces its one pointer field.
unsafe impl<'gc> Trace for Root<'gc> {
    fn trace(&mut self, t: &mut Tracer) {
        self.head.trace(t);
    }
}

fn sum(heap: &Heap<Rootable!['gc => Root<'gc>]>) -> u64 {
    heap.mutate(|_, root| {
        let mut total = 0;
        let mut cur = root.head;
        while let Some(node) = cur {
            total += node.value;
            cur = node.next.get();
        }
        total
    })
}

#[test]
fn list_survives_every_kind_of_collection() {
    let n: u64 = if cfg!(miri) { 50 } else { 20_000 };
    let mut heap = Heap::<Rootable!['gc => Root<'gc>]>::new(|_| Root { head: None });
    heap.mutate_root(|m, root| {
        for i in 0..n {
            let node = Gc::new(
                m,
                Node {
                    value: i,
                    next: Lock::new(root.head),
                },
            );
            root.head = Some(node);
            // garbage
            Gc::new(
                m,
                Node {
                    value: 0,
                    next: Lock::new(None),
                },
            );
        }
    });
    let expected = n * (n - 1) / 2;
    assert_eq!(sum(&heap), expected);
    heap.collect_minor();
    heap.verify().unwrap();
    assert_eq!(sum(&heap), expected);
    heap.collect_minor();
    assert_eq!(sum(&heap), expected);
    heap.collect_full();
    heap.verify().unwrap();
    assert_eq!(sum(&heap), expected);
    let stats = heap.stats();
    assert_eq!(stats.live_objects as u64, n);
    // mutate old objects through the barrier, then collect incrementally
    heap.mutate(|m, root| {
        let head = root.head.unwrap();
        let fresh = Gc::new(
            m,
            Node {
                value: 1000,
                next: Lock::new(head.next.get()),
            },
        );
        unlock!(Gc::write(m, head), Node, next).set(Some(fresh));
    });
    heap.verify().unwrap();
    heap.start_marking();
    heap.mark_step(100);
    heap.verify().unwrap();
    heap.collect_minor();
    heap.verify().unwrap();
    heap.finish_marking();
    heap.verify().unwrap();
    while !heap.sweep_step(100) {}
    heap.verify().unwrap();
    assert_eq!(sum(&heap), expected + 1000);
    let rounds = if cfg!(miri) { 3 } else { 50 };
    for _ in 0..rounds {
        heap.mutate(|m, _| {
            for _ in 0..rounds * 20 {
                Gc::new(
                    m,
                    Node {
                        value: 0,
                        next: Lock::new(None),
                    },
                );
            }
        });
        heap.collect_debt();
    }
    heap.verify().unwrap();
    assert_eq!(sum(&heap), expected + 1000);
}
