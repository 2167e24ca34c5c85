//! The teaching scenario: a small program that takes the collector through
//! every phase while the recorder watches. Shared by the `teach` example and
//! the browser test (`tests/record_page.rs`), so the test checks the page a
//! learner sees.

use tenure::{
    unlock, Config, FinalizationQueue, Gc, GcWeak, Heap, Lock, ObjectDetail, RecordOptions,
    Recording, Rootable, Trace,
};

/// A list or cycle node.
#[derive(Trace)]
pub struct Node<'gc> {
    /// A label, to tell nodes apart in the page's tooltips.
    pub value: u32,
    /// The next node.
    pub next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

/// Short-lived filler: enough bytes to fill Eden quickly.
#[derive(Trace)]
pub struct Filler {
    /// Padding.
    pub bytes: [u64; 24],
}

/// Data the paced run keeps for a while: big enough that a few dozen of them
/// reach the pacer's trigger.
#[derive(Trace)]
pub struct Blob {
    /// A label.
    pub value: u32,
    /// Padding.
    pub bytes: [u64; 60],
}

/// The program's root.
#[derive(Trace)]
pub struct Root<'gc> {
    /// Chapter 1: a list that grows old.
    pub list: Option<Gc<'gc, Node<'gc>>>,
    /// Chapter 2: a cycle, dropped later so that it dies.
    pub cycle: Option<Gc<'gc, Node<'gc>>>,
    /// Chapter 4: the target of a weak reference, held strongly until dropped.
    pub weak_target: Option<Gc<'gc, Node<'gc>>>,
    /// Chapter 4: the weak reference.
    pub weak: Option<GcWeak<'gc, Node<'gc>>>,
    /// Chapter 5: the finalization queue watching `doomed`.
    pub queue: FinalizationQueue<'gc, Node<'gc>>,
    /// Chapter 5: an object to finalize, held strongly until dropped.
    pub doomed: Option<Gc<'gc, Node<'gc>>>,
    /// Chapter 5: where the finalizer stores the object it resurrects.
    pub resurrected: Option<Gc<'gc, Node<'gc>>>,
    /// Chapter 7: data the paced run keeps.
    pub kept: Vec<Gc<'gc, Blob>>,
}

/// The scenario's chapters: a name and the first event of each.
pub type Chapters = Vec<(&'static str, usize)>;

type TeachHeap = Heap<Rootable!['gc => Root<'gc>]>;

fn node<'gc>(m: &'gc tenure::Mutation<'gc>, value: u32) -> Gc<'gc, Node<'gc>> {
    Gc::new(
        m,
        Node {
            value,
            next: Lock::new(None),
        },
    )
}

/// Allocates `n` short-lived fillers (garbage as soon as the call returns).
fn churn(heap: &TeachHeap, n: usize) {
    heap.mutate(|m, _| {
        for _ in 0..n {
            Gc::new(m, Filler { bytes: [0; 24] });
        }
    });
}

fn mark(chapters: &mut Chapters, heap: &TeachHeap, name: &'static str) {
    let at = heap.recording().map_or(0, |r| r.events.len());
    chapters.push((name, at));
}

/// Runs the scenario and returns its recording and chapters.
pub fn run() -> (Recording, Chapters) {
    let config = Config::from_env_str("eden=64KiB,tenuring=3,min_heap=64KiB,gc_percent=100")
        .expect("the scenario's configuration is valid");
    let mut heap = TeachHeap::with_config(config, |m| Root {
        list: None,
        cycle: None,
        weak_target: None,
        weak: None,
        queue: FinalizationQueue::new(m),
        doomed: None,
        resurrected: None,
        kept: Vec::new(),
    })
    .expect("valid configuration");
    heap.start_recording(RecordOptions {
        objects: ObjectDetail::Always,
        ..RecordOptions::default()
    });
    let mut chapters = Chapters::new();

    mark(
        &mut chapters,
        &heap,
        "allocation: a list, a cycle, a weak target and a finalizable object in Eden",
    );
    heap.mutate_root(|m, root| {
        let mut head = None;
        for value in (1..=5).rev() {
            let n = Gc::new(
                m,
                Node {
                    value,
                    next: Lock::new(head),
                },
            );
            head = Some(n);
        }
        root.list = head;
        let a = node(m, 100);
        let b = node(m, 101);
        unlock!(Gc::write(m, a), Node, next).set(Some(b));
        unlock!(Gc::write(m, b), Node, next).set(Some(a));
        root.cycle = Some(a);
        let target = node(m, 200);
        root.weak = Some(Gc::downgrade(m, target));
        root.weak_target = Some(target);
        let doomed = node(m, 300);
        root.queue.register(m, doomed);
        root.doomed = Some(doomed);
    });
    heap.collect_debt();

    mark(
        &mut chapters,
        &heap,
        "minor GCs: survivors are copied and age; once older than the tenuring threshold (3) they are promoted",
    );
    for _ in 0..4 {
        churn(&heap, 20);
        heap.collect_debt();
        heap.collect_minor();
    }

    mark(
        &mut chapters,
        &heap,
        "the write barrier: an old node points at a young one (remembered)",
    );
    heap.mutate(|m, root| {
        let young = node(m, 6);
        let mut tail = root.list.expect("the list");
        while let Some(next) = tail.next.get() {
            tail = next;
        }
        unlock!(Gc::write(m, tail), Node, next).set(Some(young));
    });
    heap.collect_debt();
    churn(&heap, 10);
    heap.collect_minor();

    mark(&mut chapters, &heap, "garbage: the cycle, the weak target and the finalizable object lose their last strong references");
    heap.mutate_root(|_, root| {
        root.cycle = None;
        root.weak_target = None;
        root.doomed = None;
    });
    heap.collect_debt();

    mark(
        &mut chapters,
        &heap,
        "marking: roots shaded, then the gray wave crosses the old generation",
    );
    heap.start_marking();
    while heap.mark_step(48) > 0 {}
    mark(
        &mut chapters,
        &heap,
        "mark termination: weak reference cleared, finalizable object resurrected",
    );
    heap.finish_marking();
    mark(&mut chapters, &heap, "sweeping: white cells freed in steps");
    while !heap.sweep_step(2) {}

    mark(
        &mut chapters,
        &heap,
        "finalization: the program takes the resurrected object and keeps it",
    );
    heap.mutate_root(|m, root| {
        assert!(
            root.weak.and_then(|w| w.upgrade(m)).is_none(),
            "the weak reference was cleared"
        );
        root.resurrected = root.queue.take(m);
    });
    heap.collect_debt();

    mark(
        &mut chapters,
        &heap,
        "pacing: the program allocates; the pacer starts cycles and sizes their steps",
    );
    for round in 0..120u32 {
        churn(&heap, 24);
        heap.mutate_root(|m, root| {
            for k in 0..3 {
                let value = 1000 + round * 3 + k;
                root.kept.push(Gc::new(
                    m,
                    Blob {
                        value,
                        bytes: [0; 60],
                    },
                ));
            }
            if root.kept.len() > 150 {
                root.kept.drain(..50);
            }
        });
        heap.collect_debt();
    }
    let mut recording = heap.stop_recording().expect("recording was started");
    recording.title = String::from("tenure: the teaching scenario");
    (recording, chapters)
}
