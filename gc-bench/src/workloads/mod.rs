//! Workloads: one [`Workload`] impl each, run on any collector it supports.
//!
//! A workload is a function of (collector, size) that does its work, calls
//! the [`Probe`] at its safe points, and returns an [`Outcome`] whose `check`
//! is the same on every collector (so a run that computed the wrong thing is
//! visible in the report). For tenure it builds its heap with
//! `Heap::with_config(ctx.config, ..)`, calls
//! `ctx.probe.watch(&mut heap)` once, `ctx.probe.tenure_safe_point(&mut heap)`
//! between `mutate` calls, and `ctx.probe.finish_tenure(&heap)` at the end.
//!
//! **Adding a workload**: write a type implementing [`Workload`], add it to
//! [`all`], and it is on the command line (`--workload NAME`), in the
//! matrix, in every table and plot. A collector the workload cannot express
//! is declined with a reason by [`Workload::supports`]; the report lists it.
//!
//! Every workload documents its live size, allocation volume and what it
//! stresses (the whippet convention).

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;

pub mod array_remset;
pub mod balanced_tree;
pub mod binary_trees;
pub mod cache;
pub mod call_frames;
pub mod gcbench;
pub mod growth;
pub mod intern;
pub mod latency;
pub mod old_steps;
pub mod scheme;

/// What a workload is given to run.
pub struct Ctx {
    /// The size parameter (tree depth, or a scale; see `Workload::size_meaning`).
    pub size: u32,
    /// tenure's configuration for this run (ignored by peers).
    pub config: tenure::Config,
    /// The measurements.
    pub probe: Probe,
}

/// A benchmark program that can run on several collectors.
pub trait Workload: Sync {
    /// Name on the command line and in reports (`binary-trees`).
    fn name(&self) -> &'static str;
    /// One line: what it does and what it stresses.
    fn about(&self) -> &'static str;
    /// What the size parameter means (`tree depth`).
    fn size_meaning(&self) -> &'static str;
    /// The size of a real measurement.
    fn default_size(&self) -> u32;
    /// The size for `--quick` (a fraction of a second per run).
    fn quick_size(&self) -> u32;
    /// `Err(reason)` if the workload cannot be expressed on `collector`.
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        let _ = collector;
        Ok(())
    }
    /// Runs the workload on `collector`.
    ///
    /// # Requires
    /// `self.supports(collector)` is `Ok`.
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome;
}

/// Every built-in workload, in report order.
pub fn all() -> Vec<&'static dyn Workload> {
    vec![
        &binary_trees::BinaryTrees,
        &gcbench::GcBench,
        &latency::IN_ROOT,
        &latency::CELLS,
        &latency::ARRAY,
        &cache::Cache,
        &growth::Growth,
        &scheme::SchemeBinaryTrees,
        &scheme::SchemeClosures,
        &old_steps::OldSteps,
        &array_remset::ArrayRemset,
        &balanced_tree::BalancedTree,
        &call_frames::CallFrames,
        &intern::Intern,
    ]
}

/// The workload called `name`.
pub fn by_name(name: &str) -> Result<&'static dyn Workload, String> {
    all().into_iter().find(|w| w.name() == name).ok_or_else(|| {
        let names: Vec<_> = all().iter().map(|w| w.name()).collect();
        format!(
            "unknown workload `{name}`; expected one of {}",
            names.join(", ")
        )
    })
}

/// [`Workload::supports`] of the interpreter-shaped workloads (issue 16:
/// balanced-tree, call-frames, intern): their programs are written once
/// over a trait of handles, implemented for tenure, gc-arena and `Rc` (the
/// plain-Rust baseline, reclaiming by count) and no other collector.
pub fn interpreter_shaped(collector: Collector) -> Result<(), &'static str> {
    match collector {
        Collector::Tenure | Collector::GcArena | Collector::Rc => Ok(()),
        _ => Err(
            "interpreter-shaped workloads run on tenure, gc-arena and Rc (the plain-Rust baseline)",
        ),
    }
}

/// A small deterministic generator (SplitMix64), so that every collector sees
/// the same sequence of keys and sizes.
#[derive(Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let names: Vec<_> = all().iter().map(|w| w.name()).collect();
        for name in &names {
            assert_eq!(by_name(name).unwrap().name(), *name);
            assert_eq!(names.iter().filter(|n| *n == name).count(), 1);
        }
        assert!(by_name("nope").is_err());
    }

    #[test]
    fn splitmix_is_deterministic_and_in_range() {
        let mut a = SplitMix(7);
        let mut b = SplitMix(7);
        for _ in 0..100 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
        }
    }
}
