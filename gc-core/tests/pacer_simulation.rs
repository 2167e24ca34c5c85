//! Table-driven simulations of the pacer, in the manner of Go's `mgcpacer_test.go`.
//!
//! A simulated mutator drives `gc_core::pacer::Pacer` through many old-generation
//! cycles, and each scenario checks the pacer's bars: at steady state the peak
//! heap lands within 5% of the goal, it settles within 25 cycles of a change, and
//! the heap never passes the hard goal by more than the one allocation quantum
//! during which marking completes (debt is paid at the safe point *after* an
//! allocation, so the pacer cannot stop that quantum). With a memory limit that
//! can be met, the footprint stays under it; with one that cannot, GC CPU stays
//! at the limiter's share and the mutator keeps the rest. Only the pacer's
//! public API is used.
//!
//! The model, per cycle:
//!
//! - **Time** is simulated; nothing reads a clock. The mutator allocates in
//!   quanta of [`SAFE_POINT_BYTES`] (the heap's safe points), each taking
//!   `quantum / alloc_rate` nanoseconds of mutator time (`alloc_rate` in bytes
//!   per mutator-nanosecond).
//! - **The heap** is a byte counter: each quantum adds to it, and sweeping (free
//!   and instantaneous here) sets it to the marked bytes when marking ends.
//! - **Idle**: after each quantum the heap asks `should_start_cycle`; at start it
//!   passes `max_scan_work = heap + roots` (everything might be live).
//! - **Marking** is done only by assists, as in our single-threaded heap: before
//!   each quantum the heap reads `assist_ratio(heap, work_done)`; the quantum
//!   adds `ratio * quantum` units of debt; at the safe point the debt is paid in
//!   steps of at most [`MARK_STEP_BUDGET`] units, while the CPU limiter allows,
//!   each step taking `units / scan_rate` nanoseconds of GC time (`scan_rate`
//!   in work units per GC-nanosecond). Every step and quantum is reported to
//!   the limiter.
//! - **Truth**: cycle `k`'s mark work is `min(live_k, heap at mark start) +
//!   roots`: the scenario's live data, or, while the program is still building
//!   it, all it has allocated. Objects allocated while marking are allocated
//!   black: not scanned, but marked, so they survive this sweep (and are
//!   garbage by the next mark). Marking ends when the work is done; then the
//!   heap reports `CycleFacts` to `end_cycle`.
//!
//! Rates, live heap and knobs vary per scenario; jitter comes from a fixed-seed
//! xorshift generator so every run is identical. Run with `--nocapture` to see
//! the results table.

use std::time::Duration;

use gc_core::pacer::{CycleFacts, Pacer, PacerSettings};

/// Bytes the mutator allocates between two safe points.
const SAFE_POINT_BYTES: usize = 64 << 10;
/// Largest mark step, in work units (the config's default `mark_step_budget`).
const MARK_STEP_BUDGET: f64 = (64 << 10) as f64;
/// Bytes of roots scanned each cycle (root object, handles, young generation).
const ROOTS: usize = 1 << 20;
/// Cycles per scenario; step changes happen at [`CHANGE_AT`].
const CYCLES: usize = 100;
/// Cycle at which step scenarios change.
const CHANGE_AT: usize = 50;
/// A scenario must settle within this many cycles of its change (or of the start).
const SETTLE_BOUND: usize = 25;
/// Settled means peak heap / goal within this band.
const PEAK_BAND: (f64, f64) = (0.95, 1.05);
/// Safety stop: quanta per cycle beyond which the simulation is declared stuck.
const MAX_QUANTA_PER_CYCLE: usize = 10_000_000;

const MIB: usize = 1 << 20;

/// A tiny xorshift generator: deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    /// A uniform value in [-1, 1).
    fn symmetric(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// A per-cycle value (rate or size).
type Series = Vec<f64>;

fn constant(value: f64) -> Series {
    vec![value; CYCLES]
}

fn step(before: f64, after: f64) -> Series {
    (0..CYCLES)
        .map(|k| if k < CHANGE_AT { before } else { after })
        .collect()
}

fn oscillate(mean: f64, amplitude: f64, period: usize) -> Series {
    let phase = |k: usize| 2.0 * std::f64::consts::PI * k as f64 / period as f64;
    (0..CYCLES)
        .map(|k| mean + amplitude * phase(k).sin())
        .collect()
}

fn jitter(mean: f64, spread: f64, seed: u64) -> Series {
    let mut rng = Rng(seed);
    (0..CYCLES)
        .map(|_| mean * (1.0 + spread * rng.symmetric()))
        .collect()
}

/// What a scenario must show.
#[derive(Clone, Copy)]
enum Expect {
    /// Settles within [`SETTLE_BOUND`] cycles of `from`; peak/goal in band after.
    /// With `util_step`, settled also needs the mark utilization to move by at
    /// most that much from the previous cycle (the trigger has converged).
    Settles { from: usize, util_step: Option<f64> },
    /// Like `Settles`, and the peak heap never exceeds the memory limit.
    MeetsLimit { limit: usize },
    /// The limit cannot be met: GC CPU stays near `cpu_limit` and the mutator
    /// keeps most of the rest.
    LimitUnmet,
}

struct Scenario {
    name: &'static str,
    settings: PacerSettings,
    /// Bytes allocated per nanosecond of mutator time.
    alloc_rate: Series,
    /// Work units scanned per nanosecond of GC time.
    scan_rate: Series,
    /// Live bytes of the program's data at each cycle.
    live: Series,
    /// Non-object bytes the heap reports against the memory limit.
    non_heap_bytes: usize,
    /// Run-time knob changes: called with the pacer before each cycle.
    knobs: fn(usize, &mut Pacer),
    expect: Expect,
}

fn no_knobs(_: usize, _: &mut Pacer) {}

fn settings(gc_percent: Option<u32>, memory_limit: Option<usize>) -> PacerSettings {
    PacerSettings {
        gc_percent,
        memory_limit,
        ..PacerSettings::default()
    }
}

fn scenarios() -> Vec<Scenario> {
    let steady = Expect::Settles {
        from: 0,
        util_step: Some(0.02),
    };
    let stepped = Expect::Settles {
        from: CHANGE_AT,
        util_step: Some(0.02),
    };
    vec![
        Scenario {
            name: "Steady",
            settings: settings(Some(100), None),
            alloc_rate: constant(0.03),
            scan_rate: constant(1.0),
            live: constant(64.0 * MIB as f64),
            non_heap_bytes: 0,
            knobs: no_knobs,
            expect: steady,
        },
        Scenario {
            name: "StepAlloc",
            settings: settings(Some(100), None),
            alloc_rate: step(0.03, 0.06),
            scan_rate: constant(1.0),
            live: constant(64.0 * MIB as f64),
            non_heap_bytes: 0,
            knobs: no_knobs,
            expect: stepped,
        },
        Scenario {
            name: "HeavyStepAlloc",
            settings: settings(Some(100), None),
            alloc_rate: step(0.03, 0.3),
            scan_rate: constant(1.0),
            live: constant(64.0 * MIB as f64),
            non_heap_bytes: 0,
            knobs: no_knobs,
            expect: stepped,
        },
        Scenario {
            name: "StepLiveHeap",
            settings: settings(Some(100), None),
            alloc_rate: constant(0.03),
            scan_rate: constant(1.0),
            live: step(32.0 * MIB as f64, 64.0 * MIB as f64),
            non_heap_bytes: 0,
            knobs: no_knobs,
            expect: stepped,
        },
        Scenario {
            name: "HighGOGC",
            settings: settings(Some(1500), None),
            alloc_rate: constant(0.5),
            scan_rate: constant(1.0),
            live: constant(16.0 * MIB as f64),
            non_heap_bytes: 0,
            knobs: no_knobs,
            expect: steady,
        },
        Scenario {
            name: "OscAlloc",
            settings: settings(Some(100), None),
            alloc_rate: oscillate(0.04, 0.02, 10),
            scan_rate: constant(1.0),
            live: constant(64.0 * MIB as f64),
            non_heap_bytes: 0,
            knobs: no_knobs,
            expect: Expect::Settles {
                from: 0,
                util_step: None,
            },
        },
        Scenario {
            name: "JitterAlloc",
            settings: settings(Some(100), None),
            alloc_rate: jitter(0.04, 0.4, 0x5EED_0001),
            scan_rate: jitter(1.0, 0.2, 0x5EED_0002),
            live: constant(64.0 * MIB as f64),
            non_heap_bytes: 0,
            knobs: no_knobs,
            expect: Expect::Settles {
                from: 0,
                util_step: None,
            },
        },
        Scenario {
            name: "JitterLiveHeap",
            settings: settings(Some(100), None),
            alloc_rate: constant(0.03),
            scan_rate: constant(1.0),
            live: jitter(64.0 * MIB as f64, 0.1, 0x5EED_0003),
            non_heap_bytes: 0,
            knobs: no_knobs,
            expect: Expect::Settles {
                from: 0,
                util_step: None,
            },
        },
        Scenario {
            name: "SetGCPercent",
            settings: settings(Some(100), None),
            alloc_rate: constant(0.03),
            scan_rate: constant(1.0),
            live: constant(64.0 * MIB as f64),
            non_heap_bytes: 0,
            knobs: |cycle, pacer| {
                if cycle == CHANGE_AT {
                    assert_eq!(pacer.set_gc_percent(Some(300)), Some(100));
                }
            },
            expect: stepped,
        },
        Scenario {
            name: "MemoryLimitMet",
            settings: settings(Some(100), Some(96 * MIB)),
            alloc_rate: constant(0.03),
            scan_rate: constant(1.0),
            live: constant(64.0 * MIB as f64),
            non_heap_bytes: 2 * MIB,
            knobs: no_knobs,
            expect: Expect::MeetsLimit { limit: 96 * MIB },
        },
        Scenario {
            name: "MemoryLimitOnly",
            settings: settings(None, Some(128 * MIB)),
            alloc_rate: constant(0.03),
            scan_rate: constant(1.0),
            live: constant(64.0 * MIB as f64),
            non_heap_bytes: 2 * MIB,
            knobs: no_knobs,
            expect: Expect::MeetsLimit { limit: 128 * MIB },
        },
        Scenario {
            name: "MemoryLimitUnmet",
            settings: settings(Some(100), Some(64 * MIB)),
            alloc_rate: constant(0.1),
            scan_rate: constant(1.0),
            live: constant(96.0 * MIB as f64),
            non_heap_bytes: 2 * MIB,
            knobs: no_knobs,
            expect: Expect::LimitUnmet,
        },
    ]
}

/// What one simulated cycle produced.
#[derive(Clone, Copy, Debug)]
struct Cycle {
    goal: usize,
    hard_goal: usize,
    trigger: usize,
    peak: usize,
    peak_over_goal: f64,
    /// GC share of CPU during the mark phase.
    mark_utilization: f64,
    /// GC and mutator nanoseconds over the whole cycle (idle and marking).
    gc_nanos: f64,
    mutator_nanos: f64,
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

fn simulate(s: &Scenario) -> Vec<Cycle> {
    let mut sim = Sim {
        pacer: Pacer::new(s.settings),
        heap: 0,
    };
    sim.pacer.set_non_heap_bytes(s.non_heap_bytes);
    (0..CYCLES).map(|k| sim.cycle(s, k)).collect()
}

/// Cycles after `from` until every later cycle is settled (0 if all are).
fn cycles_to_settle(cycles: &[Cycle], from: usize, util_step: Option<f64>) -> usize {
    let settled = |j: usize| {
        let c = &cycles[j];
        let in_band = (PEAK_BAND.0..=PEAK_BAND.1).contains(&c.peak_over_goal);
        let steady_util = match (util_step, j.checked_sub(1)) {
            (Some(tol), Some(prev)) => {
                (c.mark_utilization - cycles[prev].mark_utilization).abs() <= tol
            }
            _ => true,
        };
        in_band && steady_util
    };
    (from..cycles.len())
        .rev()
        .find(|&j| !settled(j))
        .map_or(0, |j| j + 1 - from)
}

/// GC share of CPU over a range of cycles.
fn gc_fraction(cycles: &[Cycle]) -> f64 {
    let gc: f64 = cycles.iter().map(|c| c.gc_nanos).sum();
    let mutator: f64 = cycles.iter().map(|c| c.mutator_nanos).sum();
    gc / (gc + mutator)
}

/// One row of the results table.
struct Row {
    name: &'static str,
    settle: Option<usize>,
    peak_over_goal: (f64, f64),
    peak_over_hard: f64,
    mark_utilization: f64,
    gc_fraction: f64,
    gc_fraction_late: f64,
}

fn summarize(s: &Scenario, cycles: &[Cycle]) -> Row {
    let (settle, from) = match s.expect {
        Expect::Settles { from, util_step } => {
            (Some(cycles_to_settle(cycles, from, util_step)), from)
        }
        Expect::MeetsLimit { .. } => (Some(cycles_to_settle(cycles, 0, Some(0.02))), 0),
        Expect::LimitUnmet => (None, 0),
    };
    let after = &cycles[from + settle.unwrap_or(0)..];
    let ratios = after.iter().map(|c| c.peak_over_goal);
    Row {
        name: s.name,
        settle,
        peak_over_goal: (
            ratios.clone().fold(f64::MAX, f64::min),
            ratios.fold(0.0, f64::max),
        ),
        peak_over_hard: cycles
            .iter()
            .map(|c| c.peak as f64 / c.hard_goal as f64)
            .fold(0.0, f64::max),
        mark_utilization: after.iter().map(|c| c.mark_utilization).sum::<f64>()
            / after.len() as f64,
        gc_fraction: gc_fraction(cycles),
        gc_fraction_late: gc_fraction(&cycles[CYCLES / 2..]),
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<17} {:>7} {:>15} {:>9} {:>9} {:>8} {:>8}",
        "scenario", "settle", "peak/goal", "peak/hard", "mark util", "GC CPU", "GC late"
    );
    for r in rows {
        let settle = r.settle.map_or("-".to_owned(), |n| n.to_string());
        println!(
            "{:<17} {:>7} {:>7.3}..{:<6.3} {:>9.3} {:>9.3} {:>8.4} {:>8.4}",
            r.name,
            settle,
            r.peak_over_goal.0,
            r.peak_over_goal.1,
            r.peak_over_hard,
            r.mark_utilization,
            r.gc_fraction,
            r.gc_fraction_late
        );
    }
}

/// The bars each scenario must clear; returns the failures.
fn check(s: &Scenario, cycles: &[Cycle], row: &Row) -> Vec<String> {
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(format!("{}: {what}", s.name));
    if let Some(settle) = row.settle {
        if settle > SETTLE_BOUND {
            fail(format!(
                "settled after {settle} cycles (bound {SETTLE_BOUND})"
            ));
        }
    }
    match s.expect {
        Expect::Settles { .. } | Expect::MeetsLimit { .. } => {
            for (k, c) in cycles.iter().enumerate() {
                // The heap pays its debt at the safe point after an allocation,
                // so the quantum during which marking completes may cross the
                // hard goal; nothing more may.
                if c.peak > c.hard_goal + SAFE_POINT_BYTES {
                    fail(format!(
                        "cycle {k}: peak {} above hard goal {}",
                        c.peak, c.hard_goal
                    ));
                }
                if !(c.trigger <= c.peak && c.goal <= c.hard_goal) {
                    fail(format!("cycle {k}: trigger/goal order broken: {c:?}"));
                }
            }
        }
        Expect::LimitUnmet => {}
    }
    match s.expect {
        Expect::MeetsLimit { limit } => {
            let worst = cycles
                .iter()
                .map(|c| c.peak + s.non_heap_bytes)
                .max()
                .unwrap_or(0);
            if worst > limit {
                fail(format!("footprint {worst} above the memory limit {limit}"));
            }
        }
        Expect::LimitUnmet => {
            let cpu_limit = s.settings.cpu_limit;
            if row.gc_fraction_late > cpu_limit + 0.02 {
                fail(format!(
                    "GC CPU {:.3} above the limit {cpu_limit}",
                    row.gc_fraction_late
                ));
            }
            let late = &cycles[CYCLES / 2..];
            if late.iter().any(|c| c.mutator_nanos <= 0.0) || 1.0 - row.gc_fraction_late < 0.45 {
                fail("the mutator stopped making progress".to_owned());
            }
        }
        Expect::Settles { .. } => {}
    }
    failures
}

#[test]
#[cfg_attr(
    miri,
    ignore = "pure safe arithmetic: Miri adds nothing, natively it runs in a second"
)]
fn pacer_scenarios() {
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for s in scenarios() {
        let cycles = simulate(&s);
        let row = summarize(&s, &cycles);
        failures.extend(check(&s, &cycles, &row));
        rows.push(row);
    }
    print_table(&rows);
    assert!(
        failures.is_empty(),
        "pacer bars missed:\n{}",
        failures.join("\n")
    );
}

/// At steady state with an unclamped trigger, marking takes the goal share of
/// the CPU: the trigger is where Go's formula puts it.
#[test]
#[cfg_attr(
    miri,
    ignore = "pure safe arithmetic: Miri adds nothing, natively it runs in a second"
)]
fn steady_state_marks_at_the_goal_utilization() {
    let s = scenarios()
        .into_iter()
        .find(|s| s.name == "Steady")
        .expect("Steady exists");
    let cycles = simulate(&s);
    for c in &cycles[CYCLES - 10..] {
        assert!((c.mark_utilization - 0.25).abs() < 0.02, "{c:?}");
        let span = (c.goal - c.trigger) as f64 / c.goal as f64;
        assert!(span > 0.0 && span < 0.3, "{c:?}");
    }
}

/// The simulation is deterministic: two runs give identical cycles.
#[test]
#[cfg_attr(
    miri,
    ignore = "pure safe arithmetic: Miri adds nothing, natively it runs in a second"
)]
fn simulation_is_deterministic() {
    let s = scenarios()
        .into_iter()
        .find(|s| s.name == "JitterAlloc")
        .expect("JitterAlloc exists");
    let (a, b) = (simulate(&s), simulate(&s));
    let key = |c: &Cycle| (c.peak, c.trigger, c.goal);
    assert!(a.iter().map(key).eq(b.iter().map(key)));
}
