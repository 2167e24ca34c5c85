//! `Config::deterministic`: with it, the collector's work is a function of
//! the program alone. Two heaps run the same program, but in one of them
//! every `Drop` sleeps, so each of its drop and sweep steps would run out of
//! time (250 us) after its first object and each minor GC would seem slow to
//! the Eden sizer. Deterministic, both do the same work at every safe point.

use std::time::Duration;

use gc_core::pacer::Tenuring;
use gc_core::{Config, Gc, Heap, Phase, Rootable, Stats};
use gc_derive::Trace;

/// Sleeps for its delay when dropped (zero in the fast heap).
struct Sleeper(Duration);

impl Drop for Sleeper {
    fn drop(&mut self) {
        if !self.0.is_zero() {
            std::thread::sleep(self.0);
        }
    }
}

/// An object that needs `Drop`: its sleeper.
#[derive(Trace)]
struct Slow {
    #[trace(skip)]
    _sleeper: Sleeper,
    #[trace(skip)]
    _payload: [u64; 4],
}

type R = Rootable!['gc => Vec<Gc<'gc, Slow>>];

#[cfg(not(miri))]
const ROUNDS: usize = 120;
#[cfg(miri)]
const ROUNDS: usize = 30;

/// Objects per round (64 bytes each), so Eden (64 KiB) fills every few rounds.
#[cfg(not(miri))]
const PER_ROUND: usize = 400;
#[cfg(miri)]
const PER_ROUND: usize = 160;

/// One `Drop` in this many sleeps (in the slow heap), so the test stays
/// short while every step still meets a slow drop.
const SLOW_EVERY: usize = 16;

fn heap(deterministic: bool) -> Heap<R> {
    let config = Config::builder()
        .deterministic(deterministic)
        .min_heap(64 << 10)
        .eden_size(64 << 10)
        .tenuring(Tenuring::Fixed(2))
        .mark_step_budget(4 << 10)
        .build()
        .expect("valid config");
    Heap::<R>::with_config(config, |_| Vec::new()).expect("valid heap")
}

/// One round: allocates `PER_ROUND` objects, keeps every fifth, and every
/// tenth round lets the kept ones go (old garbage to sweep and drop).
fn run_round(heap: &mut Heap<R>, round: usize, delay: Duration) {
    heap.mutate_root(|m, root| {
        if round % 10 == 9 {
            root.clear();
        }
        for i in 0..PER_ROUND {
            let delay = if i % SLOW_EVERY == 0 {
                delay
            } else {
                Duration::ZERO
            };
            let object = Gc::new(
                m,
                Slow {
                    _sleeper: Sleeper(delay),
                    _payload: [i as u64; 4],
                },
            );
            if i % 5 == 0 {
                root.push(object);
            }
        }
    });
    if round == ROUNDS / 3 {
        // A cycle for sure, even in Miri's small run: both heaps start one
        // here; the pacer starts the later ones.
        heap.start_marking();
    }
    heap.collect_debt();
}

/// What the collector did, without the times.
fn work(stats: &Stats) -> impl PartialEq + std::fmt::Debug {
    (
        (stats.minor_collections, stats.major_collections),
        (stats.mark_work, stats.assist_work, stats.phase),
        (stats.pending_drops, stats.eden_capacity, stats.old_objects),
        (
            stats.heap_goal,
            stats.next_trigger,
            stats.tenuring_threshold,
        ),
    )
}

#[test]
fn a_deterministic_heap_does_the_same_work_however_slow_its_drops() {
    let (mut fast, mut slow) = (heap(true), heap(true));
    let delay = Duration::from_micros(if cfg!(miri) { 10 } else { 300 });
    let mut cycles_seen = false;
    for round in 0..ROUNDS {
        run_round(&mut fast, round, Duration::ZERO);
        run_round(&mut slow, round, delay);
        let (a, b) = (fast.stats(), slow.stats());
        assert_eq!(work(&a), work(&b), "round {round}");
        cycles_seen |= a.major_collections > 0 || a.phase != Phase::Idle;
    }
    let stats = fast.stats();
    assert!(stats.minor_collections > 3, "minor GCs ran: {stats:?}");
    assert!(cycles_seen && stats.old_objects > 0, "a major cycle ran");
}

/// The other side: with the clock in force, the slow heap's drop steps stop
/// early, so its work differs (this is what deterministic mode removes).
#[test]
#[cfg_attr(miri, ignore = "sleeps are slow under Miri")]
fn a_clocked_heap_cuts_its_steps_short_when_drops_are_slow() {
    let (mut fast, mut slow) = (heap(false), heap(false));
    let delay = Duration::from_micros(300);
    let mut differed = false;
    for round in 0..ROUNDS {
        run_round(&mut fast, round, Duration::ZERO);
        run_round(&mut slow, round, delay);
        differed |= work(&fast.stats()) != work(&slow.stats());
    }
    assert!(differed, "a 300 us drop spends a 250 us step");
}
