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
//!
//! The files: `scenarios.rs` (the table), `sim.rs` (the simulated heap and mutator),
//! `bars.rs` (settling, the results table and the checks) and this one (the constants
//! and the tests).

mod bars;
mod scenarios;
mod sim;

use bars::{check, print_table, summarize};
use scenarios::scenarios;
use sim::{simulate, Cycle};

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
