//! Minor GC: evacuating the live young objects (step 4 of an object's life;
//! promotion, step 5, is `Evacuation::destination`).
//!
//! A minor collection runs at a safe point and touches only the young
//! generation. Its roots are the heap's root object, the stashed handles and
//! the **remembered set** (old objects that may point into the young
//! generation, invariant I2), so it never scans the old generation.
//!
//! Each young object reached is **copied** (Cheney's algorithm): into the
//! survivor to-space with its age + 1, or **promoted** into an old-space cell
//! when its age reaches the tenuring threshold or the to-space is full (a
//! *premature* promotion). The old copy's header becomes a forwarding pointer,
//! so the next edge to it is simply redirected. Copied objects go on a scan
//! list (Cheney's scan pointer made explicit, because bumpalo chunks are not
//! walkable) and are scanned in turn, which copies their children.
//! Copying one object, and promotion, are the child module `survivor`.
//!
//! Afterwards: weak cells are fixed up (moved targets rewritten, dead young
//! targets cleared, I7); the remembered set is replaced; only then are dead
//! young objects that need `Drop` dropped, each panic caught (`object/unwind`)
//! so that Eden and the from-space are still reset in O(1) and the survivor
//! spaces swap before the heap resumes it. A long drop list is not dropped in
//! the pause: its arena is retired to the drop queue (`space/drop_list`) and
//! later safe points drop it in bounded steps.
//!
//! While a major cycle is marking, an old object reached here is shaded gray,
//! and promoted objects are born black and scanned at once, so the young
//! generation acts as the marker's root set (see `mark`, invariant I1).

use std::ptr::NonNull;
use std::time::Instant;

use crate::collect::cards;
use crate::object::header::Header;
use crate::object::prefetch::{prefetch, PREFETCH_AHEAD};
use crate::object::trace::{TraceMode, Tracer};
use crate::object::unwind::DeferredPanic;
use crate::object::weak_ops::FixSlot;
use crate::policy::pacer::pretenure::representative;
use crate::space::drop_list::{drop_dead, DROP_IN_PAUSE_OBJECTS};
use crate::space::marks;
use crate::space::old::OldSpace;
use crate::space::survivor::SemiSpace;
use crate::space::young_ranges::YoungRanges;
use crate::state::minor_buffers::emptied;
use crate::state::root_table::RootTable;
use crate::state::stash_table::SharedStash;
use crate::state::GcState;
use crate::telemetry::minor::MinorOutcome;
use survivor::evacuate;

mod survivor;

/// How a minor GC should treat the objects it copies.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MinorParams {
    /// Objects that have survived this many minor GCs are promoted.
    pub tenuring_threshold: u8,
    /// Promote every survivor (a full collection empties the young generation).
    pub tenure_all: bool,
    /// Overwrite evacuated memory (stress mode).
    pub poison: bool,
}

/// The state of one evacuation, reached through the tracer.
struct Evacuation<'a> {
    to: &'a mut SemiSpace,
    survivor_capacity: usize,
    old: &'a mut OldSpace,
    params: MinorParams,
    /// Set while a major cycle is marking: old objects reached are shaded onto `gray`.
    marking: bool,
    /// False while the remembered set and the dirty cards are scanned: an
    /// old-to-old edge there needs no shading (see `trace_roots`).
    shade_old: bool,
    gray: &'a mut Vec<NonNull<Header>>,
    /// Copied objects whose fields are still to be scanned.
    scan: Vec<NonNull<Header>>,
    /// Weak containers reached (at their new addresses).
    containers: Vec<NonNull<Header>>,
    /// The rebuilt remembered set.
    remembered: Vec<NonNull<Header>>,
    /// The rebuilt card set: old arrays with dirty cards (`cards`).
    carded: Vec<NonNull<Header>>,
    outcome: MinorOutcome,
    /// Objects of this age or older are promoted: the tenuring threshold,
    /// or 0 when every survivor is (`MinorParams::tenure_all`) and from
    /// the moment the to-space overflows (`destination`).
    promote_age: u8,
    /// Where Eden's and the from-space's objects are: the young check of
    /// an edge is an address test that does not touch the target.
    young: YoungRanges,
}

/// Runs a minor collection. `trace_root` traces the heap's root object.
/// Returns the outcome and the weak containers reached (for the major cycle).
pub(crate) fn minor_gc(
    state: &mut GcState,
    gray: &mut Vec<NonNull<Header>>,
    trace_root: &mut dyn FnMut(&mut Tracer),
    params: MinorParams,
) -> (MinorOutcome, Vec<NonNull<Header>>) {
    let epoch = state.next_trace_epoch();
    let cycle = state.cycle.get();
    let eden_needs_drop = state.eden.take_needs_drop();
    let eden_bytes = state.eden.used();
    let marking = state.is_marking();
    let buffers = std::mem::take(&mut state.minor_buffers);
    let remembered = std::mem::take(state.remembered.get_mut());
    let carded = std::mem::take(state.carded.get_mut());
    let survivor_capacity = state.survivors.capacity;
    let (from, to) = state.survivors.split();
    let from_needs_drop = std::mem::take(&mut from.needs_drop);
    if to.needs_drop.capacity() < buffers.needs_drop.capacity() {
        to.needs_drop = buffers.needs_drop;
    }
    // Nothing allocates in Eden or the from-space until they are freed.
    let young = YoungRanges::of_arenas(&[state.eden.arena(), from.arena()]);
    let mut evacuation = Evacuation {
        to,
        survivor_capacity,
        old: state.old.get_mut(),
        params,
        marking,
        shade_old: true,
        gray,
        scan: buffers.scan,
        containers: buffers.containers,
        remembered: buffers.remembered,
        carded: buffers.carded,
        outcome: MinorOutcome {
            eden_bytes,
            ..MinorOutcome::default()
        },
        promote_age: if params.tenure_all {
            0
        } else {
            params.tenuring_threshold
        },
        young,
    };
    let mut tracer = Tracer::new(TraceMode::Evacuate, &mut evacuation, cycle);
    let roots_start = Instant::now();
    trace_roots(
        &mut tracer,
        trace_root,
        (&state.stash, &state.root_table),
        &carded,
        &remembered,
    );
    let root_scan_time = roots_start.elapsed();
    let root_copied_bytes = {
        // SAFETY: this tracer was created with an Evacuation context.
        let outcome = &unsafe { tracer.context::<Evacuation>() }.outcome;
        outcome.survived_bytes + outcome.promoted_bytes
    };
    scan_until_done(&mut tracer);
    // SAFETY: this tracer was created with an Evacuation context.
    let young = unsafe { tracer.context::<Evacuation>() }.young.clone();
    settle_containers(&mut tracer, epoch, &young);
    tracer.finish();
    sweep_containers(&mut evacuation, &mut state.deferred_panic);
    let Evacuation {
        remembered: rebuilt_remembered,
        carded: rebuilt_carded,
        containers,
        scan,
        mut outcome,
        ..
    } = evacuation;
    *state.remembered.get_mut() = rebuilt_remembered;
    *state.carded.get_mut() = rebuilt_carded;
    state.minor_buffers.scan = scan;
    state.minor_buffers.remembered = emptied(remembered);
    state.minor_buffers.carded = emptied(carded);
    // The first cohort (age 0 until now) that stayed young is exactly age 1;
    // `destination` counted the part promoted.
    outcome.first_cohort_bytes += outcome.age_bytes[1];
    outcome.root_scan_time = root_scan_time;
    outcome.root_copied_bytes = root_copied_bytes;
    // Pretenuring reads the samples' forwarding headers before Eden goes.
    let overflowing = outcome.first_cohort_bytes > survivor_capacity;
    let representative = representative(outcome.eden_bytes, state.eden.capacity());
    state.judge_pretenuring(overflowing, representative);
    let drops_start = Instant::now();
    free_young(
        state,
        eden_needs_drop,
        from_needs_drop,
        &mut outcome,
        params.poison,
    );
    outcome.drop_time = drops_start.elapsed();
    (outcome, containers)
}

/// Frees Eden and the from-space once the bookkeeping is done. A short drop
/// list is dropped now, each panic caught, on objects no list will offer
/// again (both lists were taken above); a long one is queued with its arena
/// so that the pause does not grow with dead objects (`space/drop_list`).
fn free_young(
    state: &mut GcState,
    eden_needs_drop: Vec<NonNull<Header>>,
    from_needs_drop: Vec<NonNull<Header>>,
    outcome: &mut MinorOutcome,
    poison: bool,
) {
    let deferred = &mut state.deferred_panic;
    let queue = &mut state.young_drops;
    let retire_eden = eden_needs_drop.len() > DROP_IN_PAUSE_OBJECTS;
    let retire_from = from_needs_drop.len() > DROP_IN_PAUSE_OBJECTS;
    let incoming = usize::from(retire_eden) + usize::from(retire_from);
    if incoming > 0 {
        outcome.dropped_objects += queue.make_room(incoming, deferred, poison).dropped;
    }
    // Each space gets back a list with room: its own, emptied, or one the
    // queue finished (`state/minor_buffers`).
    let eden_list = if retire_eden {
        outcome.deferred_drops += eden_needs_drop.len();
        let arena = state.eden.retire_arena(queue.take_spare());
        queue.retire(arena, eden_needs_drop);
        queue.take_spare_list()
    } else {
        outcome.dropped_objects += drop_dead(&eden_needs_drop, deferred);
        state.eden.reset(poison);
        emptied(eden_needs_drop)
    };
    state.eden.reuse_needs_drop(eden_list);
    state.minor_buffers.needs_drop = if retire_from {
        outcome.deferred_drops += from_needs_drop.len();
        let arena = state.survivors.flip_retiring(queue.take_spare());
        queue.retire(arena, from_needs_drop);
        queue.take_spare_list()
    } else {
        outcome.dropped_objects += drop_dead(&from_needs_drop, deferred);
        state.survivors.flip(poison);
        emptied(from_needs_drop)
    };
}

/// Settles the weak containers reached to a fixed point (see `weak`): for a
/// minor GC an old object is alive, a young one if it has been evacuated.
fn settle_containers(tracer: &mut Tracer, epoch: u64, young: &YoungRanges) {
    let is_alive = |object: NonNull<Header>| {
        // An old target is alive without reading it; a young one is read.
        // SAFETY: weakly held objects are live until their slot is swept.
        !young.contains(object.as_ptr() as usize) || unsafe { object.as_ref() }.is_forwarded()
    };
    let hooks = crate::collect::settle::SettleHooks {
        container: &recorded_container,
        finish_trace: &scan_until_done,
        after_settle: &|tracer, container| {
            if tracer.saw_young {
                // An old table now holds a young value: keep it remembered (I2).
                remember_if_old(tracer, container);
            }
        },
    };
    crate::collect::settle::settle_to_fixed_point(tracer, &hooks, &is_alive, epoch);
}

/// Evacuates everything the roots reach directly.
fn trace_roots(
    tracer: &mut Tracer,
    trace_root: &mut dyn FnMut(&mut Tracer),
    (stash, table): (&SharedStash, &RootTable),
    carded: &[NonNull<Header>],
    remembered: &[NonNull<Header>],
) {
    trace_root(tracer);
    // The root containers and the stash: only the chunks that changed. Their
    // old targets are not shaded while marking: the marker's own chunk lists
    // cover them (I10: a chunk is shaded, not yet reached by the cursor, or
    // on the remark list, whatever a minor GC does to its minor list), so
    // shading here would only repeat the root jobs' work inside the pause.
    set_shade_old(tracer, false);
    crate::collect::root_scan::scan_for_minor(tracer, stash, table);
    set_shade_old(tracer, true);
    for &object in carded {
        // SAFETY: carded arrays are live old arrays (dead ones leave the set
        // before sweeping frees them).
        unsafe { object.as_ref() }.set_carded(false);
    }
    // While marking, the old targets of remembered objects and dirty cards
    // are not shaded: an old-to-old edge is the marker's to follow. The
    // object holding it is white or gray (the marker will scan it), or black
    // with that edge shaded when it was blackened, or re-grayed by a barrier
    // since (I1), and then rescanned whole, or, for an array, by its mark
    // cards, which hold every store since its last scan (I12): the minor GC
    // cleans dirty cards, never mark cards, and the `REMEMBERED` bit it
    // clears moves into them (`cards::stop_remembering`).
    set_shade_old(tracer, false);
    for (index, &object) in remembered.iter().enumerate() {
        if let Some(ahead) = remembered.get(index + PREFETCH_AHEAD) {
            prefetch(ahead.as_ptr());
        }
        // SAFETY: remembered objects are live old objects (I2: sweeping
        // removes dead ones from the set before freeing them).
        unsafe { cards::stop_remembering(object) };
        scan_object(tracer, object);
    }
    // An array also remembered whole was just scanned card by card, which
    // set its bit again: it must not be scanned twice (a second visit of a
    // rewritten slot would see a to-space pointer).
    for &object in carded {
        // SAFETY: as above.
        if !unsafe { object.as_ref() }.is_carded() && cards::scan_dirty_cards(tracer, object) {
            keep_carded(tracer, object);
        }
    }
    set_shade_old(tracer, true);
}

fn set_shade_old(tracer: &mut Tracer, shade: bool) {
    // SAFETY: this tracer was created with an Evacuation context.
    unsafe { tracer.context::<Evacuation>() }.shade_old = shade;
}

/// The Cheney loop: scan copied objects until none is left.
fn scan_until_done(tracer: &mut Tracer) {
    loop {
        // SAFETY: this tracer was created with an Evacuation context.
        let next = unsafe { tracer.context::<Evacuation>() }.scan.pop();
        let Some(object) = next else { break };
        // SAFETY: the scan list holds live copies made by this GC.
        let header = unsafe { object.as_ref() };
        let info = header.info();
        match info.trace {
            // A young copy that is not a weak container: only its fields.
            // It is never remembered or carded, and only promoted objects'
            // outside bytes are counted, so `saw_young` and `external` are
            // left to whoever reads them next (each resets them first).
            Some(trace) if !header.is_old() && info.weak.is_none() => {
                // SAFETY: live (above), and the collector has exclusive access.
                unsafe { trace(object, tracer) };
            }
            _ => {
                scan_object(tracer, object);
                count_promoted_external(tracer, object);
            }
        }
    }
}

/// Scans one object's fields (evacuating young targets), then keeps it in the
/// remembered set if it is old and still points into the young generation.
fn scan_object(tracer: &mut Tracer, object: NonNull<Header>) {
    tracer.saw_young = false;
    tracer.external = 0;
    // SAFETY: as below.
    if unsafe { object.as_ref() }.is_old() && unsafe { cards::is_array(object) } {
        // An old array is remembered by its cards, not whole.
        if cards::scan_all_cards(tracer, object) {
            keep_carded(tracer, object);
        }
        return;
    }
    // SAFETY: scanned objects are live (copies made by this GC, or
    // remembered), and the collector has exclusive access.
    if unsafe { crate::collect::settle::trace_strong_fields(object, tracer) }.is_some() {
        // SAFETY: this tracer was created with an Evacuation context.
        unsafe { tracer.context::<Evacuation>() }
            .containers
            .push(object);
    }
    if tracer.saw_young {
        remember_if_old(tracer, object);
    }
}

/// Outside-heap bytes of objects promoted this GC (reported while they were
/// scanned) grow the old generation's footprint until the next mark
/// measures it exactly.
fn count_promoted_external(tracer: &mut Tracer, object: NonNull<Header>) {
    let external = std::mem::take(&mut tracer.external);
    // SAFETY: the object was just scanned and is live.
    if unsafe { object.as_ref() }.is_old() {
        // SAFETY: this tracer was created with an Evacuation context.
        unsafe { tracer.context::<Evacuation>() }
            .outcome
            .promoted_external_bytes += external;
    }
}

/// Keeps an old array in the card set (once).
fn keep_carded(tracer: &mut Tracer, object: NonNull<Header>) {
    // SAFETY: the array is live (see scan_object).
    let header = unsafe { object.as_ref() };
    if !header.is_carded() {
        header.set_carded(true);
        // SAFETY: this tracer was created with an Evacuation context.
        unsafe { tracer.context::<Evacuation>() }
            .carded
            .push(object);
    }
}

fn remember_if_old(tracer: &mut Tracer, object: NonNull<Header>) {
    // SAFETY: the object is live (see scan_object).
    let header = unsafe { object.as_ref() };
    if header.is_old() && !header.is_remembered() {
        header.set_remembered(true);
        // SAFETY: this tracer was created with an Evacuation context.
        unsafe { tracer.context::<Evacuation>() }
            .remembered
            .push(object);
    }
}

/// The evacuating edge visitor (`TraceMode::Evacuate`).
#[inline]
pub(crate) fn visit_edge(tracer: &mut Tracer, slot: &mut NonNull<Header>) {
    // SAFETY: this tracer was created with an Evacuation context.
    let evacuation = unsafe { tracer.context::<Evacuation>() };
    if !evacuation.young.contains(slot.as_ptr() as usize) {
        // Old: the target is not read unless a major cycle is marking, which
        // shades it (the young generation is a root set for the marker).
        debug_assert!(
            // SAFETY: every slot the tracer is given points at a live
            // object (I4); outside the young ranges, an old one.
            unsafe { slot.as_ref() }.is_old(),
            "an edge outside the young ranges to a young object"
        );
        if evacuation.marking && evacuation.shade_old && marks::shade(*slot) {
            evacuation.gray.push(*slot);
        }
        return;
    }
    // SAFETY: a young slot points at a live object or a forwarding header (I4).
    let header = unsafe { slot.as_ref() };
    let new = if header.is_forwarded() {
        header.forwarded_to()
    } else {
        // SAFETY: this tracer was created with an Evacuation context.
        evacuate(unsafe { tracer.context::<Evacuation>() }, *slot)
    };
    *slot = new;
    // SAFETY: `new` is the live copy just made (or made earlier this GC).
    if !unsafe { new.as_ref() }.is_old() {
        tracer.saw_young = true;
    }
}

/// Sweeps the weak slots of every container reached (I7): moved targets are
/// rewritten, dead young ones dropped, old ones kept (a minor GC does not
/// judge the old generation). An old container still holding a young target
/// stays in the remembered set (I2). A value whose `Drop` panics as its entry
/// is removed is caught into `deferred`: each container finishes its sweep
/// before that unwinds (see `WeakOps::sweep`), and the next one is swept.
fn sweep_containers(evacuation: &mut Evacuation, deferred: &mut DeferredPanic) {
    for &container in &evacuation.containers {
        let mut holds_young = false;
        let young = &evacuation.young;
        let mut fix = |target: NonNull<Header>| {
            if !young.contains(target.as_ptr() as usize) {
                // Old: kept, and not read.
                return Some(target);
            }
            // SAFETY: weakly held objects are live (or forwarded) until swept.
            let header = unsafe { target.as_ref() };
            let moved = header.is_forwarded().then(|| header.forwarded_to());
            // SAFETY: `moved` is a live copy made this GC.
            holds_young |= moved.is_some_and(|new| !unsafe { new.as_ref() }.is_old());
            moved
        };
        deferred.catch(|| crate::collect::settle::sweep(container, &mut fix as FixSlot<'_>));
        // SAFETY: the container is live.
        let header = unsafe { container.as_ref() };
        if holds_young && header.is_old() && !header.is_remembered() {
            header.set_remembered(true);
            evacuation.remembered.push(container);
        }
    }
}

/// The `index`th weak container this traversal recorded.
fn recorded_container(tracer: &mut Tracer, index: usize) -> Option<NonNull<Header>> {
    // SAFETY: this tracer was created with an Evacuation context.
    let context = unsafe { tracer.context::<Evacuation>() };
    context.containers.get(index).copied()
}
