//! old-steps: how long one `collect_debt()` step takes over a large old
//! generation (issue 4's bar: no single step on a 1 GB old generation takes
//! over 1 ms).
//!
//! **Build.** 64-byte nodes (three payload words, an immutable `next` and a
//! writable `side` pointer, plus tenure's header) are pushed onto 4096
//! chains hung from the root, until the old generation holds `size` MiB.
//! The mutator returns to a safe point whenever `debt_due` says so.
//!
//! **Steady state** (what is measured). Each `mutate` call allocates nodes
//! until `debt_due` (at most [`BATCH`]): one in [`KEEP_EVERY`] (16) is appended to
//! a replacement chain, the rest die young, and one in [`STORE_EVERY`] of
//! those is stored into the `side` field of an old chain head (an
//! old-to-young store: the remembered set, and a re-gray while marking).
//! When the replacement chain is as long as a chain, it replaces the oldest
//! chain, which becomes old garbage. So the live old generation stays at
//! `size` MiB, about 1/16 of the allocation is promoted, and major cycles
//! come round as the pacer's trigger is reached. The steady state ends when
//! two major cycles that started after the build have been marked and swept
//! (or after [`MAX_STEADY_FACTOR`] x `size` of allocation, with a note).
//!
//! - Live size: `size` MiB of old nodes (16,384 per MiB) and the root's
//!   4096 slots (a `RootVec`); the heap peaks near live x (1 + gc_percent/100).
//! - Allocation: about 16 x `size` x gc_percent/100 per cycle (16 GiB at
//!   1 GiB and the default 100); almost all of it dies in Eden.
//! - Measured: every `collect_debt` call, timed from outside, filed under
//!   the kinds of work it did (`Probe::by_kind`); the build's calls are
//!   filed apart (`build: minor`, ...), as the old generation is still
//!   growing then.
//!
//! tenure only: the point is tenure's step bound, and the peers have no
//! comparable incremental step (gc-arena's is measured in `binary-trees`).

use std::time::Instant;

use tenure::{unlock, Config, Gc, Heap, Lock, Phase, RootVec, Rootable};

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{Ctx, Workload};

/// Chains hung from the root: enough that replacing one frees a small slice
/// of the old generation (1/4096), few enough that the root scans in
/// microseconds (4096 pointers).
pub const CHAINS: usize = 4096;

/// Most nodes one `mutate` call allocates when `debt_due` does not ask
/// sooner: 4096 x 64 B = 256 KiB, a sixteenth of the default Eden.
pub const BATCH: usize = 4096;

/// One steady-state node in this many survives (joins a replacement chain):
/// 6% of Eden survives a minor GC (256 KiB of the default 4 MiB), the
/// typical young-generation survival rate (under 10%), and half a survivor
/// space (`DEFAULT_SURVIVOR_RATIO` 8, `DEFAULT_TARGET_SURVIVOR_RATIO` 50).
pub const KEEP_EVERY: usize = 16;

/// One dying node in this many is stored into an old chain head (a barrier
/// store of an old-to-young pointer): 32 per 4096-node batch.
pub const STORE_EVERY: usize = 128;

/// The steady state stops after this many times `size` of allocation even if
/// two cycles have not completed (e.g. `gc_percent` off): at the default
/// pace two cycles take about 32 x `size`.
pub const MAX_STEADY_FACTOR: u64 = 128;

const MIB: u64 = 1 << 20;

/// The old-generation step workload.
pub struct OldSteps;

impl Workload for OldSteps {
    fn name(&self) -> &'static str {
        "old-steps"
    }
    fn about(&self) -> &'static str {
        "a large old generation kept live while two major cycles run: every collect_debt step by kind"
    }
    fn size_meaning(&self) -> &'static str {
        "old generation MiB"
    }
    fn default_size(&self) -> u32 {
        1024
    }
    fn quick_size(&self) -> u32 {
        16
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        match collector {
            Collector::Tenure => Ok(()),
            _ => Err("measures tenure's incremental step bound; peers have no comparable step"),
        }
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        assert!(self.supports(collector).is_ok(), "old-steps is tenure-only");
        run(ctx.size, ctx.config, &mut ctx.probe)
    }
}

#[derive(tenure::Trace)]
struct Node<'gc> {
    payload: [u64; 3],
    next: Option<Gc<'gc, Node<'gc>>>,
    side: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

#[derive(tenure::Trace)]
struct Root<'gc> {
    /// The chain heads: a `RootVec`, so that a minor GC, mark start and
    /// termination rescan only the chunks of heads written since (a plain
    /// `Vec` of 4096 old heads was traced whole by every minor GC, a cache
    /// miss per head: half of the slow minor GCs while marking).
    chains: RootVec<'gc, Option<Gc<'gc, Node<'gc>>>>,
    /// The replacement chain being built.
    building: Option<Gc<'gc, Node<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

fn node<'gc>(
    m: &tenure::Mutation<'gc>,
    tag: u64,
    next: Option<Gc<'gc, Node<'gc>>>,
) -> Gc<'gc, Node<'gc>> {
    Gc::new(
        m,
        Node {
            payload: [tag, tag ^ 0x5555, tag.rotate_left(17)],
            next,
            side: Lock::new(None),
        },
    )
}

fn run(size: u32, config: Config, probe: &mut Probe) -> Outcome {
    let target = size as usize * MIB as usize;
    let mut heap = Heap::<R>::with_config(config, |m| {
        let mut chains = RootVec::with_capacity(m, CHAINS);
        chains.extend(std::iter::repeat_n(None, CHAINS));
        Root {
            chains,
            building: None,
        }
    })
    .expect("valid config");
    probe.watch(&mut heap);

    // ---- build: chains grow round-robin until the old generation is `size` MiB.
    probe.by_kind = true;
    probe.kind_prefix = "build: ";
    let build_start = Instant::now();
    let mut built = 0u64;
    while heap.stats().old_bytes < target {
        heap.mutate_root(|m, root| {
            for _ in 0..BATCH {
                let slot = built as usize % CHAINS;
                root.chains[slot] = Some(node(m, built, root.chains[slot]));
                built += 1;
                if m.debt_due() {
                    break;
                }
            }
        });
        probe.tenure_safe_point(&mut heap);
    }
    // Every chain gets the same length, so the live size is steady below.
    let chain_len = built.div_ceil(CHAINS as u64);
    heap.mutate_root(|m, root| {
        for (slot, head) in root.chains.as_mut_slice().iter_mut().enumerate() {
            let mut len = built / CHAINS as u64 + u64::from((slot as u64) < built % CHAINS as u64);
            while len < chain_len {
                *head = Some(node(m, len, *head));
                len += 1;
            }
        }
    });
    let built_s = build_start.elapsed().as_secs_f64();
    let at_build = heap.stats();
    probe.notes.push(format!(
        "build: {} chains x {chain_len} nodes = {:.0} MiB old ({} objects) in {built_s:.1} s",
        CHAINS,
        at_build.old_bytes as f64 / MIB as f64,
        at_build.old_objects
    ));

    // ---- steady state: measured by kind.
    probe.kind_prefix = "";
    let steady_start = Instant::now();
    let cycles_needed = match at_build.phase {
        // The cycle in progress started during the build: two more after it.
        Phase::Marking => 3,
        Phase::Sweeping | Phase::Idle => 2,
    };
    let cycles_at_start = at_build.major_collections;
    let allocated_at_start = at_build.bytes_allocated;
    let budget = MAX_STEADY_FACTOR * target as u64;
    let mut tag = 0u64;
    let mut building_len = 0u64;
    let mut next_victim = 0usize;
    let mut store_slot = 0usize;
    let mut replaced = 0u64;
    loop {
        heap.mutate_root(|m, root| {
            for _ in 0..BATCH {
                tag += 1;
                if tag % KEEP_EVERY as u64 == 0 {
                    root.building = Some(node(m, tag, root.building));
                    building_len += 1;
                    if building_len == chain_len {
                        root.chains[next_victim] = root.building.take();
                        next_victim = (next_victim + 1) % CHAINS;
                        building_len = 0;
                        replaced += 1;
                    }
                } else {
                    let garbage = node(m, tag, None);
                    if tag % STORE_EVERY as u64 == 1 {
                        store_slot = (store_slot + 1) % CHAINS;
                        if let Some(head) = root.chains[store_slot] {
                            unlock!(Gc::write(m, head), Node, side).set(Some(garbage));
                        }
                    }
                }
                if m.debt_due() {
                    break;
                }
            }
        });
        probe.tenure_safe_point(&mut heap);
        let stats = heap.stats();
        let cycles = stats.major_collections - cycles_at_start;
        if cycles >= cycles_needed && stats.phase == Phase::Idle {
            break;
        }
        if stats.bytes_allocated - allocated_at_start > budget {
            probe.notes.push(format!(
                "steady state stopped after {} MiB of allocation with only {cycles} of {cycles_needed} cycles done",
                budget / MIB
            ));
            break;
        }
    }
    probe.by_kind = false;
    let end = heap.stats();
    probe.notes.push(format!(
        "steady state: {:.1} s, {} MiB allocated, {} major cycles ({} needed), {replaced} chains replaced; old generation {:.0} MiB at the end",
        steady_start.elapsed().as_secs_f64(),
        (end.bytes_allocated - allocated_at_start) / MIB,
        end.major_collections - cycles_at_start,
        cycles_needed,
        end.old_bytes as f64 / MIB as f64,
    ));

    // ---- check: every chain still has its full length (nothing was lost).
    let lengths = heap.mutate(|_, root| {
        root.chains
            .iter()
            .map(|head| {
                let mut n = 0u64;
                let mut at = *head;
                while let Some(node) = at {
                    n += 1;
                    at = node.next;
                }
                n
            })
            .collect::<Vec<u64>>()
    });
    let whole = lengths.iter().filter(|&&n| n == chain_len).count();
    probe.finish_tenure(&heap);
    Outcome {
        ops: end.objects_allocated,
        ops_unit: "objects",
        check: format!("{whole} of {CHAINS} chains whole"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_run_keeps_every_chain_and_files_steps_by_kind() {
        let mut ctx = Ctx {
            size: 2,
            config: Config::default(),
            probe: Probe::new(),
        };
        let outcome = OldSteps.run(Collector::Tenure, &mut ctx);
        assert_eq!(outcome.check, format!("{CHAINS} of {CHAINS} chains whole"));
        assert!(ctx.probe.kinds.keys().any(|k| k.contains("mark")));
        assert!(ctx.probe.kinds.keys().any(|k| k.contains("sweep")));
        assert!(OldSteps.supports(Collector::Box).is_err());
    }
}
