//! interpreter: programs of the example Scheme (`examples/scheme`) run on
//! tenure, the collector under a real language runtime.
//!
//! The interpreter is the `tenure-scheme` crate (the example's library, the
//! one `tests/interpreter.rs` runs), and each workload runs one of its
//! programs, embedded at build time, with the size as the program's
//! parameter:
//!
//! - `scheme-binary-trees`: `programs/binary-trees.scm`, `depth` = size.
//!   Pairs for tree nodes: live size about 2^(N+1) pairs (4 MiB at N=16),
//!   about (N-2)/2 x 2^(N+5) pairs of young garbage (450 MiB at N=16). Its
//!   output is the Benchmarks Game's, so the check lines can be compared with
//!   the Rust `binary-trees` workload at the same depth.
//! - `scheme-closures`: `programs/closures.scm`, `rounds` = size. Closures
//!   and environment frames made and dropped in a loop (three closures and
//!   their frames per round), counters that `set!` captured variables (write
//!   barrier), composition and Church numerals. Live size is small; it
//!   stresses allocation of small objects of mixed shape and the barrier.
//!
//! How it is measured: the interpreter's host loop owns the heap and pays
//! the GC debt after each slice of VM instructions through a hook
//! (`Interp::on_safe_point`), which the probe fills: each `collect_debt` call
//! is timed from outside, on the wall and the thread's CPU clock, and filed
//! by the kinds of work it did, as for the other workloads. Heap and RSS are
//! sampled at the end of each major cycle. Peers are declined: the VM is
//! written against tenure's API.

use std::cell::RefCell;
use std::rc::Rc;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::binary_trees::{tree_nodes, Plan};
use crate::workloads::{Ctx, Workload};

use tenure_scheme::interp::Interp;

/// Why peers are not run.
const TENURE_ONLY: &str = "the Scheme VM is written against tenure's API (it is tenure's example)";

/// A Scheme program run by the example interpreter.
struct Program {
    /// Its source, embedded at build time.
    source: &'static str,
    /// The file name, for error messages.
    file: &'static str,
    /// The `(param ...)` name the size is given as.
    param: &'static str,
}

const BINARY_TREES: Program = Program {
    source: include_str!("../../../examples/scheme/programs/binary-trees.scm"),
    file: "binary-trees.scm",
    param: "depth",
};

const CLOSURES: Program = Program {
    source: include_str!("../../../examples/scheme/programs/closures.scm"),
    file: "closures.scm",
    param: "rounds",
};

/// Runs `program` with its parameter set to `size`; returns its output
/// lines joined by `; ` (the check).
fn run_program(program: &Program, size: u32, config: tenure::Config, probe: &mut Probe) -> String {
    let mut interp = Interp::with_config(config).expect("valid config");
    interp.capture_output();
    interp.set_param(program.param, &size.to_string());
    interp.on_cycle(probe.cycle_recorder());
    probe.by_kind = true;
    probe.sample_stats(&interp.stats());
    // The hook owns the probe while the program runs.
    let shared = Rc::new(RefCell::new(std::mem::take(probe)));
    let timer = Rc::clone(&shared);
    interp.on_safe_point(move |heap| timer.borrow_mut().tenure_safe_point(heap));
    if let Err(error) = interp.run(program.source) {
        panic!("{}", error.render(program.file));
    }
    let output = interp.take_output();
    let report = interp.report();
    drop(interp);
    *probe = Rc::try_unwrap(shared)
        .map(RefCell::into_inner)
        .unwrap_or_else(|_| unreachable!("the interpreter, which held the hook, is gone"));
    probe.notes.push(
        "each collect_debt call of the interpreter's slice loop timed from outside (wall and CPU); \
         heap sampled at each major cycle's end"
            .to_owned(),
    );
    probe.finish_stats(report.stats);
    output.lines().collect::<Vec<_>>().join("; ")
}

/// The interpreter's binary-trees.
pub struct SchemeBinaryTrees;

impl Workload for SchemeBinaryTrees {
    fn name(&self) -> &'static str {
        "scheme-binary-trees"
    }
    fn about(&self) -> &'static str {
        "the example Scheme interpreter running binary-trees.scm (pairs as tree nodes)"
    }
    fn size_meaning(&self) -> &'static str {
        "max tree depth N (the program's depth parameter)"
    }
    fn default_size(&self) -> u32 {
        16
    }
    fn quick_size(&self) -> u32 {
        8
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        match collector {
            Collector::Tenure => Ok(()),
            _ => Err(TENURE_ONLY),
        }
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        assert!(self.supports(collector).is_ok(), "tenure only");
        let check = run_program(&BINARY_TREES, ctx.size, ctx.config, &mut ctx.probe);
        let plan = Plan::new(ctx.size);
        let nodes = tree_nodes(plan.max_depth + 1)
            + tree_nodes(plan.max_depth)
            + plan
                .phases
                .iter()
                .map(|&(depth, iterations)| iterations * tree_nodes(depth))
                .sum::<u64>();
        Outcome {
            ops: nodes,
            ops_unit: "nodes",
            check,
        }
    }
}

/// The interpreter's closure program.
pub struct SchemeClosures;

impl Workload for SchemeClosures {
    fn name(&self) -> &'static str {
        "scheme-closures"
    }
    fn about(&self) -> &'static str {
        "the example Scheme interpreter running closures.scm (closures and frames made and dropped)"
    }
    fn size_meaning(&self) -> &'static str {
        "rounds of the closure-churning loop (the program's rounds parameter)"
    }
    fn default_size(&self) -> u32 {
        1_000_000
    }
    fn quick_size(&self) -> u32 {
        5_000
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        match collector {
            Collector::Tenure => Ok(()),
            _ => Err(TENURE_ONLY),
        }
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        assert!(self.supports(collector).is_ok(), "tenure only");
        let check = run_program(&CLOSURES, ctx.size, ctx.config, &mut ctx.probe);
        Outcome {
            ops: ctx.size as u64,
            ops_unit: "rounds",
            check,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(workload: &dyn Workload, size: u32) -> Outcome {
        let mut ctx = Ctx {
            size,
            config: tenure::Config::default(),
            probe: Probe::new(),
        };
        workload.run(Collector::Tenure, &mut ctx)
    }

    #[test]
    fn binary_trees_prints_the_benchmarks_game_checks() {
        let outcome = run(&SchemeBinaryTrees, 6);
        assert_eq!(
            outcome.check,
            "stretch tree of depth 7\t check: 255; 64\t trees of depth 4\t check: 1984; \
             16\t trees of depth 6\t check: 2032; long lived tree of depth 6\t check: 127"
        );
        assert_eq!(outcome.ops, 255 + 127 + 64 * 31 + 16 * 127);
    }

    #[test]
    fn closures_runs_and_declines_peers() {
        let outcome = run(&SchemeClosures, 1000);
        assert!(
            outcome.check.contains("churn: 1502501"),
            "{}",
            outcome.check
        );
        assert!(SchemeClosures.supports(Collector::Box).is_err());
        assert!(SchemeBinaryTrees.supports(Collector::GcArena).is_err());
    }
}
