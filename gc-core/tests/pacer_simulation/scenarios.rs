//! The scenario table: per-cycle allocation rate, scan rate and live heap (constant,
//! stepped, oscillating or jittered series), pacer settings, run-time knob changes, and
//! the bar each scenario must clear.

use gc_core::pacer::{Pacer, PacerSettings};

use super::{CHANGE_AT, CYCLES, MIB};

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
pub(crate) enum Expect {
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

pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) settings: PacerSettings,
    /// Bytes allocated per nanosecond of mutator time.
    pub(crate) alloc_rate: Series,
    /// Work units scanned per nanosecond of GC time.
    pub(crate) scan_rate: Series,
    /// Live bytes of the program's data at each cycle.
    pub(crate) live: Series,
    /// Non-object bytes the heap reports against the memory limit.
    pub(crate) non_heap_bytes: usize,
    /// Run-time knob changes: called with the pacer before each cycle.
    pub(crate) knobs: fn(usize, &mut Pacer),
    pub(crate) expect: Expect,
}

fn no_knobs(_: usize, _: &mut Pacer) {}

fn settings(gc_percent: Option<u32>, memory_limit: Option<usize>) -> PacerSettings {
    PacerSettings {
        gc_percent,
        memory_limit,
        ..PacerSettings::default()
    }
}

pub(crate) fn scenarios() -> Vec<Scenario> {
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
