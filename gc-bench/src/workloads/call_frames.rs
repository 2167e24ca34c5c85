//! call-frames: an interpreter's heap-allocated call frames, chained to
//! their callers, some captured by closures (issue 16).
//!
//! **Program.** A random walk of calls and returns, at most [`MAX_DEPTH`]
//! (50) deep: at depth 0 it calls, at the maximum it returns, otherwise it
//! calls or returns with even odds. A call allocates a frame that points to
//! its caller's frame and owns a `Vec` of 2 to 8 locals (so a frame needs
//! `Drop`); a return sums the frame's locals and drops it. One call in
//! [`CAPTURE_EVERY`] (32) also makes a closure capturing the new frame (and
//! through it the caller chain), stored into a random slot of a ring of
//! [`CLOSURES`] (1,024) in the root, replacing (freeing) the one there; one
//! call in [`INVOKE_EVERY`] (8) invokes a random closure of the ring, which
//! reads the first local of its frame and of up to three callers. The run
//! makes `size` calls (5 M by default), [`CALLS_PER_MUTATE`] (1,000) per
//! `mutate` call, then returns to depth 0.
//!
//! - Live size: the current chain (at most 50 frames) and the frames the
//!   ring's closures keep (up to 1,024 chains of up to 50, shared): a few
//!   MiB at most.
//! - Allocation: one frame (five words) and one `Vec` of 2 to 8 locals per
//!   call, and a closure per 32 calls: about 5 M frames and 5 M malloc'd
//!   buffers at the default size.
//! - What it stresses: many young objects that need `Drop` and die young
//!   (the drop list of a minor GC), and mid-lived frames held by closures.
//! - Check: calls, returns, the sum of the locals at every return, closure
//!   invocations and what they read.
//!
//! Collectors: tenure, gc-arena, and `Rc` as the plain-Rust baseline. The
//! program is written once, over [`Frames`].

use std::rc::Rc;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{interpreter_shaped, Ctx, SplitMix, Workload};

/// Deepest chain of frames.
pub const MAX_DEPTH: u32 = 50;

/// One call in this many makes a closure capturing its frame.
pub const CAPTURE_EVERY: u64 = 32;

/// One call in this many invokes a closure from the ring.
pub const INVOKE_EVERY: u64 = 8;

/// Closures kept in the root's ring.
pub const CLOSURES: usize = 1024;

/// Calls per `mutate` call.
pub const CALLS_PER_MUTATE: u64 = 1000;

/// Callers a closure invocation reads beyond its own frame.
const READ_CALLERS: usize = 3;

/// Seed of the walk.
const SEED: u64 = 0xca11_f4a3;

/// The call-frames workload.
pub struct CallFrames;

impl Workload for CallFrames {
    fn name(&self) -> &'static str {
        "call-frames"
    }
    fn about(&self) -> &'static str {
        "call frames (a Vec of locals each) chained up to 50 deep, some captured by closures: young objects that need Drop"
    }
    fn size_meaning(&self) -> &'static str {
        "calls (frames allocated)"
    }
    fn default_size(&self) -> u32 {
        5_000_000
    }
    fn quick_size(&self) -> u32 {
        300_000
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        interpreter_shaped(collector)
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let calls = u64::from(ctx.size);
        let tally = match collector {
            Collector::Tenure => tenure_impl::run(calls, ctx.config, &mut ctx.probe),
            Collector::GcArena => arena_impl::run(calls, &mut ctx.probe),
            Collector::Rc => rc_run(calls, &mut ctx.probe),
            _ => unreachable!("declined by supports()"),
        };
        Outcome {
            ops: tally.calls,
            ops_unit: "calls",
            check: format!(
                "{} calls, {} returns, locals sum {}, {} closure calls reading {}",
                tally.calls, tally.returns, tally.locals_sum, tally.invocations, tally.read_sum
            ),
        }
    }
}

/// What every collector must agree on.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Tally {
    calls: u64,
    returns: u64,
    locals_sum: u64,
    invocations: u64,
    read_sum: u64,
}

/// A collector's frames and closures, as the program sees them.
pub trait Frames {
    /// A handle to a frame.
    type Frame: Clone;
    /// A handle to a closure.
    type Closure: Clone;
    /// A new frame called from `caller`.
    fn call(&self, caller: Option<&Self::Frame>, depth: u32, locals: Vec<u64>) -> Self::Frame;
    /// The frame's caller.
    fn caller(&self, frame: &Self::Frame) -> Option<Self::Frame>;
    /// The frame's depth (1 for the outermost).
    fn depth(&self, frame: &Self::Frame) -> u32;
    /// The frame's locals.
    fn locals<'f>(&self, frame: &'f Self::Frame) -> &'f [u64];
    /// A closure capturing `frame`.
    fn capture(&self, frame: &Self::Frame, code: u64) -> Self::Closure;
    /// The frame a closure captured.
    fn env(&self, closure: &Self::Closure) -> Self::Frame;
}

/// The walk: the random sequence and how far it got.
pub struct Walk {
    rng: SplitMix,
    calls: u64,
    tally: Tally,
}

impl Walk {
    fn new(calls: u64) -> Walk {
        Walk {
            rng: SplitMix(SEED),
            calls,
            tally: Tally::default(),
        }
    }

    fn done(&self) -> bool {
        self.tally.calls == self.calls
    }

    fn ret<F: Frames>(&mut self, frames: &F, current: &mut Option<F::Frame>) {
        let frame = current.take().expect("a frame to return from");
        let sum = frames.locals(&frame).iter().sum::<u64>();
        self.tally.locals_sum = self.tally.locals_sum.wrapping_add(sum);
        self.tally.returns += 1;
        *current = frames.caller(&frame);
    }

    /// Runs up to [`CALLS_PER_MUTATE`] calls (and the returns between them);
    /// after the last call, returns to depth 0.
    fn batch<F: Frames>(
        &mut self,
        frames: &F,
        current: &mut Option<F::Frame>,
        ring: &mut [Option<F::Closure>],
    ) {
        let mut made = 0;
        while made < CALLS_PER_MUTATE && !self.done() {
            let depth = current.as_ref().map_or(0, |f| frames.depth(f));
            let call = depth == 0 || (depth < MAX_DEPTH && self.rng.below(2) == 0);
            if !call {
                self.ret(frames, current);
                continue;
            }
            let count = 2 + self.rng.below(7) as usize;
            let locals: Vec<u64> = (0..count).map(|_| self.rng.next_u64() >> 44).collect();
            let frame = frames.call(current.as_ref(), depth + 1, locals);
            self.tally.calls += 1;
            made += 1;
            if self.tally.calls % CAPTURE_EVERY == 0 {
                let slot = self.rng.below(CLOSURES as u64) as usize;
                ring[slot] = Some(frames.capture(&frame, self.tally.calls));
            }
            if self.tally.calls % INVOKE_EVERY == 0 {
                let slot = self.rng.below(CLOSURES as u64) as usize;
                if let Some(closure) = &ring[slot] {
                    let mut at = Some(frames.env(closure));
                    for _ in 0..=READ_CALLERS {
                        let Some(f) = at else { break };
                        self.tally.read_sum =
                            self.tally.read_sum.wrapping_add(frames.locals(&f)[0]);
                        at = frames.caller(&f);
                    }
                    self.tally.invocations += 1;
                }
            }
            *current = Some(frame);
        }
        if self.done() {
            while current.is_some() {
                self.ret(frames, current);
            }
        }
    }
}

// ------------------------------------------------------------------ Rc

struct RcFrame {
    caller: Option<Rc<RcFrame>>,
    depth: u32,
    locals: Vec<u64>,
}

struct RcClosure {
    env: Rc<RcFrame>,
    #[allow(dead_code)] // what a real closure would run; kept for its size
    code: u64,
}

struct RcFrames;

impl Frames for RcFrames {
    type Frame = Rc<RcFrame>;
    type Closure = Rc<RcClosure>;
    fn call(&self, caller: Option<&Rc<RcFrame>>, depth: u32, locals: Vec<u64>) -> Rc<RcFrame> {
        Rc::new(RcFrame {
            caller: caller.cloned(),
            depth,
            locals,
        })
    }
    fn caller(&self, frame: &Rc<RcFrame>) -> Option<Rc<RcFrame>> {
        frame.caller.clone()
    }
    fn depth(&self, frame: &Rc<RcFrame>) -> u32 {
        frame.depth
    }
    fn locals<'f>(&self, frame: &'f Rc<RcFrame>) -> &'f [u64] {
        &frame.locals
    }
    fn capture(&self, frame: &Rc<RcFrame>, code: u64) -> Rc<RcClosure> {
        Rc::new(RcClosure {
            env: Rc::clone(frame),
            code,
        })
    }
    fn env(&self, closure: &Rc<RcClosure>) -> Rc<RcFrame> {
        Rc::clone(&closure.env)
    }
}

fn rc_run(calls: u64, probe: &mut Probe) -> Tally {
    let mut walk = Walk::new(calls);
    let mut current = None;
    let mut ring: Vec<Option<Rc<RcClosure>>> = vec![None; CLOSURES];
    while !walk.done() {
        walk.batch(&RcFrames, &mut current, &mut ring);
        probe.tick();
    }
    walk.tally
}

// ------------------------------------------------------------------ GC twins

/// The frame and closure types and their [`Frames`] for a collector whose
/// `Gc` and `Mutation` are in scope at the call: tenure's and gc-arena's
/// spell the same calls the same way, so the frames are written once for
/// both (the attributes give the derive of the collector's tracing trait).
macro_rules! gc_frames {
    ($(#[$derive:meta])* $frames:ident) => {
        $(#[$derive])*
        pub struct Frame<'gc> {
            caller: Option<Gc<'gc, Frame<'gc>>>,
            depth: u32,
            locals: Vec<u64>,
        }

        $(#[$derive])*
        pub struct Closure<'gc> {
            env: Gc<'gc, Frame<'gc>>,
            code: u64,
        }

        struct $frames<'a, 'gc>(&'a Mutation<'gc>);

        impl<'gc> Frames for $frames<'_, 'gc> {
            type Frame = Gc<'gc, Frame<'gc>>;
            type Closure = Gc<'gc, Closure<'gc>>;
            fn call(
                &self,
                caller: Option<&Self::Frame>,
                depth: u32,
                locals: Vec<u64>,
            ) -> Self::Frame {
                Gc::new(
                    self.0,
                    Frame {
                        caller: caller.copied(),
                        depth,
                        locals,
                    },
                )
            }
            fn caller(&self, frame: &Self::Frame) -> Option<Self::Frame> {
                frame.caller
            }
            fn depth(&self, frame: &Self::Frame) -> u32 {
                frame.depth
            }
            fn locals<'f>(&self, frame: &'f Self::Frame) -> &'f [u64] {
                &frame.locals
            }
            fn capture(&self, frame: &Self::Frame, code: u64) -> Self::Closure {
                Gc::new(self.0, Closure { env: *frame, code })
            }
            fn env(&self, closure: &Self::Closure) -> Self::Frame {
                debug_assert!(closure.code > 0);
                closure.env
            }
        }
    };
}

// ------------------------------------------------------------------ tenure

mod tenure_impl {
    use super::{Frames, Tally, Walk, CLOSURES};
    use crate::probe::Probe;
    use tenure::{Config, Gc, Heap, Mutation, Rootable};

    gc_frames!(
        #[derive(tenure::Trace)]
        TenureFrames
    );

    #[derive(tenure::Trace)]
    struct Root<'gc> {
        current: Option<Gc<'gc, Frame<'gc>>>,
        closures: Vec<Option<Gc<'gc, Closure<'gc>>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(calls: u64, config: Config, probe: &mut Probe) -> Tally {
        let mut heap = Heap::<R>::with_config(config, |_| Root {
            current: None,
            closures: vec![None; CLOSURES],
        })
        .expect("valid config");
        probe.watch(&mut heap);
        let mut walk = Walk::new(calls);
        while !walk.done() {
            heap.mutate_root(|m, root| {
                walk.batch(&TenureFrames(m), &mut root.current, &mut root.closures)
            });
            probe.tenure_safe_point(&mut heap);
        }
        probe.finish_tenure(&heap);
        walk.tally
    }
}

// ------------------------------------------------------------------ gc-arena

mod arena_impl {
    use super::{Frames, Tally, Walk, CLOSURES};
    use crate::probe::Probe;
    use gc_arena::{Arena, Collect, Gc, Mutation, Rootable};

    gc_frames!(
        #[derive(Collect)]
        #[collect(no_drop)]
        ArenaFrames
    );

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        current: Option<Gc<'gc, Frame<'gc>>>,
        closures: Vec<Option<Gc<'gc, Closure<'gc>>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(calls: u64, probe: &mut Probe) -> Tally {
        let mut arena = Arena::<R>::new(|_| Root {
            current: None,
            closures: vec![None; CLOSURES],
        });
        let mut walk = Walk::new(calls);
        while !walk.done() {
            arena.mutate_root(|mc, root| {
                walk.batch(&ArenaFrames(mc), &mut root.current, &mut root.closures)
            });
            probe.arena_safe_point(&mut arena);
        }
        walk.tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collector_walks_the_same_calls() {
        let mut checks = Vec::new();
        for collector in [Collector::Tenure, Collector::GcArena, Collector::Rc] {
            let mut ctx = Ctx {
                size: 20_000,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            checks.push(CallFrames.run(collector, &mut ctx).check);
        }
        assert_eq!(checks[0], checks[1]);
        assert_eq!(checks[0], checks[2]);
        let mut walk = Walk::new(20_000);
        let (mut current, mut ring) = (None, vec![None; CLOSURES]);
        while !walk.done() {
            walk.batch(&RcFrames, &mut current, &mut ring);
        }
        let t = &walk.tally;
        assert_eq!(t.calls, 20_000);
        assert_eq!(t.returns, t.calls, "every call returned");
        assert!(t.invocations > 100, "{t:?}");
        assert!(CallFrames.supports(Collector::Box).is_err());
    }
}
