//! `gc-core`: the runtime of the `tenure` garbage collector.
//!
//! A generational heap (Eden, survivor semispaces, a non-moving old
//! generation with a large object space), collected by copying minor GCs and
//! incremental tri-colour mark-sweep of the old generation, paced like Go's
//! collector. Start with [`Heap`]; read `collector` for the cycle and
//! `docs/architecture.md` for the walk-through. This file only declares
//! modules and re-exports.

#![deny(
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]

// The object and its type.
mod header;
mod trace;

// The API the program sees.
mod ephemeron;
mod finalize;
mod gc;
mod heap;
mod lock;
mod mutation;
mod pool;
mod root;
mod stash;
mod weak;

// Spaces, in the order an object passes through them.
mod eden;
mod large;
mod old;
mod state;
mod survivor;

// The collector.
mod barrier;
mod collector;
mod evacuate;
mod mark;
mod sweep;
mod verify;

// Policy, configuration and telemetry.
pub mod config;
mod control;
mod error;
pub mod pacer;
mod stats;
pub mod units;

pub use collector::Phase;
pub use config::{Config, ConfigBuilder, ConfigError};
pub use control::GcControl;
pub use ephemeron::GcWeakMap;
pub use error::AllocError;
pub use evacuate::MinorOutcome;
pub use finalize::FinalizationQueue;
pub use gc::Gc;
pub use heap::Heap;
pub use lock::{Lock, RefLock, Write};
pub use mutation::Mutation;
pub use pool::GcPool;
pub use root::{__DynRootable, Root, Rootable};
pub use stash::Stashed;
pub use stats::{CycleReport, Pause, PauseKind, Stats, PAUSE_RING_LEN};
pub use trace::{Trace, Tracer};
pub use verify::{TypeTally, VerifyError};
pub use weak::GcWeak;
