//! The weak-reference cases of `tests/weak.rs` on gc-core directly, small enough for Miri.
//!
//! The cases are shared with the facade's test: `tenure_test_support::weak`.

tenure_test_support::weak_tests!();
