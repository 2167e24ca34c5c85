//! Stress and regression tests of the public API: a million-node list, cycles, large
//! objects, tables keyed by `Gc`, identity across moves, the hard cap.
//!
//! The cases live in `tenure_test_support::stress`, which `gc-core/tests/stress_miri.rs`
//! also runs (with small sizes under Miri).

tenure_test_support::stress_tests!();
