//! Regression: a knob set between `mutate` and the next safe point lost the
//! bytes allocated since the last safe point. `Heap::set_config` ended a
//! safe point it never began, so `Stats::bytes_allocated` went backwards and
//! the assist debt never charged those bytes. Now every knob change is a
//! safe point that pays no debt but counts and charges everything.

use gc_core::{Config, Gc, Heap, Phase, Rootable, Stats};
use tenure_test_support::model::shadow::assert_counters_monotone;

/// Rounds of 60 objects (~3.4 KB). Even under Miri there must be enough of
/// them to fill the 64 KiB Eden (~19 rounds): a generational heap charges
/// assist debt only for promotion, which comes with the first minor GC.
#[cfg(not(miri))]
const ROUNDS: usize = 200;
#[cfg(miri)]
const ROUNDS: usize = 40;

/// Objects kept live before marking starts: enough that marking them takes
/// several 1 KiB steps.
#[cfg(not(miri))]
const LIVE: usize = 4000;
#[cfg(miri)]
const LIVE: usize = 600;

type R = Rootable!['gc => Vec<Gc<'gc, [u64; 6]>>];

fn heap(generational: bool) -> Heap<R> {
    let config = Config::builder()
        .generational(generational)
        .cpu_limit(1.0)
        .min_heap(64 << 10)
        .mark_step_budget(1024)
        // A small Eden, so that promotion (the paced bytes a generational
        // heap's assists are charged for) happens within the rounds.
        .eden_size(64 << 10)
        // Steps end by work, not by the clock: under a loaded CI machine a
        // mark step of one heap ran out of time and the two heaps' assist
        // work differed for a reason this test is not about.
        .deterministic(true)
        .build()
        .unwrap();
    Heap::<R>::with_config(config, |_| Vec::new()).unwrap()
}

/// Allocates `n` objects, keeping every `keep`-th; returns the bytes the
/// mutation context says it allocated since the last safe point.
fn allocate(heap: &mut Heap<R>, n: usize, keep: usize) -> u64 {
    heap.mutate_root(|m, root| {
        for i in 0..n {
            let object = Gc::new(m, [i as u64; 6]);
            if i % keep == 0 {
                root.push(object);
            }
        }
        m.allocated_since_safe_point() as u64
    })
}

/// Every since-start counter of `now` is at least that of `before`.
fn assert_monotone(before: &Stats, now: &Stats) {
    assert_counters_monotone(before, now, "after a knob call");
}

#[test]
fn bytes_allocated_is_exact_whatever_knob_calls_come_between() {
    for generational in [true, false] {
        let mut heap = heap(generational);
        let mut expected = heap.stats().bytes_allocated;
        let mut last = heap.stats();
        for round in 0..ROUNDS {
            expected += allocate(&mut heap, 40, 7);
            assert_eq!(heap.stats().bytes_allocated, expected);
            match round % 4 {
                0 => drop(heap.set_gc_percent(Some(100 + round as u32)).unwrap()),
                1 => drop(heap.set_memory_limit(Some(512 << 20)).unwrap()),
                2 => drop(heap.set_config(*heap.config()).unwrap()),
                _ => heap.collect_debt(),
            }
            let now = heap.stats();
            assert_eq!(now.bytes_allocated, expected, "round {round}");
            assert_monotone(&last, &now);
            last = now;
        }
    }
}

/// Two heaps run the same program while marking; one also sets a knob
/// between each `mutate` and its safe point. Both charge the same assist
/// debt, so both do the same assist work.
#[test]
fn assist_debt_is_charged_for_bytes_allocated_before_a_knob_change() {
    for generational in [false, true] {
        let (mut plain, mut tuned) = (heap(generational), heap(generational));
        for heap in [&mut plain, &mut tuned] {
            allocate(heap, LIVE, 1);
            heap.collect_full();
            heap.start_marking();
        }
        let mut rounds_marking = 0;
        for round in 0..ROUNDS {
            allocate(&mut plain, 60, 3);
            allocate(&mut tuned, 60, 3);
            tuned.set_gc_percent(Some(100)).unwrap();
            plain.collect_debt();
            tuned.collect_debt();
            let (a, b) = (plain.stats(), tuned.stats());
            assert_eq!(a.bytes_allocated, b.bytes_allocated, "round {round}");
            assert_eq!(a.assist_work, b.assist_work, "round {round}");
            if a.phase != Phase::Marking || b.phase != Phase::Marking {
                break;
            }
            rounds_marking += 1;
        }
        assert!(rounds_marking > 0, "the program ran while marking");
        assert!(
            plain.stats().assist_work > 0,
            "assists were paid (generational {generational})"
        );
    }
}
