//! The card remembered set: which parts of old managed arrays may hold young
//! pointers (invariant I2, precise to the card for arrays).
//!
//! The object-logging barrier (`barrier.rs`) remembers a whole object, so a
//! minor GC rescans all of it. For a big array written in one slot that is
//! most of the minor GC's work. A managed array (`Gc<Array<T>>`) instead has
//! an **indexed barrier**, told the slot being written:
//!
//! 1. `array_barrier` finds the slot's **card** (512 bytes of elements,
//!    `object/shape.rs`), sets its bit in the array's own dirty-card bitset
//!    (stored after the elements), and, the first time, appends the array to
//!    the card set (`GcState::carded`, the `CARDED` header bit).
//! 2. A minor GC scans only the dirty cards of each array in the card set
//!    (`scan_dirty_cards`). A card stays dirty only while it still holds a
//!    young pointer after the scan; an array stays in the set while any card
//!    does.
//! 3. An array promoted by the minor GC (or remembered whole, by `Gc::write`
//!    or by being born old) is scanned card by card once (`scan_all_cards`),
//!    which leaves exactly its cards with young pointers dirty.
//!
//! While marking, the same barrier keeps the tri-colour invariant I1 as the
//! object barrier does: a black array is re-grayed. Its rescan
//! (`rescan_dirty_cards`) then scans only its dirty cards, when that is
//! sound (I12, `docs/invariants.md`): the young generation is on (so every
//! indexed store dirtied a card), the array is not remembered whole (no
//! `Gc::write` store since the last minor GC) and it was scanned in full
//! before (no oblet pending). A card the minor GC cleaned meanwhile was
//! scanned by it while marking, which shaded its old targets.

use std::ptr::NonNull;

use crate::object::header::{Colour, Header, OLD};
use crate::object::shape::{card_count, card_offset, elems_per_card, len_of, Shape, TraceRange};
use crate::object::trace::Tracer;
use crate::space::marks;
use crate::state::GcState;

/// The card geometry of one array.
struct Cards {
    /// The first word of the bitset.
    words: *mut u64,
    /// Number of cards.
    count: usize,
    /// Elements per card.
    per_card: usize,
    /// Number of elements.
    len: usize,
    /// Traces an element range; `None` if the elements hold no pointers.
    trace_range: Option<TraceRange>,
}

/// The cards of the array headed by `object`.
///
/// # Safety
/// `object` must head a live managed array (`Shape::Array`).
#[inline]
unsafe fn cards_of(object: NonNull<Header>) -> Cards {
    // SAFETY: a live array, as the caller guarantees.
    let info = unsafe { object.as_ref() }.info();
    let Shape::Array { elem, trace_range } = info.shape else {
        unreachable!("cards of an object that is not a managed array")
    };
    // SAFETY: as above.
    let len = unsafe { len_of(object) };
    let offset = card_offset(info, len, elem);
    Cards {
        // SAFETY: the bitset lies inside the object, 8-aligned, after the
        // elements (`TailLayout::array_size` reserved it).
        words: unsafe { object.cast::<u8>().as_ptr().add(offset).cast::<u64>() },
        count: card_count(len, elem),
        per_card: elems_per_card(elem),
        len,
        trace_range,
    }
}

impl Cards {
    fn is_dirty(&self, card: usize) -> bool {
        // SAFETY: `card < count`, so its word is inside the bitset.
        unsafe { *self.words.add(card / 64) >> (card % 64) & 1 == 1 }
    }

    fn set(&self, card: usize, dirty: bool) {
        // SAFETY: as in `is_dirty`; the collector or the barrier (inside one
        // `mutate` call) is the only one touching the bitset.
        unsafe {
            let word = self.words.add(card / 64);
            let bit = 1u64 << (card % 64);
            *word = if dirty { *word | bit } else { *word & !bit };
        }
    }

    fn range(&self, card: usize) -> std::ops::Range<usize> {
        let start = card * self.per_card;
        start..self.len.min(start.saturating_add(self.per_card))
    }
}

/// Clears the bitset of a freshly built array of `len` elements.
///
/// # Safety
/// `object` must head a managed array that nothing else is using yet.
pub(crate) unsafe fn clear_cards(object: NonNull<Header>) {
    // SAFETY: as the caller guarantees.
    let cards = unsafe { cards_of(object) };
    for word in 0..cards.count.div_ceil(64) {
        // SAFETY: the word is inside the bitset.
        unsafe { cards.words.add(word).write(0) };
    }
}

/// The indexed write barrier: runs before a store into element `index` of
/// the array headed by `object` (see the module docs).
///
/// # Requires
/// `index` is in bounds (the caller checked it).
#[inline]
pub(crate) fn array_barrier(state: &GcState, object: NonNull<Header>, index: usize) {
    // SAFETY: `object` comes from a live `Gc` of the current `mutate` call (I4).
    let header = unsafe { object.as_ref() };
    if header.flags() & OLD == 0 {
        return;
    }
    array_barrier_old(state, object, header, index);
}

#[cold]
#[inline(never)]
fn array_barrier_old(state: &GcState, object: NonNull<Header>, header: &Header, index: usize) {
    if state.generational {
        // SAFETY: a live managed array (only `Gc<Array<T>>` calls this).
        let cards = unsafe { cards_of(object) };
        debug_assert!(index < cards.len, "array barrier out of bounds");
        let card = index / cards.per_card;
        if !cards.is_dirty(card) {
            cards.set(card, true);
            let dirtied = &state.counters.cards_dirtied;
            dirtied.set(dirtied.get() + 1);
        }
        if !header.is_carded() {
            header.set_carded(true);
            state.carded.borrow_mut().push(object);
        }
    }
    if state.is_marking() && marks::colour(object) == Colour::Black {
        marks::regray(object);
        header.set_rescan(true);
        state.gray_again.borrow_mut().push(object);
        let regrays = &state.counters.barrier_regrays;
        regrays.set(regrays.get() + 1);
    }
}

/// Scans the dirty cards of an array in the card set (step 2). Returns true
/// if any card still holds a young pointer (the array stays in the set).
pub(crate) fn scan_dirty_cards(tracer: &mut Tracer, object: NonNull<Header>) -> bool {
    // SAFETY: arrays in the card set are live old arrays (dead ones are
    // dropped from the set before the sweeper frees them).
    let cards = unsafe { cards_of(object) };
    scan_cards(tracer, object, &cards, true)
}

/// Scans every card of an old array that must be remembered whole (step 3),
/// leaving dirty exactly the cards with young pointers. Returns true if any.
pub(crate) fn scan_all_cards(tracer: &mut Tracer, object: NonNull<Header>) -> bool {
    // SAFETY: the evacuator passes live old arrays.
    let cards = unsafe { cards_of(object) };
    scan_cards(tracer, object, &cards, false)
}

fn scan_cards(
    tracer: &mut Tracer,
    object: NonNull<Header>,
    cards: &Cards,
    only_dirty: bool,
) -> bool {
    let Some(trace_range) = cards.trace_range else {
        for card in 0..cards.count {
            cards.set(card, false);
        }
        return false;
    };
    let mut any = false;
    for card in 0..cards.count {
        if only_dirty && !cards.is_dirty(card) {
            continue;
        }
        tracer.saw_young = false;
        // SAFETY: the array is live, the range is in bounds, and the
        // collector has exclusive access at the safe point.
        unsafe { trace_range(object, cards.range(card), tracer) };
        cards.set(card, tracer.saw_young);
        any |= tracer.saw_young;
    }
    tracer.saw_young = false;
    any
}

/// Marking's rescan of a re-grayed array by its dirty cards (I12): traces
/// the elements of every dirty card with the marking `tracer`, leaving the
/// bits as they are (they belong to the minor GC). Returns the work done, or
/// `None` when the dirty cards hold more than `max_bytes` of elements (the
/// caller then rescans the array in pieces, each bounded).
///
/// # Requires
/// I12's conditions hold: young generation on, the array black before the
/// barrier re-grayed it, not remembered whole, no oblet of it queued.
pub(crate) fn rescan_dirty_cards(
    tracer: &mut Tracer,
    object: NonNull<Header>,
    max_bytes: usize,
) -> Option<usize> {
    // SAFETY: the marker passes live old arrays (gray objects are live).
    let header = unsafe { object.as_ref() };
    debug_assert!(!header.is_remembered() && !header.is_scanning());
    let Shape::Array { elem, .. } = header.info().shape else {
        unreachable!("a dirty-card rescan of an object that is not a managed array")
    };
    // SAFETY: as above.
    let cards = unsafe { cards_of(object) };
    let dirty = (0..cards.count.div_ceil(64))
        // SAFETY: the word is inside the bitset.
        .map(|word| unsafe { *cards.words.add(word) }.count_ones() as usize)
        .sum::<usize>();
    let bytes = dirty.saturating_mul(cards.per_card).saturating_mul(elem);
    if bytes > max_bytes {
        return None;
    }
    if let Some(trace_range) = cards.trace_range {
        for card in (0..cards.count).filter(|&card| cards.is_dirty(card)) {
            // SAFETY: the array is live, the range is in bounds, and the
            // collector has exclusive access at the safe point.
            unsafe { trace_range(object, cards.range(card), tracer) };
        }
    }
    Some(std::mem::size_of::<Header>() + bytes)
}

/// True if the array headed by `object` is a managed array.
///
/// # Safety
/// `object` must head a live object.
#[inline]
pub(crate) unsafe fn is_array(object: NonNull<Header>) -> bool {
    // SAFETY: as the caller guarantees.
    matches!(unsafe { object.as_ref() }.info().shape, Shape::Array { .. })
}

/// The number of dirty cards of an array (for tests and the verifier).
///
/// # Safety
/// `object` must head a live managed array.
pub(crate) unsafe fn dirty_cards(object: NonNull<Header>) -> usize {
    // SAFETY: as the caller guarantees.
    let cards = unsafe { cards_of(object) };
    (0..cards.count)
        .filter(|&card| cards.is_dirty(card))
        .count()
}
