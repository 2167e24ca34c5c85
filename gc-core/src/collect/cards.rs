//! The card records of managed arrays: which parts of an old array may hold
//! young pointers (invariant I2, precise to the card), and which parts the
//! marker must rescan (invariant I12).
//!
//! The object-logging barrier (`barrier.rs`) remembers a whole object, so a
//! minor GC rescans all of it. For a big array written in one slot that is
//! most of the minor GC's work. A managed array (`Gc<Array<T>>`) instead has
//! an **indexed barrier**, told the slot being written. Each **card** (512
//! bytes of elements, `object/shape.rs`) has two bits, one per collector:
//!
//! 1. **Dirty** (the minor GC's): `array_barrier` sets the slot's card's bit
//!    and, the first time, appends the array to the card set
//!    (`GcState::carded`, the `CARDED` header bit). A minor GC scans only the
//!    dirty cards of each array in the set (`scan_dirty_cards`) and
//!    **cleans** each one that no longer holds a young pointer. An array
//!    promoted (or remembered whole, by `Gc::write` or by being born old) is
//!    scanned card by card once (`scan_all_cards`), which leaves exactly its
//!    cards with young pointers dirty.
//! 2. **Mark** (the marker's): while marking, the same barrier re-grays a
//!    black array (I1) and sets the slot's mark card. The marker rescans a
//!    re-grayed array by its mark cards only (`rescan_mark_cards`, a piece
//!    at a time, the array gray until none is left), clearing them; a full
//!    rescan clears them all. No minor GC clears one, so a
//!    minor GC that cleans a dirty card while marking hides nothing from the
//!    marker, and it need not shade the old targets it sees in arrays:
//!    old-to-old edges are the marker's to follow, for arrays as for every
//!    other object. A mark card is set only on an array with `RESCAN` (gray,
//!    a rescan queued), so outside marking none is (the verifier checks it).
//!    The rescan goes by the mark cards only when they hold every store since
//!    the marker last scanned the array (I12): not `REMEMBERED` (a
//!    `Gc::write` store does not say its slot), no oblet pending. Where the
//!    bits cannot say which slots, all the mark cards are set: an array born
//!    gray (never scanned; `init_cards`), and an array with a rescan queued
//!    whose `REMEMBERED` bit a minor GC clears (`stop_remembering`).
//!
//! **Where the bits live.** Both records share one bitset in the array's own
//! storage, after the elements, interleaved (card `c`: bit `2c` dirty,
//! `2c + 1` mark), rather than in a side table: the barrier finds them by
//! address arithmetic (no lookup, no allocation), sets both with one word
//! written, they are freed with the array, and an array of up to 32 cards
//! (16 KiB of elements) still has a single word. Two bits per 512 bytes.

use std::ptr::NonNull;

use crate::object::header::{Colour, Header, OLD};
use crate::object::shape::{
    card_count, card_offset, elems_per_card, len_of, Shape, TraceRange, CARDS_PER_WORD,
};
use crate::object::trace::Tracer;
use crate::space::marks;
use crate::state::GcState;

/// The dirty bits of a word: the even ones.
const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// Which of a card's two bits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Record {
    /// The minor GC's: the card may hold a young pointer (I2). Set by the
    /// barrier, cleaned by the minor GC's card scans.
    Dirty = 0,
    /// The marker's: a slot of the card was stored into while marking since
    /// the marker last scanned it (I12). Set by the barrier (or all at once,
    /// see the module docs), cleared only by the marker's rescan.
    Mark = 1,
}

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
    /// Number of words of the bitset.
    fn word_count(&self) -> usize {
        self.count.div_ceil(CARDS_PER_WORD)
    }

    fn load(&self, word: usize) -> u64 {
        // SAFETY: callers pass `word < word_count()`, inside the bitset.
        unsafe { *self.words.add(word) }
    }

    fn store(&self, word: usize, bits: u64) {
        // SAFETY: as in `load`; the collector or the barrier (inside one
        // `mutate` call) is the only one touching the bitset.
        unsafe { *self.words.add(word) = bits }
    }

    /// The word and the bit of `record` for `card`.
    fn bit(card: usize, record: Record) -> (usize, u64) {
        let shift = 2 * (card % CARDS_PER_WORD) + record as usize;
        (card / CARDS_PER_WORD, 1 << shift)
    }

    fn is_set(&self, card: usize, record: Record) -> bool {
        debug_assert!(card < self.count);
        let (word, bit) = Cards::bit(card, record);
        self.load(word) & bit != 0
    }

    fn set(&self, card: usize, record: Record, on: bool) {
        debug_assert!(card < self.count);
        let (word, bit) = Cards::bit(card, record);
        let bits = self.load(word);
        self.store(word, if on { bits | bit } else { bits & !bit });
    }

    /// The bits of `record` in `word` that belong to cards of the array.
    fn mask(&self, word: usize, record: Record) -> u64 {
        let cards = (self.count - word * CARDS_PER_WORD).min(CARDS_PER_WORD);
        let present = match cards {
            CARDS_PER_WORD => u64::MAX,
            cards => (1 << (2 * cards)) - 1,
        };
        present & (EVEN_BITS << record as u32)
    }

    /// Sets or clears the bit of `record` of every card.
    fn fill(&self, record: Record, on: bool) {
        for word in 0..self.word_count() {
            let mask = self.mask(word, record);
            let bits = self.load(word);
            self.store(word, if on { bits | mask } else { bits & !mask });
        }
    }

    /// The number of cards with the bit of `record` set.
    fn count_set(&self, record: Record) -> usize {
        (0..self.word_count())
            .map(|word| (self.load(word) & self.mask(word, record)).count_ones() as usize)
            .sum()
    }

    /// The cards with the bit of `record` set, in order, skipping clear
    /// words (each word is read when the walk reaches it).
    fn set_cards(&self, record: Record) -> impl Iterator<Item = usize> + '_ {
        (0..self.word_count()).flat_map(move |word| {
            let mut bits = self.load(word) & self.mask(word, record);
            std::iter::from_fn(move || {
                let bit = (bits != 0).then(|| bits.trailing_zeros() as usize)?;
                bits &= bits - 1;
                Some(word * CARDS_PER_WORD + bit / 2)
            })
        })
    }

    fn range(&self, card: usize) -> std::ops::Range<usize> {
        let start = card * self.per_card;
        start..self.len.min(start.saturating_add(self.per_card))
    }
}

/// Writes the card bits of an array whose elements are written (for the
/// length it has: a panicking element leaves a shorter array): no card
/// dirty, and every mark card set if the array was born gray (allocated old
/// while marking: the marker has scanned none of it, yet its `RESCAN` bit
/// would let it go by its mark cards).
///
/// # Safety
/// `object` must head a managed array that nothing else is using yet.
pub(crate) unsafe fn init_cards(object: NonNull<Header>) {
    // SAFETY: as the caller guarantees.
    let (cards, header) = unsafe { (cards_of(object), object.as_ref()) };
    let born_gray = header.is_rescan();
    for word in 0..cards.word_count() {
        let marks = cards.mask(word, Record::Mark);
        cards.store(word, if born_gray { marks } else { 0 });
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
    // SAFETY: a live managed array (only `Gc<Array<T>>` calls this).
    let cards = unsafe { cards_of(object) };
    debug_assert!(index < cards.len, "array barrier out of bounds");
    let card = index / cards.per_card;
    if state.generational {
        if !cards.is_set(card, Record::Dirty) {
            cards.set(card, Record::Dirty, true);
            let dirtied = &state.counters.cards_dirtied;
            dirtied.set(dirtied.get() + 1);
        }
        if !header.is_carded() {
            header.set_carded(true);
            state.carded.borrow_mut().push(object);
        }
    }
    if state.is_marking() {
        if marks::colour(object) == Colour::Black {
            marks::regray(object);
            header.set_rescan(true);
            state.gray_again.borrow_mut().push(object);
            let regrays = &state.counters.barrier_regrays;
            regrays.set(regrays.get() + 1);
        }
        // I12: a rescan is queued (just now, or before), and may go by the
        // mark cards. A white array, or a gray one never scanned, will be
        // scanned in full.
        if header.is_rescan() {
            cards.set(card, Record::Mark, true);
        }
    }
}

/// Scans the dirty cards of an array in the card set (step 1). Returns true
/// if any card still holds a young pointer (the array stays in the set).
pub(crate) fn scan_dirty_cards(tracer: &mut Tracer, object: NonNull<Header>) -> bool {
    // SAFETY: arrays in the card set are live old arrays (dead ones are
    // dropped from the set before the sweeper frees them).
    let cards = unsafe { cards_of(object) };
    scan_cards(tracer, object, &cards, true)
}

/// Scans every card of an old array that must be remembered whole (step 1),
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
        cards.fill(Record::Dirty, false);
        return false;
    };
    let mut any = false;
    for card in 0..cards.count {
        if only_dirty && !cards.is_set(card, Record::Dirty) {
            continue;
        }
        tracer.saw_young = false;
        // SAFETY: the array is live, the range is in bounds, and the
        // collector has exclusive access at the safe point.
        unsafe { trace_range(object, cards.range(card), tracer) };
        cards.set(card, Record::Dirty, tracer.saw_young);
        any |= tracer.saw_young;
    }
    tracer.saw_young = false;
    any
}

/// Clears `REMEMBERED` of an object the minor GC takes out of the
/// remembered set. For an array with a rescan queued, the bit was the
/// marker's record of the `Gc::write` stores into it (I12), which does not
/// say their slots: the record moves into the mark cards, all of them.
///
/// # Safety
/// `object` must head a live old object.
pub(crate) unsafe fn stop_remembering(object: NonNull<Header>) {
    // SAFETY: as the caller guarantees.
    let header = unsafe { object.as_ref() };
    header.set_remembered(false);
    // SAFETY: as above.
    if header.is_rescan() && unsafe { is_array(object) } {
        // SAFETY: a live managed array.
        unsafe { cards_of(object) }.fill(Record::Mark, true);
    }
}

/// What one mark-card rescan did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct CardRescan {
    /// Work done: the header and the elements of the cards scanned.
    pub(crate) work: usize,
    /// Mark cards are left: the scan stopped at `max_bytes`, and the caller
    /// must re-queue the array (gray, `RESCAN`) to scan the rest.
    pub(crate) rest: bool,
}

/// Marking's rescan of a re-grayed array by its mark cards (I12): traces
/// the elements of its mark cards in order with the marking `tracer`,
/// clearing each, until `max_bytes` of elements are scanned (at least one
/// card), so that a step stays bounded however many cards were stored into.
///
/// # Requires
/// I12's conditions hold: a rescan (the `RESCAN` bit was set), the array
/// not remembered whole, no oblet of it queued.
pub(crate) fn rescan_mark_cards(
    tracer: &mut Tracer,
    object: NonNull<Header>,
    max_bytes: usize,
) -> CardRescan {
    // SAFETY: the marker passes live old arrays (gray objects are live).
    let header = unsafe { object.as_ref() };
    debug_assert!(!header.is_remembered() && !header.is_scanning());
    let Shape::Array { elem, .. } = header.info().shape else {
        unreachable!("a mark-card rescan of an object that is not a managed array")
    };
    // SAFETY: as above.
    let cards = unsafe { cards_of(object) };
    let mut bytes = 0;
    let mut rest = false;
    for card in cards.set_cards(Record::Mark) {
        if bytes >= max_bytes {
            rest = true;
            break;
        }
        let range = cards.range(card);
        bytes += range.len() * elem;
        if let Some(trace_range) = cards.trace_range {
            // SAFETY: the array is live, the range is in bounds, and the
            // collector has exclusive access at the safe point.
            unsafe { trace_range(object, range, tracer) };
        }
        cards.set(card, Record::Mark, false);
    }
    CardRescan {
        work: std::mem::size_of::<Header>() + bytes,
        rest,
    }
}

/// Clears every mark card of an array the marker rescans in full.
///
/// # Safety
/// `object` must head a live managed array.
pub(crate) unsafe fn clear_mark_cards(object: NonNull<Header>) {
    // SAFETY: as the caller guarantees.
    unsafe { cards_of(object) }.fill(Record::Mark, false);
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

/// The number of dirty cards of an array (for tests).
///
/// # Safety
/// `object` must head a live managed array.
pub(crate) unsafe fn dirty_cards(object: NonNull<Header>) -> usize {
    // SAFETY: as the caller guarantees.
    unsafe { cards_of(object) }.count_set(Record::Dirty)
}

/// The number of mark cards of an array (for tests and the verifier).
///
/// # Safety
/// `object` must head a live managed array.
pub(crate) unsafe fn mark_cards(object: NonNull<Header>) -> usize {
    // SAFETY: as the caller guarantees.
    unsafe { cards_of(object) }.count_set(Record::Mark)
}

#[cfg(test)]
mod tests {
    //! The two interleaved records on a bare bitset: each bit lands on its
    //! card and its record, and whole-record operations touch neither the
    //! other record nor the bits past the last card.

    use super::*;

    /// Geometry for `count` cards over `words` (one element per card).
    fn cards(words: &mut [u64], count: usize) -> Cards {
        Cards {
            words: words.as_mut_ptr(),
            count,
            per_card: 1,
            len: count,
            trace_range: None,
        }
    }

    const COUNTS: [usize; 7] = [1, 2, 31, 32, 33, 64, 100];

    #[test]
    fn each_card_has_a_dirty_and_a_mark_bit() {
        for count in COUNTS {
            let mut words = vec![0; count.div_ceil(CARDS_PER_WORD)];
            let cards = cards(&mut words, count);
            let picked: Vec<usize> = (0..count)
                .filter(|c| c % 3 == 0 || c + 1 == count)
                .collect();
            for &card in &picked {
                cards.set(card, Record::Mark, true);
            }
            cards.set(0, Record::Dirty, true);
            for card in 0..count {
                assert_eq!(cards.is_set(card, Record::Mark), picked.contains(&card));
                assert_eq!(
                    cards.is_set(card, Record::Dirty),
                    card == 0,
                    "{count}: {card}"
                );
            }
            assert_eq!(cards.set_cards(Record::Mark).collect::<Vec<_>>(), picked);
            assert_eq!(cards.set_cards(Record::Dirty).collect::<Vec<_>>(), vec![0]);
            assert_eq!(cards.count_set(Record::Mark), picked.len());
            assert_eq!(cards.count_set(Record::Dirty), 1);
            cards.set(0, Record::Mark, false);
            assert!(
                cards.is_set(0, Record::Dirty),
                "{count}: the other bit stays"
            );
        }
    }

    #[test]
    fn filling_a_record_leaves_the_other_and_the_spare_bits() {
        for count in COUNTS {
            let mut words = vec![0; count.div_ceil(CARDS_PER_WORD)];
            let cards = cards(&mut words, count);
            cards.fill(Record::Mark, true);
            assert_eq!(cards.count_set(Record::Mark), count);
            assert_eq!(cards.count_set(Record::Dirty), 0);
            assert_eq!(cards.set_cards(Record::Mark).count(), count);
            cards.fill(Record::Dirty, true);
            cards.fill(Record::Mark, false);
            assert_eq!(cards.count_set(Record::Mark), 0);
            assert_eq!(cards.count_set(Record::Dirty), count);
            let bits: u32 = words.iter().map(|w| w.count_ones()).sum();
            assert_eq!(bits as usize, count, "{count}: no bit past the last card");
        }
    }
}
