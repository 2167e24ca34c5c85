//! The stress and regression cases of `tests/stress.rs` on gc-core directly, with small
//! sizes under Miri (a 300-node list instead of a million, and so on).
//!
//! The cases are shared with the facade's test: `tenure_test_support::stress`.

tenure_test_support::stress_tests!();
