//! GCBench, after Hans Boehm's (itself after John Ellis and Pete Kovac).
//!
//! With max depth `D` (16 in the original): build a *stretch* tree of depth
//! D + 2 and drop it; build a *long-lived* tree of depth D top-down and an
//! array of 500,000 doubles (both live to the end); then for d = 4, 6, .., D
//! build `2 x nodes(D + 2) / nodes(d)` trees of depth d top-down (allocate a
//! node, then store freshly allocated children into it: a write barrier per
//! store) and as many bottom-up (children first, no stores), dropping each.
//! Nodes carry two pointers and two `i32`s. The array shrinks with D below 16.
//!
//! - Live size: the long-lived tree (2^(D+1) - 1 nodes) plus the array
//!   (3.8 MiB at D = 16).
//! - Allocation: about 2 x (D - 2) x 2^(D+3) nodes, nearly all short-lived;
//!   the top-down half stores young pointers into young objects.
//! - Check: node counts of the stretch and long-lived trees and the array's
//!   element 1000 (which must be 1/1000).

use std::cell::{Cell, RefCell};
use std::hint::black_box;
use std::rc::Rc;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{Ctx, Workload};

/// The original's minimum tree depth.
const MIN_DEPTH: u32 = 4;

/// GCBench.
pub struct GcBench;

/// The shape of a run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Stretch tree depth (D + 2).
    pub stretch: u32,
    /// Long-lived tree depth (D).
    pub long_lived: u32,
    /// Array length (500,000 at D = 16).
    pub array_len: usize,
    /// (depth, iterations of each of top-down and bottom-up).
    pub phases: Vec<(u32, u64)>,
}

impl Plan {
    /// The plan for max depth `d` (at least MIN_DEPTH).
    pub fn new(d: u32) -> Plan {
        let d = d.max(MIN_DEPTH);
        let stretch = d + 2;
        let array_len = if d >= 16 {
            500_000
        } else {
            (500_000 >> (16 - d)).max(2002)
        };
        let phases = (MIN_DEPTH..=d)
            .step_by(2)
            .map(|depth| (depth, 2 * tree_nodes(stretch) / tree_nodes(depth)))
            .collect();
        Plan {
            stretch,
            long_lived: d,
            array_len,
            phases,
        }
    }

    /// The temporary trees of the peers without safe points (Box, Rc, gc,
    /// dumpster): per phase, `iterations` trees built top-down by
    /// `top_down(depth)`, then as many bottom-up by `bottom_up(depth)`, each
    /// dropped at once and followed by a [`Probe::tick`] (the RSS sample
    /// of a collector that reports no heap size).
    fn each_temporary(
        &self,
        probe: &mut Probe,
        mut top_down: impl FnMut(u32),
        mut bottom_up: impl FnMut(u32),
    ) {
        for &(depth, iterations) in &self.phases {
            for _ in 0..iterations {
                top_down(depth);
                probe.tick();
            }
            for _ in 0..iterations {
                bottom_up(depth);
                probe.tick();
            }
        }
    }

    /// Nodes this plan allocates.
    pub fn nodes(&self) -> u64 {
        let temporary: u64 = self
            .phases
            .iter()
            .map(|&(d, n)| 2 * n * tree_nodes(d))
            .sum();
        temporary + tree_nodes(self.stretch) + tree_nodes(self.long_lived)
    }
}

/// Nodes in a full tree of depth `d` (GCBench's TreeSize).
pub fn tree_nodes(d: u32) -> u64 {
    (1u64 << (d + 1)) - 1
}

/// The long-lived array's contents: a[i] = 1/i for i < len/2.
fn fill_array(len: usize) -> Vec<f64> {
    let mut array = vec![0.0; len];
    for (i, slot) in array.iter_mut().enumerate().take(len / 2).skip(1) {
        *slot = 1.0 / i as f64;
    }
    array
}

fn check_line(stretch: u64, long_lived: u64, a1000: f64) -> String {
    let array = if a1000 == 1.0 / 1000.0 { "ok" } else { "WRONG" };
    format!("stretch {stretch}; long-lived {long_lived}; array[1000] {array}")
}

impl Workload for GcBench {
    fn name(&self) -> &'static str {
        "gcbench"
    }
    fn about(&self) -> &'static str {
        "Boehm's GCBench: top-down and bottom-up trees beside a long-lived tree and array"
    }
    fn size_meaning(&self) -> &'static str {
        "max tree depth D (stretch D+2)"
    }
    fn default_size(&self) -> u32 {
        16
    }
    fn quick_size(&self) -> u32 {
        12
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let plan = Plan::new(ctx.size);
        let probe = &mut ctx.probe;
        let check = match collector {
            Collector::Tenure => tenure_impl::run(&plan, ctx.config, probe),
            Collector::GcArena => arena_impl::run(&plan, probe),
            Collector::Gc => {
                let check = gc_impl::run(&plan, probe);
                probe.peer_collections = Some(gc::stats().collections_performed as u64);
                check
            }
            Collector::Dumpster => dumpster_impl::run(&plan, probe),
            Collector::Rc => rc_impl::run(&plan, probe),
            Collector::Box => box_impl::run(&plan, probe),
            Collector::Bumpalo => bump_impl::run(&plan, probe),
        };
        Outcome {
            ops: plan.nodes(),
            ops_unit: "nodes",
            check,
        }
    }
}

// ------------------------------------------------------------------ Box

mod box_impl {
    use super::*;

    #[derive(Default)]
    struct Node {
        left: Option<Box<Node>>,
        right: Option<Box<Node>>,
        i: i32,
        j: i32,
    }

    fn new_node() -> Box<Node> {
        Box::new(black_box(Node::default()))
    }

    fn populate(depth: u32, node: &mut Node) {
        if depth == 0 {
            return;
        }
        node.left = Some(new_node());
        node.right = Some(new_node());
        populate(depth - 1, node.left.as_mut().unwrap());
        populate(depth - 1, node.right.as_mut().unwrap());
    }

    fn make_tree(depth: u32) -> Box<Node> {
        if depth == 0 {
            new_node()
        } else {
            Box::new(black_box(Node {
                left: Some(make_tree(depth - 1)),
                right: Some(make_tree(depth - 1)),
                i: 0,
                j: 0,
            }))
        }
    }

    fn count(node: &Node) -> u64 {
        1 + node.left.as_deref().map_or(0, count)
            + node.right.as_deref().map_or(0, count)
            + (node.i + node.j) as u64
    }

    pub fn run(plan: &Plan, probe: &mut Probe) -> String {
        let stretch = count(&make_tree(plan.stretch));
        let mut long_lived = new_node();
        populate(plan.long_lived, &mut long_lived);
        let array = fill_array(plan.array_len);
        plan.each_temporary(
            probe,
            |depth| {
                let mut temp = new_node();
                populate(depth, &mut temp);
                drop(black_box(temp));
            },
            |depth| drop(black_box(make_tree(depth))),
        );
        check_line(stretch, count(&long_lived), array[1000])
    }
}

// ------------------------------------------------------------------ counted pointers

/// The program over a shared pointer `$ptr` to a `$cell` of a node, the
/// shape `Rc<RefCell<_>>` has, and the `gc` and `dumpster` crates copy: the
/// Rc, gc and dumpster runs are this one text. The caller writes `Node`
/// (its derives differ: each crate's tracing trait), whose fields are
/// `left`, `right: Option<Ptr>` and `i`, `j: i32`.
macro_rules! shared_pointer_run {
    ($node:item $ptr:ident, $cell:ident) => {
        type Ptr = $ptr<$cell<Node>>;

        $node

        fn new_node() -> Ptr {
            $ptr::new(black_box($cell::new(Node::default())))
        }

        fn populate(depth: u32, node: &Ptr) {
            if depth == 0 {
                return;
            }
            let (left, right) = (new_node(), new_node());
            {
                let mut n = node.borrow_mut();
                n.left = Some(left.clone());
                n.right = Some(right.clone());
            }
            populate(depth - 1, &left);
            populate(depth - 1, &right);
        }

        fn make_tree(depth: u32) -> Ptr {
            if depth == 0 {
                new_node()
            } else {
                $ptr::new(black_box($cell::new(Node {
                    left: Some(make_tree(depth - 1)),
                    right: Some(make_tree(depth - 1)),
                    i: 0,
                    j: 0,
                })))
            }
        }

        fn count(node: &Ptr) -> u64 {
            let n = node.borrow();
            1 + n.left.as_ref().map_or(0, count)
                + n.right.as_ref().map_or(0, count)
                + (n.i + n.j) as u64
        }

        pub fn run(plan: &Plan, probe: &mut Probe) -> String {
            let stretch = count(&make_tree(plan.stretch));
            let long_lived = new_node();
            populate(plan.long_lived, &long_lived);
            let array = $ptr::new(fill_array(plan.array_len));
            plan.each_temporary(
                probe,
                |depth| {
                    let temp = new_node();
                    populate(depth, &temp);
                    drop(black_box(temp));
                },
                |depth| drop(black_box(make_tree(depth))),
            );
            check_line(stretch, count(&long_lived), array[1000])
        }
    };
}

// ------------------------------------------------------------------ Rc

mod rc_impl {
    use super::*;

    shared_pointer_run! {
        #[derive(Default)]
        struct Node { left: Option<Ptr>, right: Option<Ptr>, i: i32, j: i32 }
        Rc, RefCell
    }
}

// ------------------------------------------------------------------ gc crate

mod gc_impl {
    use gc::{Gc, GcCell};

    use super::*;

    shared_pointer_run! {
        #[derive(Default, gc::Trace, gc::Finalize)]
        struct Node { left: Option<Ptr>, right: Option<Ptr>, i: i32, j: i32 }
        Gc, GcCell
    }
}

// ------------------------------------------------------------------ dumpster

mod dumpster_impl {
    use dumpster::unsync::Gc;

    use super::*;

    shared_pointer_run! {
        #[derive(Default, dumpster::Trace)]
        struct Node { left: Option<Ptr>, right: Option<Ptr>, i: i32, j: i32 }
        Gc, RefCell
    }
}

// ------------------------------------------------------------------ bumpalo

mod bump_impl {
    use bumpalo::Bump;

    use super::*;

    #[derive(Default)]
    struct Node<'a> {
        left: Cell<Option<&'a Node<'a>>>,
        right: Cell<Option<&'a Node<'a>>>,
        i: i32,
        j: i32,
    }

    fn new_node(bump: &Bump) -> &Node<'_> {
        bump.alloc(black_box(Node::default()))
    }

    fn populate<'a>(bump: &'a Bump, depth: u32, node: &'a Node<'a>) {
        if depth == 0 {
            return;
        }
        let (left, right) = (new_node(bump), new_node(bump));
        node.left.set(Some(left));
        node.right.set(Some(right));
        populate(bump, depth - 1, left);
        populate(bump, depth - 1, right);
    }

    fn make_tree(bump: &Bump, depth: u32) -> &Node<'_> {
        if depth == 0 {
            new_node(bump)
        } else {
            let left = make_tree(bump, depth - 1);
            let right = make_tree(bump, depth - 1);
            bump.alloc(black_box(Node {
                left: Cell::new(Some(left)),
                right: Cell::new(Some(right)),
                i: 0,
                j: 0,
            }))
        }
    }

    fn count(node: &Node<'_>) -> u64 {
        1 + node.left.get().map_or(0, count)
            + node.right.get().map_or(0, count)
            + (node.i + node.j) as u64
    }

    pub fn run(plan: &Plan, probe: &mut Probe) -> String {
        let mut scratch = Bump::new();
        let stretch = count(make_tree(&scratch, plan.stretch));
        scratch.reset();
        let long_arena = Bump::new();
        let long_lived = new_node(&long_arena);
        populate(&long_arena, plan.long_lived, long_lived);
        let array = fill_array(plan.array_len);
        for &(depth, iterations) in &plan.phases {
            for _ in 0..iterations {
                let temp = new_node(&scratch);
                populate(&scratch, depth, temp);
                black_box(temp);
                scratch.reset();
                probe.tick();
            }
            for _ in 0..iterations {
                black_box(make_tree(&scratch, depth));
                scratch.reset();
                probe.tick();
            }
        }
        check_line(stretch, count(long_lived), array[1000])
    }
}

// ------------------------------------------------------------------ tenure

mod tenure_impl {
    use tenure::{unlock, Config, Gc, Heap, Lock, Mutation, Rootable};

    use super::*;

    #[derive(tenure::Trace)]
    struct Node<'gc> {
        left: Lock<Option<Gc<'gc, Node<'gc>>>>,
        right: Lock<Option<Gc<'gc, Node<'gc>>>>,
        i: i32,
        j: i32,
    }

    #[derive(tenure::Trace)]
    struct Root<'gc> {
        long_lived: Option<Gc<'gc, Node<'gc>>>,
        array: Option<Gc<'gc, Vec<f64>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    fn leaf<'gc>(m: &Mutation<'gc>) -> Gc<'gc, Node<'gc>> {
        Gc::new(
            m,
            Node {
                left: Lock::new(None),
                right: Lock::new(None),
                i: 0,
                j: 0,
            },
        )
    }

    fn populate<'gc>(m: &Mutation<'gc>, depth: u32, node: Gc<'gc, Node<'gc>>) {
        if depth == 0 {
            return;
        }
        let (left, right) = (leaf(m), leaf(m));
        let write = Gc::write(m, node);
        unlock!(write, Node, left).set(Some(left));
        unlock!(write, Node, right).set(Some(right));
        populate(m, depth - 1, left);
        populate(m, depth - 1, right);
    }

    fn make_tree<'gc>(m: &Mutation<'gc>, depth: u32) -> Gc<'gc, Node<'gc>> {
        if depth == 0 {
            leaf(m)
        } else {
            let left = make_tree(m, depth - 1);
            let right = make_tree(m, depth - 1);
            Gc::new(
                m,
                Node {
                    left: Lock::new(Some(left)),
                    right: Lock::new(Some(right)),
                    i: 0,
                    j: 0,
                },
            )
        }
    }

    fn count<'gc>(node: Gc<'gc, Node<'gc>>) -> u64 {
        1 + node.left.get().map_or(0, count)
            + node.right.get().map_or(0, count)
            + (node.i + node.j) as u64
    }

    /// One tree per iteration, as many per `mutate` call as fit before the
    /// collector asks for a safe point.
    fn repeat(
        heap: &mut Heap<R>,
        probe: &mut Probe,
        iterations: u64,
        each: impl for<'gc> Fn(&Mutation<'gc>),
    ) {
        let mut left = iterations;
        while left > 0 {
            heap.mutate(|m, _| {
                while left > 0 {
                    each(m);
                    left -= 1;
                    if m.debt_due() {
                        break;
                    }
                }
            });
            probe.tenure_safe_point(heap);
        }
    }

    pub fn run(plan: &Plan, config: Config, probe: &mut Probe) -> String {
        let mut heap = Heap::<R>::with_config(config, |_| Root {
            long_lived: None,
            array: None,
        })
        .expect("valid config");
        probe.watch(&mut heap);
        let stretch = heap.mutate(|m, _| count(make_tree(m, plan.stretch)));
        probe.tenure_safe_point(&mut heap);
        heap.mutate_root(|m, root| {
            let tree = leaf(m);
            populate(m, plan.long_lived, tree);
            root.long_lived = Some(tree);
            root.array = Some(Gc::new(m, fill_array(plan.array_len)));
        });
        probe.tenure_safe_point(&mut heap);
        for &(depth, iterations) in &plan.phases {
            repeat(&mut heap, probe, iterations, |m| {
                populate(m, depth, leaf(m))
            });
            repeat(&mut heap, probe, iterations, |m| {
                black_box(make_tree(m, depth));
            });
        }
        let (long_lived, a1000) = heap.mutate(|_, root| {
            (
                root.long_lived.map_or(0, count),
                root.array.map_or(0.0, |a| a[1000]),
            )
        });
        probe.finish_tenure(&heap);
        check_line(stretch, long_lived, a1000)
    }
}

// ------------------------------------------------------------------ gc-arena

mod arena_impl {
    use gc_arena::{Arena, Collect, Gc, Mutation, RefLock, Rootable};

    use super::*;

    type Ptr<'gc> = Gc<'gc, RefLock<Node<'gc>>>;

    #[derive(Collect, Default)]
    #[collect(no_drop)]
    struct Node<'gc> {
        left: Option<Ptr<'gc>>,
        right: Option<Ptr<'gc>>,
        i: i32,
        j: i32,
    }

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        long_lived: Option<Ptr<'gc>>,
        array: Option<Gc<'gc, Vec<f64>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    fn leaf<'gc>(mc: &Mutation<'gc>) -> Ptr<'gc> {
        Gc::new(mc, RefLock::new(Node::default()))
    }

    fn populate<'gc>(mc: &Mutation<'gc>, depth: u32, node: Ptr<'gc>) {
        if depth == 0 {
            return;
        }
        let (left, right) = (leaf(mc), leaf(mc));
        {
            let mut n = node.borrow_mut(mc);
            n.left = Some(left);
            n.right = Some(right);
        }
        populate(mc, depth - 1, left);
        populate(mc, depth - 1, right);
    }

    fn make_tree<'gc>(mc: &Mutation<'gc>, depth: u32) -> Ptr<'gc> {
        if depth == 0 {
            leaf(mc)
        } else {
            let left = make_tree(mc, depth - 1);
            let right = make_tree(mc, depth - 1);
            Gc::new(
                mc,
                RefLock::new(Node {
                    left: Some(left),
                    right: Some(right),
                    i: 0,
                    j: 0,
                }),
            )
        }
    }

    fn count(node: Ptr<'_>) -> u64 {
        let n = node.borrow();
        1 + n.left.map_or(0, count) + n.right.map_or(0, count) + (n.i + n.j) as u64
    }

    fn repeat(
        arena: &mut Arena<R>,
        probe: &mut Probe,
        iterations: u64,
        each: impl for<'gc> Fn(&Mutation<'gc>),
    ) {
        let mut left = iterations;
        while left > 0 {
            arena.mutate(|mc, _| {
                while left > 0 {
                    each(mc);
                    left -= 1;
                    if mc.metrics().allocation_debt() > 0.0 {
                        break;
                    }
                }
            });
            probe.arena_safe_point(arena);
        }
    }

    pub fn run(plan: &Plan, probe: &mut Probe) -> String {
        let mut arena = Arena::<R>::new(|_| Root {
            long_lived: None,
            array: None,
        });
        let stretch = arena.mutate(|mc, _| count(make_tree(mc, plan.stretch)));
        probe.arena_safe_point(&mut arena);
        arena.mutate_root(|mc, root| {
            let tree = leaf(mc);
            populate(mc, plan.long_lived, tree);
            root.long_lived = Some(tree);
            root.array = Some(Gc::new(mc, fill_array(plan.array_len)));
        });
        probe.arena_safe_point(&mut arena);
        for &(depth, iterations) in &plan.phases {
            repeat(&mut arena, probe, iterations, |mc| {
                populate(mc, depth, leaf(mc))
            });
            repeat(&mut arena, probe, iterations, |mc| {
                black_box(make_tree(mc, depth));
            });
        }
        let (long_lived, a1000) = arena.mutate(|_, root| {
            (
                root.long_lived.map_or(0, count),
                root.array.map_or(0.0, |a| a[1000]),
            )
        });
        check_line(stretch, long_lived, a1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_matches_the_original_at_depth_16() {
        let plan = Plan::new(16);
        assert_eq!(plan.stretch, 18);
        assert_eq!(plan.array_len, 500_000);
        assert_eq!(plan.phases[0], (4, 2 * 524_287 / 31));
        assert_eq!(plan.phases.last().unwrap().0, 16);
    }

    #[test]
    fn every_collector_agrees_on_the_check() {
        let expected = check_line(tree_nodes(8), tree_nodes(6), 0.001);
        for collector in Collector::ALL {
            let mut ctx = Ctx {
                size: 6,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            assert_eq!(
                GcBench.run(collector, &mut ctx).check,
                expected,
                "{collector}"
            );
        }
    }
}
