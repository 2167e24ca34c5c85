//! Outside-heap bytes reported by the program as they come and go.
//!
//! The collector sees memory owned outside the heap in two ways:
//!
//! - **Traced** (`Tracer::external_bytes`): a `Trace` impl reports what its
//!   value owns (a `Vec`'s buffer) each time it is traced. Marking sums it
//!   over the live objects, so these bytes follow the objects' lives exactly,
//!   but they are measured only when a trace runs: growth between two
//!   collections is invisible until the next one.
//! - **Reported** (this module, `Mutation::report_external` and
//!   `Mutation::release_external`): the program says "I just took N bytes"
//!   and later "I gave back N", as the memory changes hands. Good for memory a
//!   host owns that no managed object's `Trace` can see (a big buffer behind a
//!   handle, a foreign library's arena), and for growth that must be paced as
//!   it happens. The running total persists across collections until released.
//!
//! Report each outside allocation one way, never both (it would be counted
//! twice). Both kinds add up in `GcState::external_bytes`, which the heap size,
//! the paced heap (trigger and assist), the hard cap and the memory limit all
//! read; a report also counts against the debt of the current `mutate` call
//! (so `debt_due` turns true when it is large), as an old-space allocation
//! does.

use crate::state::GcState;

impl GcState {
    /// Counts `bytes` of outside memory the program has just taken.
    pub(crate) fn report_external(&self, bytes: usize) {
        let add = |cell: &std::cell::Cell<usize>| cell.set(cell.get().saturating_add(bytes));
        let sub = |cell: &std::cell::Cell<usize>| cell.set(cell.get().saturating_sub(bytes));
        add(&self.reported_external);
        add(&self.external_bytes);
        // As an old allocation of `bytes` would: the hard cap and the debt
        // limit are both measured from the last safe point.
        sub(&self.alloc_limit);
        sub(&self.debt_limit);
        sub(&self.young_limit);
        sub(&self.profile.cap_young_limit);
    }

    /// Forgets up to `bytes` of reported outside memory; returns how many were
    /// released (no more than are reported: the count never goes below zero).
    pub(crate) fn release_external(&self, bytes: usize) -> usize {
        let released = bytes.min(self.reported_external.get());
        self.reported_external
            .set(self.reported_external.get() - released);
        self.external_bytes
            .set(self.external_bytes.get().saturating_sub(released));
        released
    }
}
