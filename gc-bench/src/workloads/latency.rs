//! gc-latency: the sliding-window message buffer.
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
//! - The window is a `Vec` in the root (a global in the Go original). For
//!   tenure a push is one `mutate_root` call and one `collect_debt`; for
//!   gc-arena one `mutate_root` and one `collect_debt`.
//!
//! Not on `bumpalo`: messages die one at a time in FIFO order, which an arena
//! reset cannot express.

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

/// gc-latency.
pub struct GcLatency;

impl Workload for GcLatency {
    fn name(&self) -> &'static str {
        "gc-latency"
    }
    fn about(&self) -> &'static str {
        "sliding window of 1 KiB messages: worst single push, every push in a histogram"
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
            _ => Ok(()),
        }
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let window = ctx.size as usize;
        let pushes = window as u64 * PUSHES_PER_SLOT;
        let probe = &mut ctx.probe;
        let check = match collector {
            Collector::Tenure => tenure_impl::run(window, pushes, ctx.config, probe),
            Collector::GcArena => arena_impl::run(window, pushes, probe),
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
            Collector::Box => plain(window, pushes, probe, |i| Box::new(payload(i)), |m| m[0]),
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

    use tenure::{Config, Gc, Heap, Rootable};

    use super::{payload, MESSAGE_BYTES};
    use crate::probe::Probe;

    #[derive(tenure::Trace)]
    struct Msg {
        data: [u8; MESSAGE_BYTES],
    }

    #[derive(tenure::Trace)]
    struct Root<'gc> {
        window: Vec<Option<Gc<'gc, Msg>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(window: usize, pushes: u64, config: Config, probe: &mut Probe) -> u64 {
        let mut heap = Heap::<R>::with_config(config, |_| Root {
            window: vec![None; window],
        })
        .expect("valid config");
        probe.watch(&mut heap);
        for i in 0..pushes {
            let start = Instant::now();
            heap.mutate_root(|m, root| {
                root.window[(i % window as u64) as usize] =
                    Some(Gc::new(m, Msg { data: payload(i) }));
            });
            probe.tenure_safe_point(&mut heap);
            probe.op(start.elapsed(), i >= window as u64);
        }
        let sum =
            heap.mutate(|_, root| root.window.iter().flatten().map(|m| m.data[0] as u64).sum());
        probe.finish_tenure(&heap);
        sum
    }
}

mod arena_impl {
    use std::time::Instant;

    use gc_arena::{Arena, Collect, Gc, Rootable};

    use super::{payload, MESSAGE_BYTES};
    use crate::probe::Probe;

    #[derive(Collect)]
    #[collect(require_static)]
    struct Msg {
        data: [u8; MESSAGE_BYTES],
    }

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        window: Vec<Option<Gc<'gc, Msg>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(window: usize, pushes: u64, probe: &mut Probe) -> u64 {
        let mut arena = Arena::<R>::new(|_| Root {
            window: vec![None; window],
        });
        for i in 0..pushes {
            let start = Instant::now();
            arena.mutate_root(|mc, root| {
                root.window[(i % window as u64) as usize] =
                    Some(Gc::new(mc, Msg { data: payload(i) }));
            });
            probe.arena_safe_point(&mut arena);
            probe.op(start.elapsed(), i >= window as u64);
        }
        arena.mutate(|_, root| root.window.iter().flatten().map(|m| m.data[0] as u64).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collector_keeps_the_last_window() {
        for collector in Collector::ALL {
            if GcLatency.supports(collector).is_err() {
                continue;
            }
            let mut ctx = Ctx {
                size: 500,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            let outcome = GcLatency.run(collector, &mut ctx);
            assert_eq!(
                outcome.check,
                format!("window checksum {}", expected_checksum(500, 2500)),
                "{collector}"
            );
            assert_eq!(ctx.probe.ops.len(), 2500);
        }
    }
}
