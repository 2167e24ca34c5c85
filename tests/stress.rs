//! Stress and regression tests of the public API: a million-node list, cycles, large
//! objects, tables keyed by `Gc`, identity across moves, the hard cap.
//!
//! The cases live in `stress/cases.rs`, which `gc-core/tests/stress_miri.rs` also runs
//! (with small sizes under Miri).

mod gc {
    pub use tenure::*;
}

#[path = "stress/cases.rs"]
mod cases;
