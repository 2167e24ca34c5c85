//! binary-trees, as the Benchmarks Game defines it.
//!
//! For depth `N` (min depth 4, max depth `max(6, N)`): build and check one
//! *stretch* tree of depth N+1 and drop it; build one *long-lived* tree of
//! depth N that stays live to the end; then for d = 4, 6, .., N build and
//! check 2^(N - d + 4) trees of depth d, each dropped after its check;
//! finally check the long-lived tree. A tree's check is its node count.
//!
//! - Live size: the long-lived tree, 2^(N+1) - 1 nodes (two pointers each),
//!   plus one tree under construction: about 2^(N+2) nodes at worst.
//! - Allocation: about (N/2) x 2^(N+5) nodes, almost all of which die young:
//!   the case a generational collector is built for.
//! - Check values for N = 10 (verified by a test below): stretch 4095, then
//!   1024 x depth 4 = 31744, 256 x 6 = 32512, 64 x 8 = 32704,
//!   16 x 10 = 32752, long-lived 2047.
//!
//! Collectors: tenure and gc-arena build trees inside `mutate`, several per
//! call until the collector asks for a safe point; `gc`, `dumpster`, `Rc` and
//! `Box` build and drop; `bumpalo` resets its arena after each tree (the
//! allocation floor). Leaf nodes are all-zero values: every peer's node goes
//! through `black_box` so that `Box::new` cannot become `calloc` (the trap in
//! PEERS.md).

use std::hint::black_box;
use std::rc::Rc;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{Ctx, Workload};

/// The Benchmarks Game's minimum depth.
const MIN_DEPTH: u32 = 4;

/// binary-trees.
pub struct BinaryTrees;

impl Workload for BinaryTrees {
    fn name(&self) -> &'static str {
        "binary-trees"
    }
    fn about(&self) -> &'static str {
        "Benchmarks Game binary-trees: many short-lived trees beside one long-lived tree"
    }
    fn size_meaning(&self) -> &'static str {
        "max tree depth N"
    }
    fn default_size(&self) -> u32 {
        21
    }
    fn quick_size(&self) -> u32 {
        12
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let depth = ctx.size;
        let (nodes, lines) = match collector {
            Collector::Tenure => tenure_impl::run(depth, ctx.config, &mut ctx.probe),
            Collector::GcArena => arena_impl::run(depth, &mut ctx.probe),
            Collector::Gc => drive(&mut GcCrate::default(), depth, &mut ctx.probe),
            Collector::Dumpster => drive(&mut Dumpster::default(), depth, &mut ctx.probe),
            Collector::Rc => drive(&mut RcTrees::default(), depth, &mut ctx.probe),
            Collector::Box => drive(&mut BoxTrees::default(), depth, &mut ctx.probe),
            Collector::Bumpalo => bump_impl::run(depth, &mut ctx.probe),
        };
        if collector == Collector::Gc {
            ctx.probe.peer_collections = Some(gc::stats().collections_performed as u64);
        }
        Outcome {
            ops: nodes,
            ops_unit: "nodes",
            check: lines.join("; "),
        }
    }
}

/// The shape of a run: depths and iteration counts.
pub struct Plan {
    /// The max depth (N, at least MIN_DEPTH + 2).
    pub max_depth: u32,
    /// (depth, iterations) for the short-lived phases.
    pub phases: Vec<(u32, u64)>,
}

impl Plan {
    /// The Benchmarks Game plan for `n`.
    pub fn new(n: u32) -> Plan {
        let max_depth = n.max(MIN_DEPTH + 2);
        let phases = (MIN_DEPTH..=max_depth)
            .step_by(2)
            .map(|d| (d, 1u64 << (max_depth - d + MIN_DEPTH)))
            .collect();
        Plan { max_depth, phases }
    }
}

/// Nodes in a full tree of depth `d`.
pub fn tree_nodes(d: u32) -> u64 {
    (1u64 << (d + 1)) - 1
}

/// A collector that can build, check and drop trees (the non-arena peers).
trait Trees {
    /// Builds a tree of `depth`, checks it, drops it.
    fn temporary(&mut self, depth: u32) -> u64;
    /// Builds the long-lived tree.
    fn keep(&mut self, depth: u32);
    /// Checks the long-lived tree.
    fn check_kept(&mut self) -> u64;
}

/// Runs the plan on a `Trees` collector; returns (nodes allocated, check lines).
fn drive(trees: &mut impl Trees, n: u32, probe: &mut Probe) -> (u64, Vec<String>) {
    let plan = Plan::new(n);
    let mut nodes = 0;
    let mut lines = Vec::new();
    let stretch = plan.max_depth + 1;
    lines.push(format!("stretch {}", trees.temporary(stretch)));
    nodes += tree_nodes(stretch);
    trees.keep(plan.max_depth);
    nodes += tree_nodes(plan.max_depth);
    probe.tick();
    for &(depth, iterations) in &plan.phases {
        let mut check = 0;
        for _ in 0..iterations {
            check += trees.temporary(depth);
            probe.tick();
        }
        nodes += iterations * tree_nodes(depth);
        lines.push(format!("{iterations}/{check}"));
    }
    lines.push(format!("long-lived {}", trees.check_kept()));
    (nodes, lines)
}

// ------------------------------------------------------------------ pointer trees

/// The tree code over an owning pointer `$ptr` (`Box`, `Rc`, and the `gc`
/// and `dumpster` crates' `Gc`): each builds its tree bottom-up through the
/// pointer's `new` and drops it by the pointer's own means, so the four runs
/// are this one text. The caller writes the node struct `$node` (its
/// derives differ: each crate's tracing trait) with fields `left` and
/// `right: Option<$ptr<$node>>`; the macro adds `$tree(depth)`, `$check(node)`
/// (the node count) and the [`Trees`] implementation `$trees`.
macro_rules! pointer_trees {
    ($item:item $node:ident, $($ptr:ident)::+, $tree:ident, $check:ident, $trees:ident) => {
        $item

        pub(crate) fn $tree(d: u32) -> $($ptr)::+<$node> {
            let node = if d == 0 {
                $node {
                    left: None,
                    right: None,
                }
            } else {
                $node {
                    left: Some($tree(d - 1)),
                    right: Some($tree(d - 1)),
                }
            };
            $($ptr)::+::new(black_box(node))
        }

        pub(crate) fn $check(node: &$node) -> u64 {
            match (&node.left, &node.right) {
                (Some(l), Some(r)) => 1 + $check(l) + $check(r),
                _ => 1,
            }
        }

        #[derive(Default)]
        struct $trees(Option<$($ptr)::+<$node>>);

        impl Trees for $trees {
            fn temporary(&mut self, depth: u32) -> u64 {
                $check(&$tree(depth))
            }
            fn keep(&mut self, depth: u32) {
                self.0 = Some($tree(depth));
            }
            fn check_kept(&mut self) -> u64 {
                self.0.as_deref().map_or(0, $check)
            }
        }
    };
}

// ------------------------------------------------------------------ Box

pointer_trees! {
    pub(crate) struct BoxNode { left: Option<Box<BoxNode>>, right: Option<Box<BoxNode>> }
    BoxNode, Box, box_tree, box_check, BoxTrees
}

// ------------------------------------------------------------------ Rc

pointer_trees! {
    pub(crate) struct RcNode { left: Option<Rc<RcNode>>, right: Option<Rc<RcNode>> }
    RcNode, Rc, rc_tree, rc_check, RcTrees
}

// ------------------------------------------------------------------ gc crate

pointer_trees! {
    #[derive(gc::Trace, gc::Finalize)]
    pub(crate) struct GcNode { left: Option<gc::Gc<GcNode>>, right: Option<gc::Gc<GcNode>> }
    GcNode, gc::Gc, gc_tree, gc_check, GcCrate
}

// ------------------------------------------------------------------ dumpster

pointer_trees! {
    #[derive(dumpster::Trace)]
    pub(crate) struct DumpNode {
        left: Option<dumpster::unsync::Gc<DumpNode>>,
        right: Option<dumpster::unsync::Gc<DumpNode>>,
    }
    DumpNode, dumpster::unsync::Gc, dump_tree, dump_check, Dumpster
}

// ------------------------------------------------------------------ bumpalo

mod bump_impl {
    use std::hint::black_box;

    use bumpalo::Bump;

    use super::{tree_nodes, Plan};
    use crate::probe::Probe;

    struct Node<'a> {
        left: Option<&'a Node<'a>>,
        right: Option<&'a Node<'a>>,
    }

    fn tree(bump: &Bump, d: u32) -> &Node<'_> {
        let node = if d == 0 {
            Node {
                left: None,
                right: None,
            }
        } else {
            Node {
                left: Some(tree(bump, d - 1)),
                right: Some(tree(bump, d - 1)),
            }
        };
        bump.alloc(black_box(node))
    }

    fn check(node: &Node<'_>) -> u64 {
        match (node.left, node.right) {
            (Some(l), Some(r)) => 1 + check(l) + check(r),
            _ => 1,
        }
    }

    /// An arena per lifetime: one reset after every short-lived tree, one
    /// for the long-lived tree.
    pub fn run(n: u32, probe: &mut Probe) -> (u64, Vec<String>) {
        let plan = Plan::new(n);
        let mut nodes = 0;
        let mut lines = Vec::new();
        let mut scratch = Bump::new();
        let stretch = plan.max_depth + 1;
        lines.push(format!("stretch {}", check(tree(&scratch, stretch))));
        scratch.reset();
        nodes += tree_nodes(stretch);
        let long_arena = Bump::new();
        let long_lived = tree(&long_arena, plan.max_depth);
        nodes += tree_nodes(plan.max_depth);
        for &(depth, iterations) in &plan.phases {
            let mut sum = 0;
            for _ in 0..iterations {
                sum += check(tree(&scratch, depth));
                scratch.reset();
                probe.tick();
            }
            nodes += iterations * tree_nodes(depth);
            lines.push(format!("{iterations}/{sum}"));
        }
        lines.push(format!("long-lived {}", check(long_lived)));
        (nodes, lines)
    }
}

// ------------------------------------------------------------------ GC twins

/// The node, `tree(m, depth)` and `check(node)` (the node count) for a
/// collector whose `Gc` and `Mutation` are in scope at the call: tenure's
/// and gc-arena's spell them the same way, so both build their trees with
/// this one text (the attributes give the derive of the collector's tracing
/// trait). Their `run`s differ in how they ask for a safe point.
macro_rules! gc_trees {
    ($(#[$derive:meta])*) => {
        $(#[$derive])*
        pub(crate) struct Node<'gc> {
            left: Option<Gc<'gc, Node<'gc>>>,
            right: Option<Gc<'gc, Node<'gc>>>,
        }

        pub(crate) fn tree<'gc>(m: &Mutation<'gc>, d: u32) -> Gc<'gc, Node<'gc>> {
            // Left subtree first, then right, then the node (bottom-up).
            let (left, right) = if d == 0 {
                (None, None)
            } else {
                (Some(tree(m, d - 1)), Some(tree(m, d - 1)))
            };
            Gc::new(m, Node { left, right })
        }

        pub(crate) fn check(node: &Node<'_>) -> u64 {
            match (node.left, node.right) {
                (Some(l), Some(r)) => 1 + check(&l) + check(&r),
                _ => 1,
            }
        }
    };
}

// ------------------------------------------------------------------ tenure

pub(crate) mod tenure_impl {
    use tenure::{Config, Gc, Heap, Mutation, Rootable};

    use super::{tree_nodes, Plan};
    use crate::probe::Probe;

    gc_trees!(#[derive(tenure::Trace)]);

    #[derive(tenure::Trace)]
    struct Root<'gc> {
        long_lived: Option<Gc<'gc, Node<'gc>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    /// Trees are built inside `mutate`, as many per call as fit before the
    /// collector asks for a safe point (`debt_due`), then `collect_debt`.
    pub fn run(n: u32, config: Config, probe: &mut Probe) -> (u64, Vec<String>) {
        let plan = Plan::new(n);
        let mut heap =
            Heap::<R>::with_config(config, |_| Root { long_lived: None }).expect("valid config");
        probe.watch(&mut heap);
        let mut nodes = 0;
        let mut lines = Vec::new();
        let stretch = plan.max_depth + 1;
        let c = heap.mutate(|m, _| check(&tree(m, stretch)));
        lines.push(format!("stretch {c}"));
        nodes += tree_nodes(stretch);
        probe.tenure_safe_point(&mut heap);
        heap.mutate_root(|m, root| root.long_lived = Some(tree(m, plan.max_depth)));
        nodes += tree_nodes(plan.max_depth);
        probe.tenure_safe_point(&mut heap);
        for &(depth, iterations) in &plan.phases {
            let mut sum = 0;
            let mut left = iterations;
            while left > 0 {
                heap.mutate(|m, _| {
                    while left > 0 {
                        sum += check(&tree(m, depth));
                        left -= 1;
                        if m.debt_due() {
                            break;
                        }
                    }
                });
                probe.tenure_safe_point(&mut heap);
            }
            nodes += iterations * tree_nodes(depth);
            lines.push(format!("{iterations}/{sum}"));
        }
        let c = heap.mutate(|_, root| root.long_lived.map_or(0, |t| check(&t)));
        lines.push(format!("long-lived {c}"));
        probe.finish_tenure(&heap);
        (nodes, lines)
    }
}

// ------------------------------------------------------------------ gc-arena

pub(crate) mod arena_impl {
    use gc_arena::{Arena, Collect, Gc, Mutation, Rootable};

    use super::{tree_nodes, Plan};
    use crate::probe::Probe;

    gc_trees!(
        #[derive(Collect)]
        #[collect(no_drop)]
    );

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        long_lived: Option<Gc<'gc, Node<'gc>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    /// As for tenure: trees inside `mutate` until the arena has allocation
    /// debt, then `collect_debt` between `mutate` calls (gc-arena's
    /// documented incremental use).
    pub fn run(n: u32, probe: &mut Probe) -> (u64, Vec<String>) {
        let plan = Plan::new(n);
        let mut arena = Arena::<R>::new(|_| Root { long_lived: None });
        let mut nodes = 0;
        let mut lines = Vec::new();
        let stretch = plan.max_depth + 1;
        let c = arena.mutate(|mc, _| check(&tree(mc, stretch)));
        lines.push(format!("stretch {c}"));
        nodes += tree_nodes(stretch);
        probe.arena_safe_point(&mut arena);
        arena.mutate_root(|mc, root| root.long_lived = Some(tree(mc, plan.max_depth)));
        nodes += tree_nodes(plan.max_depth);
        probe.arena_safe_point(&mut arena);
        for &(depth, iterations) in &plan.phases {
            let mut sum = 0;
            let mut left = iterations;
            while left > 0 {
                arena.mutate(|mc, _| {
                    while left > 0 {
                        sum += check(&tree(mc, depth));
                        left -= 1;
                        if mc.metrics().allocation_debt() > 0.0 {
                            break;
                        }
                    }
                });
                probe.arena_safe_point(&mut arena);
            }
            nodes += iterations * tree_nodes(depth);
            lines.push(format!("{iterations}/{sum}"));
        }
        let c = arena.mutate(|_, root| root.long_lived.map_or(0, |t| check(&t)));
        lines.push(format!("long-lived {c}"));
        (nodes, lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPTH_10: &str =
        "stretch 4095; 1024/31744; 256/32512; 64/32704; 16/32752; long-lived 2047";

    #[test]
    fn every_collector_gets_the_check_values_for_depth_10() {
        for collector in Collector::ALL {
            let mut ctx = Ctx {
                size: 10,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            let outcome = BinaryTrees.run(collector, &mut ctx);
            assert_eq!(outcome.check, DEPTH_10, "{collector}");
        }
    }

    #[test]
    fn plan_matches_the_benchmarks_game() {
        let plan = Plan::new(10);
        assert_eq!(plan.phases, vec![(4, 1024), (6, 256), (8, 64), (10, 16)]);
        assert_eq!(Plan::new(2).max_depth, 6);
    }
}
