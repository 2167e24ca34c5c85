//! The weak-reference cases of `tests/weak.rs` on gc-core directly, small enough for Miri.
//!
//! The cases are shared with the facade's test: `../../tests/weak/cases.rs`.

mod gc {
    pub use gc_core::*;
    pub use gc_derive::Trace;
}

#[path = "../../tests/weak/cases.rs"]
mod cases;
