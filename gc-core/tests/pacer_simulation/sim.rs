//! The simulated mutator and heap: allocation in safe-point quanta, the trigger, marking
//! paid by assists in budgeted steps under the CPU limiter, and the facts reported to the
//! pacer at the end of each cycle (the model of `main.rs`'s docs).

use std::time::Duration;

use gc_core::pacer::{CycleFacts, Pacer};

use super::scenarios::Scenario;
use super::{CYCLES, MARK_STEP_BUDGET, MAX_QUANTA_PER_CYCLE, ROOTS, SAFE_POINT_BYTES};

/// What one simulated cycle produced.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cycle {
    pub(crate) goal: usize,
    pub(crate) hard_goal: usize,
    pub(crate) trigger: usize,
    pub(crate) peak: usize,
    pub(crate) peak_over_goal: f64,
    /// GC share of CPU during the mark phase.
    pub(crate) mark_utilization: f64,
    /// GC and mutator nanoseconds over the whole cycle (idle and marking).
    pub(crate) gc_nanos: f64,
    pub(crate) mutator_nanos: f64,
}

/// The simulated heap and mutator.
struct Sim {
    pacer: Pacer,
    heap: usize,
}

impl Sim {
    /// Runs the mutator until the pacer starts a cycle; returns mutator ns spent.
    fn run_until_trigger(&mut self, alloc_rate: f64) -> f64 {
        let mut nanos = 0.0;
        for _ in 0..MAX_QUANTA_PER_CYCLE {
            if self.pacer.should_start_cycle(self.heap) {
                return nanos;
            }
            nanos += self.allocate(alloc_rate);
        }
        panic!(
            "no cycle started: heap {} trigger {}",
            self.heap,
            self.pacer.trigger()
        );
    }

    /// Allocates one quantum; returns its mutator time in ns.
    fn allocate(&mut self, alloc_rate: f64) -> f64 {
        self.heap += SAFE_POINT_BYTES;
        let nanos = SAFE_POINT_BYTES as f64 / alloc_rate;
        self.pacer
            .record_mutator_time(Duration::from_nanos(nanos as u64));
        nanos
    }

    /// Runs one whole cycle of scenario step `k`.
    fn cycle(&mut self, s: &Scenario, k: usize) -> Cycle {
        (s.knobs)(k, &mut self.pacer);
        let (alloc_rate, scan_rate) = (s.alloc_rate[k], s.scan_rate[k]);
        let idle_nanos = self.run_until_trigger(alloc_rate);
        let trigger = self.heap;
        let work = (s.live[k] as usize).min(self.heap) + ROOTS;
        self.pacer.start_cycle(self.heap, self.heap + ROOTS);
        let (goal, hard_goal) = (self.pacer.heap_goal(), self.pacer.hard_goal());
        let mark = self.mark(work, alloc_rate, scan_rate);
        let peak = self.heap;
        let summary = self.pacer.end_cycle(CycleFacts {
            live_bytes: work - ROOTS + mark.allocated,
            root_scan_bytes: ROOTS,
            heap_bytes_at_mark_end: peak,
            mark_work_done: work,
            bytes_allocated_during_mark: mark.allocated,
            mark_time: Duration::from_nanos(mark.gc_nanos as u64),
            mutator_time_during_mark: Duration::from_nanos(mark.mutator_nanos as u64),
            forced: false,
        });
        self.heap = work - ROOTS + mark.allocated;
        Cycle {
            goal,
            hard_goal,
            trigger,
            peak,
            peak_over_goal: summary.peak_over_goal,
            mark_utilization: summary.mark_utilization,
            gc_nanos: mark.gc_nanos,
            mutator_nanos: idle_nanos + mark.mutator_nanos,
        }
    }

    /// Allocates and assists until `work` units are marked.
    fn mark(&mut self, work: usize, alloc_rate: f64, scan_rate: f64) -> Mark {
        let mut m = Mark {
            done: 0.0,
            debt: 0.0,
            allocated: 0,
            gc_nanos: 0.0,
            mutator_nanos: 0.0,
        };
        for _ in 0..MAX_QUANTA_PER_CYCLE {
            let ratio = self.pacer.assist_ratio(self.heap, m.done as usize);
            assert!(ratio.is_finite() && ratio > 0.0, "assist ratio {ratio}");
            m.mutator_nanos += self.allocate(alloc_rate);
            m.allocated += SAFE_POINT_BYTES;
            m.debt += ratio * SAFE_POINT_BYTES as f64;
            self.pay_debt(&mut m, work as f64, scan_rate);
            if m.done >= work as f64 {
                return m;
            }
        }
        panic!("marking never finished: {} of {work} units", m.done);
    }

    /// Pays assist debt at a safe point, step by step, while the limiter allows.
    fn pay_debt(&mut self, m: &mut Mark, work: f64, scan_rate: f64) {
        while m.debt > 0.0 && m.done < work && !self.pacer.limited() {
            let units = m.debt.min(MARK_STEP_BUDGET).min(work - m.done);
            let nanos = units / scan_rate;
            self.pacer
                .record_gc_time(Duration::from_nanos(nanos as u64));
            m.done += units;
            m.debt -= units;
            m.gc_nanos += nanos;
        }
    }
}

/// Progress of one mark phase.
struct Mark {
    done: f64,
    debt: f64,
    allocated: usize,
    gc_nanos: f64,
    mutator_nanos: f64,
}

pub(crate) fn simulate(s: &Scenario) -> Vec<Cycle> {
    let mut sim = Sim {
        pacer: Pacer::new(s.settings),
        heap: 0,
    };
    sim.pacer.set_non_heap_bytes(s.non_heap_bytes);
    (0..CYCLES).map(|k| sim.cycle(s, k)).collect()
}
