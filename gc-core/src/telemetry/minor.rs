//! What one minor GC did, as the program sees it in `Stats::last_minor`.

use crate::policy::pacer::young::MAX_AGE;

/// What one minor GC did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinorOutcome {
    /// Bytes copied into the survivor to-space.
    pub survived_bytes: usize,
    /// Bytes promoted into the old generation.
    pub promoted_bytes: usize,
    /// Of those, bytes promoted only because the to-space was full.
    pub premature_bytes: usize,
    /// Outside-heap bytes (`Vec` buffers, `String`s) owned by promoted objects.
    pub promoted_external_bytes: usize,
    /// Objects copied or promoted.
    pub copied_objects: usize,
    /// Dead young objects whose `Drop` ran inside this minor GC.
    pub dropped_objects: usize,
    /// Drop-list entries (dead or evacuated) handed to the drop queue, whose
    /// dead objects are dropped by later safe points (`Stats::pending_drops`).
    pub deferred_drops: usize,
    /// Bytes of Eden objects found alive (copied or promoted): the cohort
    /// that survived its first minor GC. When it exceeds a survivor space,
    /// adaptive tenuring promotes at the first minor GC (threshold 0).
    pub first_cohort_bytes: usize,
    /// Time spent scanning the roots, the stash and the remembered set
    /// (including copying what they point to directly): the part of the pause
    /// that Eden's size does not change.
    pub root_scan_time: std::time::Duration,
    /// Of the bytes copied or promoted, those copied during the root scan
    /// (what the roots, the stash and the remembered set point to directly).
    /// The Eden sizer counts that share of `root_scan_time` as copying, not
    /// as fixed cost: when everything that survives hangs off the root (a
    /// window of messages), nearly all of the root scan is copying.
    pub root_copied_bytes: usize,
    /// Time spent dropping short drop lists inside the pause.
    pub drop_time: std::time::Duration,
    /// Bytes in Eden when the collection started.
    pub eden_bytes: usize,
    /// Survivor bytes by age after the collection (HotSpot's age table).
    pub age_bytes: [usize; MAX_AGE as usize + 1],
}
