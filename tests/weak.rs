//! Weak references across every kind of collection: young targets that move or die young,
//! old targets freed by full and incremental cycles, revival while marking, weak cells
//! inside managed objects, and an old weak cell with a young target.
//!
//! The cases live in `tenure_test_support::weak`, which `gc-core/tests/weak_miri.rs` also
//! runs.

tenure_test_support::weak_tests!();
