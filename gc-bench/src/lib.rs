//! `gc-bench`: what the `tenure` collector does under a workload, side by side
//! with peer collectors.
//!
//! A *run* is one workload on one collector (and, for tenure, one pacing
//! setting), executed in a fresh child process so that its peak RSS is its
//! own. The driver expands the matrix given on the command line, spawns the
//! runs one at a time, and writes a terminal table, JSON, CSV, SVG plots and
//! (on request) `docs/benchmarks.md`.
//!
//! - [`workloads`]: the [`Workload`](workloads::Workload) trait and the
//!   built-in workloads (add your own there).
//! - [`collector`]: the collectors a workload can run on.
//! - [`settings`]: tenure's pacing settings and the matrix of them.
//! - [`probe`]: what a run measures while it runs (pauses, heap samples).
//! - [`result`]: what a run reports, and peak RSS.
//! - [`driver`]: expands the matrix and runs each cell in a child process.
//! - [`report`], [`plots`], [`docs`]: tables, files, plots and the
//!   Markdown report; [`micro`]: the criterion benches' figures for it.
//!
//! This file only declares modules.

#![deny(
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]
// `gc_derive` 0.5 (the `gc` peer's derive) emits its impls inside a `const _`
// block, which this lint flags at every use; the code is the peer's, not ours.
#![allow(non_local_definitions)]

pub mod collector;
pub mod docs;
pub mod driver;
pub mod micro;
pub mod plots;
pub mod probe;
pub mod report;
pub mod result;
pub mod settings;
pub mod workloads;
