//! Panics in user code that the collector runs: regression tests for the two bugs of
//! issue 10, and one case per rule of the policy (docs/embedding.md, "Panics").
//!
//! - A `Drop` that panicked while the old space was swept unwound before the cell was
//!   marked free; the next sweep step ran the same drop glue again (a double free of the
//!   `Box` beside the panicking field).
//! - A `Drop` that panicked during a minor GC unwound before the remembered set was
//!   replaced, Eden reset and the survivor spaces flipped: the live copies sat in a
//!   to-space the heap did not treat as live.
//! - A panicking cycle callback, a panicking drop of the heap's root, a heap dropped
//!   while another panic unwinds, and a `Trace` impl that panics (the heap is poisoned).
//!
//! Declared as tests by [`panic_safety_tests!`](crate::panic_safety_tests) in
//! `tests/panic_safety.rs` (the facade) and `gc-core/tests/panic_safety_miri.rs`.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use crate::gc::config::Config;
use crate::gc::{Gc, Heap, Lock, RefLock, Rootable, Trace, Tracer};

/// The panic message every bomb uses.
pub(crate) const BOOM: &str = "bomb went off in Drop";

/// Panics in `Drop`, after counting the drop.
pub(crate) struct Bomb(pub(crate) Rc<Cell<usize>>);

impl Drop for Bomb {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
        panic!("{BOOM}");
    }
}

/// A traced type whose drop glue panics halfway: the bomb, then the `Box` (which the
/// drop glue still frees while unwinding, so a second drop is a double free).
#[derive(Trace)]
pub(crate) struct Holder {
    #[trace(skip)]
    _bomb: Bomb,
    #[trace(skip)]
    boxed: Box<u64>,
}

#[derive(Trace)]
struct Node<'gc> {
    value: u64,
    #[trace(skip)]
    boxed: Box<u64>,
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

#[derive(Trace)]
struct Slots<'gc> {
    holders: RefLock<Vec<Gc<'gc, Holder>>>,
    old: Option<Gc<'gc, Node<'gc>>>,
}

type SlotsHeap = Heap<Rootable!['gc => Slots<'gc>]>;

fn config(generational: bool) -> Config {
    Config::builder()
        .generational(generational)
        .eden_size(64 * 1024)
        .verify(true)
        .build()
        .expect("valid config")
}

/// Silences the panic messages these tests provoke on purpose (the bombs', the tripwire's),
/// so that a real failure stands out; every other panic is reported as usual.
pub(crate) fn quiet_expected_panics() {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = message(info.payload());
            let expected = [
                "bomb went off",
                "injected drop panic",
                "Trace impl panicked",
            ];
            if !expected.iter().any(|quiet| text.contains(quiet)) {
                report(info);
            }
        }));
    });
}

/// The message of a caught panic.
pub(crate) fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "<non-string panic>".to_string()
    }
}

/// Runs `f`, expecting it to panic with the bomb's message.
fn expect_boom(f: impl FnOnce()) {
    quiet_expected_panics();
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("a bomb should have gone off");
    assert_eq!(message(&*payload), BOOM);
}

fn holder(drops: &Rc<Cell<usize>>) -> Holder {
    Holder {
        _bomb: Bomb(drops.clone()),
        boxed: Box::new(7),
    }
}

// ---------------------------------------------------------------------------------------
// Bug 1: a panicking Drop during sweeping, then the next sweep step.

/// A `Drop` that panics while a full collection sweeps runs once: the cell is free before the panic resumes.
pub fn drop_panicking_during_sweep_runs_once() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = SlotsHeap::with_config(config(false), |m| Slots {
        holders: RefLock::new(vec![Gc::new(m, holder(&drops))]),
        old: None,
    })
    .unwrap();
    heap.mutate_root(|_, root| {
        let holder = root.holders.get_mut()[0];
        assert_eq!(*holder.boxed, 7);
        root.holders.get_mut().clear();
    });
    expect_boom(|| heap.collect_full());
    assert_eq!(drops.get(), 1);
    // The sweep went on past the panic: nothing is left to drop twice.
    heap.collect_full();
    heap.sweep_step(usize::MAX);
    assert_eq!(drops.get(), 1, "the panicking object was dropped twice");
    heap.verify().expect("heap verifies after the panic");
    drop(heap);
    assert_eq!(drops.get(), 1);
}

/// A `Drop` that panics inside one incremental sweep step runs once, and the next steps go on.
pub fn drop_panicking_during_incremental_sweep_step_runs_once() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = SlotsHeap::with_config(config(false), |m| Slots {
        holders: RefLock::new((0..3).map(|_| Gc::new(m, holder(&drops))).collect()),
        old: None,
    })
    .unwrap();
    heap.mutate_root(|_, root| root.holders.get_mut().clear());
    heap.start_marking();
    heap.mark_step(usize::MAX);
    heap.finish_marking();
    // Each panicking drop is caught; the step finishes and resumes the first panic.
    expect_boom(|| {
        heap.sweep_step(usize::MAX);
    });
    assert_eq!(drops.get(), 3);
    assert!(heap.sweep_step(usize::MAX));
    heap.collect_full();
    assert_eq!(drops.get(), 3);
    heap.verify().expect("heap verifies after the panic");
}

// ---------------------------------------------------------------------------------------
// Bug 2: a panicking Drop during a minor GC, then the heap.

/// A `Drop` that panics during a minor GC leaves Eden reset, the survivor spaces flipped and the heap verifiable.
pub fn drop_panicking_during_minor_gc_leaves_heap_consistent() {
    let drops = Rc::new(Cell::new(0));
    let mut heap = SlotsHeap::with_config(config(true), |m| Slots {
        holders: RefLock::new(Vec::new()),
        old: Some(Gc::new(
            m,
            Node {
                value: 1,
                boxed: Box::new(1),
                next: Lock::new(None),
            },
        )),
    })
    .unwrap();
    // Promote the root's node, then give it a young child (remembered, I2) and let a
    // young holder die next to it.
    heap.collect_full();
    heap.mutate(|m, root| {
        let old = root.old.unwrap();
        let young = Gc::new(
            m,
            Node {
                value: 2,
                boxed: Box::new(2),
                next: Lock::new(None),
            },
        );
        write_next(m, old, young);
        let _dead = Gc::new(m, holder(&drops));
    });
    expect_boom(|| heap.collect_minor());
    assert_eq!(drops.get(), 1);
    heap.verify().expect("heap verifies after the panic");
    let read = |heap: &SlotsHeap| {
        heap.mutate(|_, root| {
            let old = root.old.unwrap();
            let young = old.next.get().expect("the young child survived");
            (old.value, *old.boxed, young.value, *young.boxed)
        })
    };
    assert_eq!(read(&heap), (1, 1, 2, 2));
    // The next minor GC finds the remembered set and the survivor spaces intact.
    heap.collect_minor();
    heap.verify()
        .expect("heap verifies after the next minor GC");
    assert_eq!(read(&heap), (1, 1, 2, 2));
    heap.collect_full();
    assert_eq!(read(&heap), (1, 1, 2, 2));
    assert_eq!(drops.get(), 1);
}

/// Stores `young` into `old.next` through the write barrier.
fn write_next<'gc>(
    m: &crate::gc::Mutation<'gc>,
    old: Gc<'gc, Node<'gc>>,
    young: Gc<'gc, Node<'gc>>,
) {
    crate::gc::unlock!(Gc::write(m, old), Node<'gc>, next).set(Some(young));
}

// ---------------------------------------------------------------------------------------
// The rest of the policy.

/// A panicking cycle callback is resumed only after the collection has finished its bookkeeping.
pub fn cycle_callback_panic_is_resumed_after_the_collection() {
    let mut heap = SlotsHeap::with_config(config(true), |m| Slots {
        holders: RefLock::new(Vec::new()),
        old: Some(Gc::new(
            m,
            Node {
                value: 3,
                boxed: Box::new(3),
                next: Lock::new(None),
            },
        )),
    })
    .unwrap();
    let calls = Rc::new(Cell::new(0));
    let seen = calls.clone();
    heap.on_cycle(move |_| {
        seen.set(seen.get() + 1);
        panic!("{BOOM}");
    });
    expect_boom(|| heap.collect_full());
    assert_eq!(calls.get(), 1);
    // The full collection ran to its end (swept, idle) before the panic was resumed.
    assert_eq!(heap.phase(), crate::gc::Phase::Idle);
    heap.verify().expect("heap verifies after the panic");
    expect_boom(|| heap.collect_full());
    assert_eq!(heap.mutate(|_, root| root.old.unwrap().value), 3);
}

#[derive(Trace)]
struct BombRoot<'gc> {
    #[trace(skip)]
    _bomb: Option<Bomb>,
    holders: RefLock<Vec<Gc<'gc, Holder>>>,
}

type BombHeap = Heap<Rootable!['gc => BombRoot<'gc>]>;

/// Dropping a heap whose objects panic in `Drop` still drops every object exactly once.
pub fn dropping_the_heap_drops_every_object_once_despite_panics() {
    let drops = Rc::new(Cell::new(0));
    let heap = BombHeap::with_config(config(true), |m| BombRoot {
        _bomb: Some(Bomb(drops.clone())),
        holders: RefLock::new((0..4).map(|_| Gc::new(m, holder(&drops))).collect()),
    })
    .unwrap();
    expect_boom(move || drop(heap));
    assert_eq!(drops.get(), 5, "the root's bomb and four holders");
}

/// A heap dropped while another panic unwinds does not abort the process.
pub fn heap_dropped_while_unwinding_does_not_abort() {
    let drops = Rc::new(Cell::new(0));
    quiet_expected_panics();
    let outer = catch_unwind(AssertUnwindSafe(|| {
        let mut heap = BombHeap::with_config(config(true), |m| BombRoot {
            _bomb: None,
            holders: RefLock::new((0..3).map(|_| Gc::new(m, holder(&drops))).collect()),
        })
        .unwrap();
        heap.collect_minor();
        panic!("outer panic");
    }))
    .expect_err("the outer panic");
    // The objects' panics were caught and discarded: the outer panic is the one seen.
    assert_eq!(message(&*outer), "outer panic");
    assert_eq!(drops.get(), 3);
}

thread_local! {
    /// Set while `Tripwire::trace` should panic.
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

/// A traced type whose `Trace` impl panics while `ARMED` is set: a broken contract. It
/// owns no memory, so leaking it (what a poisoned heap does) leaks nothing.
struct Tripwire;

// SAFETY: holds no `Gc`; the panic is the point of the test.
unsafe impl Trace for Tripwire {
    fn trace(&mut self, _tracer: &mut Tracer) {
        if ARMED.with(Cell::get) {
            panic!("Trace impl panicked");
        }
    }
}

#[derive(Trace)]
struct TripRoot<'gc> {
    wires: RefLock<Vec<Gc<'gc, Tripwire>>>,
}

type TripHeap = Heap<Rootable!['gc => TripRoot<'gc>]>;

/// Runs `f`, expecting the panic of a poisoned heap.
fn expect_poisoned(f: impl FnOnce()) {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("a poisoned heap panics");
    let text = message(&*payload);
    assert!(text.contains("poisoned"), "unexpected panic: {text}");
}

/// A `Trace` impl that panics poisons the heap: later use panics with a message naming it.
pub fn trace_panic_poisons_the_heap() {
    let mut heap = TripHeap::with_config(config(true), |m| TripRoot {
        wires: RefLock::new(vec![Gc::new(m, Tripwire)]),
    })
    .unwrap();
    heap.collect_minor();
    quiet_expected_panics();
    ARMED.with(|armed| armed.set(true));
    let payload = catch_unwind(AssertUnwindSafe(|| heap.collect_minor())).unwrap_err();
    ARMED.with(|armed| armed.set(false));
    assert_eq!(message(&*payload), "Trace impl panicked");
    // Every later use panics with a clear message instead of touching the heap.
    expect_poisoned(|| {
        heap.mutate(|_, root| root.wires.borrow().len());
    });
    expect_poisoned(|| heap.collect_full());
    expect_poisoned(|| {
        let _ = heap.verify();
    });
    // Stats stay readable, and dropping the heap leaks the managed values safely.
    assert_eq!(heap.stats().minor_collections, 1);
    drop(heap);
}
