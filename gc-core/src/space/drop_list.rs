//! Drop lists: the young objects whose type needs `Drop`, and the queue of
//! dead ones still to drop (step 4, the end of a young object's life).
//!
//! Freeing a young object costs nothing (Eden and the from-space are reset
//! whole), except for types that own resources: those are recorded on their
//! space's drop list when allocated or copied. After a minor GC every object
//! on the list that was not evacuated (its header is not forwarded) died young
//! and must be dropped.
//!
//! Dropping them all inside the minor GC would make its pause grow with the
//! number of dead objects (73,000 dead call frames made a pause 12-16 ms). So
//! a minor GC drops a short list at once ([`DROP_IN_PAUSE_OBJECTS`]) but
//! **retires** the arena behind a long one: the arena's memory is kept, Eden or
//! the from-space continues in a fresh (pooled) arena, and the arena joins the
//! [`DropQueue`] with its list. Later safe points drop the dead objects in
//! bounded steps ([`DropQueue::step`]); once a list is done its arena is reset
//! and pooled for the next retirement.
//!
//! Invariants kept:
//! - a dead object's memory stays valid until its `Drop` has run (its arena is
//!   retired, not reset), so `Drop` never sees a freed object; what its fields
//!   point to may be gone, which is why traced types cannot deref a `Gc` in
//!   `Drop` (the derive's `MustNotImplDrop`, `#[trace(unsafe_drop)]`);
//! - each list entry is visited once (a cursor), so `Drop` runs exactly once;
//!   a panicking `Drop` is caught (`object/unwind`) and counts as dropped;
//! - objects on a retired list are unreachable: the minor GC that retired it
//!   forwarded every live one and cleared every weak slot to a dead one (I7).

use std::collections::VecDeque;
use std::ptr::NonNull;

use bumpalo::Bump;

use crate::object::header::Header;
use crate::object::unwind::{drop_object, DeferredPanic};

/// A drop list at most this long is dropped inside the minor GC (objects).
/// At the ~200 ns a dead object with a `Vec` costs (73,000 frames took 12-16
/// ms), 256 objects are about 50 us, a twentieth of the 1 ms pause target;
/// below it, retiring an arena costs more than it saves.
pub(crate) const DROP_IN_PAUSE_OBJECTS: usize = 256;

/// Entries a drop step visits at least (objects): 1024 x ~200 ns is about
/// 0.2 ms, a fifth of the 1 ms pause target. Steps grow past it only to keep
/// pace with allocation (`policy::pacer::young::drop_step_budget`).
pub(crate) const DROP_STEP_OBJECTS: usize = 1024;

/// Entries a drop step visits between two reads of its clock: a clock read
/// (about 25 ns) per 32 entries costs under 2% of the cheapest drops.
const ENTRIES_PER_CLOCK_READ: usize = 32;

/// Retired arenas kept at most (lists): a program that does not return to a
/// safe point between minor GCs leaves lists unfinished; past this many, the
/// oldest is finished inside the minor GC, so the memory held is bounded by
/// this many arenas (an Eden or a survivor space each). A minor GC may retire
/// two (Eden's and the from-space's), and a major cycle's phase changes each
/// add a minor GC on a nearly empty Eden (`Collector::empty_young_first`), so
/// four let one cycle's start fill the queue and drain a whole Eden's list
/// inside the pause (call-frames: 1-2.3 ms); eight hold four minor GCs' worth.
pub(crate) const MAX_RETIRED_ARENAS: usize = 8;

/// Reset arenas kept for reuse (arenas): one for Eden, one for the
/// from-space, so that steady retirement faults in no fresh pages.
const MAX_SPARE_ARENAS: usize = 2;

/// Drops every object on a needs-drop list that was not evacuated (it died
/// young), catching panics into `deferred`. Returns how many were dropped.
pub(crate) fn drop_dead(needs_drop: &[NonNull<Header>], deferred: &mut DeferredPanic) -> usize {
    needs_drop
        .iter()
        // SAFETY: objects on a needs-drop list were allocated in Eden or
        // copied into the from-space, and their arena has not been reset.
        .filter(|&&object| unsafe { drop_if_dead(object, deferred) })
        .count()
}

/// Drops `object` unless it was evacuated; true if it was dropped.
///
/// # Safety
/// `object` is on a needs-drop list just taken from its space (or a retired
/// list), its arena has not been reset, and it is never offered again.
#[inline]
unsafe fn drop_if_dead(object: NonNull<Header>, deferred: &mut DeferredPanic) -> bool {
    // SAFETY: the object's memory is valid (guaranteed by the caller).
    if unsafe { object.as_ref() }.is_forwarded() {
        return false;
    }
    // SAFETY: the object was not reached, so it is garbage: nothing can
    // observe it, and the caller never offers it again.
    unsafe { drop_object(object, deferred) }
}

/// A young arena retired with its drop list.
struct Retired {
    /// The arena holding every object on `objects` (kept, never reset, until
    /// the list is done).
    arena: Bump,
    /// The drop list as the minor GC took it: forwarded (live) entries are
    /// skipped, the rest are dropped.
    objects: Vec<NonNull<Header>>,
    /// Index of the next entry to visit; entries before it are done.
    next: usize,
}

/// What a drop step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DropStep {
    /// List entries visited (dropped, or skipped as evacuated).
    pub(crate) visited: usize,
    /// Dead objects dropped.
    pub(crate) dropped: usize,
}

/// The queue of retired arenas whose dead objects are still to be dropped.
///
/// Written by the minor GC (`retire`) and by drop steps at safe points; the
/// mutator never touches it.
#[derive(Default)]
pub(crate) struct DropQueue {
    /// Oldest first.
    retired: VecDeque<Retired>,
    /// Reset arenas for the next retirement.
    spares: Vec<Bump>,
    /// Finished drop lists, emptied, for the spaces' next lists (a list
    /// freed or grown inside a pause can cost a `malloc_consolidate`,
    /// `state/minor_buffers`).
    spare_lists: Vec<Vec<NonNull<Header>>>,
    /// Entries on the retired lists not yet visited.
    pending: usize,
    /// Dead objects this queue dropped since the heap was built.
    pub(crate) dropped_total: u64,
}

impl DropQueue {
    /// Takes a reset arena to continue a space in, if one is pooled.
    pub(crate) fn take_spare(&mut self) -> Option<Bump> {
        self.spares.pop()
    }

    /// Takes an emptied drop list with room, or a new one.
    pub(crate) fn take_spare_list(&mut self) -> Vec<NonNull<Header>> {
        self.spare_lists.pop().unwrap_or_default()
    }

    /// Queues `arena`, taken from its space by a minor GC, with the drop list
    /// of the objects in it.
    ///
    /// # Requires
    /// Every object on `objects` lives in `arena`, and the minor GC that took
    /// both has finished evacuating (a live entry is forwarded).
    pub(crate) fn retire(&mut self, arena: Bump, objects: Vec<NonNull<Header>>) {
        self.pending += objects.len();
        self.retired.push_back(Retired {
            arena,
            objects,
            next: 0,
        });
    }

    /// True while some list is not done.
    pub(crate) fn is_pending(&self) -> bool {
        self.pending > 0
    }

    /// Entries not yet visited.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// Retired arenas not yet done.
    #[cfg(test)]
    pub(crate) fn retired_arenas(&self) -> usize {
        self.retired.len()
    }

    /// Bytes the retired arenas hold from the system (dead objects waiting
    /// for their `Drop`, and the evacuated copies' old memory).
    pub(crate) fn retired_bytes(&self) -> usize {
        self.retired.iter().map(|r| r.arena.allocated_bytes()).sum()
    }

    /// Bytes the queue holds from the system: retired and spare arenas.
    pub(crate) fn committed(&self) -> usize {
        let spares: usize = self.spares.iter().map(Bump::allocated_bytes).sum();
        self.retired_bytes() + spares
    }

    /// Visits at most `budget` entries, oldest list first, dropping the dead
    /// ones (each panic caught into `deferred`), and stops early once
    /// `out_of_time` says so (asked every [`ENTRIES_PER_CLOCK_READ`] entries:
    /// the caller's step clock); a finished
    /// list's arena is reset (poisoned first if `poison`) and pooled.
    pub(crate) fn step(
        &mut self,
        budget: usize,
        mut out_of_time: impl FnMut() -> bool,
        deferred: &mut DeferredPanic,
        poison: bool,
    ) -> DropStep {
        let mut done = DropStep::default();
        // The clock is read only after the first entries: a step that starts
        // late (a slow machine, or Miri) still makes progress.
        while done.visited < budget && (done.visited == 0 || !out_of_time()) {
            let Some(front) = self.retired.front_mut() else {
                break;
            };
            let room = (budget - done.visited).min(ENTRIES_PER_CLOCK_READ);
            let end = front.objects.len().min(front.next.saturating_add(room));
            // The cursor moves past each entry before its `Drop` runs, so a
            // panic caught inside cannot make it visit the entry again.
            while front.next < end {
                let object = front.objects[front.next];
                front.next += 1;
                done.visited += 1;
                // SAFETY: the entry was on a drop list taken by a finished
                // minor GC, its arena is retained, and the cursor has moved
                // past it, so it is never offered again.
                done.dropped += usize::from(unsafe { drop_if_dead(object, deferred) });
            }
            if front.next == front.objects.len() {
                if let Some(finished) = self.retired.pop_front() {
                    self.recycle(finished, poison);
                }
            }
        }
        self.pending -= done.visited.min(self.pending);
        self.dropped_total += done.dropped as u64;
        done
    }

    /// Finishes every list (a collection run by hand, or the heap is dropped).
    pub(crate) fn drain(&mut self, deferred: &mut DeferredPanic, poison: bool) -> DropStep {
        self.step(usize::MAX, || false, deferred, poison)
    }

    /// Finishes the oldest lists until `incoming` more retirements fit
    /// within `MAX_RETIRED_ARENAS`.
    pub(crate) fn make_room(
        &mut self,
        incoming: usize,
        deferred: &mut DeferredPanic,
        poison: bool,
    ) -> DropStep {
        let mut done = DropStep::default();
        while !self.retired.is_empty() && self.retired.len() + incoming > MAX_RETIRED_ARENAS {
            let front = &self.retired[0];
            let step = self.step(front.objects.len() - front.next, || false, deferred, poison);
            done.visited += step.visited;
            done.dropped += step.dropped;
        }
        done
    }

    /// Forgets every list without dropping anything (a poisoned heap is
    /// being dropped); the arenas' memory is returned.
    pub(crate) fn leak(&mut self) {
        self.retired.clear();
        self.pending = 0;
    }

    fn recycle(&mut self, finished: Retired, poison: bool) {
        let Retired {
            mut arena,
            mut objects,
            ..
        } = finished;
        if poison {
            crate::space::poison::poison_arena(&mut arena);
        }
        arena.reset();
        if self.spares.len() < MAX_SPARE_ARENAS {
            self.spares.push(arena);
        }
        if self.spare_lists.len() < MAX_SPARE_ARENAS {
            objects.clear();
            self.spare_lists.push(objects);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::object::header::{GcBox, InfoOf, Space};
    use crate::object::trace::{Trace, Tracer};

    thread_local! {
        /// Drops of `Counted` values on this test's thread. A counter outside
        /// the values, so that a value the test leaves undropped on purpose
        /// (an evacuated original, a queue dropped with entries pending)
        /// leaks no heap memory for Miri to report.
        static DROPS: Cell<usize> = const { Cell::new(0) };
    }

    /// This thread's drop counter, reset to 0 when made.
    struct Drops;

    impl Drops {
        fn new() -> Drops {
            DROPS.with(|d| d.set(0));
            Drops
        }

        fn get(&self) -> usize {
            DROPS.with(Cell::get)
        }
    }

    /// Counts its drops in `DROPS`; panics in `Drop` when asked.
    struct Counted(bool);

    // SAFETY: holds no `Gc`, so tracing has nothing to visit.
    unsafe impl Trace for Counted {
        const NEEDS_TRACE: bool = false;
        fn trace(&mut self, _: &mut Tracer) {}
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.with(|d| d.set(d.get() + 1));
            if self.0 {
                std::panic::panic_any("drop panicked");
            }
        }
    }

    /// An arena of `n` `Counted` objects and their drop list.
    fn arena(n: usize, _drops: &Drops, panics_at: Option<usize>) -> (Bump, Vec<NonNull<Header>>) {
        let arena = Bump::new();
        let objects = (0..n)
            .map(|i| {
                let header = Header::new(&InfoOf::<Counted>::INFO, Space::Eden);
                let value = Counted(panics_at == Some(i));
                NonNull::from(arena.alloc(GcBox { header, value })).cast::<Header>()
            })
            .collect();
        (arena, objects)
    }

    #[test]
    fn steps_drop_each_dead_object_once_within_budget() {
        let drops = Drops::new();
        let (bump, objects) = arena(10, &drops, None);
        // Objects 0 and 1 were evacuated: their headers forward elsewhere.
        // (A bump arena never drops its contents: the copy's value is not dropped.)
        let (_copies, elsewhere) = arena(1, &drops, None);
        // SAFETY: the objects are alive in `bump`.
        unsafe { objects[0].as_ref() }.set_forwarded(elsewhere[0]);
        // SAFETY: as above.
        unsafe { objects[1].as_ref() }.set_forwarded(elsewhere[0]);
        let mut queue = DropQueue::default();
        queue.retire(bump, objects);
        assert_eq!(queue.pending(), 10);
        let mut deferred = DeferredPanic::default();
        let step = queue.step(4, || false, &mut deferred, false);
        assert_eq!(
            step,
            DropStep {
                visited: 4,
                dropped: 2
            }
        );
        assert_eq!((drops.get(), queue.pending()), (2, 6));
        assert_eq!(queue.retired_arenas(), 1);
        let step = queue.step(100, || false, &mut deferred, true);
        assert_eq!(
            step,
            DropStep {
                visited: 6,
                dropped: 6
            }
        );
        assert_eq!(drops.get(), 8);
        assert!(!queue.is_pending());
        assert_eq!(queue.retired_arenas(), 0);
        assert_eq!(queue.dropped_total, 8);
        // The finished arena is pooled for the next retirement.
        assert!(queue.take_spare().is_some());
    }

    #[test]
    fn a_panicking_drop_counts_as_dropped_and_the_step_goes_on() {
        let drops = Drops::new();
        let (bump, objects) = arena(5, &drops, Some(2));
        let mut queue = DropQueue::default();
        queue.retire(bump, objects);
        let mut deferred = DeferredPanic::default();
        let step = queue.drain(&mut deferred, false);
        assert_eq!(
            step,
            DropStep {
                visited: 5,
                dropped: 5
            }
        );
        assert_eq!(drops.get(), 5);
        assert!(deferred.is_pending());
        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| deferred.resume()));
        assert!(payload.is_err());
        // Nothing is visited twice.
        assert_eq!(queue.drain(&mut deferred, false), DropStep::default());
        assert_eq!(drops.get(), 5);
    }

    #[test]
    fn make_room_finishes_the_oldest_lists() {
        let drops = Drops::new();
        let mut queue = DropQueue::default();
        for _ in 0..MAX_RETIRED_ARENAS {
            let (bump, objects) = arena(3, &drops, None);
            queue.retire(bump, objects);
        }
        let mut deferred = DeferredPanic::default();
        let done = queue.make_room(2, &mut deferred, false);
        assert_eq!(done.dropped, 6);
        assert_eq!(queue.retired_arenas(), MAX_RETIRED_ARENAS - 2);
        assert_eq!(queue.pending(), 3 * (MAX_RETIRED_ARENAS - 2));
        queue.leak();
        assert!(!queue.is_pending());
        assert!(queue.committed() > 0, "spares are kept");
    }
}
