#![doc = include_str!("../README.md")]
//!
//! This facade re-exports the runtime ([`gc_core`]) and `#[derive(Trace)]`
//! ([`gc_derive`]), so an embedder needs one dependency.

pub use gc_core::*;
pub use gc_derive::Trace;
