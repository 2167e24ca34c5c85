//! How big the remembered set may grow before it asks for a minor GC.
//!
//! A minor GC scans every remembered old object and every dirty card
//! (invariant I2), whatever Eden holds. A program that writes many old
//! objects but allocates little (a tree rebalanced in place, a table
//! updated slot by slot) fills the remembered set long before it fills
//! Eden, and its next minor GC then costs a cache miss per written object:
//! 50,000 remembered tree nodes took 3-5 ms in `balanced-tree`. OCaml's
//! minor heap requests a minor collection when its ref table is full; here
//! the table's size comes from the minor-pause target: half the target at
//! about `ENTRY_COST` per entry (a miss to an old object plus a few fields,
//! what `balanced-tree` measured), so scanning the set alone stays well
//! inside the pause.

use std::time::Duration;

/// The assumed cost of scanning one remembered object or dirty card.
pub const ENTRY_COST: Duration = Duration::from_nanos(100);

/// The fewest entries the set may hold before it asks for a minor GC, so a
/// tiny target does not turn every safe point into a minor GC.
pub const MIN_ENTRIES: usize = 1024;

/// Remembered objects plus newly dirtied cards at which a safe point runs a
/// minor GC even though Eden is not full; `None` (no pause target) means no
/// limit, as before this rule.
pub fn remembered_limit(minor_pause_target: Option<Duration>) -> usize {
    let Some(target) = minor_pause_target else {
        return usize::MAX;
    };
    let entries = target.as_nanos() / 2 / ENTRY_COST.as_nanos();
    usize::try_from(entries)
        .unwrap_or(usize::MAX)
        .max(MIN_ENTRIES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_the_target_at_the_entry_cost() {
        assert_eq!(remembered_limit(Some(Duration::from_millis(1))), 5_000);
        assert_eq!(remembered_limit(Some(Duration::from_millis(10))), 50_000);
    }

    #[test]
    fn a_tiny_target_keeps_the_floor_and_no_target_has_no_limit() {
        assert_eq!(
            remembered_limit(Some(Duration::from_micros(1))),
            MIN_ENTRIES
        );
        assert_eq!(remembered_limit(None), usize::MAX);
    }
}
