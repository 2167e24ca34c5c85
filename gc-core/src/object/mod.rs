//! Layer 2, object: what every managed object is, whatever its type.
//!
//! The header and static type descriptor (`header`), the `Trace` contract and
//! the `Tracer` handed to it (`trace`, with the impls for std types in
//! `std_impls`), and the operations a weak container gives the collector
//! (`weak_ops`), a prefetch hint for the collector's scans (`prefetch`), and how the destructors the collector runs are kept from
//! unwinding through it (`unwind`). This layer knows nothing of spaces or of any collector: the
//! collector that builds a `Tracer` decides what visiting an edge means
//! (`collect/dispatch.rs`).

#[cfg(any(feature = "hashbrown", feature = "indexmap", feature = "smallvec"))]
mod ext_impls;
pub(crate) mod header;
pub(crate) mod payload;
pub(crate) mod prefetch;
pub(crate) mod shape;
mod std_impls;
pub(crate) mod trace;
pub(crate) mod unwind;
pub(crate) mod weak_ops;
