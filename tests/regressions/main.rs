//! Regression tests, one module per bug: each module's docs say what broke and which
//! commit fixed it. A bug found later gets a module here, named after the bug.
//!
//! This is one test binary (`cargo test -p tenure --test regressions`); the modules
//! use the facade's public API only.

mod finalization_queue_registered_twice;
mod old_object_born_with_young_pointer;
mod verify_flags_ephemeron_values_while_marking;
mod verify_skips_ephemeron_values_after_the_first_walk;
