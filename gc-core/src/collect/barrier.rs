//! The write barrier: the one hook the mutator must call before a store.
//!
//! One barrier serves both collectors (DESIGN.md, "The safety model"):
//!
//! - **Generational** (invariant I2, "every old object that may hold a young
//!   pointer is in the remembered set"): the first write to an old object sets
//!   its `REMEMBERED` bit and appends it to the remembered set, so a minor GC
//!   finds old-to-young pointers without scanning the old generation. This is
//!   an *object-logging* barrier: it logs the object once, not every store.
//! - **Incremental** (invariant I1, "no black object points to a white one"):
//!   writing a black object while marking turns it gray again and pushes it on
//!   the gray-again list, so the marker rescans it (a Steele-style "backward"
//!   barrier: it retreats the wavefront instead of shading the new target).
//!
//! Fast path: young objects, and old objects that are already remembered and
//! not black, need nothing. It is two loads and a test of one flags word:
//! `flags & OLD == 0 || (flags & REMEMBERED != 0 && colour != Black)`.
//! Everything else takes the `#[cold]` slow path.

use std::ptr::NonNull;

use crate::object::header::{Colour, Header, OLD, REMEMBERED};
use crate::state::GcState;

/// Runs the barrier for a store into the object headed by `object`.
///
/// `object` must carry the provenance of the whole object (it comes from the
/// `Gc`), because the remembered set and the gray list later scan through it.
#[inline]
pub(crate) fn write_barrier(state: &GcState, object: NonNull<Header>) {
    // SAFETY: `object` comes from a live `Gc` of the current `mutate` call (I4).
    let header = unsafe { object.as_ref() };
    let flags = header.flags();
    if flags & OLD == 0 {
        return;
    }
    if flags & REMEMBERED != 0 && header.colour() != Colour::Black {
        return;
    }
    write_barrier_slow(state, object, header);
}

#[cold]
#[inline(never)]
fn write_barrier_slow(state: &GcState, object: NonNull<Header>, header: &Header) {
    if !header.is_remembered() {
        // With the young generation off there is nothing to remember, but the
        // bit still moves the object onto the fast path for later stores.
        header.set_remembered(true);
        if state.generational {
            state.remembered.borrow_mut().push(object);
        }
    }
    if header.colour() == Colour::Black && state.is_marking() {
        header.set_colour(Colour::Gray);
        header.set_rescan(true);
        state.gray_again.borrow_mut().push(object);
        state
            .counters
            .barrier_regrays
            .set(state.counters.barrier_regrays.get() + 1);
    }
}

#[cfg(test)]
mod tests {
    //! The barrier's table, on real headers and a real `GcState`: for each
    //! (space, phase, colour, remembered bit) what a store does to the object
    //! and to the remembered set and gray-again list.

    use super::*;
    use crate::object::header::{Space, TypeInfo};
    use crate::state::phase::Phase;

    static INFO: TypeInfo = TypeInfo {
        size: 16,
        align: 8,
        shape: crate::object::header::Shape::Fixed,
        trace: None,
        trace_named: None,
        drop: None,
        name: || "barrier test object",
        weak: None,
        erased: None,
    };

    const COLOURS: [Colour; 4] = [Colour::White0, Colour::White1, Colour::Gray, Colour::Black];

    /// What one store did.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    enum Effect {
        /// Nothing changed.
        Nothing,
        /// The object was remembered (bit set, appended to the remembered set
        /// when the young generation is on).
        Remembers,
        /// The object was re-grayed (gray, rescan bit, gray-again list, counter).
        Regrays,
        /// Both.
        RemembersAndRegrays,
    }

    /// The table for old objects: (marking, colour, already remembered) -> effect.
    /// Young objects never need the barrier (they are scanned at every minor GC
    /// and are roots for marking), whatever their bits say.
    const OLD_TABLE: [(bool, Colour, bool, Effect); 16] = [
        (false, Colour::White0, false, Effect::Remembers),
        (false, Colour::White0, true, Effect::Nothing),
        (false, Colour::White1, false, Effect::Remembers),
        (false, Colour::White1, true, Effect::Nothing),
        (false, Colour::Gray, false, Effect::Remembers),
        (false, Colour::Gray, true, Effect::Nothing),
        // Black outside marking (a survivor not yet repainted by the sweep):
        // no wavefront to protect.
        (false, Colour::Black, false, Effect::Remembers),
        (false, Colour::Black, true, Effect::Nothing),
        (true, Colour::White0, false, Effect::Remembers),
        (true, Colour::White0, true, Effect::Nothing),
        (true, Colour::White1, false, Effect::Remembers),
        (true, Colour::White1, true, Effect::Nothing),
        // Gray is already queued: the marker will see the new field.
        (true, Colour::Gray, false, Effect::Remembers),
        (true, Colour::Gray, true, Effect::Nothing),
        (true, Colour::Black, false, Effect::RemembersAndRegrays),
        (true, Colour::Black, true, Effect::Regrays),
    ];

    fn state(generational: bool, marking: bool) -> GcState {
        let state = GcState::new(generational, 4096, 4096, 1024);
        if marking {
            state.phase.set(Phase::Marking);
        }
        state
    }

    fn header(space: Space, colour: Colour, remembered: bool) -> Header {
        let header = Header::new(&INFO, space, colour);
        header.set_remembered(remembered);
        header
    }

    /// Runs one store's barrier and reads back what it did, checking that the
    /// bits and the lists agree with each other.
    fn store(state: &GcState, header: &Header) -> Effect {
        let (was_remembered, colour) = (header.is_remembered(), header.colour());
        let object = NonNull::from(header);
        write_barrier(state, object);
        let remembered = state.remembered.borrow().contains(&object);
        let regrayed = state.gray_again.borrow().contains(&object);
        assert!(header.is_remembered() || !remembered, "listed but unmarked");
        assert_eq!(regrayed, header.is_rescan(), "rescan bit without the list");
        let regrays = state.counters.barrier_regrays.get();
        assert_eq!(regrays, u64::from(regrayed), "one re-gray counted");
        if regrayed {
            assert_eq!(header.colour(), Colour::Gray);
        } else {
            assert_eq!(header.colour(), colour, "colour unchanged");
        }
        let remembers = header.is_remembered() && !was_remembered;
        if state.generational {
            assert_eq!(remembers, remembered, "remembered bit without the set");
        } else {
            assert!(!remembered, "nothing to remember without young objects");
        }
        match (remembers, regrayed) {
            (false, false) => Effect::Nothing,
            (true, false) => Effect::Remembers,
            (false, true) => Effect::Regrays,
            (true, true) => Effect::RemembersAndRegrays,
        }
    }

    #[test]
    fn old_objects_follow_the_table() {
        for space in [Space::Old, Space::Large] {
            for (marking, colour, remembered, effect) in OLD_TABLE {
                let state = state(true, marking);
                let object = header(space, colour, remembered);
                let case = (space, marking, colour, remembered);
                assert_eq!(store(&state, &object), effect, "{case:?}");
                assert!(object.is_remembered(), "{case:?}: remembered after");
                let listed = state.remembered.borrow().len();
                assert_eq!(listed, usize::from(!remembered), "{case:?}");
            }
        }
    }

    #[test]
    fn young_objects_take_the_fast_path_whatever_their_bits() {
        for space in [Space::Eden, Space::SurvivorA, Space::SurvivorB] {
            for marking in [false, true] {
                for colour in COLOURS {
                    for remembered in [false, true] {
                        let state = state(true, marking);
                        let object = header(space, colour, remembered);
                        let case = (space, marking, colour, remembered);
                        assert_eq!(store(&state, &object), Effect::Nothing, "{case:?}");
                        assert_eq!(object.is_remembered(), remembered, "{case:?}");
                        assert!(state.remembered.borrow().is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn without_a_young_generation_the_bit_is_set_but_nothing_is_listed() {
        for (marking, colour, remembered, effect) in OLD_TABLE {
            let state = state(false, marking);
            let object = header(Space::Old, colour, remembered);
            let case = (marking, colour, remembered);
            assert_eq!(store(&state, &object), effect, "{case:?}");
            assert!(object.is_remembered(), "{case:?}: on the fast path after");
            assert!(state.remembered.borrow().is_empty(), "{case:?}");
        }
    }

    #[test]
    fn a_second_store_takes_the_fast_path() {
        let state = state(true, true);
        let object = header(Space::Old, Colour::Black, false);
        assert_eq!(store(&state, &object), Effect::RemembersAndRegrays);
        // Now remembered and gray: nothing more until the marker blackens it.
        write_barrier(&state, NonNull::from(&object));
        assert_eq!(state.remembered.borrow().len(), 1);
        assert_eq!(state.gray_again.borrow().len(), 1);
        assert_eq!(state.counters.barrier_regrays.get(), 1);
        // Blackened again by the marker, the next store re-grays it again.
        object.set_colour(Colour::Black);
        object.set_rescan(false);
        write_barrier(&state, NonNull::from(&object));
        assert_eq!(state.remembered.borrow().len(), 1, "remembered once");
        assert_eq!(state.gray_again.borrow().len(), 2);
        assert_eq!(state.counters.barrier_regrays.get(), 2);
        assert_eq!(object.colour(), Colour::Gray);
    }
}
