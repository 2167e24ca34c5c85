//! gc-latency: the sliding-window message buffer, in three shapes of program.
//!
//! A window of `W` slots (200,000 by default) receives `5 W` pushes
//! (1,000,000) of a fresh 1 KiB message; each push replaces the oldest
//! message, which becomes garbage. This is the benchmark behind the
//! published Go, Java and Haskell pause-time comparisons: what matters is the
//! **worst single push**, which includes any collection work the push caused.
//! Every push is timed into a histogram; the worst push after the window
//! first filled is reported separately (the first fill is when a collector
//! that has not seen the live size yet is at its worst).
//!
//! - Live size: W x 1 KiB (195 MiB at W = 200,000), all of it old once warm.
//! - Allocation: 5 W x 1 KiB (977 MiB), each message living exactly W pushes:
//!   nothing dies young, so a young generation buys nothing here and costs a
//!   copy (or a promotion) per message.
//!
//! The same program is run with the window held three ways ([`Shape`]),
//! because a collector's pause can depend on where the pointers live (issue
//! 13): what the root holds is rescanned at every minor GC; an old object
//! written with a young pointer is remembered.
//!
//! - `gc-latency` ([`Shape::Root`]): a vector in the root (a global in the Go
//!   original). A push is one `mutate_root` and one `collect_debt`. On
//!   tenure the vector is a [`tenure::RootVec`], the documented answer to
//!   a big root (issue 13 item 2, `docs/embedding.md`, "Big roots"): a plain
//!   `Vec` in the root is traced whole at every minor GC, mark start and
//!   termination (200,000 edges, most of each minor GC), while a `RootVec`
//!   logs the chunks written and a minor GC scans only those. The peers keep
//!   a plain `Vec` (they have no such container, and gc-arena traces its
//!   root only once per cycle).
//! - `gc-latency-cells` ([`Shape::Cells`]): one managed `Lock` cell per slot,
//!   the cells' handles in a root vector that is never written after it is
//!   built (on tenure a `RootVec` too, for the same reason: a clean root
//!   container costs a minor GC nothing, where a plain `Vec` of 200,000
//!   handles is 200,000 edges each time, and while a major cycle marks, as
//!   many old headers read to shade them). A push is one `mutate` storing
//!   through one cell's write barrier (an old-to-young store), and one
//!   `collect_debt`.
//! - `gc-latency-array` ([`Shape::Array`]): one big managed array: on
//!   tenure a `Gc<Array<..>>`, whose indexed barrier dirties the 512-byte
//!   card of the slot written, on gc-arena a `Gc<RefLock<Vec<..>>>` (it has
//!   no managed array). A push is one `mutate` storing one slot through the
//!   array's barrier, and one `collect_debt`: a collector that remembers whole
//!   objects rescans all W slots at every minor GC, one with cards only the
//!   cards written since the last.
//!
//! **Adding a shape** (e.g. a growable `GcVec`): a [`Shape`] variant with its
//! name, a [`GcLatency`] constant listed in `workloads::all`, and one
//! variant of `Window` (with its three `match` arms: build, store, sum) in
//! `tenure_impl` and, where gc-arena can express it, in `arena_impl`.
//!
//! Collectors: every shape runs on tenure, gc-arena and `Box` (for `Box`,
//! the floor, the window is a plain `Vec` in every shape); the root shape
//! also runs on `gc`, `dumpster` and `Rc`. Not on `bumpalo`: messages die one
//! at a time in FIFO order, which an arena reset cannot express.

use std::hint::black_box;
use std::rc::Rc;
use std::time::Instant;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{Ctx, Workload};

/// Bytes of payload per message.
pub const MESSAGE_BYTES: usize = 1024;

/// Pushes per window slot (1,000,000 pushes / 200,000 slots).
const PUSHES_PER_SLOT: u64 = 5;

/// Where the program keeps its window of messages (see the module docs).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A vector of handles in the root (tenure: a `RootVec`), written
    /// through `mutate_root`.
    Root,
    /// One managed `Lock` cell per slot; a push writes one cell.
    Cells,
    /// One managed array (tenure: `Gc<Array<..>>`); a push writes one slot.
    Array,
}

impl Shape {
    /// The workload's name for this shape.
    pub fn workload_name(self) -> &'static str {
        match self {
            Shape::Root => "gc-latency",
            Shape::Cells => "gc-latency-cells",
            Shape::Array => "gc-latency-array",
        }
    }
}

/// gc-latency with the window held in one [`Shape`].
pub struct GcLatency {
    /// Where the window lives.
    pub shape: Shape,
}

/// `gc-latency`: the window is a `Vec` in the root.
pub const IN_ROOT: GcLatency = GcLatency { shape: Shape::Root };
/// `gc-latency-cells`: one managed cell per slot.
pub const CELLS: GcLatency = GcLatency {
    shape: Shape::Cells,
};
/// `gc-latency-array`: one managed array.
pub const ARRAY: GcLatency = GcLatency {
    shape: Shape::Array,
};

impl Workload for GcLatency {
    fn name(&self) -> &'static str {
        self.shape.workload_name()
    }
    fn about(&self) -> &'static str {
        match self.shape {
            Shape::Root => {
                "sliding window of 1 KiB messages, a Vec in the root: worst single push, every push in a histogram"
            }
            Shape::Cells => {
                "sliding window of 1 KiB messages, one managed Lock cell per slot: worst single push"
            }
            Shape::Array => {
                "sliding window of 1 KiB messages, one managed array (tenure's Array, gc-arena's RefLock<Vec>): worst single push"
            }
        }
    }
    fn size_meaning(&self) -> &'static str {
        "window size W (5 W pushes)"
    }
    fn default_size(&self) -> u32 {
        200_000
    }
    fn quick_size(&self) -> u32 {
        10_000
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        match collector {
            Collector::Bumpalo => {
                Err("messages die one at a time in FIFO order; an arena reset cannot free them")
            }
            Collector::Gc | Collector::Dumpster | Collector::Rc if self.shape != Shape::Root => {
                Err("the shapes compare where a tracing collector finds the window; the root shape (gc-latency) has these peers")
            }
            _ => Ok(()),
        }
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let window = ctx.size as usize;
        let pushes = window as u64 * PUSHES_PER_SLOT;
        let probe = &mut ctx.probe;
        let check = match collector {
            Collector::Tenure => tenure_impl::run(self.shape, window, pushes, ctx.config, probe),
            Collector::GcArena => arena_impl::run(self.shape, window, pushes, probe),
            Collector::Gc => {
                let sum = plain(
                    window,
                    pushes,
                    probe,
                    |i| gc::Gc::new(GcMsg { data: payload(i) }),
                    |m| m.data[0],
                );
                probe.peer_collections = Some(gc::stats().collections_performed as u64);
                sum
            }
            Collector::Dumpster => plain(
                window,
                pushes,
                probe,
                |i| dumpster::unsync::Gc::new(DumpMsg { data: payload(i) }),
                |m| m.data[0],
            ),
            Collector::Rc => plain(window, pushes, probe, |i| Rc::new(payload(i)), |m| m[0]),
            Collector::Box => {
                if self.shape != Shape::Root {
                    probe
                        .notes
                        .push("the floor: the window is a plain Vec of Box in every shape".into());
                }
                plain(window, pushes, probe, |i| Box::new(payload(i)), |m| m[0])
            }
            Collector::Bumpalo => unreachable!("declined by supports()"),
        };
        Outcome {
            ops: pushes,
            ops_unit: "pushes",
            check: format!("window checksum {check}"),
        }
    }
}

/// The payload of push `i`: not all zeros (so no allocator can serve it as
/// fresh zeroed pages), different per push.
#[inline]
fn payload(i: u64) -> [u8; MESSAGE_BYTES] {
    black_box([(i % 251) as u8 + 1; MESSAGE_BYTES])
}

/// The checksum every collector must agree on: the first byte of every live
/// message, summed.
fn expected_checksum(window: usize, pushes: u64) -> u64 {
    (pushes - window as u64..pushes)
        .map(|i| (i % 251) + 1)
        .sum()
}

#[derive(gc::Trace, gc::Finalize)]
struct GcMsg {
    #[unsafe_ignore_trace]
    data: [u8; MESSAGE_BYTES],
}

#[derive(dumpster::Trace)]
struct DumpMsg {
    data: [u8; MESSAGE_BYTES],
}

/// Collectors whose handles live in an ordinary `Vec`.
fn plain<P>(
    window: usize,
    pushes: u64,
    probe: &mut Probe,
    make: impl Fn(u64) -> P,
    first_byte: impl Fn(&P) -> u8,
) -> u64 {
    let mut slots: Vec<Option<P>> = (0..window).map(|_| None).collect();
    for i in 0..pushes {
        let start = Instant::now();
        slots[(i % window as u64) as usize] = Some(make(i));
        probe.op(start.elapsed(), i >= window as u64);
        probe.tick();
    }
    let sum = slots.iter().flatten().map(|m| first_byte(m) as u64).sum();
    debug_assert_eq!(sum, expected_checksum(window, pushes));
    sum
}

mod tenure_impl {
    use std::time::Instant;

    use tenure::{Array, Config, Gc, Heap, Lock, Mutation, RootVec, Rootable};

    use super::{payload, Shape, MESSAGE_BYTES};
    use crate::probe::Probe;

    #[derive(tenure::Trace)]
    struct Msg {
        data: [u8; MESSAGE_BYTES],
    }

    type Slot<'gc> = Option<Gc<'gc, Msg>>;

    /// The window, in each shape.
    #[derive(tenure::Trace)]
    enum Window<'gc> {
        Root(RootVec<'gc, Slot<'gc>>),
        Cells(RootVec<'gc, Gc<'gc, Lock<Slot<'gc>>>>),
        Array(Gc<'gc, Array<Slot<'gc>>>),
    }

    impl<'gc> Window<'gc> {
        fn new(m: &Mutation<'gc>, shape: Shape, window: usize) -> Window<'gc> {
            match shape {
                Shape::Root => {
                    let mut slots = RootVec::with_capacity(m, window);
                    slots.extend((0..window).map(|_| None));
                    Window::Root(slots)
                }
                Shape::Cells => {
                    let mut cells = RootVec::with_capacity(m, window);
                    cells.extend((0..window).map(|_| Gc::new(m, Lock::new(None))));
                    Window::Cells(cells)
                }
                Shape::Array => Window::Array(Gc::new_array_filled(m, window, None)),
            }
        }

        /// Stores into a shape whose stores go through a write barrier.
        fn store(&self, m: &Mutation<'gc>, slot: usize, msg: Gc<'gc, Msg>) {
            match self {
                Window::Root(_) => unreachable!("the root shape is written through mutate_root"),
                Window::Cells(cells) => Gc::write(m, cells[slot]).set(Some(msg)),
                Window::Array(array) => array.set(m, slot, Some(msg)),
            }
        }

        fn sum(&self) -> u64 {
            let first = |s: &Slot<'gc>| s.map_or(0, |m| m.data[0] as u64);
            match self {
                Window::Root(slots) => slots.iter().map(first).sum(),
                Window::Cells(cells) => cells.iter().map(|c| first(&c.get())).sum(),
                Window::Array(array) => array.iter().map(|s| first(&s)).sum(),
            }
        }
    }

    #[derive(tenure::Trace)]
    struct Root<'gc> {
        window: Window<'gc>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(shape: Shape, window: usize, pushes: u64, config: Config, probe: &mut Probe) -> u64 {
        let mut heap = Heap::<R>::with_config(config, |m| Root {
            window: Window::new(m, shape, window),
        })
        .expect("valid config");
        probe.watch(&mut heap);
        for i in 0..pushes {
            let slot = (i % window as u64) as usize;
            let start = Instant::now();
            if shape == Shape::Root {
                heap.mutate_root(|m, root| {
                    if let Window::Root(slots) = &mut root.window {
                        slots[slot] = Some(Gc::new(m, Msg { data: payload(i) }));
                    }
                });
            } else {
                heap.mutate(|m, root| {
                    root.window
                        .store(m, slot, Gc::new(m, Msg { data: payload(i) }))
                });
            }
            probe.tenure_safe_point(&mut heap);
            probe.op(start.elapsed(), i >= window as u64);
        }
        let sum = heap.mutate(|_, root| root.window.sum());
        probe.finish_tenure(&heap);
        sum
    }
}

mod arena_impl {
    use std::time::Instant;

    use gc_arena::{Arena, Collect, Gc, GcLock, GcRefLock, Lock, Mutation, RefLock, Rootable};

    use super::{payload, Shape, MESSAGE_BYTES};
    use crate::probe::Probe;

    #[derive(Collect)]
    #[collect(require_static)]
    struct Msg {
        data: [u8; MESSAGE_BYTES],
    }

    type Slot<'gc> = Option<Gc<'gc, Msg>>;

    /// The window, in each shape gc-arena can express.
    #[derive(Collect)]
    #[collect(no_drop)]
    enum Window<'gc> {
        Root(Vec<Slot<'gc>>),
        Cells(Vec<GcLock<'gc, Slot<'gc>>>),
        Array(GcRefLock<'gc, Vec<Slot<'gc>>>),
    }

    impl<'gc> Window<'gc> {
        fn new(mc: &Mutation<'gc>, shape: Shape, window: usize) -> Window<'gc> {
            match shape {
                Shape::Root => Window::Root(vec![None; window]),
                Shape::Cells => {
                    Window::Cells((0..window).map(|_| Gc::new(mc, Lock::new(None))).collect())
                }
                Shape::Array => Window::Array(Gc::new(mc, RefLock::new(vec![None; window]))),
            }
        }

        fn store(&self, mc: &Mutation<'gc>, slot: usize, msg: Gc<'gc, Msg>) {
            match self {
                Window::Root(_) => unreachable!("the root shape is written through mutate_root"),
                Window::Cells(cells) => cells[slot].set(mc, Some(msg)),
                Window::Array(array) => array.borrow_mut(mc)[slot] = Some(msg),
            }
        }

        fn sum(&self) -> u64 {
            let first = |s: &Slot<'gc>| s.map_or(0, |m| m.data[0] as u64);
            match self {
                Window::Root(slots) => slots.iter().map(first).sum(),
                Window::Cells(cells) => cells.iter().map(|c| first(&c.get())).sum(),
                Window::Array(array) => array.borrow().iter().map(first).sum(),
            }
        }
    }

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        window: Window<'gc>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(shape: Shape, window: usize, pushes: u64, probe: &mut Probe) -> u64 {
        let mut arena = Arena::<R>::new(|mc| Root {
            window: Window::new(mc, shape, window),
        });
        for i in 0..pushes {
            let slot = (i % window as u64) as usize;
            let start = Instant::now();
            if shape == Shape::Root {
                arena.mutate_root(|mc, root| {
                    if let Window::Root(slots) = &mut root.window {
                        slots[slot] = Some(Gc::new(mc, Msg { data: payload(i) }));
                    }
                });
            } else {
                arena.mutate(|mc, root| {
                    root.window
                        .store(mc, slot, Gc::new(mc, Msg { data: payload(i) }))
                });
            }
            probe.arena_safe_point(&mut arena);
            probe.op(start.elapsed(), i >= window as u64);
        }
        arena.mutate(|_, root| root.window.sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collector_keeps_the_last_window_in_every_shape() {
        for workload in [IN_ROOT, CELLS, ARRAY] {
            let mut ran = Vec::new();
            for collector in Collector::ALL {
                if workload.supports(collector).is_err() {
                    continue;
                }
                let mut ctx = Ctx {
                    size: 500,
                    config: tenure::Config::default(),
                    probe: Probe::new(),
                };
                let outcome = workload.run(collector, &mut ctx);
                assert_eq!(
                    outcome.check,
                    format!("window checksum {}", expected_checksum(500, 2500)),
                    "{} on {collector}",
                    workload.name()
                );
                assert_eq!(ctx.probe.ops.len(), 2500);
                ran.push(collector);
            }
            for needed in [Collector::Tenure, Collector::GcArena, Collector::Box] {
                assert!(ran.contains(&needed), "{} on {needed}", workload.name());
            }
        }
    }
}
