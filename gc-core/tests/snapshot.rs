//! Heap snapshots: every reachable object once, with its type, space, size,
//! edges and field names, the root's edges and the stash entries; ids that
//! survive moves.

use gc_core::{
    EdgeKind, Gc, GcWeak, Heap, HeapSnapshot, Lock, ObjectColour, ObjectSpace, Rootable,
};
use gc_derive::Trace;

#[derive(Trace)]
struct Node<'gc> {
    value: u32,
    next: Option<Gc<'gc, Node<'gc>>>,
    other: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

#[derive(Trace)]
enum Shape<'gc> {
    #[allow(dead_code)]
    Leaf,
    Pair(Gc<'gc, Node<'gc>>, Gc<'gc, Node<'gc>>),
}

#[derive(Trace)]
struct Root<'gc> {
    list: Option<Gc<'gc, Node<'gc>>>,
    shape: Gc<'gc, Shape<'gc>>,
    weak: Option<GcWeak<'gc, Node<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

const LEN: u32 = if cfg!(miri) { 5 } else { 50 };

fn build() -> Heap<R> {
    Heap::new(|m| {
        let mut list = None;
        for value in 0..LEN {
            list = Some(Gc::new(
                m,
                Node {
                    value,
                    next: list,
                    other: Lock::new(None),
                },
            ));
        }
        let leaf = || Node {
            value: 99,
            next: None,
            other: Lock::new(None),
        };
        let (a, b) = (Gc::new(m, leaf()), Gc::new(m, leaf()));
        Root {
            list,
            shape: Gc::new(m, Shape::Pair(a, b)),
            weak: None,
        }
    })
}

fn count(snapshot: &HeapSnapshot, suffix: &str) -> usize {
    let objects = snapshot.objects.iter();
    objects.filter(|o| o.type_name.ends_with(suffix)).count()
}

#[test]
fn a_snapshot_lists_every_object_with_named_edges() {
    let mut heap = build();
    let snapshot = heap.snapshot();
    let names: Vec<_> = snapshot.objects.iter().map(|o| o.type_name).collect();
    assert_eq!(
        count(&snapshot, "::Node<'_>"),
        LEN as usize + 2,
        "{names:?}"
    );
    assert_eq!(count(&snapshot, "::Shape<'_>"), 1);
    assert_eq!(snapshot.objects.len(), LEN as usize + 3);
    let fields: Vec<_> = snapshot.roots.iter().map(|e| e.field).collect();
    assert_eq!(fields, [Some("list"), Some("shape")]);
    let shape = snapshot
        .objects
        .iter()
        .find(|o| o.type_name.ends_with("::Shape<'_>"))
        .unwrap();
    let names: Vec<_> = shape.edges.iter().map(|e| e.field).collect();
    assert_eq!(names, [Some("Pair.0"), Some("Pair.1")]);
    let nodes = snapshot
        .objects
        .iter()
        .filter(|o| o.type_name.ends_with("::Node<'_>"));
    let with_next = nodes.filter(|o| o.edges.iter().any(|e| e.field == Some("next")));
    assert_eq!(
        with_next.count(),
        LEN as usize - 1,
        "all but the list's tail"
    );
    for object in &snapshot.objects {
        assert_eq!(object.space, ObjectSpace::Eden, "nothing collected yet");
        assert_eq!(object.age, 0);
        assert!(object.size >= 16, "the header is counted");
    }
    let mut ids: Vec<_> = snapshot.objects.iter().map(|o| o.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), snapshot.objects.len(), "ids are unique");
}

#[test]
fn ids_survive_moves_and_spaces_follow_the_object() {
    let mut heap = build();
    let before = heap.snapshot();
    heap.collect_minor();
    let after_minor = heap.snapshot();
    heap.collect_full();
    let after_full = heap.snapshot();
    let ids = |s: &HeapSnapshot| {
        let mut ids: Vec<_> = s.objects.iter().map(|o| o.id).collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(ids(&before), ids(&after_minor));
    assert_eq!(ids(&before), ids(&after_full));
    let young = after_minor.objects.iter();
    assert!(young
        .clone()
        .all(|o| o.space == ObjectSpace::Survivor || o.space == ObjectSpace::Old));
    assert!(young
        .clone()
        .any(|o| o.space == ObjectSpace::Survivor && o.age == 1));
    for object in &after_full.objects {
        assert_eq!(object.space, ObjectSpace::Old, "a full GC promotes");
        assert_eq!(object.colour, ObjectColour::White, "idle: all white");
    }
    // The same edges, object by object.
    let edges = |s: &HeapSnapshot| {
        let mut edges: Vec<_> = s
            .objects
            .iter()
            .flat_map(|o| o.edges.iter().map(move |e| (o.id, e.to, e.field)))
            .collect();
        edges.sort_unstable();
        edges
    };
    assert_eq!(edges(&before), edges(&after_full));
}

#[test]
fn stash_entries_and_weak_edges_are_listed() {
    let mut heap = build();
    let stashed = heap.mutate_root(|m, root| {
        let target = root.list.unwrap();
        root.weak = Some(Gc::downgrade(m, target));
        let lone = Gc::new(
            m,
            Node {
                value: 7,
                next: None,
                other: Lock::new(None),
            },
        );
        m.stash::<Rootable!['gc => Node<'gc>]>(lone)
    });
    let snapshot = heap.snapshot();
    assert_eq!(snapshot.stash.len(), 1);
    let lone = snapshot.stash[0].to;
    let record = snapshot.objects.iter().find(|o| o.id == lone).unwrap();
    assert!(record.edges.is_empty());
    let cell = snapshot
        .objects
        .iter()
        .find(|o| o.edges.iter().any(|e| e.kind == EdgeKind::Weak))
        .expect("the weak cell is an object with a weak edge");
    let head = snapshot.roots[0].to;
    assert_eq!(
        cell.edges,
        [gc_core::EdgeRecord {
            to: head,
            field: None,
            kind: EdgeKind::Weak
        }]
    );
    assert_eq!(snapshot.roots[2].field, Some("weak"));
    drop(stashed);
    assert!(heap.snapshot().stash.is_empty());
}
