//! `tenure`: a generational, incrementally marked, paced garbage collector.
//!
//! This facade re-exports the runtime ([`gc_core`]) and `#[derive(Trace)]`
//! ([`gc_derive`]), so an embedder needs one dependency. Start with
//! [`Heap`], then read `docs/architecture.md`.

pub use gc_core::*;
pub use gc_derive::Trace;
