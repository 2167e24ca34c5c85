//! Weak references, ephemeron tables, finalization queues and pools, under
//! minor, full and incremental collections (small enough for Miri).

use gc_core::{
    unlock, Config, FinalizationQueue, Gc, GcPool, GcWeak, GcWeakMap, Heap, Lock, Mutation,
    Rootable,
};
use gc_derive::Trace;

#[derive(Trace)]
struct Obj<'gc> {
    id: u32,
    next: Lock<Option<Gc<'gc, Obj<'gc>>>>,
}

#[derive(Trace)]
struct Root<'gc> {
    keep: Vec<Gc<'gc, Obj<'gc>>>,
    weaks: Vec<GcWeak<'gc, Obj<'gc>>>,
    // Traversals scan gray/copied objects last-in first-out, so the queue,
    // reached after the map, is recorded before it.
    map: GcWeakMap<'gc, Obj<'gc>, Gc<'gc, Obj<'gc>>>,
    queue: FinalizationQueue<'gc, Obj<'gc>>,
    pool: Gc<'gc, GcPool<'gc, Obj<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

fn heap(generational: bool) -> Heap<R> {
    let config = Config::builder()
        .generational(generational)
        .eden_size(64 << 10)
        .verify(true)
        .build()
        .unwrap();
    Heap::<R>::with_config(config, |m| Root {
        keep: Vec::new(),
        weaks: Vec::new(),
        map: GcWeakMap::new(m),
        queue: FinalizationQueue::new(m),
        pool: Gc::new(m, GcPool::new(m)),
    })
    .unwrap()
}

fn obj<'gc>(m: &Mutation<'gc>, id: u32) -> Gc<'gc, Obj<'gc>> {
    Gc::new(
        m,
        Obj {
            id,
            next: Lock::new(None),
        },
    )
}

fn link<'gc>(m: &Mutation<'gc>, from: Gc<'gc, Obj<'gc>>, to: Gc<'gc, Obj<'gc>>) {
    unlock!(Gc::write(m, from), Obj, next).set(Some(to));
}

/// The young-generation settings and collection kinds each test runs through
/// (one of each under Miri, which is slow).
fn modes() -> Vec<(bool, usize)> {
    if cfg!(miri) {
        vec![(true, 2), (false, 3)]
    } else {
        [true, false]
            .into_iter()
            .flat_map(|young| (0..4).map(move |round| (young, round)))
            .collect()
    }
}

/// One collection of kind `round % 4`, so each test runs through all kinds.
fn collect(heap: &mut Heap<R>, round: usize) {
    match round % 4 {
        0 => heap.collect_minor(),
        1 => heap.collect_full(),
        2 => {
            heap.start_marking();
            heap.mark_step(64);
            heap.collect_minor();
            heap.finish_marking();
            while !heap.sweep_step(64) {}
        }
        _ => {
            for _ in 0..6 {
                heap.collect_debt();
            }
        }
    }
}

fn weak_ids(heap: &Heap<R>) -> Vec<Option<u32>> {
    heap.mutate(|m, root| {
        root.weaks
            .iter()
            .map(|w| w.upgrade(m).map(|o| o.id))
            .collect()
    })
}

#[test]
fn weak_refs_follow_moves_and_clear_on_death() {
    for (generational, round) in modes() {
        {
            let mut heap = heap(generational);
            heap.mutate_root(|m, root| {
                let kept = obj(m, 1);
                root.keep.push(kept);
                root.weaks.push(Gc::downgrade(m, kept));
                root.weaks.push(Gc::downgrade(m, obj(m, 2)));
            });
            collect(&mut heap, round);
            assert_eq!(weak_ids(&heap)[0], Some(1), "kept target, round {round}");
            heap.collect_full();
            assert_eq!(
                weak_ids(&heap),
                vec![Some(1), None],
                "round {round} generational {generational}"
            );
        }
    }
}

/// The reference model of an ephemeron table: an entry survives iff its key
/// is reachable from the roots, where values of surviving entries count as
/// roots too (to a fixed point).
#[test]
fn ephemerons_keep_values_only_while_keys_live() {
    for (generational, round) in modes() {
        {
            let mut heap = heap(generational);
            heap.mutate_root(|m, root| {
                // k1 is kept; its value v1 points at k2, so k2's entry lives too
                // (a chain); k3 <-> v3 point at each other (a cycle through the
                // table) and nothing else keeps k3: that entry must die.
                let k1 = obj(m, 1);
                let k2 = obj(m, 2);
                let v1 = obj(m, 10);
                link(m, v1, k2);
                let v2 = obj(m, 20);
                let k3 = obj(m, 3);
                let v3 = obj(m, 30);
                link(m, v3, k3);
                link(m, k3, v3);
                root.map.insert(m, k1, v1);
                root.map.insert(m, k2, v2);
                root.map.insert(m, k3, v3);
                root.keep.push(k1);
                root.weaks.push(Gc::downgrade(m, v2));
                root.weaks.push(Gc::downgrade(m, v3));
            });
            collect(&mut heap, round);
            heap.collect_full();
            heap.mutate(|m, root| {
                let k1 = root.keep[0];
                let v1 = root.map.get(k1).expect("k1's entry is alive");
                assert_eq!(v1.id, 10);
                let k2 = v1.next.get().expect("v1 -> k2");
                assert_eq!(root.map.get(k2).map(|v| v.id), Some(20), "chain entry kept");
                assert_eq!(root.map.len(), 2, "the k3 <-> v3 cycle entry is gone");
                assert_eq!(root.weaks[0].upgrade(m).map(|o| o.id), Some(20));
                assert!(root.weaks[1].upgrade(m).is_none(), "v3 freed with its key");
            });
            // Dropping the root's key frees the whole chain.
            heap.mutate_root(|_, root| root.keep.clear());
            heap.collect_full();
            heap.mutate(|_, root| assert!(root.map.is_empty()));
        }
    }
}

#[test]
fn finalization_resurrects_once_and_allows_reregistration() {
    for (generational, round) in modes() {
        {
            let mut heap = heap(generational);
            heap.mutate_root(|m, root| {
                let doomed = obj(m, 7);
                link(m, doomed, obj(m, 8));
                root.queue.register(m, doomed);
                root.weaks.push(Gc::downgrade(m, doomed));
            });
            collect(&mut heap, round);
            heap.collect_full();
            let taken = heap.mutate(|m, root| {
                let first = root.queue.take(m).expect("the dead object is queued");
                assert_eq!(first.id, 7);
                assert_eq!(
                    first.next.get().map(|o| o.id),
                    Some(8),
                    "its children were resurrected too"
                );
                assert!(root.queue.take(m).is_none(), "queued exactly once");
                assert_eq!(
                    root.weaks[0].upgrade(m).map(|o| o.id),
                    Some(7),
                    "weak refs see the resurrected object"
                );
                first.id
            });
            assert_eq!(taken, 7);
            // Not registered any more: the next collections free it for good.
            heap.collect_full();
            heap.collect_full();
            heap.mutate(|m, root| {
                assert!(root.queue.take(m).is_none());
                assert!(
                    root.weaks[0].upgrade(m).is_none(),
                    "freed after finalization"
                );
            });
            // Resurrection by storing, then registering again.
            heap.mutate_root(|m, root| {
                let again = obj(m, 9);
                root.queue.register(m, again);
            });
            heap.collect_full();
            heap.mutate_root(|m, root| {
                let back = root.queue.take(m).expect("queued");
                root.keep.push(back);
                root.queue.register(m, back);
            });
            heap.collect_full();
            heap.mutate(|m, root| {
                assert!(root.queue.take(m).is_none(), "reachable again: not queued");
                assert_eq!(root.queue.watched_len(), 1);
            });
        }
    }
}

#[test]
fn pool_survives_one_cycle_and_is_emptied_by_two() {
    let mut heap = heap(true);
    heap.mutate_root(|m, root| {
        GcPool::put(root.pool, m, obj(m, 1));
        root.weaks
            .push(Gc::downgrade(m, GcPool::get(root.pool, m).unwrap()));
        GcPool::put(root.pool, m, root.weaks[0].upgrade(m).unwrap());
    });
    heap.collect_full();
    heap.mutate(|m, root| {
        assert_eq!(
            root.pool.len(),
            1,
            "the victim cache keeps it through one cycle"
        );
        assert!(root.weaks[0].upgrade(m).is_some());
    });
    heap.collect_full();
    heap.collect_full();
    heap.mutate(|m, root| {
        assert!(root.pool.is_empty(), "dropped after two cycles unused");
        assert!(GcPool::get(root.pool, m).is_none());
        assert!(root.weaks[0].upgrade(m).is_none(), "and freed");
    });
}

/// A value that an ephemeron entry keeps alive is not "unreachable": a
/// finalization queue watching it must not take it, whichever of the two
/// containers the collector happened to reach first.
#[test]
fn ephemerons_settle_before_finalization() {
    for (generational, round) in modes() {
        let mut heap = heap(generational);
        heap.mutate_root(|m, root| {
            let key = obj(m, 1);
            let value = obj(m, 2);
            // The queue is reached before the map's value in every traversal.
            root.queue.register(m, value);
            root.map.insert(m, key, value);
            root.keep.push(key);
            root.weaks.push(Gc::downgrade(m, value));
        });
        collect(&mut heap, round);
        heap.collect_full();
        heap.mutate(|m, root| {
            assert!(
                root.queue.take(m).is_none(),
                "value reachable through a live key"
            );
            assert_eq!(root.weaks[0].upgrade(m).map(|o| o.id), Some(2));
        });
        // Once the key dies, the value is unreachable and queued exactly once.
        heap.mutate_root(|_, root| root.keep.clear());
        heap.collect_full();
        heap.mutate(|m, root| {
            assert_eq!(root.queue.take(m).map(|o| o.id), Some(2));
            assert!(root.queue.take(m).is_none());
        });
    }
}

#[derive(Trace)]
struct Big<'gc> {
    bytes: [u8; 10_000],
    young: Option<Gc<'gc, Obj<'gc>>>,
}

/// Regression: an object born in the large object space holding a young
/// pointer in its initial value was not remembered (I2), so a minor GC left
/// the field pointing into the reset Eden.
#[test]
fn large_objects_born_with_young_pointers_are_remembered() {
    let config = Config::builder().verify(true).build().unwrap();
    let mut heap =
        Heap::<Rootable!['gc => Vec<Gc<'gc, Big<'gc>>>]>::with_config(config, |_| Vec::new())
            .unwrap();
    heap.mutate_root(|m, root| {
        let young = obj(m, 42);
        root.push(Gc::new(
            m,
            Big {
                bytes: [1; 10_000],
                young: Some(young),
            },
        ));
    });
    heap.verify().unwrap();
    heap.collect_minor();
    heap.collect_minor();
    heap.mutate(|_, root| assert_eq!(root[0].young.map(|o| o.id), Some(42)));
    heap.collect_full();
    heap.mutate(|_, root| assert_eq!(root[0].young.map(|o| o.id), Some(42)));
}
