//! Regression: assists made empty mark steps. The debt was charged in paced
//! bytes (promotion, old allocation) but polled in every byte allocated, so a
//! generational program allocating in Eden came back to a safe point every
//! 64 KiB owing almost nothing, and each `collect_debt` ran a mark step of one
//! work unit (old-steps: 351,294 steps, median 0.36 us). Now the debt is
//! polled in the unit it is charged in and no step does less than a quantum
//! (a quarter of `mark_step_budget`), except the one that finds marking done.

use gc_core::{Config, Gc, Heap, PauseKind, Phase, Rootable, Stats};

/// Old objects kept live: enough that marking takes many quanta.
#[cfg(not(miri))]
const LIVE: usize = 6000;
#[cfg(miri)]
const LIVE: usize = 64;

const BUDGET: usize = 4 << 10;
const QUANTUM: u64 = (BUDGET / 4) as u64;

type R = Rootable!['gc => Vec<Gc<'gc, [u64; 8]>>];

fn mark_steps(stats: &Stats) -> u64 {
    let kind = |h: &&gc_core::PauseHistogram| h.kind == PauseKind::MarkStep;
    let step = stats.pause_histograms.iter().find(kind);
    step.map_or(0, |h| h.since_start.count)
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a pacing test of thousands of safe points (over 15 minutes under Miri); it has no unsafe code of its own, and the marking and assist paths it drives run under Miri in model_miri"
)]
fn every_assist_step_but_the_last_does_at_least_a_quantum() {
    for generational in [true, false] {
        let config = Config::builder()
            .generational(generational)
            .eden_size(64 << 10)
            .mark_step_budget(BUDGET)
            .cpu_limit(1.0)
            .build()
            .unwrap();
        let mut heap = Heap::<R>::with_config(config, |_| Vec::new()).unwrap();
        heap.mutate_root(|m, root| root.extend((0..LIVE as u64).map(|i| Gc::new(m, [i; 8]))));
        heap.collect_full();
        heap.start_marking();
        let before = heap.stats();
        let mut safe_points = 0u64;
        while heap.phase() == Phase::Marking {
            // Small slices, mostly young garbage, one object in 8 kept (so
            // promotion or old allocation owes debt).
            heap.mutate_root(|m, root| {
                for i in 0..32u64 {
                    let object = Gc::new(m, [i; 8]);
                    if i % 8 == 0 {
                        root.push(object);
                    }
                }
            });
            heap.collect_debt();
            safe_points += 1;
            assert!(safe_points < 1 << 20, "marking never finished");
        }
        let after = heap.stats();
        let steps = mark_steps(&after) - mark_steps(&before);
        let work = after.assist_work - before.assist_work;
        assert!(steps > 1, "generational {generational}: marking took steps");
        assert!(
            work >= (steps - 1) * QUANTUM,
            "generational {generational}: {steps} steps did only {work} units"
        );
        assert!(
            steps < safe_points,
            "generational {generational}: a step at every one of {safe_points} safe points"
        );
        heap.verify().unwrap();
    }
}
