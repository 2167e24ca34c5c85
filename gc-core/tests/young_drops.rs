//! Dead young objects that need `Drop` are dropped after the minor GC that
//! found them dead, in bounded `collect_debt` steps (issue 16, item 2): the
//! minor pause does not grow with them, each `Drop` still runs exactly once and
//! only once its object is unreachable, and the memory accounting is exact.

use std::cell::Cell;
use std::rc::Rc;

use gc_core::{Config, Gc, Heap, Rootable};
use gc_derive::Trace;

/// Counts the drops of the frame it sits in.
struct Counter(Rc<Cell<usize>>);

impl Drop for Counter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// A call frame: needs `Drop` (it owns a counter and a `Vec`).
#[derive(Trace)]
struct Frame {
    #[trace(skip)]
    _counter: Counter,
    #[trace(skip)]
    locals: Vec<u64>,
}

type R = Rootable!['gc => Vec<Gc<'gc, Frame>>];

const EDEN: usize = 64 << 10;
/// Dead frames per Eden: well past the 256 a minor GC drops in its pause.
const DEAD: usize = if cfg!(miri) { 300 } else { 1000 };
const KEPT: usize = 20;

fn heap() -> Heap<R> {
    let config = Config::builder()
        .eden_size(EDEN)
        .survivor_ratio(1)
        .minor_pause_target(None)
        .build()
        .expect("valid config");
    Heap::<R>::with_config(config, |_| Vec::new()).expect("valid heap")
}

/// Allocates `DEAD` frames left unreachable and `KEPT` kept in the root,
/// then fills Eden with plain objects so the next safe point runs a minor GC.
fn fill_eden(heap: &mut Heap<R>, drops: &Rc<Cell<usize>>) {
    heap.mutate_root(|m, root| {
        for i in 0..DEAD + KEPT {
            let frame = Gc::new(
                m,
                Frame {
                    _counter: Counter(drops.clone()),
                    locals: vec![i as u64; 2],
                },
            );
            if i % (DEAD / KEPT + 1) == 0 && root.len() < KEPT {
                root.push(frame);
            }
        }
        for i in 0..EDEN / 64 {
            Gc::new(m, [i as u64; 6]);
        }
    });
}

#[test]
fn dead_frames_are_dropped_after_the_pause_in_steps_exactly_once() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = heap();
    fill_eden(&mut heap, &drops);
    let kept = heap.mutate_root(|_, root| root.len());
    let dead = DEAD + KEPT - kept;
    heap.collect_debt();
    let stats = heap.stats();
    assert_eq!(stats.minor_collections, 1);
    assert_eq!(drops.get(), 0, "the minor GC dropped frames in its pause");
    assert_eq!(stats.last_minor.dropped_objects, 0);
    assert_eq!(stats.last_minor.deferred_drops, DEAD + KEPT);
    assert_eq!(stats.pending_drops, DEAD + KEPT);
    assert!(stats.pending_drop_bytes > 0);
    assert!(stats.committed_bytes >= stats.pending_drop_bytes + stats.eden_capacity);
    // The kept frames were evacuated intact.
    heap.mutate_root(|_, root| {
        assert!(root.iter().all(|frame| frame.locals.len() == 2));
    });
    heap.verify().expect("heap verifies with drops pending");
    // The next safe points drop the dead frames; none is dropped twice.
    // Each step makes progress. (How many steps it takes is not checked: a
    // step is bounded in time as well, 250 us, so a slow machine, or Miri,
    // takes more of them; the pacing is unit-tested in `pacer::young`.)
    while heap.stats().pending_drops > 0 {
        let before = heap.stats().pending_drops;
        heap.collect_debt();
        assert!(
            heap.stats().pending_drops < before,
            "a drop step made no progress"
        );
    }
    let stats = heap.stats();
    assert_eq!(drops.get(), dead);
    assert_eq!(stats.deferred_drops, dead as u64);
    assert_eq!(stats.pending_drop_bytes, 0);
    assert_eq!(stats.minor_collections, 1, "no further minor GC ran");
    heap.collect_full();
    assert_eq!(drops.get(), dead, "a frame was dropped twice");
    // The kept frames die only when unreachable, then once each.
    heap.mutate_root(|_, root| root.clear());
    heap.collect_full();
    assert_eq!(drops.get(), DEAD + KEPT);
    drop(heap);
    assert_eq!(drops.get(), DEAD + KEPT);
}

#[test]
fn a_collection_by_hand_returns_with_the_drops_done() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = heap();
    fill_eden(&mut heap, &drops);
    let kept = heap.mutate_root(|_, root| root.len());
    heap.collect_minor();
    let stats = heap.stats();
    assert_eq!(stats.pending_drops, 0);
    assert_eq!(drops.get(), DEAD + KEPT - kept);
    assert_eq!(stats.last_minor.deferred_drops, DEAD + KEPT);
}

#[test]
fn dropping_the_heap_drops_what_is_pending() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = heap();
    fill_eden(&mut heap, &drops);
    heap.collect_debt();
    assert!(heap.stats().pending_drops > 0);
    assert_eq!(drops.get(), 0);
    drop(heap);
    assert_eq!(drops.get(), DEAD + KEPT);
}

#[test]
fn survivors_dying_later_are_dropped_from_the_retired_from_space() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = heap();
    // Many frames survive one minor GC into the survivor space, then die.
    heap.mutate_root(|m, root| {
        for i in 0..DEAD {
            let counter = Counter(drops.clone());
            root.push(Gc::new(
                m,
                Frame {
                    _counter: counter,
                    locals: vec![i as u64],
                },
            ));
        }
    });
    heap.collect_minor();
    assert_eq!(
        heap.stats().survivor_bytes,
        DEAD * heap.stats().survivor_bytes / DEAD
    );
    heap.mutate_root(|_, root| root.clear());
    fill_eden(&mut heap, &Rc::new(Cell::new(0)));
    heap.collect_debt();
    assert_eq!(drops.get(), 0);
    assert!(heap.stats().pending_drops >= DEAD);
    while heap.stats().pending_drops > 0 {
        heap.collect_debt();
    }
    assert_eq!(drops.get(), DEAD);
    heap.verify().expect("heap verifies");
}
