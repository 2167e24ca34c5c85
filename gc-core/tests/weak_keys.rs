//! One `GcWeakMap` and one `FinalizationQueue` keyed by an interpreter's
//! value enum, through `WeakKey`: values that are not heap objects are
//! refused, keys that are heap objects are weak (their entries die with
//! them, in a minor GC when young and a major cycle when old), moved keys
//! are still found, and a queue hands back the registered value whole, with
//! the pointers it holds rewritten or, if any died first, dropped. Small
//! enough for Miri.

use gc_core::{
    Config, FinalizationQueue, Gc, GcKey, GcWeakMap, Heap, Lock, Mutation, NotAnObject, Rootable,
    WeakKey,
};
use gc_derive::Trace;

#[derive(Copy, Clone, Trace)]
enum Value<'gc> {
    Int(i64),
    Str(Gc<'gc, String>),
    Pair(Gc<'gc, Pair<'gc>>),
}

#[derive(Trace)]
struct Pair<'gc> {
    car: Lock<Value<'gc>>,
    cdr: Lock<Value<'gc>>,
}

impl<'gc> WeakKey<'gc> for Value<'gc> {
    fn weak_key(&self) -> Option<GcKey<'gc>> {
        match *self {
            Value::Int(_) => None,
            Value::Str(s) => Some(GcKey::new(s)),
            Value::Pair(p) => Some(GcKey::new(p)),
        }
    }
}

#[derive(Trace)]
struct Root<'gc> {
    keep: Vec<Value<'gc>>,
    map: GcWeakMap<'gc, Value<'gc>, Value<'gc>>,
    queue: FinalizationQueue<'gc, Value<'gc>>,
}

type R = Rootable!['gc => Root<'gc>];

fn heap() -> Heap<R> {
    let config = Config::builder()
        .eden_size(64 << 10)
        .verify(true)
        .build()
        .unwrap();
    Heap::<R>::with_config(config, |m| Root {
        keep: Vec::new(),
        map: GcWeakMap::new(m),
        queue: FinalizationQueue::new(m),
    })
    .unwrap()
}

fn string<'gc>(m: &Mutation<'gc>, s: &str) -> Value<'gc> {
    Value::Str(Gc::new(m, s.to_string()))
}

fn pair<'gc>(m: &Mutation<'gc>, car: Value<'gc>, cdr: Value<'gc>) -> Value<'gc> {
    let car = Lock::new(car);
    let cdr = Lock::new(cdr);
    Value::Pair(Gc::new(m, Pair { car, cdr }))
}

fn text(value: Value<'_>) -> String {
    match value {
        Value::Str(s) => (*s).clone(),
        Value::Int(i) => i.to_string(),
        Value::Pair(p) => format!("({} . {})", text(p.car.get()), text(p.cdr.get())),
    }
}

fn address(value: Value<'_>) -> usize {
    match value {
        Value::Str(s) => Gc::as_ptr(s) as usize,
        Value::Pair(p) => Gc::as_ptr(p) as usize,
        Value::Int(_) => 0,
    }
}

#[test]
fn values_that_are_not_objects_are_refused() {
    let heap = heap();
    heap.mutate(|m, root| {
        let refused = root.map.insert_by_key(m, &Value::Int(1), Value::Int(2));
        assert!(
            matches!(refused, Err(NotAnObject(Value::Int(2)))),
            "value handed back"
        );
        assert!(refused
            .err()
            .unwrap()
            .to_string()
            .contains("not a heap object"));
        assert!(root.map.get_by_key(&Value::Int(1)).is_none());
        assert!(!root.map.contains_by_key(&Value::Int(1)));
        assert!(root.map.remove_by_key(m, &Value::Int(1)).is_none());
        let refused = root.queue.register_key(m, Value::Int(3));
        assert!(matches!(refused, Err(NotAnObject(Value::Int(3)))));
        assert_eq!(root.queue.watched_len(), 0);
    });
}

#[test]
fn one_map_keyed_by_every_kind_of_object() {
    let mut heap = heap();
    heap.mutate_root(|m, root| {
        let s = string(m, "key");
        let p = pair(m, Value::Int(1), Value::Int(2));
        root.keep.extend([s, p]);
        assert!(root
            .map
            .insert_by_key(m, &s, string(m, "of a string"))
            .unwrap()
            .is_none());
        assert!(root
            .map
            .insert_by_key(m, &p, string(m, "of a pair"))
            .unwrap()
            .is_none());
        // A typed `Gc` key names the same entry as the value holding it.
        let Value::Str(gc) = s else { unreachable!() };
        let previous = root
            .map
            .insert_by_key(m, &Value::Str(gc), string(m, "again"));
        assert_eq!(
            previous.ok().flatten().map(text).as_deref(),
            Some("of a string")
        );
        assert_eq!(root.map.len(), 2);
    });
    let born: Vec<usize> = heap.mutate(|_, root| root.keep.iter().map(|&v| address(v)).collect());
    heap.collect_minor();
    heap.mutate(|_, root| {
        for (&key, born) in root.keep.iter().zip(&born) {
            assert_ne!(address(key), *born, "the minor GC moved the key");
        }
        let values: Vec<String> = root
            .keep
            .iter()
            .map(|key| text(root.map.get_by_key(key).expect("moved keys are found")))
            .collect();
        assert_eq!(values, ["again", "of a pair"]);
    });
    heap.collect_full();
    assert_eq!(
        heap.mutate(|_, root| root.map.len()),
        2,
        "live keys keep their entries"
    );
    // The pair stays reachable; the string key does not.
    heap.mutate_root(|m, root| {
        root.keep.remove(0);
        let p = root.keep[0];
        assert_eq!(
            root.map.remove_by_key(m, &p).map(text).as_deref(),
            Some("of a pair")
        );
        root.map.insert_by_key(m, &p, p).unwrap(); // a value that refers to its key
    });
    heap.collect_minor();
    assert_eq!(
        heap.mutate(|_, root| root.map.len()),
        2,
        "old keys outlive minor GCs"
    );
    heap.collect_full();
    heap.mutate(|_, root| {
        assert_eq!(root.map.len(), 1, "the dead string key's entry is gone");
        assert!(root.map.contains_by_key(&root.keep[0]));
    });
    heap.mutate_root(|_, root| root.keep.clear());
    heap.collect_full();
    assert_eq!(
        heap.mutate(|_, root| root.map.len()),
        0,
        "a value that refers to its key does not keep it alive (ephemeron)"
    );
}

#[test]
fn young_keys_die_in_a_minor_gc() {
    let mut heap = heap();
    heap.mutate(|m, root| {
        let key = string(m, "short-lived");
        root.map.insert_by_key(m, &key, Value::Int(1)).unwrap();
    });
    heap.collect_minor();
    assert_eq!(heap.mutate(|_, root| root.map.len()), 0);
}

#[test]
fn one_queue_hands_back_every_kind_of_value() {
    let mut heap = heap();
    heap.mutate_root(|m, root| {
        // The pair's car is a string only the pair reaches.
        let p = pair(m, string(m, "inner"), Value::Int(7));
        root.keep.push(p);
        root.queue.register_key(m, p).unwrap();
        root.queue
            .register_key(m, string(m, "young garbage"))
            .unwrap();
        assert_eq!(root.queue.watched_len(), 2);
    });
    heap.collect_minor();
    heap.mutate(|m, root| {
        let taken = root.queue.take_key(m).expect("the dead string was queued");
        assert_eq!(
            text(taken),
            "young garbage",
            "handed back whole and readable"
        );
        assert!(root.queue.take_key(m).is_none());
        assert_eq!(
            root.queue.watched_len(),
            1,
            "the reachable pair is still watched"
        );
    });
    heap.collect_full(); // the pair is old now, and its key was rewritten twice
    heap.mutate_root(|_, root| root.keep.clear());
    heap.collect_minor();
    assert_eq!(
        heap.mutate(|_, root| root.queue.ready_len()),
        0,
        "minor GCs keep old objects"
    );
    heap.collect_full();
    heap.mutate_root(|m, root| {
        let taken = root.queue.take_key(m).expect("the dead pair was queued");
        assert_eq!(
            text(taken),
            "(inner . 7)",
            "resurrected with what it reaches"
        );
        assert!(matches!(taken, Value::Pair(_)));
        assert_eq!(root.queue.watched_len(), 0, "once per registration");
    });
    let live_before = heap.stats().live_objects;
    heap.collect_full();
    assert!(
        heap.stats().live_objects < live_before,
        "once taken and dropped, the pair and its string are freed"
    );
}

/// A key holding two objects, watched by the first: if the second dies
/// first, the registration is dropped (it could never be handed back whole).
#[test]
fn a_key_whose_other_pointer_dies_is_dropped() {
    #[derive(Copy, Clone, Trace)]
    struct Both<'gc> {
        watched: Gc<'gc, u32>,
        other: Gc<'gc, u32>,
    }
    impl<'gc> WeakKey<'gc> for Both<'gc> {
        fn weak_key(&self) -> Option<GcKey<'gc>> {
            Some(GcKey::new(self.watched))
        }
    }
    #[derive(Trace)]
    struct BothRoot<'gc> {
        keep: Option<Gc<'gc, u32>>,
        queue: FinalizationQueue<'gc, Both<'gc>>,
    }
    let mut heap = Heap::<Rootable!['gc => BothRoot<'gc>]>::new(|m| BothRoot {
        keep: None,
        queue: FinalizationQueue::new(m),
    });
    heap.mutate_root(|m, root| {
        let watched = Gc::new(m, 1);
        root.keep = Some(watched);
        let other = Gc::new(m, 2);
        root.queue.register_key(m, Both { watched, other }).unwrap();
    });
    heap.collect_minor();
    heap.mutate(|m, root| {
        assert_eq!(root.queue.watched_len(), 0, "dropped: `other` died");
        assert!(root.queue.take_key(m).is_none());
        assert_eq!(*root.keep.unwrap(), 1);
    });
    heap.verify().expect("no slot points at a freed object");
}

/// `Gc`, `GcKey` and `Option` are weak keys too; a typed queue of `Gc`s
/// still works beside keyed registrations of the same queue.
#[test]
fn gc_and_option_keys() {
    #[derive(Trace)]
    struct GcRoot<'gc> {
        queue: FinalizationQueue<'gc, Option<Gc<'gc, u32>>>,
        map: GcWeakMap<'gc, GcKey<'gc>, u32>,
        keep: Vec<Gc<'gc, u32>>,
    }
    let mut heap = Heap::<Rootable!['gc => GcRoot<'gc>]>::new(|m| GcRoot {
        queue: FinalizationQueue::new(m),
        map: GcWeakMap::new(m),
        keep: Vec::new(),
    });
    heap.mutate_root(|m, root| {
        assert!(root.queue.register_key(m, None).is_err());
        root.queue.register_key(m, Some(Gc::new(m, 5))).unwrap();
        let kept = Gc::new(m, 6);
        root.keep.push(kept);
        root.map.insert_by_key(m, &GcKey::new(kept), 60).unwrap();
        assert_eq!(Some(GcKey::new(kept)).weak_key(), Some(GcKey::new(kept)));
    });
    heap.collect_minor();
    heap.mutate(|m, root| {
        let taken = root.queue.take_key(m).expect("queued");
        assert_eq!(taken.map(|g| *g), Some(5));
        assert_eq!(root.map.get_by_key(&GcKey::new(root.keep[0])), Some(60));
    });
}

/// Registrations and insertions made while an incremental cycle is marking,
/// with old keys and young keys, are settled by mark termination.
#[test]
fn keys_registered_while_marking() {
    let mut heap = heap();
    heap.mutate_root(|m, root| {
        root.keep.push(string(m, "old, kept"));
        root.keep.push(string(m, "old, dropped"));
    });
    heap.collect_full(); // the two strings, the map and the queue are old
    heap.start_marking();
    heap.mark_step(1);
    heap.mutate_root(|m, root| {
        let (kept, dropped) = (root.keep[0], root.keep[1]);
        root.map
            .insert_by_key(m, &kept, string(m, "young value"))
            .unwrap();
        root.map.insert_by_key(m, &dropped, Value::Int(0)).unwrap();
        root.queue.register_key(m, dropped).unwrap();
        root.queue.register_key(m, kept).unwrap();
        root.keep.truncate(1);
    });
    heap.collect_minor(); // moves the young value while marking
    heap.mark_step(1);
    heap.finish_marking();
    while heap.sweep_step(64) {}
    heap.verify().expect("the heap is sound");
    heap.mutate(|_, root| {
        let kept = root.keep[0];
        let value = root
            .map
            .get_by_key(&kept)
            .expect("a live key keeps its entry");
        assert_eq!(
            text(value),
            "young value",
            "the ephemeron value was traced and moved"
        );
    });
    // The dropped string was shaded by the cycle's root scan (floating
    // garbage); the next cycle finds it dead and resurrects it into the
    // queue. As for every weak reference, its map entry stays until the
    // object is really freed.
    heap.collect_full();
    heap.mutate(|m, root| {
        let taken = root
            .queue
            .take_key(m)
            .expect("the dropped string was queued");
        assert_eq!(text(taken), "old, dropped");
        assert!(root.map.contains_by_key(&taken), "resurrected: still a key");
        assert_eq!(
            root.queue.watched_len(),
            1,
            "the kept string is still watched"
        );
    });
}

/// Many keys of both kinds, dropped a few at a time under every kind of
/// collection, with the verifier on: each dropped key comes back exactly
/// once, never one still reachable, and live keys keep their map entries.
#[test]
fn every_dropped_key_comes_back_once() {
    let n: i64 = if cfg!(miri) { 12 } else { 120 };
    let mut heap = heap();
    heap.mutate_root(|m, root| {
        for i in 0..n {
            let key = if i % 2 == 0 {
                string(m, &i.to_string())
            } else {
                pair(m, Value::Int(i), string(m, "tail"))
            };
            root.keep.push(key);
            root.queue.register_key(m, key).unwrap();
            root.map.insert_by_key(m, &key, Value::Int(i)).unwrap();
        }
    });
    let id = |value: Value<'_>| match value {
        Value::Str(s) => s.parse::<i64>().unwrap(),
        Value::Pair(p) => match p.car.get() {
            Value::Int(i) => i,
            _ => unreachable!(),
        },
        Value::Int(_) => unreachable!(),
    };
    let mut dropped = Vec::new();
    let mut taken = Vec::new();
    for round in 0..n / 3 {
        heap.mutate_root(|_, root| {
            let index = (round as usize * 7) % root.keep.len();
            dropped.push(id(root.keep.swap_remove(index)));
        });
        match round % 3 {
            0 => heap.collect_minor(),
            1 => heap.collect_full(),
            _ => {
                heap.start_marking();
                heap.collect_minor();
                heap.finish_marking();
            }
        }
        heap.mutate(|m, root| {
            while let Some(key) = root.queue.take_key(m) {
                taken.push(id(key));
            }
            for &key in &root.keep {
                assert_eq!(root.map.get_by_key(&key).map(id_of_int), Some(id(key)));
            }
        });
    }
    heap.collect_full();
    heap.collect_full();
    heap.mutate(|m, root| {
        while let Some(key) = root.queue.take_key(m) {
            taken.push(id(key));
        }
        assert_eq!(root.queue.watched_len(), root.keep.len());
    });
    taken.sort_unstable();
    dropped.sort_unstable();
    assert_eq!(taken, dropped, "each dropped key once, and only those");
}

fn id_of_int(value: Value<'_>) -> i64 {
    match value {
        Value::Int(i) => i,
        _ => panic!("map values are numbers"),
    }
}
