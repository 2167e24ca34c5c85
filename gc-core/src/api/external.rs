//! Reporting outside-heap memory as it changes hands.
//!
//! The program's side of `state/external.rs`, which explains the two ways
//! the collector learns of memory owned outside the heap: reported by a
//! `Trace` impl at each trace (`Tracer::external_bytes`, for what a managed
//! object owns), or reported by the program as it happens (here, for memory
//! no `Trace` impl sees, or growth that must be paced before the next trace).

use crate::api::mutation::Mutation;

impl<'gc> Mutation<'gc> {
    /// Counts `bytes` of memory the program has just taken outside the heap
    /// (a host buffer, a foreign library's allocation), so that the heap size,
    /// the pacer (when marking starts, how much assist work each byte owes),
    /// the hard cap and the memory limit see it now rather than at the next
    /// trace. The count lasts until [`Mutation::release_external`] gives the
    /// bytes back. For memory a managed object owns and its `Trace` impl
    /// reports (`Tracer::external_bytes`), do not also report it here: see
    /// "Memory outside the heap" in docs/embedding.md for which to use.
    pub fn report_external(&self, bytes: usize) {
        self.state().report_external(bytes);
    }

    /// Gives back `bytes` reported with [`Mutation::report_external`]. Returns
    /// the bytes released: never more than are reported (releasing more only
    /// empties the count; it never goes below zero). The room it frees under
    /// the hard cap (`max_heap`) is given back at the next safe point.
    pub fn release_external(&self, bytes: usize) -> usize {
        self.state().release_external(bytes)
    }
}
