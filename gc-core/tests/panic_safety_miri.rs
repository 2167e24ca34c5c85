//! The panic-safety cases of `tests/panic_safety.rs` on gc-core directly, with small sizes
//! under Miri, where a second drop or a use after free is reported as undefined
//! behaviour rather than left to the system allocator to notice.
//!
//! The cases are shared with the facade's test: `../../tests/panic_safety/`.

mod gc {
    pub use gc_core::*;
    pub use gc_derive::Trace;
}

#[path = "../../tests/panic_safety/cases.rs"]
mod cases;
#[path = "../../tests/panic_safety/fault_injection.rs"]
mod fault_injection;
