//! Layer 6, collect: the collector's algorithms.
//!
//! `collector` is the hub: it tells the whole cycle as numbered steps and
//! drives the others; `young` is its young-generation glue. `evacuate` is the minor GC (Cheney copying of the young
//! generation, `copy` its per-object byte copy), `mark` the incremental tri-colour marking of the old one
//! (`oblet`: big objects marked in pieces, `deadline`: a mark step's time limit),
//! `sweep` its lazy, proportional sweeping (`weak_cells`: old weak cells
//! cleared in its first steps), `scavenge` the bounded return
//! of idle old-space memory to the OS, `settle` the fixed point every traversal
//! reaches over weak containers, `barrier` the write barrier, `cards` the
//! indexed barrier of managed arrays and the card remembered set, `verify` the heap
//! verifier (with `space_index`, its index of old space by address),
//! `snapshot` the object-graph walker behind heap dumps and retaining paths,
//! and `dispatch` routes each edge a `Tracer` visits to the traversal that
//! built it. `root_scan` scans the root containers and the stash by the chunks
//! that changed, `assist` paces the assist debt at safe points. With the `record` feature, `record` is the recorder's hook.

pub(crate) mod assist;
pub(crate) mod barrier;
pub(crate) mod cards;
pub(crate) mod collector;
mod copy;
pub(crate) mod deadline;
mod dispatch;
pub(crate) mod evacuate;
pub(crate) mod mark;
pub(crate) mod oblet;
#[cfg(feature = "record")]
mod record;
pub(crate) mod root_scan;
pub(crate) mod scavenge;
pub(crate) mod settle;
pub(crate) mod snapshot;
mod space_index;
pub(crate) mod sweep;
pub(crate) mod verify;
pub(crate) mod weak_cells;
pub(crate) mod young;
