#![doc = include_str!("../README.md")]
//!
//! This facade re-exports the runtime ([`gc_core`]) and `#[derive(Trace)]`
//! ([`gc_derive`]), so an embedder needs one dependency.

pub use gc_core::*;
pub use gc_derive::Trace;

// The Rust blocks of the guides compile and run as doctests
// (`cargo test -p tenure --doc`).
#[cfg(doctest)]
#[doc = include_str!("../docs/architecture.md")]
pub struct ArchitectureDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/embedding.md")]
pub struct EmbeddingDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/tuning.md")]
pub struct TuningDoc;
