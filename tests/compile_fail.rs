//! Compile-fail tests: programs the safety model must reject at compile time.
//!
//! Each file in `compile_fail/` must fail to build, with the error recorded in the
//! `.stderr` file beside it (regenerate with `TRYBUILD=overwrite` after a deliberate change,
//! and read the diff: each must fail for its own reason, not an unrelated one).

#[test]
#[cfg_attr(miri, ignore = "trybuild runs cargo and rustc, which Miri cannot")]
fn compile_fail() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
