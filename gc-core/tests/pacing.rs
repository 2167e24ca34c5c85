//! End-to-end pacing on the real heap: with a steady workload, the heap at
//! the end of each cycle's marking tracks the pacer's goal for every
//! `gc_percent` tried (issue 4's bar: within [0.90, 1.10] in steady state).

use std::cell::RefCell;
use std::rc::Rc;

use gc_core::{unlock, Config, CycleReport, Gc, Heap, Lock, RefLock, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Leaf<'gc> {
    payload: [u64; 6],
    next: Lock<Option<Gc<'gc, Leaf<'gc>>>>,
}

#[derive(Trace)]
struct Root<'gc> {
    slots: Gc<'gc, RefLock<Vec<Gc<'gc, Leaf<'gc>>>>>,
}

type R = Rootable!['gc => Root<'gc>];

/// A steady workload: a fixed live set of `live` leaves, where each step
/// replaces a pseudo-random leaf with a fresh one (plus a short-lived one), so
/// the allocation rate is constant and the live heap does not grow.
fn run_steady(gc_percent: u32, live: usize, steps: usize) -> Vec<CycleReport> {
    // The CPU limiter is off (cpu_limit = 1): on a loaded machine it could
    // engage and hold cycles back, and this test is about the goal.
    let config = Config::builder()
        .gc_percent(Some(gc_percent))
        .min_heap(256 << 10)
        .eden_size(256 << 10)
        // A fixed Eden: this measures the pacer, not Eden sizing (an Eden
        // grown toward the pause target promotes in bigger lumps).
        .minor_pause_target(None)
        .cpu_limit(1.0)
        .build()
        .unwrap();
    run_with(config, live, steps).0
}

/// Runs the steady workload under `config`; returns the cycle reports and
/// the heap's final stats.
fn run_with(config: Config, live: usize, steps: usize) -> (Vec<CycleReport>, gc_core::Stats) {
    let mut heap = Heap::<R>::with_config(config, |m| Root {
        slots: Gc::new(m, RefLock::new(Vec::new())),
    })
    .unwrap();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&reports);
    heap.on_cycle(move |report| sink.borrow_mut().push(report.clone()));
    heap.mutate(|m, root| {
        let mut slots = Gc::write(m, root.slots).borrow_mut();
        for i in 0..live {
            slots.push(Gc::new(
                m,
                Leaf {
                    payload: [i as u64; 6],
                    next: Lock::new(None),
                },
            ));
        }
    });
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..steps {
        heap.mutate(|m, root| {
            for _ in 0..64 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let index = (seed % live as u64) as usize;
                let fresh = Gc::new(
                    m,
                    Leaf {
                        payload: [seed; 6],
                        next: Lock::new(None),
                    },
                );
                let temp = Gc::new(
                    m,
                    Leaf {
                        payload: [1; 6],
                        next: Lock::new(Some(fresh)),
                    },
                );
                unlock!(Gc::write(m, fresh), Leaf, next).set(temp.next.get());
                Gc::write(m, root.slots).borrow_mut()[index] = fresh;
            }
        });
        heap.collect_debt();
    }
    let reports = reports.borrow().clone();
    (reports, heap.stats())
}

#[test]
#[cfg_attr(miri, ignore = "runs thousands of cycles")]
fn peak_heap_tracks_the_goal_for_each_gc_percent() {
    for gc_percent in [50, 100, 200, 400] {
        let reports = run_steady(gc_percent, 10_000, 60 * gc_percent as usize);
        // At least 8 cycles, so the steady half has 4. Since survivors that
        // overflow the survivor space are promoted at their first minor GC
        // (issue 13), gc_percent 400 finishes 8 or 9 cycles here, depending
        // on timing: more is promoted while marking, counted live, and the
        // goal is higher.
        assert!(
            reports.len() >= 8,
            "gc_percent {gc_percent}: only {} cycles",
            reports.len()
        );
        let steady = &reports[reports.len() / 2..];
        if std::env::var("PACING_DEBUG").is_ok() {
            let ratios: Vec<String> = steady
                .iter()
                .map(|r| format!("{:.3}", r.heap_peak as f64 / r.heap_goal as f64))
                .collect();
            eprintln!(
                "gc_percent {gc_percent}: {} cycles, steady peak/goal {}",
                reports.len(),
                ratios.join(" ")
            );
        }
        for report in steady {
            let ratio = report.heap_peak as f64 / report.heap_goal as f64;
            assert!(
                (0.90..=1.10).contains(&ratio),
                "gc_percent {gc_percent}: cycle {} peaked at {} B for a goal of {} B (ratio {ratio:.3})",
                report.cycle,
                report.heap_peak,
                report.heap_goal
            );
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs thousands of cycles")]
fn a_memory_limit_that_can_be_met_caps_the_heap() {
    // gc_percent off: only the 8 MiB soft limit drives collection, over a
    // live heap of about 1 MiB.
    let config = Config::builder()
        .gc_percent(None)
        .memory_limit(Some(8 << 20))
        .eden_size(256 << 10)
        .cpu_limit(1.0)
        .build()
        .unwrap();
    let (reports, stats) = run_with(config, 10_000, 12_000);
    assert!(
        reports.len() >= 3,
        "the limit must trigger cycles: {}",
        reports.len()
    );
    assert!(
        stats.peak_heap_bytes <= 8 << 20,
        "peak heap {} B above the 8 MiB limit",
        stats.peak_heap_bytes
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs thousands of cycles")]
fn a_memory_limit_that_cannot_be_met_does_not_stop_the_program() {
    // A live heap of about 1.6 MiB under a 1 MiB limit: the limit cannot be
    // met. The program must still finish its work, with cycles running.
    // (How far the heap overshoots depends on timing. The 50% CPU bar of the limiter
    // is asserted by the pacer simulation, which has a deterministic clock;
    // wall-clock fractions on a shared machine are not asserted here.)
    let config = Config::builder()
        .gc_percent(None)
        .memory_limit(Some(1 << 20))
        .min_heap(64 << 10)
        .generational(false)
        .build()
        .unwrap();
    let (reports, stats) = run_with(config, 20_000, 3_000);
    assert!(
        reports.len() >= 10,
        "cycles must keep running: {}",
        reports.len()
    );
    assert!(
        stats.bytes_allocated > 3_000 * 64 * 2 * 64,
        "all the work was done"
    );
    assert!(
        stats.peak_heap_bytes < 4 * stats.live_bytes.max(1 << 20),
        "peak {} B for a live heap of {} B",
        stats.peak_heap_bytes,
        stats.live_bytes
    );
    eprintln!(
        "unmeetable limit: {} cycles, GC CPU fraction {:.2}, peak heap {} B, live {} B",
        reports.len(),
        stats.gc_cpu_fraction,
        stats.peak_heap_bytes,
        stats.live_bytes
    );
}
