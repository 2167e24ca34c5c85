//! "Why is this alive" and heap dumps: the shortest strong path with field
//! names, none for garbage or weakly held objects, and JSON lines / DOT that
//! list every object once.

use gc_core::{Gc, GcWeak, Heap, Lock, PathStart, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Node<'gc> {
    value: u32,
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

#[derive(Trace)]
struct Root<'gc> {
    short: Option<Gc<'gc, Node<'gc>>>,
    long: Option<Gc<'gc, Node<'gc>>>,
    weak: Option<GcWeak<'gc, Node<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

fn node<'gc>(
    m: &gc_core::Mutation<'gc>,
    value: u32,
    next: Option<Gc<'gc, Node<'gc>>>,
) -> Gc<'gc, Node<'gc>> {
    Gc::new(
        m,
        Node {
            value,
            next: Lock::new(next),
        },
    )
}

/// root.long -> a -> b -> target and root.short -> c -> target.
fn build() -> (Heap<R>, u64) {
    let mut target_id = 0;
    let heap = Heap::new(|m| {
        let target = node(m, 0, None);
        target_id = u64::from(Gc::identity_hash(target));
        let b = node(m, 1, Some(target));
        let a = node(m, 2, Some(b));
        let c = node(m, 3, Some(target));
        Root {
            short: Some(c),
            long: Some(a),
            weak: None,
        }
    });
    (heap, target_id)
}

#[test]
fn the_shortest_path_names_each_field() {
    let (mut heap, target) = build();
    heap.collect_minor();
    let path = heap.retaining_path_to(target).expect("reachable");
    assert_eq!(path.start, PathStart::Root);
    let fields: Vec<_> = path.steps.iter().map(|s| s.field).collect();
    assert_eq!(fields, [Some("short"), Some("next")]);
    assert_eq!(path.steps.last().unwrap().id, target);
    assert!(path.steps.iter().all(|s| s.type_name.ends_with("Node<'_>")));
    let text = path.to_string();
    assert!(text.starts_with("root\n  .short -> "), "{text}");
}

#[test]
fn garbage_and_weakly_held_objects_have_no_path() {
    let (mut heap, target) = build();
    let stashed = heap.mutate_root(|m, root| {
        root.short = None;
        root.long = None;
        let lone = node(m, 9, None);
        root.weak = Some(Gc::downgrade(m, lone));
        m.stash::<Rootable!['gc => Node<'gc>]>(lone)
    });
    assert_eq!(heap.retaining_path_to(target), None, "garbage");
    assert_eq!(
        heap.retaining_path(&stashed),
        None,
        "only the handle and a weak ref"
    );
    let other = heap.mutate(|m, _| {
        let again = m.fetch(&stashed);
        m.stash::<Rootable!['gc => Node<'gc>]>(again)
    });
    let path = heap.retaining_path(&stashed).expect("the second handle");
    assert_eq!(path.start, PathStart::Stash { slot: other.slot() });
    assert_eq!(path.steps.len(), 1);
}

#[test]
fn json_lines_and_dot_list_every_object() {
    let (mut heap, _) = build();
    let mut json = Vec::new();
    heap.write_heap_dump(&mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    let lines: Vec<&str> = json.lines().collect();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("{\"kind\":\"object\""))
            .count(),
        4
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("{\"kind\":\"root\""))
            .count(),
        2
    );
    assert!(lines[0].contains("\"field\":\"short\""), "{}", lines[0]);
    assert!(json.contains("\"space\":\"eden\""));
    assert!(json.contains("\"field\":\"next\",\"edge\":\"strong\""));
    let mut dot = Vec::new();
    heap.write_heap_dot(&mut dot, 2).unwrap();
    let dot = String::from_utf8(dot).unwrap();
    assert!(dot.starts_with("digraph heap {"));
    assert!(dot.trim_end().ends_with('}'));
    assert_eq!(dot.matches("[label=\"Node").count(), 2, "{dot}");
    assert!(dot.contains("// stopped after 2 objects"));
}
