//! steady growth: a live set that grows, then shrinks, twice.
//!
//! Each step allocates one *record* (a full tree of depth 5: 63 nodes) and
//! [`GARBAGE_PER_STEP`] records of garbage. In a grow phase the new record is
//! kept (appended to a FIFO); in a shrink phase the oldest kept record is
//! dropped instead. Two rounds of N grow steps and N shrink steps.
//!
//! - Live size: from 0 up to N records (63 N nodes; about 2.4 MiB per 1,000
//!   records on tenure) and back, twice.
//! - What it shows: whether the heap tracks the live size on the way up
//!   (heap goal = live x (1 + gc_percent/100)) and gives memory back on the
//!   way down; the heap-over-time plot is the point of this workload.
//! - Check: nodes in the live set at each peak, and at the end (0).
//!
//! Not on `bumpalo`: records die oldest-first across phases.

use std::collections::VecDeque;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::binary_trees::{self as bt, arena_impl, tenure_impl};
use crate::workloads::{Ctx, Workload};

/// Depth of one record's tree (63 nodes).
const RECORD_DEPTH: u32 = 5;

/// Garbage records allocated per step.
const GARBAGE_PER_STEP: u32 = 3;

/// Grow-then-shrink rounds.
const ROUNDS: u32 = 2;

/// The growth workload.
pub struct Growth;

/// Whether step `i` of a round of `n` grows (first half) or shrinks.
fn grows(step: u64, n: u64) -> bool {
    step % (2 * n) < n
}

impl Workload for Growth {
    fn name(&self) -> &'static str {
        "growth"
    }
    fn about(&self) -> &'static str {
        "live set grows to N records and shrinks back, twice: does the heap follow?"
    }
    fn size_meaning(&self) -> &'static str {
        "peak live records N (63 nodes each)"
    }
    fn default_size(&self) -> u32 {
        40_000
    }
    fn quick_size(&self) -> u32 {
        2_000
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        match collector {
            Collector::Bumpalo => {
                Err("records die oldest-first across phases; no arena reset fits")
            }
            _ => Ok(()),
        }
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let n = ctx.size as u64;
        let steps = n * 2 * ROUNDS as u64;
        let probe = &mut ctx.probe;
        let peaks = match collector {
            Collector::Tenure => run_tenure(n, steps, ctx.config, probe),
            Collector::GcArena => run_arena(n, steps, probe),
            Collector::Gc => {
                let peaks = plain(n, steps, probe, bt::gc_tree, |t| bt::gc_check(t));
                probe.peer_collections = Some(gc::stats().collections_performed as u64);
                peaks
            }
            Collector::Dumpster => plain(n, steps, probe, bt::dump_tree, |t| bt::dump_check(t)),
            Collector::Rc => plain(n, steps, probe, bt::rc_tree, |t| bt::rc_check(t)),
            Collector::Box => plain(n, steps, probe, bt::box_tree, |t| bt::box_check(t)),
            Collector::Bumpalo => unreachable!("declined by supports()"),
        };
        Outcome {
            ops: steps,
            ops_unit: "steps",
            check: format!("live nodes at peaks and end: {peaks:?}"),
        }
    }
}

/// Collectors whose handles live in an ordinary `VecDeque`. Returns the live
/// node count at each peak and at the end.
fn plain<H>(
    n: u64,
    steps: u64,
    probe: &mut Probe,
    make: impl Fn(u32) -> H,
    count: impl Fn(&H) -> u64,
) -> Vec<u64> {
    let mut live = VecDeque::new();
    let mut peaks = Vec::new();
    for step in 0..steps {
        for _ in 0..GARBAGE_PER_STEP {
            std::hint::black_box(make(RECORD_DEPTH));
        }
        if grows(step, n) {
            live.push_back(make(RECORD_DEPTH));
        } else {
            live.pop_front();
        }
        if (step + 1) % n == 0 && grows(step, n) {
            peaks.push(live.iter().map(&count).sum());
        }
        probe.tick();
    }
    peaks.push(live.iter().map(&count).sum());
    peaks
}

#[derive(tenure::Trace)]
struct TenureRoot<'gc> {
    live: VecDeque<tenure::Gc<'gc, tenure_impl::Node<'gc>>>,
}

fn run_tenure(n: u64, steps: u64, config: tenure::Config, probe: &mut Probe) -> Vec<u64> {
    type R = tenure::Rootable!['gc => TenureRoot<'gc>];
    let mut heap = tenure::Heap::<R>::with_config(config, |_| TenureRoot {
        live: VecDeque::new(),
    })
    .expect("valid config");
    probe.watch(&mut heap);
    let mut peaks = Vec::new();
    let mut step = 0;
    while step < steps {
        heap.mutate_root(|m, root| {
            while step < steps {
                for _ in 0..GARBAGE_PER_STEP {
                    std::hint::black_box(tenure_impl::tree(m, RECORD_DEPTH));
                }
                if grows(step, n) {
                    root.live.push_back(tenure_impl::tree(m, RECORD_DEPTH));
                } else {
                    root.live.pop_front();
                }
                if (step + 1) % n == 0 && grows(step, n) {
                    peaks.push(root.live.iter().map(|t| tenure_impl::check(t)).sum());
                }
                step += 1;
                if m.debt_due() {
                    break;
                }
            }
        });
        probe.tenure_safe_point(&mut heap);
    }
    peaks.push(heap.mutate(|_, root| root.live.iter().map(|t| tenure_impl::check(t)).sum()));
    probe.finish_tenure(&heap);
    peaks
}

#[derive(gc_arena::Collect)]
#[collect(no_drop)]
struct ArenaRoot<'gc> {
    live: VecDeque<gc_arena::Gc<'gc, arena_impl::Node<'gc>>>,
}

fn run_arena(n: u64, steps: u64, probe: &mut Probe) -> Vec<u64> {
    type R = gc_arena::Rootable!['gc => ArenaRoot<'gc>];
    let mut arena = gc_arena::Arena::<R>::new(|_| ArenaRoot {
        live: VecDeque::new(),
    });
    let mut peaks = Vec::new();
    let mut step = 0;
    while step < steps {
        arena.mutate_root(|mc, root| {
            while step < steps {
                for _ in 0..GARBAGE_PER_STEP {
                    std::hint::black_box(arena_impl::tree(mc, RECORD_DEPTH));
                }
                if grows(step, n) {
                    root.live.push_back(arena_impl::tree(mc, RECORD_DEPTH));
                } else {
                    root.live.pop_front();
                }
                if (step + 1) % n == 0 && grows(step, n) {
                    peaks.push(root.live.iter().map(|t| arena_impl::check(t)).sum());
                }
                step += 1;
                if mc.metrics().allocation_debt() > 0.0 {
                    break;
                }
            }
        });
        probe.arena_safe_point(&mut arena);
    }
    peaks.push(arena.mutate(|_, root| root.live.iter().map(|t| arena_impl::check(t)).sum()));
    peaks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collector_agrees() {
        for collector in Collector::ALL {
            if Growth.supports(collector).is_err() {
                continue;
            }
            let mut ctx = Ctx {
                size: 50,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            let check = Growth.run(collector, &mut ctx).check;
            assert_eq!(
                check, "live nodes at peaks and end: [3150, 3150, 0]",
                "{collector}"
            );
        }
    }
}
