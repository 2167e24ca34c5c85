//! The knob table: every knob of the collector, declared once.
//!
//! Each entry gives the knob's name (its field, getter, builder method and
//! canonical `TENURE_GC` key), its setter, its other `TENURE_GC` keys, its
//! Rust type (which fixes its `TENURE_GC` syntax, see [`super::syntax`]), its
//! default, the values it accepts (a rule from [`super::rule`], whose
//! description is the range text of errors and docs), its unit, and its doc
//! comment. The first paragraph of the doc is the knob's line in the reference
//! table of `docs/tuning.md`; the rest says why the default is what it is.
//! [`super::declare::knob_table!`] generates the rest, including one bounds
//! test per knob.
//!
//! The order here is the order of `TENURE_GC` keys in [`Config::keys`],
//! [`Config::to_env_string`] and the docs. Relations between knobs are not
//! ranges and live in [`super::relations`].
//!
//! Adding a knob: add an entry here, run
//! `TENURE_BLESS=1 cargo test -p gc-core --lib config` to regenerate the table
//! in `docs/tuning.md`, and read the knob's field where it is used.

use std::time::Duration;

use super::declare::{knob_table, Field};
use super::error::ConfigError;
use super::rule::{self, above_at_most, ages, at_least, between, off_or, on_off, Rule};
use super::syntax::Value;
use super::ConfigBuilder;
use crate::policy::pacer::young::{Tenuring, MAX_AGE};
use crate::policy::units::{GIB, KIB, MIB};

/// One tebibyte in bytes, or the largest `usize` on targets where it does not fit.
pub(crate) const TIB_OR_MAX: usize = {
    let tib = 1u64 << 40;
    if tib <= usize::MAX as u64 {
        tib as usize
    } else {
        usize::MAX
    }
};

knob_table! {
    /// The collector's knobs; always valid (see the module docs for the rules).
    ///
    /// Each knob has a getter (`config.eden_size()`), a validating setter that
    /// returns the old value (`config.set_eden_size(16 << 20)`) and a builder
    /// method ([`ConfigBuilder`]); all are generated from one table.
    pub struct Config;

    /// Heap growth per cycle, in percent of live + root bytes; `off` leaves
    /// only the memory limit to drive collection.
    ///
    /// Default 100 (Go's `GOGC=100`): the heap may double between cycles.
    /// Accepted from 1 (collect almost continuously) to 100000 (Go's effective
    /// ceiling; higher is the same as off).
    gc_percent: Option<u32> {
        set: set_gc_percent,
        aliases: ["gogc"],
        default: Some(100),
        accepts: off_or(between(1, 100_000)),
        unit: "percent",
    }

    /// Soft limit on the heap's footprint (objects, external bytes reported by
    /// `Trace`, heap overhead): near it the collector works harder.
    ///
    /// Default none. Below 1 MiB the heap's fixed structures alone exceed it.
    memory_limit: Option<usize> {
        set: set_memory_limit,
        aliases: [],
        default: None,
        accepts: off_or(at_least(MIB)),
        unit: "size",
    }

    /// Hard cap on the heap's footprint: allocation past it is an error. Must
    /// be at least `memory_limit` and `min_heap`.
    ///
    /// Default none; at least 1 MiB for the same reason as `memory_limit`.
    max_heap: Option<usize> {
        set: set_max_heap,
        aliases: [],
        default: None,
        accepts: off_or(at_least(MIB)),
        unit: "size",
    }

    /// Smallest heap goal at `gc_percent = 100` (scaled by `gc_percent / 100`).
    ///
    /// Default 4 MiB, Go's: below it a collection would recover too little to
    /// be worth its fixed costs.
    min_heap: usize {
        set: set_min_heap,
        aliases: [],
        default: 4 * MIB,
        accepts: between(64 * KIB, TIB_OR_MAX),
        unit: "size",
    }

    /// Whether new objects go to Eden (the young generation); off allocates
    /// straight into the old generation. Fixed once the heap is built.
    generational: bool {
        set: set_generational,
        aliases: [],
        default: true,
        accepts: on_off(),
        unit: "switch",
    }

    /// Eden size (the largest size when `minor_pause_target` is set; Eden then starts at a sixteenth).
    ///
    /// Default 4 MiB: large enough that the short-lived objects of an
    /// interpreter's statement die before a minor GC; small enough that copying
    /// a typical 10% of survivors (400 KiB at ~1 byte/ns) keeps a minor pause
    /// near 0.4 ms. At least 64 KiB (smaller Edens collect every few objects),
    /// at most 1 GiB (larger Edens make minor pauses long).
    eden_size: usize {
        set: set_eden_size,
        aliases: ["eden"],
        default: 4 * MIB,
        accepts: between(64 * KIB, GIB),
        unit: "size",
    }

    /// Eden size divided by the size of one survivor space (HotSpot's
    /// `SurvivorRatio`).
    ///
    /// Default 8: each survivor space gets 1/8 of Eden, room for the 5-15%
    /// that typically survive.
    survivor_ratio: u32 {
        set: set_survivor_ratio,
        aliases: [],
        default: 8,
        accepts: between(1, 64),
        unit: "integer",
    }

    /// How the tenuring threshold is chosen: fixed, or adapted after every
    /// minor GC up to a maximum.
    ///
    /// Default adaptive up to 15 (HotSpot's). Thresholds count minor GCs
    /// survived; four header bits hold an object's age, hence at most 15.
    tenuring: Tenuring {
        set: set_tenuring,
        aliases: [],
        default: Tenuring::Adaptive { max: MAX_AGE },
        accepts: ages(between(1, MAX_AGE)),
        unit: "minor GCs survived",
    }

    /// Target fill of a survivor space for adaptive tenuring (HotSpot's
    /// `TargetSurvivorRatio`).
    ///
    /// Default 50%: leaves room for a burst of survivors.
    target_survivor_ratio: u8 {
        set: set_target_survivor_ratio,
        aliases: [],
        default: 50,
        accepts: between(1, 100),
        unit: "percent",
    }

    /// Minor pause the adaptive Eden sizing aims for, and the bound on the
    /// remembered set that asks for a minor GC; `off` keeps Eden at
    /// `eden_size` and the remembered set unbounded.
    ///
    /// Default 600 us: Eden is sized from the measured copy cost per byte
    /// after the fixed costs (roots, remembered set, drop lists), between 1/16
    /// of `eden_size` and `eden_size`, and a remembered set of half the
    /// target's worth of entries (3,000 at 600 us, `pacer::remembered`) runs a
    /// minor GC before Eden is full. Not 1 ms: a safe point that runs a minor
    /// GC often runs a mark or sweep step too (a sweep step takes up to 250
    /// us), so a 1 ms minor GC made a step over 1 ms; with a 1 ms target,
    /// intern's and the Scheme programs' minor GCs took 1.0-1.5 ms in their
    /// tails. Below 10 us the fixed cost of scanning roots exceeds it; above
    /// 10 s it is not a pause target.
    minor_pause_target: Option<Duration> {
        set: set_minor_pause_target,
        aliases: [],
        default: Some(Duration::from_micros(600)),
        accepts: off_or(between(Duration::from_micros(10), Duration::from_secs(10))),
        unit: "duration",
    }

    /// Objects of at least this many bytes are allocated in the large-object
    /// space. At most `eden_size`.
    ///
    /// Default 8 KiB: copying 8 KiB costs as much as copying ~100 small
    /// objects, and two 4 KiB pages is where a dedicated, never-moving
    /// allocation starts to pay.
    large_object_threshold: usize {
        set: set_large_object_threshold,
        aliases: [],
        default: 8 * KIB,
        accepts: between(256, MIB),
        unit: "size",
    }

    /// Largest share of CPU time for collection; 1 disables the limiter.
    ///
    /// Default 0.5, like Go's limiter.
    cpu_limit: f64 {
        set: set_cpu_limit,
        aliases: [],
        default: 0.5,
        accepts: above_at_most(0.0, 1.0),
        unit: "fraction or percent",
    }

    /// Whether allocation sites (types) whose objects mostly survive are
    /// allocated straight into old space while the survivor space overflows
    /// (pretenuring; `Stats::pretenured_types`).
    ///
    /// Default on: a program whose young objects all survive (a message
    /// window, a cache, a growing tree) otherwise copies every object once
    /// and runs a minor GC per Eden of survivors. A site is pretenured at 85%
    /// survival over at least 100 samples, as V8 decides; one allocation in 16
    /// stays young so that the decision can revert, and each major cycle
    /// judges the site's old objects too, reverting it when most of them died
    /// (a tree built and dropped, whose young probes old garbage keeps alive)
    /// and barring it for a backoff that doubles per such revert. Turn it off
    /// when one type holds both long-lived and short-lived data in phases
    /// shorter than a major cycle. `Gc::new_old` pretenures one allocation
    /// explicitly.
    pretenuring: bool {
        set: set_pretenuring,
        aliases: [],
        default: true,
        accepts: on_off(),
        unit: "switch",
    }

    /// Whether old-generation marking runs in steps paced by allocation (else
    /// in one pause).
    incremental: bool {
        set: set_incremental,
        aliases: [],
        default: true,
        accepts: on_off(),
        unit: "switch",
    }

    /// Work per incremental mark step, in work units (bytes scanned).
    ///
    /// Default 64 KiB: at a scan rate of ~1 byte/ns that is ~65 us, so a step
    /// stays under Go's 100 us pause target while the ~1 us fixed cost of a
    /// step stays under 2%. At least 1 KiB (below it the per-step overhead
    /// dominates), at most 1 GiB (one step would mark most heaps at once).
    mark_step_budget: usize {
        set: set_mark_step_budget,
        aliases: [],
        default: 64 * KIB,
        accepts: between(KIB, GIB),
        unit: "work units (bytes scanned), written as a size",
    }

    /// Clock-free collection: every step ends when its work budget is done,
    /// never by the clock, so two runs of one program do the same collector
    /// work at the same safe points.
    ///
    /// Default off: pauses are bounded in time by reading the clock (a mark,
    /// sweep or drop step stops when its time is spent, Eden is sized by the
    /// measured minor pause, the CPU limiter and the trigger's cons/mark
    /// ratio measure time). On, the steps stop by work alone, Eden stays at
    /// `eden_size`, the CPU limiter is off and the trigger counts one
    /// nanosecond per byte allocated or scanned. For tests that compare two
    /// heaps and for replaying a bug; pauses are then bounded in work only.
    deterministic: bool {
        set: set_deterministic,
        aliases: [],
        default: false,
        accepts: on_off(),
        unit: "switch",
    }

    /// Stress mode: collect at every safe point, verify after every
    /// collection, poison freed memory.
    stress: bool {
        set: set_stress,
        aliases: [],
        default: false,
        accepts: on_off(),
        unit: "switch",
    }

    /// Run the heap verifier after each collection.
    verify: bool {
        set: set_verify,
        aliases: [],
        default: false,
        accepts: on_off(),
        unit: "switch",
    }

    /// Print one line per cycle to stderr.
    gctrace: bool {
        set: set_gctrace,
        aliases: [],
        default: false,
        accepts: on_off(),
        unit: "switch",
    }
}
