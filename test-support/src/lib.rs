//! Test code shared by tenure's test crates (dev-only, never published).
//!
//! Two test crates run the same cases: the facade's integration tests (`tests/`, through
//! `tenure`) and gc-core's (`gc-core/tests/`, which cannot depend on the facade and are
//! the ones run under Miri). This crate therefore depends on gc-core and the derive
//! only; the facade re-exports both, so its tests hand the same types in and out.
//!
//! - [`model`]: the model-test engine (programs, managed types, shadow graph, runner and
//!   checks), driven by proptest in `tests/model.rs` and by seeded programs in
//!   `gc-core/tests/model_miri.rs`;
//! - [`stress`]: stress and regression cases, declared as tests by [`stress_tests!`] in
//!   `tests/stress.rs` and `gc-core/tests/stress_miri.rs`;
//! - [`weak`]: weak-reference cases, declared as tests by [`weak_tests!`] in
//!   `tests/weak.rs` and `gc-core/tests/weak_miri.rs`;
//! - [`panic_safety`]: panicking user code during collections, declared as tests by
//!   [`panic_safety_tests!`] in `tests/panic_safety.rs` and
//!   `gc-core/tests/panic_safety_miri.rs`.
//!
//! Sizes shrink under `cfg(miri)`: Miri compiles this crate too, so `cfg!(miri)` here
//! sees the same setting as the test crate that runs it.

pub mod drop_count;
pub mod model;
pub mod panic_safety;
pub mod stress;
pub mod weak;

/// The collector's API as a user of the facade sees it (gc-core and the derive), so the
/// shared sources read like user code.
mod gc {
    pub use gc_core::*;
    pub use gc_derive::Trace;
}

/// Declares one `#[test]` per listed case of a module of this crate, calling the case
/// (used by [`stress_tests!`], [`weak_tests!`] and [`panic_safety_tests!`]).
#[doc(hidden)]
#[macro_export]
macro_rules! tests_for {
    ($module:ident: $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::$module::$case();
            }
        )*
    };
}
