//! Panic-safety cases: user code the collector runs (a `Drop`, a cycle callback, a
//! `Trace` impl) panics during a collection. The policy is in docs/embedding.md
//! ("Panics").
//!
//! - [`cases`]: one case per rule of the policy, and the regressions of issue 10;
//! - [`fault_injection`]: a `Drop` that panics on its N-th call, for every N.
//!
//! Declared as tests by [`panic_safety_tests!`](crate::panic_safety_tests) in
//! `tests/panic_safety.rs` and `gc-core/tests/panic_safety_miri.rs`.

pub mod cases;
pub mod fault_injection;

pub use cases::*;
pub use fault_injection::{
    every_drop_can_panic_once, every_drop_panicking_still_drops_each_object_once,
};

/// Declares every panic-safety case as a `#[test]` of the calling test crate (which
/// writes `tenure_test_support::panic_safety_tests!();` at its root).
#[macro_export]
macro_rules! panic_safety_tests {
    () => {
        $crate::tests_for! {
            panic_safety:
            drop_panicking_during_sweep_runs_once,
            drop_panicking_during_incremental_sweep_step_runs_once,
            drop_panicking_during_minor_gc_leaves_heap_consistent,
            cycle_callback_panic_is_resumed_after_the_collection,
            dropping_the_heap_drops_every_object_once_despite_panics,
            heap_dropped_while_unwinding_does_not_abort,
            trace_panic_poisons_the_heap,
            every_drop_can_panic_once,
            every_drop_panicking_still_drops_each_object_once,
        }
    };
}
