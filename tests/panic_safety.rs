//! Panic safety: what happens when user code that the collector runs (a `Drop`, a cycle
//! callback, a `Trace` impl) panics during a collection. The policy is in
//! docs/embedding.md ("Panics").
//!
//! The cases live in `tenure_test_support::panic_safety`, which
//! `gc-core/tests/panic_safety_miri.rs` also runs (with small sizes under Miri).

tenure_test_support::panic_safety_tests!();
