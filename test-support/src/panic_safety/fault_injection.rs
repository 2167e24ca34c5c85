//! Fault injection: a `Drop` that panics on its N-th call, with N swept across every drop
//! a small model-test-like program performs.
//!
//! The program allocates nodes (a `Box` beside the probe, so a second drop is a double
//! free), links and unlinks them, keeps large objects, registers nodes with a
//! finalization queue, attaches ephemeron values to nodes, and collects in every way:
//! minor GCs, paced safe points, incremental marking with mutation between steps, sweep
//! steps, full collections, and finally dropping the heap. A dry run counts the drops;
//! then for each N the same program runs with the N-th drop panicking. Each collection
//! call is made under `catch_unwind`, and after every one:
//!
//! - the injected panic, if it came out, is the only panic of the run;
//! - the heap verifies clean (`Heap::verify`);
//! - nothing reachable from the root, nothing waiting in the finalization queue, no
//!   ephemeron value of a live key and nothing a resurrected node reaches was dropped;
//! - no object was dropped twice.
//!
//! When the heap has been dropped, every object ever allocated was dropped exactly once.
//! A last run makes every drop panic. Sizes shrink under Miri.

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::cases::{message, quiet_expected_panics};
use crate::gc::config::Config;
use crate::gc::{FinalizationQueue, Gc, GcWeakMap, Heap, Mutation, RefLock, Rootable, Trace};

/// The message of the injected panic.
const INJECTED: &str = "injected drop panic";

/// Rounds of the program (each a `mutate` and a few collection calls). Under Miri one
/// of each kind of collection call (rounds 0 to 5 of the schedule in `program`).
const ROUNDS: u32 = if cfg!(miri) { 6 } else { 24 };

/// Natively every N is tried. Under Miri, where one run of the program takes about ten
/// seconds and it drops 29 objects, every third N and the last (the heap's drop): ten
/// runs. `every_drop_panicking_still_drops_each_object_once` covers every drop there.
const STRIDE: usize = if cfg!(miri) { 3 } else { 1 };

/// Drops seen by the probes of the current run (one run per thread at a time).
#[derive(Default)]
struct Ledger {
    /// Drops of each probe, by id (ids are allocation order).
    drops: Vec<u32>,
    /// Probe drops so far in this run.
    calls: usize,
    /// The drop (1-based) that panics.
    panic_at: Option<usize>,
    /// Every drop panics.
    every: bool,
}

thread_local! {
    static LEDGER: RefCell<Ledger> = RefCell::default();
}

fn drops_of(id: u32) -> u32 {
    LEDGER.with(|ledger| ledger.borrow().drops[id as usize])
}

/// Counts its drop under its id, then panics if this is the drop chosen to.
struct Probe(u32);

impl Probe {
    fn new() -> Probe {
        LEDGER.with(|ledger| {
            let mut ledger = ledger.borrow_mut();
            ledger.drops.push(0);
            Probe(ledger.drops.len() as u32 - 1)
        })
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let boom = LEDGER.with(|ledger| {
            let mut ledger = ledger.borrow_mut();
            ledger.drops[self.0 as usize] += 1;
            ledger.calls += 1;
            ledger.every || ledger.panic_at == Some(ledger.calls)
        });
        if boom {
            panic!("{INJECTED}");
        }
    }
}

#[derive(Trace)]
struct Node<'gc> {
    #[trace(skip)]
    probe: Probe,
    #[trace(skip)]
    payload: Box<u32>,
    edges: RefLock<Vec<Gc<'gc, Node<'gc>>>>,
}

/// Above the 512-byte large-object threshold of the configurations below.
#[derive(Trace)]
struct Big {
    #[trace(skip)]
    probe: Probe,
    #[trace(skip)]
    data: [u64; 64],
}

/// An ephemeron value: lives as long as its key.
#[derive(Trace)]
struct Meta {
    #[trace(skip)]
    _probe: Probe,
}

#[derive(Trace)]
struct World<'gc> {
    nodes: RefLock<Vec<Gc<'gc, Node<'gc>>>>,
    bigs: RefLock<Vec<Gc<'gc, Big>>>,
    queue: FinalizationQueue<'gc, Node<'gc>>,
    meta: GcWeakMap<'gc, Node<'gc>, Meta>,
}

type WorldHeap = Heap<Rootable!['gc => World<'gc>]>;

/// What the program knows that the heap must agree with.
#[derive(Default)]
struct Shadow {
    /// Nodes registered with the queue and not yet taken back.
    watched: HashSet<u32>,
    /// (ephemeron value id, key id).
    meta: Vec<(u32, u32)>,
    /// Panics that came out of collection calls (or the heap's drop).
    panics: usize,
}

fn node<'gc>(m: &Mutation<'gc>, edges: Vec<Gc<'gc, Node<'gc>>>) -> Gc<'gc, Node<'gc>> {
    let probe = Probe::new();
    let payload = Box::new(probe.0);
    Gc::new(
        m,
        Node {
            probe,
            payload,
            edges: RefLock::new(edges),
        },
    )
}

/// Ids of every node reachable from `start`, checking each node's payload on the way.
fn reach<'gc>(start: impl IntoIterator<Item = Gc<'gc, Node<'gc>>>, seen: &mut HashSet<u32>) {
    let mut stack: Vec<_> = start.into_iter().collect();
    while let Some(node) = stack.pop() {
        assert_eq!(
            *node.payload, node.probe.0,
            "a reachable node was corrupted"
        );
        if seen.insert(node.probe.0) {
            stack.extend(node.edges.borrow().iter().copied());
        }
    }
}

/// One round of mutation: allocate, link, unlink, register, attach, take back.
fn mutate(heap: &mut WorldHeap, round: u32, shadow: &mut Shadow) {
    heap.mutate_root(|m, world| {
        let nodes = world.nodes.get_mut();
        for k in 0..3 {
            let edges = match nodes.last() {
                Some(&previous) if (round + k) % 2 == 0 => vec![previous],
                _ => Vec::new(),
            };
            nodes.push(node(m, edges));
        }
        if round % 2 == 0 {
            let key = nodes[(round as usize) % nodes.len()];
            let doomed = node(m, Vec::new());
            for key in [key, doomed] {
                if !world.meta.contains_key(key) {
                    let value = Meta {
                        _probe: Probe::new(),
                    };
                    shadow.meta.push((value._probe.0, key.probe.0));
                    assert!(world.meta.insert(m, key, value).is_none());
                }
            }
        }
        if nodes.len() > 4 {
            let removed = nodes.remove((round as usize * 7) % nodes.len());
            if round % 3 == 1 {
                world.queue.register(m, removed);
                shadow.watched.insert(removed.probe.0);
            }
        }
        let bigs = world.bigs.get_mut();
        if round % 4 == 0 {
            bigs.push(Gc::new(
                m,
                Big {
                    probe: Probe::new(),
                    data: [u64::from(round); 64],
                },
            ));
            if bigs.len() > 2 {
                bigs.remove(0);
            }
        }
        while let Some(taken) = world.queue.take(m) {
            // A resurrected node and everything it reaches are intact.
            let mut seen = HashSet::new();
            reach([taken], &mut seen);
            assert!(seen.iter().all(|&id| drops_of(id) == 0));
            shadow.watched.remove(&taken.probe.0);
        }
    });
}

/// Runs one collection call; afterwards checks the heap and the drops (module docs).
fn collect(heap: &mut WorldHeap, shadow: &mut Shadow, call: impl FnOnce(&mut WorldHeap)) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| call(heap))) {
        assert_eq!(message(&*payload), INJECTED, "only the injected panic");
        shadow.panics += 1;
    }
    heap.verify()
        .expect("the heap verifies after every collection call");
    let reachable = heap.mutate(|_, world| {
        let mut seen = HashSet::new();
        reach(world.nodes.borrow().iter().copied(), &mut seen);
        for big in world.bigs.borrow().iter() {
            assert_eq!(big.data[0], big.data[63]);
            seen.insert(big.probe.0);
        }
        seen
    });
    for &id in reachable.iter().chain(&shadow.watched) {
        assert_eq!(drops_of(id), 0, "object {id} dropped while reachable");
    }
    for &(value, key) in &shadow.meta {
        if reachable.contains(&key) {
            assert_eq!(
                drops_of(value),
                0,
                "ephemeron value of live key {key} dropped"
            );
        }
    }
    LEDGER.with(|ledger| {
        let ledger = ledger.borrow();
        let twice = ledger.drops.iter().position(|&drops| drops > 1);
        assert_eq!(twice, None, "an object was dropped twice");
    });
}

/// The program: rounds of mutation, each followed by collection calls of every kind,
/// then the heap's drop. Returns the panics that came out.
fn program(config: Config) -> usize {
    let mut heap = WorldHeap::with_config(config, |m| World {
        nodes: RefLock::new(Vec::new()),
        bigs: RefLock::new(Vec::new()),
        queue: FinalizationQueue::new(m),
        meta: GcWeakMap::new(m),
    })
    .expect("valid config");
    let mut shadow = Shadow::default();
    for round in 0..ROUNDS {
        mutate(&mut heap, round, &mut shadow);
        let heap = &mut heap;
        let shadow = &mut shadow;
        match round % 6 {
            0 => collect(heap, shadow, |h| h.collect_minor()),
            1 => collect(heap, shadow, |h| h.collect_debt()),
            // Marking stays in progress across the next round's mutation.
            2 => collect(heap, shadow, |h| h.start_marking()),
            3 => {
                collect(heap, shadow, |h| {
                    h.mark_step(1 << 20);
                });
                collect(heap, shadow, |h| h.finish_marking());
                collect(heap, shadow, |h| {
                    h.sweep_step(64);
                });
            }
            4 => collect(heap, shadow, |h| h.collect_full()),
            _ => {
                collect(heap, shadow, |h| {
                    h.sweep_step(usize::MAX);
                });
                collect(heap, shadow, |h| h.collect_minor());
            }
        }
    }
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(heap))) {
        assert_eq!(message(&*payload), INJECTED, "only the injected panic");
        shadow.panics += 1;
    }
    LEDGER.with(|ledger| {
        let ledger = ledger.borrow();
        let wrong = ledger
            .drops
            .iter()
            .enumerate()
            .find(|(_, &drops)| drops != 1);
        assert_eq!(
            wrong, None,
            "every object is dropped exactly once in the end"
        );
    });
    shadow.panics
}

/// Runs the program with the drop `panic_at` (or every drop) panicking; returns the
/// number of drops it made and the panics that came out.
fn run(config: Config, panic_at: Option<usize>, every: bool) -> (usize, usize) {
    quiet_expected_panics();
    LEDGER.with(|ledger| {
        *ledger.borrow_mut() = Ledger {
            panic_at,
            every,
            ..Ledger::default()
        }
    });
    let panics = program(config);
    (LEDGER.with(|ledger| ledger.borrow().calls), panics)
}

fn config(generational: bool) -> crate::gc::ConfigBuilder {
    Config::builder()
        .generational(generational)
        .eden_size(64 * 1024)
        .min_heap(64 * 1024)
        .gc_percent(Some(50))
        .mark_step_budget(1024)
        .large_object_threshold(512)
        .verify(true)
}

/// The configurations swept: natively the young generation on, off, and on in stress
/// mode (every safe point collects, freed memory is poisoned); under Miri the first.
fn configs() -> Vec<Config> {
    let all = vec![
        config(true).build(),
        config(false).build(),
        config(true).stress(true).build(),
    ];
    let count = if cfg!(miri) { 1 } else { all.len() };
    all.into_iter()
        .take(count)
        .map(|config| config.expect("valid config"))
        .collect()
}

/// For every N, the program runs with its N-th drop panicking, and the checks hold after each collection.
pub fn every_drop_can_panic_once() {
    for config in configs() {
        let (drops, panics) = run(config, None, false);
        assert_eq!(panics, 0);
        assert!(
            drops > 20,
            "the program drops enough to be worth sweeping: {drops}"
        );
        let chosen = (1..=drops).step_by(STRIDE).chain([drops]);
        for panic_at in chosen {
            let (again, panics) = run(config, Some(panic_at), false);
            assert_eq!(again, drops, "drop {panic_at}: the same drops happen");
            assert_eq!(panics, 1, "drop {panic_at}: its panic comes out once");
        }
    }
}

/// With every drop panicking, each object is still dropped exactly once.
pub fn every_drop_panicking_still_drops_each_object_once() {
    for config in configs() {
        let (drops, _) = run(config, None, false);
        let (again, panics) = run(config, None, true);
        assert_eq!(again, drops);
        assert!(panics >= 1, "some collection call resumed a panic");
    }
}
