//! Compile-fail tests of the safety model: programs that would be unsound if they
//! compiled, each of which the API must reject.
//!
//! The brand (`Gc<'gc, _>`, `GcWeak`, `&Mutation`, the root reference and `Write` cannot
//! leave the `mutate` call that made them, nor mix with another heap's), the write
//! barrier (`Lock::set` and `RefLock::borrow_mut` need a `Write`; the slots of managed
//! arrays, `GcVec` buffers and `Gc<[Lock<T>]>` are `Lock`s too, `unlock!` cannot
//! project through another object nor be coerced into a `Write` for the object behind a
//! `Gc` field, `Write::assume` is unsafe), collections needing the
//! heap exclusively, and `Gc` staying on its thread. Each file in `compile_fail_safety/`
//! says why it must fail; its `.stderr` records how. Regenerate with `TRYBUILD=overwrite`
//! after a deliberate change and read every diff: each must fail for its own reason, not
//! an unrelated one. The derive's compile-fail tests are in `compile_fail/`.

#[test]
#[cfg_attr(miri, ignore = "trybuild runs cargo and rustc, which Miri cannot")]
fn safety_model_compile_fail() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail_safety/*.rs");
}
