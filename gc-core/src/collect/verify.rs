//! The heap verifier: executable invariants.
//!
//! Walks every object reachable from the root and the stash (through young
//! and old objects alike) and checks each edge against the invariants of
//! `docs/invariants.md`:
//!
//! - I4/I5: the target is a live object in a space that may hold objects now:
//!   Eden, the current survivor from-space, an old-space cell, or a large
//!   object; never a forwarding header, a free cell or poisoned memory.
//! - I2: an old object holding a young pointer is in the remembered set.
//! - I1: while marking, a black object never points to a white old object,
//!   unless it is a big object with pieces still queued (`SCANNING`, I11).
//! - I11: an object has `SCANNING` only while marking, and is then marked.
//! - I12: an array has mark cards set only while a rescan of it is queued
//!   (`RESCAN`), so never outside marking.
//! - I3: while sweeping, every reachable cell of a block not yet swept is
//!   marked (an unmarked one would be freed).
//! - I5/I8 on the side metadata (`OldSpace::check_metadata`): each block's
//!   live count equals its allocation bitmap's popcount, swept blocks keep no
//!   mark bit outside marking, pooled blocks hold no object; and every
//!   reachable old cell has its allocation bit.
//! - I7: a weak cell's target is empty or a live object.
//!
//! Stress mode runs it after every collection; tests call `Heap::verify`.
//!
//! Cost: O(objects + edges) per walk (times log blocks): old and large
//! targets are looked up in a `SpaceIndex` built once per walk, every other
//! check is a header read or a hash-set probe.

use std::collections::HashMap;
use std::fmt;
use std::ptr::NonNull;

use crate::collect::cards;
use crate::collect::space_index::{AddressSet, Place, SpaceIndex};
use crate::object::header::{Colour, Header, Space, TypeInfo};
use crate::object::trace::{TraceMode, Tracer};
use crate::object::weak_ops::SettleStage;
use crate::space::marks::{self, dead_awaiting_sweep};
use crate::state::phase::Phase;
use crate::state::GcState;

/// What the verifier found wrong (a collector bug, never a user error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// One line per broken edge or object (at most `MAX_REPORTED`).
    pub problems: Vec<String>,
    /// Objects reached.
    pub objects_checked: usize,
}

/// The verifier stops listing problems after this many.
const MAX_REPORTED: usize = 20;

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "heap verification failed ({} objects checked):",
            self.objects_checked
        )?;
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}

/// The verifier's traversal state, reached through the tracer.
struct Verification<'a> {
    state: &'a GcState,
    /// Old-space cells and large objects by address, built for this walk;
    /// also the visited bits of old cells.
    index: SpaceIndex,
    remembered: AddressSet,
    /// Visited objects that are not old cells (young and large ones).
    visited: AddressSet,
    /// Objects visited so far.
    objects: usize,
    queue: Vec<NonNull<Header>>,
    /// The object whose fields are being visited (None for roots).
    source: Option<NonNull<Header>>,
    /// This walk's epoch for settling weak containers.
    epoch: u64,
    problems: Vec<String>,
    /// Reachable objects and bytes per type (the heap profile), keyed by
    /// the type descriptor's address: no string hashing per object.
    by_type: HashMap<usize, (&'static TypeInfo, TypeTally), BuildAddressHasher>,
}

type BuildAddressHasher = std::hash::BuildHasherDefault<crate::collect::space_index::AddressHasher>;

/// Live objects and bytes of one type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypeTally {
    /// Reachable objects of the type.
    pub objects: usize,
    /// Their bytes (headers included, cell rounding excluded).
    pub bytes: usize,
}

/// What one walk of the reachable heap found.
pub(crate) struct Reachable {
    /// Problems found (empty when the heap is sound).
    pub problems: Vec<String>,
    /// Per-type tally.
    pub by_type: HashMap<&'static str, TypeTally>,
    /// Objects reached.
    pub objects: usize,
}

/// Checks every reachable object; `trace_root` traces the root object.
pub(crate) fn walk_heap(state: &mut GcState, trace_root: &mut dyn FnMut(&mut Tracer)) -> Reachable {
    let epoch = state.next_trace_epoch();
    // Arrays in the card set are remembered too (their dirty cards are not
    // checked slot by slot).
    let remembered = state
        .remembered
        .get_mut()
        .iter()
        .chain(state.carded.get_mut().iter())
        .map(|p| p.as_ptr() as usize)
        .collect();
    let state: &GcState = state;
    let index = SpaceIndex::new(&state.old.borrow(), &state.large.borrow());
    let mut verification = Verification {
        state,
        index,
        remembered,
        visited: AddressSet::default(),
        objects: 0,
        queue: Vec::new(),
        source: None,
        epoch,
        problems: Vec::new(),
        by_type: HashMap::default(),
    };
    let mut tracer = Tracer::new(TraceMode::Verify, &mut verification, state.cycle.get());
    trace_root(&mut tracer);
    state.stash.borrow_mut().trace(&mut tracer);
    loop {
        // SAFETY: this tracer was created with a Verification context.
        let next = unsafe { tracer.context::<Verification>() }.queue.pop();
        let Some(object) = next else { break };
        check_object(&mut tracer, object);
    }
    tracer.finish();
    let mut by_type: HashMap<&'static str, TypeTally> = HashMap::new();
    for (info, tally) in verification.by_type.into_values() {
        let total = by_type.entry((info.name)()).or_default();
        total.objects += tally.objects;
        total.bytes += tally.bytes;
    }
    let mut problems = verification.problems;
    let marking = state.phase.get() == Phase::Marking;
    let metadata = state.old.borrow().check_metadata(marking);
    problems.extend(metadata.into_iter().take(MAX_REPORTED));
    Reachable {
        objects: verification.objects,
        problems,
        by_type,
    }
}

impl Reachable {
    /// The verdict: the number of objects checked, or the problems.
    pub(crate) fn verdict(self) -> Result<usize, VerifyError> {
        if self.problems.is_empty() {
            Ok(self.objects)
        } else {
            Err(VerifyError {
                problems: self.problems,
                objects_checked: self.objects,
            })
        }
    }
}

/// Visits one reached object's fields.
fn check_object(tracer: &mut Tracer, object: NonNull<Header>) {
    // SAFETY: only objects that passed `check_target` are queued.
    let info = unsafe { object.as_ref() }.info();
    // SAFETY: this tracer was created with a Verification context.
    let verification = unsafe { tracer.context::<Verification>() };
    verification.source = Some(object);
    let (_, tally) = verification
        .by_type
        .entry(info as *const TypeInfo as usize)
        .or_insert((info, TypeTally::default()));
    tally.objects += 1;
    // SAFETY: as above; an unsized object's length is in its body.
    tally.bytes += unsafe { info.size_of(object) };
    // SAFETY: as above.
    if unsafe { object.as_ref() }.is_scanning() {
        let marking = verification.state.phase.get() == Phase::Marking;
        if !marking || !marks::is_marked(object) {
            verification.report(format!(
                "{object:p} has an oblet queued but is not marked while marking (I11)"
            ));
        }
    }
    // SAFETY: as above.
    if unsafe { cards::is_array(object) } && !unsafe { object.as_ref() }.is_rescan() {
        // SAFETY: as above; a managed array.
        let marked = unsafe { cards::mark_cards(object) };
        if marked > 0 {
            verification.report(format!(
                "{object:p} has {marked} mark cards but no rescan queued (I12)"
            ));
        }
    }
    if info.weak.is_some() {
        check_container(tracer, object);
    } else if let Some(trace) = info.trace {
        // SAFETY: the object is live and the caller holds the heap exclusively.
        unsafe { trace(object, tracer) };
    }
}

/// A weak container's strong part is traced as usual; its weak slots are
/// checked (they must point at live objects, I7) but not followed.
fn check_container(tracer: &mut Tracer, container: NonNull<Header>) {
    // SAFETY: the container is live and the caller holds the heap exclusively.
    let ops = unsafe { container.as_ref() }
        .info()
        .weak
        .expect("a weak container");
    // SAFETY: as above.
    unsafe { (ops.trace_strong)(container, tracer) };
    // Follow what would be strong if every weak target were alive (the
    // values of ephemerons), so those objects are verified too. These are
    // not strong edges while marking (values are settled at termination), so
    // they are checked for validity only, not for I1/I2 (`source` = None).
    // Each walk settles under a fresh epoch, so no entry is skipped.
    // SAFETY: this tracer was created with a Verification context.
    let verification = unsafe { tracer.context::<Verification>() };
    let source = verification.source.take();
    let epoch = verification.epoch;
    crate::collect::settle::settle(container, tracer, &|_| true, epoch);
    // SAFETY: as above.
    unsafe { tracer.context::<Verification>() }.source = source;
    // SAFETY: this tracer was created with a Verification context.
    let verification = unsafe { tracer.context::<Verification>() };
    let mut problems = Vec::new();
    // Old weak cells waiting for the sweep may still hold a dead target,
    // which `upgrade` refuses (`collect/weak_cells.rs`): that target is valid
    // memory, but unmarked in an unswept block, so not checked as reachable.
    let old = verification.state.old.borrow();
    let weak_cell = ops.stage == SettleStage::SweepOnly;
    let mut check = |target: NonNull<Header>| {
        if weak_cell && dead_awaiting_sweep(target, &old) {
            return Some(target);
        }
        if let Err(problem) = verification.check_target(target) {
            problems.push(format!(
                "weak slot in {container:p} -> {target:p}: {problem}"
            ));
        }
        Some(target)
    };
    crate::collect::settle::sweep(container, &mut check);
    for problem in problems {
        verification.report(problem);
    }
}

/// The verifying edge visitor (`TraceMode::Verify`).
pub(crate) fn visit_edge(tracer: &mut Tracer, target: NonNull<Header>) {
    // SAFETY: this tracer was created with a Verification context.
    let verification = unsafe { tracer.context::<Verification>() };
    let source = verification.source;
    let place = verification.index.place(target);
    if let Err(problem) = verification.check_target_at(target, place) {
        verification.report(format!("edge {source:?} -> {target:p}: {problem}"));
        return;
    }
    if let Some(source) = source {
        verification.check_edge(source, target);
    }
    let first = match place {
        Place::Cell(cell) => verification.index.first_visit(cell),
        Place::Large | Place::Elsewhere => verification.visited.insert(target.as_ptr() as usize),
    };
    if first {
        verification.objects += 1;
        verification.queue.push(target);
    }
}

impl Verification<'_> {
    fn report(&mut self, problem: String) {
        if self.problems.len() < MAX_REPORTED {
            self.problems.push(problem);
        }
    }

    /// I4/I5: `target` is a live object where objects may be now.
    fn check_target(&self, target: NonNull<Header>) -> Result<(), String> {
        self.check_target_at(target, self.index.place(target))
    }

    /// `check_target`, given where the index placed `target`.
    fn check_target_at(&self, target: NonNull<Header>, place: Place) -> Result<(), String> {
        if !self.is_in_a_space(target, place) {
            return Err("points outside every live space".into());
        }
        if let Place::Cell(_) = place {
            // SAFETY: the index placed `target` at a cell start of a block.
            if !unsafe { marks::is_allocated_cell(target) } {
                return Err("points at a free cell (I5)".into());
            }
        }
        // SAFETY: the address is an object start in a live space.
        let header = unsafe { target.as_ref() };
        if header.is_forwarded() {
            return Err("points at a forwarding header (missed update)".into());
        }
        if let Place::Cell(_) = place {
            let sweeping = self.state.phase.get() == Phase::Sweeping;
            if sweeping && self.state.old.borrow().awaits_sweep(target) && !marks::is_marked(target)
            {
                return Err("reachable cell unmarked in an unswept block (I3)".into());
            }
        }
        Ok(())
    }

    /// Old and large objects are confirmed by address before their header is
    /// read; young ones by the space tag in their header (the arenas' chunks
    /// are not indexed), which poisoned or stale memory fails.
    fn is_in_a_space(&self, target: NonNull<Header>, place: Place) -> bool {
        if place != Place::Elsewhere {
            return true;
        }
        // SAFETY: not an old address, so a young object or a bug; in stress
        // mode freed young memory is poisoned. (A stale pointer into an arena that
        // was replaced rather than reset would read freed memory: the verifier
        // is a debugging aid for collector bugs, run where the arenas are reset.)
        let space = unsafe { target.as_ref() }.space();
        match space {
            Space::Eden => true,
            Space::SurvivorA | Space::SurvivorB => space == self.state.survivors.occupied().space,
            Space::Old | Space::Large => false,
        }
    }

    /// I1 and I2 for one edge between two valid objects.
    fn check_edge(&mut self, source: NonNull<Header>, target: NonNull<Header>) {
        // SAFETY: both were checked by `check_target`.
        let (from, to) = unsafe { (source.as_ref(), target.as_ref()) };
        if from.is_old() && !to.is_old() && !self.remembered.contains(&(source.as_ptr() as usize)) {
            self.report(format!(
                "old {source:p} -> young {target:p} not remembered (I2)"
            ));
        }
        let marking = self.state.phase.get() == Phase::Marking;
        if marking
            && to.is_old()
            && !from.is_scanning()
            && marks::colour(source) == Colour::Black
            && marks::colour(target).is_white()
        {
            self.report(format!(
                "black {source:p} -> white {target:p} while marking (I1)"
            ));
        }
    }
}
