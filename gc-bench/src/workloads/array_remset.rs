//! array-remset: random stores of young objects into a big old generation
//! held in arrays (issue 13's second shape).
//!
//! **Build.** `size` MiB of small objects (three `u64`s each), counted at
//! [`NOMINAL_OBJECT_BYTES`] per object (the 24-byte payload, tenure's
//! 16-byte header and the 8-byte slot that holds it), are stored into
//! chunked arrays of [`CHUNK_SLOTS`] (1,024) slots: on tenure each a
//! managed `Gc<Array<..>>` (its indexed barrier dirties the 512-byte card
//! written, and a minor GC scans only dirty cards), on gc-arena a
//! `Gc<RefLock<Vec<..>>>` (it has no managed array). The chunks hang from one managed spine, written only
//! during the build, so the root holds one pointer. After the build, tenure
//! runs `collect_full` (every object old) and gc-arena `finish_cycle` (the
//! cycle under way to its end; gc-arena has no generations); neither is a
//! timed step, their durations are notes.
//!
//! **Steady state** (what is measured). [`ALLOC_FACTOR`] (32) new objects
//! per old object are allocated, up to [`BATCH`] per `mutate` call (fewer
//! when the collector asks for a safe point); one in [`STORE_EVERY`] (16) is
//! stored into a uniformly random old slot, where it replaces an old object
//! (which becomes old garbage); the rest die young. Every store is an
//! old-to-young pointer in a big object: a collector that remembers whole
//! objects rescans every written array (about 4,096 stores per 64 Ki
//! allocations) and reads each target across the old generation at every
//! minor GC; one that remembers slots or cards scans only the written ones.
//! gc-arena stops for a safe point once its debt exceeds
//! [`ARENA_MIN_DEBT`] (its documented advice), tenure when `debt_due` says so.
//! Every `collect_debt` call after the build is timed, wall and on-CPU
//! (filed by kind: `Probe::by_kind`); the build's calls are filed apart
//! (`build: ...`), and the pause columns show the steady state only.
//!
//! - Live size: `size` MiB (nominal; 22 M objects in 21,846 arrays at
//!   1 GiB), steady: each store frees the object it replaces.
//! - Allocation: 32 x the old generation's object count (24 B each, 16 GiB
//!   nominal at 1 GiB), 1/16 of it promoted: at `gc_percent` 100 about two
//!   major cycles (a cycle per ~16 x of allocation).
//! - Check: the sum of every slot's payload tag at the end (the stores are
//!   the same random sequence on every collector).
//!
//! tenure and gc-arena only: the question is the length of a collector's
//! incremental steps, which the other peers do not have.

use std::hint::black_box;
use std::time::Instant;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{Ctx, SplitMix, Workload};

/// Slots per array.
pub const CHUNK_SLOTS: usize = 1024;

/// Bytes per old object when turning the size (MiB) into an object count:
/// the payload (24), tenure's header (16) and the slot (8).
pub const NOMINAL_OBJECT_BYTES: u64 = 48;

/// New objects allocated in the steady state per old object.
pub const ALLOC_FACTOR: u64 = 32;

/// One new object in this many is stored into a random old slot.
pub const STORE_EVERY: u64 = 16;

/// Most objects one `mutate` call allocates (as in old-steps).
pub const BATCH: u64 = 4096;

/// gc-arena's allocation debt at which a `mutate` call stops for a safe
/// point. gc-arena's docs note that `collect_debt` enforces no minimum unit
/// of work and suggest calling it only above a threshold: with `> 0` (as
/// binary-trees does) a marking arena is in debt after every allocation,
/// and the run becomes a million one-object `mutate` calls.
pub const ARENA_MIN_DEBT: f64 = 64.0 * 1024.0;

/// Seed of the random slot sequence.
const SEED: u64 = 0x5eed_a77a;

/// The array-remset workload.
pub struct ArrayRemset;

impl Workload for ArrayRemset {
    fn name(&self) -> &'static str {
        "array-remset"
    }
    fn about(&self) -> &'static str {
        "a big old generation in 1,024-slot arrays, 1 in 16 new objects stored into a random old slot: every collect_debt step"
    }
    fn size_meaning(&self) -> &'static str {
        "old generation MiB (nominal, 48 B per object)"
    }
    fn default_size(&self) -> u32 {
        1024
    }
    fn quick_size(&self) -> u32 {
        4
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        match collector {
            Collector::Tenure | Collector::GcArena => Ok(()),
            _ => Err("measures incremental collect_debt steps; this peer has none"),
        }
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let plan = Plan::new(ctx.size);
        let checksum = match collector {
            Collector::Tenure => tenure_impl::run(&plan, ctx.config, &mut ctx.probe),
            Collector::GcArena => arena_impl::run(&plan, &mut ctx.probe),
            _ => unreachable!("declined by supports()"),
        };
        Outcome {
            ops: plan.objects + plan.allocations,
            ops_unit: "objects",
            check: format!(
                "{} slots in {} arrays, checksum {checksum}",
                plan.objects,
                plan.chunks()
            ),
        }
    }
}

/// The sizes of one run.
pub struct Plan {
    /// Old objects (= slots).
    pub objects: u64,
    /// New objects allocated in the steady state.
    pub allocations: u64,
}

impl Plan {
    /// The plan for `size` MiB.
    pub fn new(size: u32) -> Plan {
        let objects = (u64::from(size) << 20) / NOMINAL_OBJECT_BYTES;
        let objects = objects.max(CHUNK_SLOTS as u64);
        Plan {
            objects,
            allocations: objects * ALLOC_FACTOR,
        }
    }

    /// Arrays needed for the slots.
    pub fn chunks(&self) -> u64 {
        self.objects.div_ceil(CHUNK_SLOTS as u64)
    }
}

/// The tag of old object `i` (build) and of new object `j`.
#[inline]
fn payload(tag: u64) -> [u64; 3] {
    black_box([tag, tag ^ 0x5555, tag.rotate_left(17)])
}

/// Notes for the end of the steady state.
fn steady_notes(probe: &mut Probe, seconds: f64, cycles: u64) {
    let summary = probe.step_summary("build: ");
    probe
        .notes
        .push(format!("steady state ({seconds:.1} s): {summary}"));
    probe.notes.push(format!(
        "{cycles} major cycles completed in the steady state"
    ));
}

mod tenure_impl {
    use super::*;
    use tenure::{Array, Config, Gc, Heap, Mutation, RefLock, Rootable};

    #[derive(tenure::Trace)]
    struct Small {
        payload: [u64; 3],
    }

    type Chunk<'gc> = Gc<'gc, Array<Option<Gc<'gc, Small>>>>;

    #[derive(tenure::Trace)]
    struct Root<'gc> {
        spine: Gc<'gc, RefLock<Vec<Chunk<'gc>>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    fn small<'gc>(m: &Mutation<'gc>, tag: u64) -> Gc<'gc, Small> {
        Gc::new(
            m,
            Small {
                payload: payload(tag),
            },
        )
    }

    pub fn run(plan: &Plan, config: Config, probe: &mut Probe) -> u64 {
        let mut heap = Heap::<R>::with_config(config, |m| Root {
            spine: Gc::new(m, RefLock::new(Vec::new())),
        })
        .expect("valid config");
        probe.watch(&mut heap);
        probe.by_kind = true;
        probe.kind_prefix = "build: ";

        // ---- build
        let build_start = Instant::now();
        let mut built = 0u64;
        while built < plan.objects {
            heap.mutate(|m, root| {
                let mut spine = Gc::write(m, root.spine).borrow_mut();
                for _ in 0..BATCH {
                    if built == plan.objects {
                        break;
                    }
                    let slot = (built % CHUNK_SLOTS as u64) as usize;
                    if slot == 0 {
                        spine.push(Gc::new_array_filled(m, CHUNK_SLOTS, None));
                    }
                    let chunk = *spine.last().expect("pushed above");
                    chunk.set(m, slot, Some(small(m, built)));
                    built += 1;
                    if m.debt_due() {
                        break;
                    }
                }
            });
            probe.tenure_safe_point(&mut heap);
        }
        let full_start = Instant::now();
        heap.collect_full();
        let at_build = heap.stats();
        probe.notes.push(format!(
            "build: {} objects in {} arrays in {:.1} s, then collect_full {:.1} ms; old generation {:.0} MiB ({} objects)",
            plan.objects,
            plan.chunks(),
            build_start.elapsed().as_secs_f64(),
            full_start.elapsed().as_secs_f64() * 1e3,
            at_build.old_bytes as f64 / (1u64 << 20) as f64,
            at_build.old_objects,
        ));

        // ---- steady state
        probe.kind_prefix = "";
        probe.restart_pauses();
        let steady_start = Instant::now();
        let mut rng = SplitMix(SEED);
        let mut allocated = 0u64;
        while allocated < plan.allocations {
            heap.mutate(|m, root| {
                let spine = root.spine.borrow();
                for _ in 0..BATCH {
                    if allocated == plan.allocations {
                        break;
                    }
                    let obj = small(m, plan.objects + allocated);
                    if allocated % STORE_EVERY == 0 {
                        let at = rng.below(plan.objects);
                        let chunk = spine[(at / CHUNK_SLOTS as u64) as usize];
                        chunk.set(m, (at % CHUNK_SLOTS as u64) as usize, Some(obj));
                    }
                    allocated += 1;
                    if m.debt_due() {
                        break;
                    }
                }
            });
            probe.tenure_safe_point(&mut heap);
        }
        let cycles = heap.stats().major_collections - at_build.major_collections;
        steady_notes(probe, steady_start.elapsed().as_secs_f64(), cycles);
        probe.by_kind = false;

        let checksum = heap.mutate(|_, root| {
            root.spine
                .borrow()
                .iter()
                .flat_map(|chunk| {
                    chunk
                        .iter()
                        .map(|s| s.map_or(0, |o| o.payload[0]))
                        .collect::<Vec<u64>>()
                })
                .fold(0u64, u64::wrapping_add)
        });
        probe.finish_tenure(&heap);
        checksum
    }
}

mod arena_impl {
    use super::*;
    use gc_arena::arena::CollectionPhase;
    use gc_arena::{Arena, Collect, Gc, GcRefLock, Mutation, RefLock, Rootable};

    #[derive(Collect)]
    #[collect(require_static)]
    struct Small {
        payload: [u64; 3],
    }

    type Chunk<'gc> = GcRefLock<'gc, Vec<Option<Gc<'gc, Small>>>>;

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        spine: GcRefLock<'gc, Vec<Chunk<'gc>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    fn small<'gc>(mc: &Mutation<'gc>, tag: u64) -> Gc<'gc, Small> {
        Gc::new(
            mc,
            Small {
                payload: payload(tag),
            },
        )
    }

    pub fn run(plan: &Plan, probe: &mut Probe) -> u64 {
        let mut arena = Arena::<R>::new(|mc| Root {
            spine: Gc::new(mc, RefLock::new(Vec::new())),
        });
        probe.by_kind = true;
        probe.kind_prefix = "build: ";

        // ---- build
        let build_start = Instant::now();
        let mut built = 0u64;
        while built < plan.objects {
            arena.mutate(|mc, root| {
                let mut spine = root.spine.borrow_mut(mc);
                for _ in 0..BATCH {
                    if built == plan.objects {
                        break;
                    }
                    let slot = (built % CHUNK_SLOTS as u64) as usize;
                    if slot == 0 {
                        spine.push(Gc::new(mc, RefLock::new(vec![None; CHUNK_SLOTS])));
                    }
                    let chunk = *spine.last().expect("pushed above");
                    chunk.borrow_mut(mc)[slot] = Some(small(mc, built));
                    built += 1;
                    if mc.metrics().allocation_debt() > ARENA_MIN_DEBT {
                        break;
                    }
                }
            });
            probe.arena_safe_point(&mut arena);
        }
        let full_start = Instant::now();
        arena.finish_cycle();
        probe.notes.push(format!(
            "build: {} objects in {} arrays in {:.1} s, then finish_cycle (the cycle under way, to its end) {:.1} ms",
            plan.objects,
            plan.chunks(),
            build_start.elapsed().as_secs_f64(),
            full_start.elapsed().as_secs_f64() * 1e3,
        ));

        // ---- steady state
        probe.kind_prefix = "";
        probe.restart_pauses();
        let steady_start = Instant::now();
        let mut rng = SplitMix(SEED);
        let mut allocated = 0u64;
        let mut cycles = 0u64;
        let mut phase = arena.collection_phase();
        while allocated < plan.allocations {
            arena.mutate(|mc, root| {
                let spine = root.spine.borrow();
                for _ in 0..BATCH {
                    if allocated == plan.allocations {
                        break;
                    }
                    let obj = small(mc, plan.objects + allocated);
                    if allocated % STORE_EVERY == 0 {
                        let at = rng.below(plan.objects);
                        let chunk = spine[(at / CHUNK_SLOTS as u64) as usize];
                        chunk.borrow_mut(mc)[(at % CHUNK_SLOTS as u64) as usize] = Some(obj);
                    }
                    allocated += 1;
                    if mc.metrics().allocation_debt() > ARENA_MIN_DEBT {
                        break;
                    }
                }
            });
            probe.arena_safe_point(&mut arena);
            let now = arena.collection_phase();
            if now == CollectionPhase::Sleeping && phase != CollectionPhase::Sleeping {
                cycles += 1;
            }
            phase = now;
        }
        steady_notes(probe, steady_start.elapsed().as_secs_f64(), cycles);
        probe.peer_collections = Some(cycles);
        probe.by_kind = false;

        arena.mutate(|_, root| {
            root.spine
                .borrow()
                .iter()
                .flat_map(|chunk| {
                    chunk
                        .borrow()
                        .iter()
                        .map(|s| s.map_or(0, |o| o.payload[0]))
                        .collect::<Vec<u64>>()
                })
                .fold(0u64, u64::wrapping_add)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checksum worked out without a collector: the last tag stored in
    /// each slot (or the build's), summed.
    fn expected(plan: &Plan) -> u64 {
        let mut slots: Vec<u64> = (0..plan.objects).collect();
        let mut rng = SplitMix(SEED);
        for j in (0..plan.allocations).step_by(STORE_EVERY as usize) {
            slots[rng.below(plan.objects) as usize] = plan.objects + j;
        }
        slots.into_iter().fold(0u64, u64::wrapping_add)
    }

    #[test]
    fn both_collectors_end_with_the_stored_objects() {
        let plan = Plan::new(1);
        let want = format!(
            "{} slots in {} arrays, checksum {}",
            plan.objects,
            plan.chunks(),
            expected(&plan)
        );
        for collector in [Collector::Tenure, Collector::GcArena] {
            let mut ctx = Ctx {
                size: 1,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            let outcome = ArrayRemset.run(collector, &mut ctx);
            assert_eq!(outcome.check, want, "{collector}");
            assert!(
                !ctx.probe.kinds.is_empty(),
                "{collector}: steps filed by kind"
            );
            assert!(ctx.probe.notes.iter().any(|n| n.contains("major cycles")));
        }
        assert!(ArrayRemset.supports(Collector::Box).is_err());
    }
}
