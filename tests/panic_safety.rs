//! Panic safety: what happens when user code that the collector runs (a `Drop`, a cycle
//! callback, a `Trace` impl) panics during a collection. The policy is in
//! docs/embedding.md ("Panics").
//!
//! The cases live in `panic_safety/cases.rs` and `panic_safety/fault_injection.rs`, which
//! `gc-core/tests/panic_safety_miri.rs` also runs (with small sizes under Miri).

mod gc {
    pub use tenure::*;
}

#[path = "panic_safety/cases.rs"]
mod cases;
#[path = "panic_safety/fault_injection.rs"]
mod fault_injection;
