//! Where the major (old-generation) cycle stands.
//!
//! Phases: `Idle` -> `Marking` -> `Sweeping` -> `Idle`. The state holds the
//! current phase so that the barrier and the allocation path can ask "is
//! marking under way?"; only the collector's hub (`collect/collector.rs`)
//! changes it, through `set_phase`, which asserts the transition.

/// Where the major (old-generation) cycle stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Phase {
    /// No major cycle: the old generation grows toward the trigger.
    #[default]
    Idle,
    /// Marking incrementally: the barrier re-grays written black objects and
    /// allocation owes assist work.
    Marking,
    /// Marking is done; garbage cells are being freed in steps.
    Sweeping,
}
