//! Incremental tri-colour marking of the old generation (step 6 of an
//! object's life).
//!
//! Colours (`header::Colour`, kept by `space::marks`: the mark in the
//! block's side bitmap, gray in the header) are defined by where an old object stands:
//! **white** = not reached yet this cycle; **gray** = reached, fields not yet
//! scanned, and on one of three gray lists: the gray stack (`Marker::gray`),
//! the objects born gray (`GcState::gray_new`, moved onto the stack by each
//! step) or the gray-again list (`GcState::gray_again`, drained by the step
//! that empties the stack and at termination); **black** = reached and scanned
//! (a big object is black once its first piece is scanned; the rest waits on
//! a fourth list, the oblets, `Marker::oblets` and `collect/oblet.rs`). Marking starts by shading what the roots point at, then each
//! step pops gray objects, scans them (shading their white old children) and
//! paints them black, for a bounded amount of work, so that no pause is long.
//!
//! Invariant I1 (tri-colour): *no black object points to a white one*, except
//! through the young generation, which is rescanned at the end. Between steps
//! the program runs and could break I1 by storing a white pointer into a black
//! object; the write barrier prevents that by re-graying the black object
//! (`barrier`). Objects allocated in old space while marking are born gray,
//! promoted objects are born black with their children shaded (`evacuate`).
//!
//! Young objects are not marked: they are roots for this collector. Marking
//! ends (`Collector::finish_marking`) with a minor GC that shades every old
//! object the root, the stash and the live young objects point to, then drains
//! all three gray lists and the oblets. Then every white old object is garbage.
//!
//! The gray stack is an explicit `Vec`, never the Rust call stack, so marking
//! a list of a million nodes uses a million-entry vector, not a million frames.

use std::ptr::NonNull;

use crate::collect::cards;
use crate::collect::deadline::DeadlineReader;
use crate::collect::oblet::{scan_first_piece, scan_oblet, Oblet, OBLET_BYTES};
use crate::object::header::{Header, Space};
use crate::object::prefetch::PrefetchQueue;
use crate::object::trace::{TraceMode, Tracer};
use crate::object::weak_ops::SettleStage;
use crate::space::marks;
use crate::space::old::OldSpace;
use crate::state::GcState;

/// The marker's state for one cycle (safe points only).
#[derive(Default)]
pub(crate) struct Marker {
    /// Gray objects whose fields are still to be scanned.
    pub(crate) gray: Vec<NonNull<Header>>,
    /// The unscanned rest of big objects, one entry per object whose
    /// `SCANNING` bit is set (`collect/oblet.rs`); popped when `gray` is empty.
    pub(crate) oblets: Vec<Oblet>,
    /// Weak containers reached this cycle; settled and swept at the end (I7).
    pub(crate) containers: Vec<NonNull<Header>>,
    /// Old weak cells (`GcWeak`) reached this cycle: nothing to settle, so
    /// mark termination hands them to the sweep phase to clear in steps
    /// (`SettleStage::SweepOnly`).
    pub(crate) weak_cells: Vec<NonNull<Header>>,
    /// The major cycle's number (object pools rotate once per cycle).
    pub(crate) cycle: u64,
    /// Bytes of old objects marked by tracing this cycle (cell sizes): the
    /// *marked-reachable* bytes. Objects allocated or promoted black during
    /// the cycle are not counted (see docs/architecture.md, "Live is what
    /// was marked").
    pub(crate) marked_bytes: usize,
    /// Objects marked by tracing this cycle.
    pub(crate) marked_objects: usize,
    /// Outside-heap bytes reported by the objects scanned this cycle.
    pub(crate) external_bytes: usize,
    /// Units of mark work done this cycle (bytes scanned, outside bytes included).
    pub(crate) work_done: usize,
}

impl Marker {
    /// Forgets the previous cycle.
    pub(crate) fn reset(&mut self) {
        debug_assert!(
            self.gray.is_empty() && self.oblets.is_empty(),
            "gray objects left from the last cycle"
        );
        self.containers.clear();
        self.weak_cells.clear();
        self.marked_bytes = 0;
        self.marked_objects = 0;
        self.external_bytes = 0;
        self.work_done = 0;
    }

    /// Records a weak container reached this cycle: a weak cell apart (see
    /// `weak_cells`), any other for settling at termination.
    pub(crate) fn record_container(&mut self, container: NonNull<Header>, stage: SettleStage) {
        if stage == SettleStage::SweepOnly {
            self.weak_cells.push(container);
        } else {
            self.containers.push(container);
        }
    }
}

/// Shades what `trace_roots` visits (the root object, the stash).
/// Returns the outside-heap bytes the roots reported (the root object's own
/// `Vec`s and `String`s count toward the live heap too).
pub(crate) fn mark_roots(marker: &mut Marker, trace_roots: &mut dyn FnMut(&mut Tracer)) -> usize {
    let cycle = marker.cycle;
    let mut tracer = Tracer::new(TraceMode::Mark, marker, cycle);
    trace_roots(&mut tracer);
    let external = tracer.external;
    tracer.finish();
    external
}

/// [`mark_step_within`] with no deadline (the unit tests' mark step).
#[cfg(test)]
pub(crate) fn mark_step(marker: &mut Marker, budget: usize) -> usize {
    mark_step_within(marker, budget, &mut DeadlineReader::new(None))
}

/// Scans gray objects until `budget` units of work are done or none is left,
/// or `deadline` passed. Returns the work done. The gray-again list must have
/// been merged first.
pub(crate) fn mark_step_within(
    marker: &mut Marker,
    budget: usize,
    deadline: &mut DeadlineReader,
) -> usize {
    let cycle = marker.cycle;
    let mut tracer = Tracer::new(TraceMode::Mark, marker, cycle);
    let work = drain(&mut tracer, budget, deadline);
    deadline.spend(work);
    work
}

/// Blackens gray objects through `tracer` until `budget` work is done (or
/// `deadline` passed).
fn drain(tracer: &mut Tracer, budget: usize, deadline: &mut DeadlineReader) -> usize {
    let mut work = 0;
    // Gray objects pass through a prefetch queue on their way to `blacken`:
    // the stack holds them in no address order (`object/prefetch.rs`).
    let mut next = PrefetchQueue::new();
    while work < budget && !deadline.passed(work) {
        // SAFETY: this tracer was created with a Marker context.
        let marker = unsafe { tracer.context::<Marker>() };
        while !next.is_full() {
            let Some(object) = marker.gray.pop() else {
                break;
            };
            next.push(object, object.as_ptr());
        }
        if let Some(object) = next.pop() {
            work += blacken(tracer, object);
        } else if let Some(oblet) = marker.oblets.pop() {
            work += blacken_piece(tracer, oblet);
        } else {
            break;
        }
    }
    // SAFETY: as above.
    let marker = unsafe { tracer.context::<Marker>() };
    next.drain_into(&mut marker.gray); // still gray: scanned by a later step
    marker.work_done += work;
    work
}

/// True when no gray object is left (the gray-again list included).
pub(crate) fn is_drained(
    marker: &Marker,
    gray_again: &[NonNull<Header>],
    gray_new: &[NonNull<Header>],
) -> bool {
    marker.gray.is_empty()
        && marker.oblets.is_empty()
        && gray_again.is_empty()
        && gray_new.is_empty()
}

/// Scans one gray object and paints it black. Returns the work it cost.
fn blacken(tracer: &mut Tracer, object: NonNull<Header>) -> usize {
    // SAFETY: gray objects are live old objects (only the marker, the barrier
    // and allocation push them, and sweeping never frees non-white objects).
    let header = unsafe { object.as_ref() };
    if !header.is_gray() {
        return 0; // pushed twice; already scanned
    }
    marks::blacken(object);
    // A re-grayed object was counted when first blackened; one born gray
    // (allocated while marking) is allocated black, not marked-reachable.
    let first_time = !header.is_rescan();
    header.set_rescan(false);
    let size = object_size(object);
    let cell_bytes = match header.space() {
        Space::Old => OldSpace::cell_size_for(size),
        _ => size,
    };
    tracer.external = 0;
    // Most objects are small and scanned for the first time: neither in
    // pieces (only an object over `OBLET_BYTES` has them, and only such an
    // object is ever `SCANNING`) nor by mark cards (only a rescan).
    let pieces = if size > OBLET_BYTES || !first_time {
        scan_in_parts(tracer, object, size, first_time)
    } else {
        None
    };
    let work = match pieces {
        Some(work) => work,
        None => {
            // SAFETY: the object is live and the collector has exclusive access.
            let container = unsafe { crate::collect::settle::trace_strong_fields(object, tracer) };
            if let Some(stage) = container {
                // SAFETY: this tracer was created with a Marker context.
                unsafe { tracer.context::<Marker>() }.record_container(object, stage);
            }
            size
        }
    };
    let external = tracer.external;
    // SAFETY: this tracer was created with a Marker context.
    let marker = unsafe { tracer.context::<Marker>() };
    if first_time {
        marker.marked_bytes += cell_bytes;
        marker.marked_objects += 1;
        marker.external_bytes += external;
    }
    work + external
}

/// Scans a big object's first piece (queuing the rest), or a re-grayed
/// array's mark cards; `None` if the object is to be scanned whole.
fn scan_in_parts(
    tracer: &mut Tracer,
    object: NonNull<Header>,
    size: usize,
    first_time: bool,
) -> Option<usize> {
    // SAFETY: gray objects are live old objects (see `blacken`).
    let header = unsafe { object.as_ref() };
    // The oblet list is taken out of the marker while the object is scanned
    // (the edge visits borrow the marker for its gray stack).
    // SAFETY: this tracer was created with a Marker context.
    let mut oblets = std::mem::take(&mut unsafe { tracer.context::<Marker>() }.oblets);
    // A re-grayed array rescans only its mark cards when I12 allows it: not
    // remembered whole, no oblet pending. A full rescan covers them all.
    // SAFETY: the object is live.
    let array_rescan = !first_time && unsafe { cards::is_array(object) };
    let pieces = if array_rescan && !header.is_remembered() && !header.is_scanning() {
        let rescan = cards::rescan_mark_cards(tracer, object, OBLET_BYTES);
        if rescan.rest {
            // Cards are left, stored into before this scan: the array stays
            // gray, and the next pop scans on (I1, I12).
            marks::regray(object);
            header.set_rescan(true);
            // SAFETY: this tracer was created with a Marker context.
            unsafe { tracer.context::<Marker>() }.gray.push(object);
        }
        Some(rescan.work)
    } else {
        if array_rescan {
            // SAFETY: a live managed array.
            unsafe { cards::clear_mark_cards(object) };
        }
        None
    };
    // SAFETY: the object is live, gray and old; the collector has exclusive access.
    let pieces = pieces
        .or_else(|| unsafe { scan_first_piece(tracer, &mut oblets, object, size, first_time) });
    // SAFETY: as above.
    unsafe { tracer.context::<Marker>() }.oblets = oblets;
    pieces
}

/// Scans the next piece of a big object (`collect/oblet.rs`). Returns the
/// work it cost.
fn blacken_piece(tracer: &mut Tracer, oblet: Oblet) -> usize {
    tracer.external = 0;
    // Taken out while the piece is scanned, as in `blacken`.
    // SAFETY: this tracer was created with a Marker context.
    let mut oblets = std::mem::take(&mut unsafe { tracer.context::<Marker>() }.oblets);
    let work = scan_oblet(tracer, &mut oblets, oblet);
    // SAFETY: as above.
    unsafe { tracer.context::<Marker>() }.oblets = oblets;
    let external = tracer.external;
    if oblet.counted {
        // SAFETY: this tracer was created with a Marker context.
        unsafe { tracer.context::<Marker>() }.external_bytes += external;
    }
    work + external
}

/// The size in bytes of an object (header included): the one place marking
/// asks for it.
#[inline]
fn object_size(object: NonNull<Header>) -> usize {
    // SAFETY: the object is live (a gray object, see `blacken`); `object`
    // carries the whole object's provenance, and an unsized one's length is
    // in its body.
    unsafe { object.as_ref().info().size_of(object) }
}

/// The marking edge visitor (`TraceMode::Mark`): shade a white old target.
#[inline]
pub(crate) fn visit_edge(tracer: &mut Tracer, target: NonNull<Header>) {
    // SAFETY: every edge the tracer is given points at a live object (I4).
    let header = unsafe { target.as_ref() };
    if header.is_old() && marks::shade(target) {
        // SAFETY: this tracer was created with a Marker context.
        unsafe { tracer.context::<Marker>() }.gray.push(target);
    }
}

/// Mark termination's weak processing: settles every container reached this
/// cycle to a fixed point (ephemeron values of live keys are marked, dead
/// objects watched by finalization queues are resurrected), draining the gray
/// stack after each round, then sweeps their weak slots, dropping those whose
/// old target stayed white (I7). Returns the number of slots cleared. A
/// discarded value whose `Drop` panics is caught into `deferred` once its
/// container is fully swept (see `WeakOps::sweep`).
///
/// # Requires
/// The gray stack is drained: every strongly reachable old object is black.
pub(crate) fn settle_and_sweep_containers(marker: &mut Marker, state: &mut GcState) -> usize {
    let epoch = state.next_trace_epoch();
    let deferred = &mut state.deferred_panic;
    assert!(
        marker.gray.is_empty(),
        "weak containers settled before marking drained"
    );
    let is_alive = |object: NonNull<Header>| {
        // SAFETY: weakly held objects are live until their slot is swept.
        let header = unsafe { object.as_ref() };
        !header.is_old() || marks::is_marked(object)
    };
    let cycle = marker.cycle;
    let mut tracer = Tracer::new(TraceMode::Mark, marker, cycle);
    let hooks = crate::collect::settle::SettleHooks {
        container: &recorded_container,
        finish_trace: &|tracer| {
            drain(tracer, usize::MAX, &mut DeadlineReader::new(None));
        },
        after_settle: &|_, _| {},
    };
    crate::collect::settle::settle_to_fixed_point(&mut tracer, &hooks, &is_alive, epoch);
    tracer.finish();
    let mut cleared = 0;
    for &container in &marker.containers {
        let mut fix = |target: NonNull<Header>| {
            let alive = is_alive(target);
            cleared += usize::from(!alive);
            alive.then_some(target)
        };
        deferred.catch(|| crate::collect::settle::sweep(container, &mut fix));
    }
    cleared
}

/// The `index`th weak container this traversal recorded.
fn recorded_container(tracer: &mut Tracer, index: usize) -> Option<NonNull<Header>> {
    // SAFETY: this tracer was created with a Marker context.
    let context = unsafe { tracer.context::<Marker>() };
    context.containers.get(index).copied()
}

#[cfg(test)]
mod tests {
    //! The budgeted drain on real objects: old cells allocated through
    //! `GcState` (young generation off), linked into a binary tree whose
    //! `Trace` impl hands each child to the tracer.

    use super::*;
    use crate::object::header::Colour;
    use crate::object::trace::Trace;
    use crate::state::phase::Phase;
    use crate::state::GcState;

    /// An old object with up to two children.
    struct Node {
        children: [Option<NonNull<Header>>; 2],
    }

    // SAFETY: `trace` visits every pointer the node holds, once, in place.
    unsafe impl Trace for Node {
        fn trace(&mut self, tracer: &mut Tracer) {
            for child in self.children.iter_mut().flatten() {
                tracer.visit(child);
            }
        }
    }

    /// The work one node costs a mark step (its size: it reports no outside bytes).
    const NODE: usize = std::mem::size_of::<crate::object::header::GcBox<Node>>();

    /// Nodes of the tree (depth 4).
    const TREE: usize = 15;

    /// A heap of one tree (returned root first, then every node) and `garbage`
    /// unreachable nodes.
    struct Fixture {
        state: GcState,
        tree: Vec<NonNull<Header>>,
        garbage: Vec<NonNull<Header>>,
    }

    fn node(state: &GcState, children: [Option<NonNull<Header>>; 2]) -> NonNull<Header> {
        state.allocate(Node { children }).unwrap().cast()
    }

    fn fixture(garbage: usize) -> Fixture {
        let state = GcState::new(false, 4096, 4096, 1024);
        // Level by level from the leaves: node i has children 2i+1 and 2i+2.
        let mut tree = vec![None; TREE];
        for i in (0..TREE).rev() {
            let child = |j: usize| tree.get(j).copied().flatten();
            tree[i] = Some(node(&state, [child(2 * i + 1), child(2 * i + 2)]));
        }
        let garbage = (0..garbage).map(|_| node(&state, [None, None])).collect();
        Fixture {
            state,
            tree: tree.into_iter().map(Option::unwrap).collect(),
            garbage,
        }
    }

    fn colour(object: NonNull<Header>) -> Colour {
        marks::colour(object)
    }

    /// A marker with the tree's root shaded, as `mark_roots` leaves it.
    fn shaded(fixture: &Fixture) -> Marker {
        let root = fixture.tree[0];
        assert!(marks::shade(root));
        Marker {
            gray: vec![root],
            ..Marker::default()
        }
    }

    fn black(objects: &[NonNull<Header>]) -> usize {
        objects
            .iter()
            .filter(|&&o| colour(o) == Colour::Black)
            .count()
    }

    #[test]
    fn a_step_does_its_budget_plus_at_most_one_object() {
        for budget in [1, NODE - 1, NODE, NODE + 1, 3 * NODE, 5 * NODE + 7] {
            let fixture = fixture(0);
            let mut marker = shaded(&fixture);
            let work = mark_step(&mut marker, budget);
            assert!(work >= budget, "budget {budget}: stopped early at {work}");
            assert!(work < budget + NODE, "budget {budget}: overran to {work}");
            assert_eq!(work % NODE, 0, "whole objects");
            assert_eq!(work, marker.work_done, "reported");
            assert_eq!(
                black(&fixture.tree) * NODE,
                work,
                "blackened what it reports"
            );
            assert_eq!(marker.marked_objects * NODE, work);
        }
    }

    #[test]
    fn a_zero_budget_does_nothing() {
        let fixture = fixture(0);
        let mut marker = shaded(&fixture);
        assert_eq!(mark_step(&mut marker, 0), 0);
        assert_eq!(marker.gray, vec![fixture.tree[0]]);
        assert_eq!(colour(fixture.tree[0]), Colour::Gray);
    }

    #[test]
    fn repeated_steps_drain_the_gray_stack_exactly() {
        for budget in [1, NODE, 2 * NODE + 1, usize::MAX] {
            let fixture = fixture(3);
            let mut marker = shaded(&fixture);
            let mut steps = 0;
            let mut total = 0;
            while !marker.gray.is_empty() {
                let work = mark_step(&mut marker, budget);
                assert!(work > 0, "budget {budget}: a step with gray objects works");
                total += work;
                steps += 1;
            }
            assert_eq!(total, TREE * NODE, "budget {budget}: each node once");
            assert_eq!(marker.work_done, total);
            assert_eq!(marker.marked_objects, TREE);
            assert_eq!(marker.marked_bytes, TREE * OldSpace::cell_size_for(NODE));
            assert_eq!(black(&fixture.tree), TREE, "every reachable node black");
            assert!(fixture.garbage.iter().all(|&o| colour(o).is_white()));
            let expected_steps = TREE.div_ceil(budget.div_ceil(NODE).min(TREE));
            assert_eq!(steps, expected_steps, "budget {budget}");
            assert_eq!(mark_step(&mut marker, budget), 0, "nothing left");
            assert!(is_drained(&marker, &[], &[]));
        }
    }

    #[test]
    fn an_object_pushed_twice_costs_one_scan() {
        let fixture = fixture(0);
        let leaf = fixture.tree[TREE - 1];
        assert!(marks::shade(leaf));
        assert!(!marks::shade(leaf), "shaded once");
        let mut marker = Marker {
            gray: vec![leaf, leaf],
            ..Marker::default()
        };
        assert_eq!(mark_step(&mut marker, usize::MAX), NODE);
        assert_eq!(marker.marked_objects, 1);
        assert!(marker.gray.is_empty());
    }

    #[test]
    fn a_regrayed_object_costs_work_again_but_is_counted_once() {
        let fixture = fixture(0);
        let mut marker = shaded(&fixture);
        mark_step(&mut marker, usize::MAX);
        let root = fixture.tree[0];
        // As the barrier does to a black object written while marking.
        // SAFETY: as in `colour`.
        let header = unsafe { root.as_ref() };
        marks::regray(root);
        header.set_rescan(true);
        marker.gray.push(root);
        assert_eq!(mark_step(&mut marker, 1), NODE, "the rescan is work");
        assert_eq!(marker.work_done, (TREE + 1) * NODE);
        assert_eq!(marker.marked_objects, TREE, "not counted twice");
        assert!(!header.is_rescan() && colour(root) == Colour::Black);
        assert!(marker.gray.is_empty(), "its children are black already");
    }

    #[test]
    fn objects_born_gray_wait_in_their_list_until_merged() {
        let mut fixture = fixture(0);
        let mut marker = shaded(&fixture);
        fixture.state.phase.set(Phase::Marking);
        let born = node(&fixture.state, [Some(fixture.tree[1]), None]);
        assert_eq!(colour(born), Colour::Gray, "born gray while marking");
        assert_eq!(*fixture.state.gray_new.borrow(), vec![born]);
        assert!(!is_drained(&marker, &[], &fixture.state.gray_new.borrow()));
        mark_step(&mut marker, usize::MAX);
        assert!(marker.gray.is_empty());
        assert_eq!(colour(born), Colour::Gray, "not on the marker's stack yet");
        assert!(!is_drained(&marker, &[], &fixture.state.gray_new.borrow()));
        assert!(!is_drained(&marker, &[born], &[]), "gray-again counts too");
        // What `Collector::mark` does before each step.
        marker.gray.append(fixture.state.gray_new.get_mut());
        assert_eq!(mark_step(&mut marker, usize::MAX), NODE);
        assert_eq!(colour(born), Colour::Black);
        assert!(is_drained(&marker, &[], &fixture.state.gray_new.borrow()));
        // Allocated black, so not marked-reachable: counted apart.
        assert_eq!(
            marker.marked_objects, TREE,
            "born gray is not counted as marked"
        );
    }
}
