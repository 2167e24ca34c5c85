//! Layer 3, space: the memory objects live in, in the order an object passes
//! through it.
//!
//! `eden` (bump allocation of every new young object), `survivor` (the two
//! semispaces a minor GC copies into), `old` (size-segregated, non-moving
//! blocks) and `large` (one allocation per big object); `marks` keeps old objects' colours
//! (side mark bitmaps, the header's gray bit). `drop_list` drops the
//! young objects that died needing `Drop`, and `poison` fills freed memory in
//! stress mode; `young_ranges` answers "is this address young?" without
//! reading the object; `address_hash` hashes the addresses tables are keyed by.
//! A space stores and frees objects; when an object moves or dies
//! is decided by the collector (`collect`). Every space runs a dead object's
//! drop glue through `object/unwind`, so a `Drop` that panics cannot leave a
//! half-freed object behind to be dropped again.

pub(crate) mod address_hash;
pub(crate) mod drop_list;
pub(crate) mod eden;
pub(crate) mod large;
pub(crate) mod marks;
pub(crate) mod old;
pub(crate) mod poison;
pub(crate) mod survivor;
pub(crate) mod young_ranges;
