//! `gc-core`: the runtime of the `tenure` garbage collector.
//!
//! A generational heap (Eden, survivor semispaces, a non-moving old
//! generation with a large object space), collected by copying minor GCs and
//! incremental tri-colour mark-sweep of the old generation, paced like Go's
//! collector. Start with [`Heap`]; read `collect/collector.rs` for the cycle
//! and `docs/architecture.md` for the walk-through. This file only declares
//! the layers and re-exports the public API.
//!
//! The folders are layers, from the bottom up; a module imports only from its
//! own layer and the ones below it (checked by `tests/layering.rs`):
//!
//! | layer | holds |
//! |---|---|
//! | [`policy`] | the pacer, the knob table, units: pure arithmetic, no heap access |
//! | `object` | the object header and type descriptor, `Trace`/`Tracer`, weak-container ops |
//! | `space` | where objects live: Eden, survivor semispaces, old blocks, large objects |
//! | `state` | the heap's state and allocation path, the phase, the stash table, errors |
//! | `telemetry` | counters, pauses and cycle reports |
//! | `collect` | the collector: the cycle's hub, evacuation, marking, sweeping, the barrier, the verifier |
//! | `api` | what the program uses: `Heap`, `Mutation`, `Gc`, cells, handles, weak containers |

#![deny(
    unsafe_op_in_unsafe_fn,
    unreachable_pub,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]

pub mod policy;

mod object;

mod space;

mod state;

mod telemetry;

mod collect;

mod api;

pub use policy::{config, pacer, units};

pub use api::array::{__dirty_cards, __mark_cards, Array, __OBLET_BYTES};
pub use api::control::GcControl;
pub use api::ephemeron::GcWeakMap;
pub use api::erased::{__dyn_value_ptr, UnsizeFrom};
pub use api::finalize::FinalizationQueue;
pub use api::gc::Gc;
pub use api::heap::Heap;
pub use api::lock::{Lock, RefLock, Write};
pub use api::memory_watch::MemoryPressure;
pub use api::mutation::Mutation;
pub use api::pool::GcPool;
pub use api::profile::{Site, SiteGuard};
pub use api::retain::{PathStart, PathStep, RetainingPath};
pub use api::root::{__DynRootable, Root, Rootable};
pub use api::root_map::RootMap;
pub use api::root_vec::RootVec;
pub use api::stash::Stashed;
pub use api::stash_weak::StashedWeak;
pub use api::vec::GcVec;
pub use api::weak::GcWeak;
pub use api::weak_key::{GcKey, NotAnObject, WeakKey};
pub use collect::snapshot::{
    EdgeKind, EdgeRecord, HeapSnapshot, ObjectColour, ObjectRecord, ObjectSpace, SnapshotVisitor,
    StashRecord,
};
pub use collect::verify::{TypeTally, VerifyError};
pub use object::payload::{Payload, WithTail};
pub use object::trace::{Trace, Tracer};
pub use policy::config::{Config, ConfigBuilder, ConfigError};
pub use state::error::AllocError;
pub use state::phase::Phase;
pub use telemetry::heap_profile::{HeapProfile, ProfileSample};
pub use telemetry::minor::MinorOutcome;
pub use telemetry::pause_histogram::{PauseHistogram, PauseQuantiles};
#[cfg(feature = "record")]
pub use telemetry::record::{
    ObjectDetail, RecordEvent, RecordOptions, RecordedEdge, RecordedObject, RecordedObjects,
    Recording, SpaceBytes, StepWork, AUTO_OBJECT_LIMIT, RECORDING_VERSION,
};
pub use telemetry::stats::{CycleReport, Pause, PauseKind, Stats, PAUSE_RING_LEN};
