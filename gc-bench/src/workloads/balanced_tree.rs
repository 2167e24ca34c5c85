//! balanced-tree: a balanced search tree under random insert and delete, the
//! shape of an interpreter's ordered map (issue 16).
//!
//! The tree is a **treap**: a binary search tree whose nodes also carry a
//! random priority kept in heap order, which keeps it balanced in expectation
//! (depth about 2.5 log2 n; a red-black tree's bound is 2 log2 n) with a
//! simpler delete. Insert descends, links the new leaf and rotates it up;
//! delete merges the node's two subtrees. Only links that change are written,
//! each through the collector's write barrier, as a red-black tree's
//! rotations and recolourings would.
//!
//! **Program.** Keys are drawn from `0..2N`. First `N` distinct random keys
//! are inserted (`N` = the size, 200,000 by default); then [`OPS_PER_KEY`]
//! x `N` operations (2 M) each toggle a random key: delete it if present,
//! insert it if not, so the tree stays near `N` keys. [`OPS_PER_MUTATE`]
//! (1,000) operations run per `mutate` call, then the collector's safe point
//! (`collect_debt`), timed.
//!
//! - Live size: about N nodes (four words and two links each: 9.2 MiB of
//!   payload at N = 200,000, plus headers), all old once built.
//! - Allocation: one node per insert (about N + OPS_PER_KEY x N / 2 nodes);
//!   each delete makes one old node garbage.
//! - What it stresses: old nodes written with pointers to young ones along
//!   every insert's path and every rotation (the remembered set and the
//!   young check), and old garbage made at a steady rate (the old
//!   generation's marking and sweeping).
//! - Check: inserts, deletes, and at the end the key count and key sum from
//!   an in-order walk (which also checks the search-tree order).
//!
//! Collectors: tenure, gc-arena, and `Rc` (`RefCell` links) as the plain-Rust
//! baseline. The treap code is written once, over [`Links`].

use std::cell::RefCell;
use std::rc::Rc;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{interpreter_shaped, Ctx, SplitMix, Workload};

/// Toggles per key of the target size.
pub const OPS_PER_KEY: u64 = 10;

/// Operations per `mutate` call.
pub const OPS_PER_MUTATE: u64 = 1000;

/// Seed of the key and priority sequence.
const SEED: u64 = 0x7eea_b5ee;

/// The balanced-tree workload.
pub struct BalancedTree;

impl Workload for BalancedTree {
    fn name(&self) -> &'static str {
        "balanced-tree"
    }
    fn about(&self) -> &'static str {
        "a treap of N keys under random insert/delete, 1,000 operations per mutate: an interpreter's ordered map"
    }
    fn size_meaning(&self) -> &'static str {
        "keys N (10 N operations)"
    }
    fn default_size(&self) -> u32 {
        200_000
    }
    fn quick_size(&self) -> u32 {
        // 14 MiB of nodes: a few minor GCs (10,000 keys would fit in Eden).
        50_000
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        interpreter_shaped(collector)
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let n = u64::from(ctx.size).max(16);
        let tally = match collector {
            Collector::Tenure => tenure_impl::run(n, ctx.config, &mut ctx.probe),
            Collector::GcArena => arena_impl::run(n, &mut ctx.probe),
            Collector::Rc => rc_run(n, &mut ctx.probe),
            _ => unreachable!("declined by supports()"),
        };
        Outcome {
            ops: n + n * OPS_PER_KEY,
            ops_unit: "ops",
            check: format!(
                "{} inserts, {} deletes, {} keys summing to {}",
                tally.inserts, tally.deletes, tally.keys, tally.key_sum
            ),
        }
    }
}

/// What every collector must agree on.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Tally {
    inserts: u64,
    deletes: u64,
    keys: u64,
    key_sum: u64,
}

/// A collector's tree nodes, as the treap code sees them: a node handle
/// with a key, a priority and two links that can be read and written.
pub trait Links {
    /// A handle to a node (`Gc`, `Rc`).
    type Node: Clone;
    /// A new leaf.
    fn leaf(&self, key: u64, priority: u64) -> Self::Node;
    /// The node's key.
    fn key(&self, node: &Self::Node) -> u64;
    /// The node's priority.
    fn priority(&self, node: &Self::Node) -> u64;
    /// The left (`false`) or right (`true`) child.
    fn child(&self, node: &Self::Node, right: bool) -> Option<Self::Node>;
    /// Sets a child (through the write barrier).
    fn set_child(&self, node: &Self::Node, right: bool, child: Option<Self::Node>);
    /// Whether two handles name the same node.
    fn same(a: &Self::Node, b: &Self::Node) -> bool;
}

/// Sets a link only if it changes.
fn relink<L: Links>(links: &L, node: &L::Node, right: bool, child: Option<L::Node>) {
    let old = links.child(node, right);
    let unchanged = match (&old, &child) {
        (None, None) => true,
        (Some(a), Some(b)) => L::same(a, b),
        _ => false,
    };
    if !unchanged {
        links.set_child(node, right, child);
    }
}

/// Inserts `key` (absent) under `tree`; returns the new subtree root.
fn insert<L: Links>(links: &L, tree: Option<L::Node>, key: u64, priority: u64) -> L::Node {
    let Some(node) = tree else {
        return links.leaf(key, priority);
    };
    let right = key > links.key(&node);
    let child = insert(links, links.child(&node, right), key, priority);
    if links.priority(&child) > links.priority(&node) {
        // Rotate `child` above `node`.
        relink(links, &node, right, links.child(&child, !right));
        relink(links, &child, !right, Some(node));
        child
    } else {
        relink(links, &node, right, Some(child));
        node
    }
}

/// Joins two treaps, every key of `a` below every key of `b`.
fn merge<L: Links>(links: &L, a: Option<L::Node>, b: Option<L::Node>) -> Option<L::Node> {
    match (a, b) {
        (None, b) => b,
        (a, None) => a,
        (Some(a), Some(b)) => {
            if links.priority(&a) > links.priority(&b) {
                let joined = merge(links, links.child(&a, true), Some(b));
                relink(links, &a, true, joined);
                Some(a)
            } else {
                let joined = merge(links, Some(a), links.child(&b, false));
                relink(links, &b, false, joined);
                Some(b)
            }
        }
    }
}

/// Deletes `key` (present) from `tree`; returns the new subtree root.
fn delete<L: Links>(links: &L, tree: Option<L::Node>, key: u64) -> Option<L::Node> {
    let node = tree?;
    let here = links.key(&node);
    if key == here {
        return merge(links, links.child(&node, false), links.child(&node, true));
    }
    let right = key > here;
    let child = delete(links, links.child(&node, right), key);
    relink(links, &node, right, child);
    Some(node)
}

fn contains<L: Links>(links: &L, mut tree: Option<L::Node>, key: u64) -> bool {
    while let Some(node) = tree {
        let here = links.key(&node);
        if key == here {
            return true;
        }
        tree = links.child(&node, key > here);
    }
    false
}

/// The in-order walk (explicit stack): (count, key sum); panics if the keys
/// are out of order.
fn walk<L: Links>(links: &L, tree: Option<L::Node>, tally: &mut Tally) {
    let mut stack = Vec::new();
    let mut at = tree;
    let mut last: Option<u64> = None;
    loop {
        while let Some(node) = at {
            at = links.child(&node, false);
            stack.push(node);
        }
        let Some(node) = stack.pop() else { break };
        let key = links.key(&node);
        assert!(last.is_none_or(|l| l < key), "treap out of order");
        last = Some(key);
        tally.keys += 1;
        tally.key_sum = tally.key_sum.wrapping_add(key);
        at = links.child(&node, true);
    }
}

/// Where the program is: the random sequence and how far it got.
pub struct Program {
    rng: SplitMix,
    n: u64,
    built: u64,
    toggled: u64,
    tally: Tally,
}

impl Program {
    fn new(n: u64) -> Program {
        Program {
            rng: SplitMix(SEED),
            n,
            built: 0,
            toggled: 0,
            tally: Tally::default(),
        }
    }

    fn done(&self) -> bool {
        self.toggled == self.n * OPS_PER_KEY
    }

    /// Runs up to [`OPS_PER_MUTATE`] operations on `tree`.
    fn batch<L: Links>(&mut self, links: &L, tree: &mut Option<L::Node>) {
        for _ in 0..OPS_PER_MUTATE {
            if self.done() {
                return;
            }
            let key = self.rng.below(2 * self.n);
            let present = contains(links, tree.clone(), key);
            if self.built < self.n {
                // The build: insert N distinct keys (a drawn key that is
                // present is skipped).
                if !present {
                    let priority = self.rng.next_u64();
                    *tree = Some(insert(links, tree.take(), key, priority));
                    self.tally.inserts += 1;
                    self.built += 1;
                }
            } else {
                if present {
                    *tree = delete(links, tree.take(), key);
                    self.tally.deletes += 1;
                } else {
                    let priority = self.rng.next_u64();
                    *tree = Some(insert(links, tree.take(), key, priority));
                    self.tally.inserts += 1;
                }
                self.toggled += 1;
            }
        }
    }

    fn finish<L: Links>(mut self, links: &L, tree: Option<L::Node>) -> Tally {
        walk(links, tree, &mut self.tally);
        self.tally
    }
}

// ------------------------------------------------------------------ Rc

struct RcNode {
    key: u64,
    priority: u64,
    children: [RefCell<Option<Rc<RcNode>>>; 2],
}

struct RcLinks;

impl Links for RcLinks {
    type Node = Rc<RcNode>;
    fn leaf(&self, key: u64, priority: u64) -> Rc<RcNode> {
        Rc::new(RcNode {
            key,
            priority,
            children: [RefCell::new(None), RefCell::new(None)],
        })
    }
    fn key(&self, node: &Rc<RcNode>) -> u64 {
        node.key
    }
    fn priority(&self, node: &Rc<RcNode>) -> u64 {
        node.priority
    }
    fn child(&self, node: &Rc<RcNode>, right: bool) -> Option<Rc<RcNode>> {
        node.children[right as usize].borrow().clone()
    }
    fn set_child(&self, node: &Rc<RcNode>, right: bool, child: Option<Rc<RcNode>>) {
        *node.children[right as usize].borrow_mut() = child;
    }
    fn same(a: &Rc<RcNode>, b: &Rc<RcNode>) -> bool {
        Rc::ptr_eq(a, b)
    }
}

fn rc_run(n: u64, probe: &mut Probe) -> Tally {
    let mut program = Program::new(n);
    let mut tree = None;
    while !program.done() {
        program.batch(&RcLinks, &mut tree);
        probe.tick();
    }
    program.finish(&RcLinks, tree)
}

// ------------------------------------------------------------------ GC twins

/// The node type and its [`Links`] for a collector whose `Gc`, `Lock`,
/// `Mutation` and `unlock!` are in scope at the call: tenure's and
/// gc-arena's spell the same calls the same way, so the treap's links are
/// written once for both (the attributes give the derive of the collector's
/// tracing trait).
macro_rules! gc_links {
    ($(#[$derive:meta])* $links:ident) => {
        $(#[$derive])*
        pub struct Node<'gc> {
            key: u64,
            priority: u64,
            left: Lock<Option<Gc<'gc, Node<'gc>>>>,
            right: Lock<Option<Gc<'gc, Node<'gc>>>>,
        }

        struct $links<'a, 'gc>(&'a Mutation<'gc>);

        impl<'gc> Links for $links<'_, 'gc> {
            type Node = Gc<'gc, Node<'gc>>;
            fn leaf(&self, key: u64, priority: u64) -> Self::Node {
                Gc::new(
                    self.0,
                    Node {
                        key,
                        priority,
                        left: Lock::new(None),
                        right: Lock::new(None),
                    },
                )
            }
            fn key(&self, node: &Self::Node) -> u64 {
                node.key
            }
            fn priority(&self, node: &Self::Node) -> u64 {
                node.priority
            }
            fn child(&self, node: &Self::Node, right: bool) -> Option<Self::Node> {
                if right {
                    node.right.get()
                } else {
                    node.left.get()
                }
            }
            fn set_child(&self, node: &Self::Node, right: bool, child: Option<Self::Node>) {
                let write = Gc::write(self.0, *node);
                if right {
                    unlock!(write, Node, right).set(child);
                } else {
                    unlock!(write, Node, left).set(child);
                }
            }
            fn same(a: &Self::Node, b: &Self::Node) -> bool {
                Gc::ptr_eq(*a, *b)
            }
        }
    };
}

// ------------------------------------------------------------------ tenure

mod tenure_impl {
    use super::{Links, Program, Tally};
    use crate::probe::Probe;
    use tenure::{unlock, Config, Gc, Heap, Lock, Mutation, Rootable};

    gc_links!(
        #[derive(tenure::Trace)]
        TenureLinks
    );

    #[derive(tenure::Trace)]
    struct Root<'gc> {
        tree: Option<Gc<'gc, Node<'gc>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(n: u64, config: Config, probe: &mut Probe) -> Tally {
        let mut heap =
            Heap::<R>::with_config(config, |_| Root { tree: None }).expect("valid config");
        probe.watch(&mut heap);
        let mut program = Program::new(n);
        while !program.done() {
            heap.mutate_root(|m, root| program.batch(&TenureLinks(m), &mut root.tree));
            probe.tenure_safe_point(&mut heap);
        }
        let tally = heap.mutate(|m, root| program.finish(&TenureLinks(m), root.tree));
        probe.finish_tenure(&heap);
        tally
    }
}

// ------------------------------------------------------------------ gc-arena

mod arena_impl {
    use super::{Links, Program, Tally};
    use crate::probe::Probe;
    use gc_arena::barrier::unlock;
    use gc_arena::{Arena, Collect, Gc, Lock, Mutation, Rootable};

    gc_links!(
        #[derive(Collect)]
        #[collect(no_drop)]
        ArenaLinks
    );

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        tree: Option<Gc<'gc, Node<'gc>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(n: u64, probe: &mut Probe) -> Tally {
        let mut arena = Arena::<R>::new(|_| Root { tree: None });
        let mut program = Program::new(n);
        while !program.done() {
            arena.mutate_root(|mc, root| program.batch(&ArenaLinks(mc), &mut root.tree));
            probe.arena_safe_point(&mut arena);
        }
        arena.mutate(|mc, root| program.finish(&ArenaLinks(mc), root.tree))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collector_ends_with_the_same_tree() {
        let mut checks = Vec::new();
        for collector in [Collector::Tenure, Collector::GcArena, Collector::Rc] {
            let mut ctx = Ctx {
                size: 2000,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            checks.push(BalancedTree.run(collector, &mut ctx).check);
        }
        assert_eq!(checks[0], checks[1]);
        assert_eq!(checks[0], checks[2]);
        // The key count is what the inserts and deletes leave.
        let mut program = Program::new(2000);
        let mut tree = None;
        while !program.done() {
            program.batch(&RcLinks, &mut tree);
        }
        let tally = program.finish(&RcLinks, tree);
        assert_eq!(tally.keys, tally.inserts - tally.deletes);
        assert!(tally.deletes > 1000, "{tally:?}");
        assert!(BalancedTree.supports(Collector::Box).is_err());
    }
}
