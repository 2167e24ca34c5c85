//! The panic-safety cases of `tests/panic_safety.rs` on gc-core directly, with small sizes
//! under Miri, where a second drop or a use after free is reported as undefined
//! behaviour rather than left to the system allocator to notice.
//!
//! The cases are shared with the facade's test: `tenure_test_support::panic_safety`.

tenure_test_support::panic_safety_tests!();
