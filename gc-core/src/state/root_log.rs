//! The chunk log: what part of a big root changed, so a collection rescans
//! only that (steps 4 and 6; `docs/architecture.md`, "Roots").
//!
//! A root container (a [`RootVec`](crate::RootVec), the stash table) is cut
//! into *chunks* of [`CHUNK_SLOTS`] slots. Stores into it need no write
//! barrier in the usual sense, but every `&mut` access to a slot *touches* its
//! chunk here. The log keeps, per container, two work lists:
//!
//! - the **minor list**: chunks a minor GC must scan, each with a mask of
//!   *which* of its slots (a bit per slot, as a card table's slot set is kept
//!   per card). A slot's bit is set when it is touched, and stays after a
//!   minor GC scan if the slot still holds a young pointer: survivors are
//!   young and move at every minor GC, so such a slot is rescanned until it
//!   holds none. A chunk is on the list while its mask is not empty.
//!   Invariant I9: *a slot whose bit is clear holds no young pointer.*
//! - the **mark cursor and remark list**: while a major cycle marks, chunks
//!   below `cursor` have been shaded this cycle (their old targets are gray or
//!   black); the rest are shaded by bounded *root jobs* in the mark steps, so
//!   mark start does no work proportional to the root. A chunk below the
//!   cursor that is touched again joins the remark list, which the next mark
//!   steps and at the latest mark termination rescan. Invariant I10: *while
//!   marking, every old object a chunk points to is shaded, or the chunk is at
//!   or beyond the cursor, or on the remark list.* Mark termination then
//!   rescans only what changed since it was scanned.
//!
//! The masks and a flag keep each chunk on each list at most once, so both
//! lists are bounded by the number of chunks, whatever the program writes.
//! The log never sees the slots themselves; its owner scans the slots it
//! names.

use crate::object::prefetch::{prefetch, CACHE_LINE_BYTES, PREFETCH_AHEAD};
use crate::object::trace::Tracer;

/// Slots per chunk: 32 pointer-sized slots are 256 bytes, four cache lines.
/// A chunk is the unit a major cycle's root job shades and remarks; a minor
/// GC scans only the slots of a chunk that were touched (the chunk's mask,
/// one bit per slot, so at most 32). With whole chunks rescanned, an
/// interning table written at random dirtied nearly every chunk between two
/// minor GCs: at 256 slots each minor GC rescanned the whole table, and at
/// 32 intern's minor GCs still spent 0.5-2 ms scanning 60,000 slots for
/// some 4,000 written. The log's bookkeeping is five bytes per chunk (0.2
/// bits a slot) and an entry per dirty chunk.
pub(crate) const CHUNK_SLOTS: usize = 32;

/// A minor list holding at least one chunk in this many is scanned in
/// address order (`ChunkLog::minor_prefetching`): walking every chunk's mask
/// then costs at most this many 4-byte reads, in order, per listed chunk.
const DENSE_LIST_FRACTION: usize = 4;

/// A set of slots of one chunk, bit `i` for its slot `i`.
pub(crate) type SlotMask = u32;

const _: () = assert!(CHUNK_SLOTS == SlotMask::BITS as usize);

/// Every slot of a chunk.
const ALL_SLOTS: SlotMask = SlotMask::MAX;

/// The bit of slot `index` in its chunk's mask.
#[inline]
pub(crate) fn slot_bit(index: usize) -> SlotMask {
    1 << (index % CHUNK_SLOTS)
}

/// The slots of chunk `chunk` named by `mask` that a container of `len`
/// slots holds, in order.
pub(crate) fn masked_slots(
    chunk: usize,
    mask: SlotMask,
    len: usize,
) -> impl Iterator<Item = usize> {
    let base = chunk * CHUNK_SLOTS;
    let mut bits = mask;
    std::iter::from_fn(move || {
        if bits == 0 {
            return None;
        }
        let slot = base + bits.trailing_zeros() as usize;
        bits &= bits - 1;
        Some(slot)
    })
    .take_while(move |&slot| slot < len)
}

/// The chunk that holds slot `index`.
#[inline]
pub(crate) fn chunk_of(index: usize) -> usize {
    index / CHUNK_SLOTS
}

/// The number of chunks `len` slots fill.
#[inline]
pub(crate) fn chunks_for(len: usize) -> usize {
    len.div_ceil(CHUNK_SLOTS)
}

/// The slots of chunk `chunk` in a container of `len` slots.
#[inline]
pub(crate) fn slots_of(chunk: usize, len: usize) -> std::ops::Range<usize> {
    let start = (chunk * CHUNK_SLOTS).min(len);
    start..(start + CHUNK_SLOTS).min(len)
}

/// Scans the slots of chunk `chunk` named by `mask` (of `len` slots) with
/// `scan_slot`, one at a time, and returns the mask of those still holding a
/// young pointer after their scan (`Tracer::saw_young`): what a container's
/// `ChunkLog::minor` scan gives back, so those slots stay listed (I9).
pub(crate) fn scan_masked_slots(
    tracer: &mut Tracer,
    chunk: usize,
    mask: SlotMask,
    len: usize,
    mut scan_slot: impl FnMut(&mut Tracer, usize),
) -> SlotMask {
    let mut still_young = 0;
    for slot in masked_slots(chunk, mask, len) {
        tracer.saw_young = false;
        scan_slot(tracer, slot);
        if tracer.saw_young {
            still_young |= slot_bit(slot);
        }
    }
    still_young
}

/// Prefetches the cache lines of the slots of chunk `chunk` named by `mask`,
/// in a container whose slot 0 is at `first` (`ChunkLog::minor_prefetching`).
/// Only a hint: addresses past the container's end are never read.
pub(crate) fn prefetch_masked_slots<T>(first: *const T, chunk: usize, mask: SlotMask) {
    let mut last_line = usize::MAX;
    for slot in masked_slots(chunk, mask, usize::MAX) {
        let address = first.wrapping_add(slot);
        let line = address as usize / CACHE_LINE_BYTES;
        if line != last_line {
            prefetch(address);
            last_line = line;
        }
    }
}

/// Flag: the chunk is on the remark list.
const ON_REMARK: u8 = 2;

/// Which chunks of one root container a collection must scan.
#[derive(Default, Debug)]
pub(crate) struct ChunkLog {
    /// `ON_REMARK` per chunk (grown by `touch`).
    flags: Vec<u8>,
    /// Per chunk, the slots a minor GC must scan (I9); a chunk is on `minor`
    /// while its mask is not empty. Written by `touch` (mutator) and `minor`
    /// (each minor GC).
    young_slots: Vec<SlotMask>,
    /// Chunks a minor GC must scan. Written as `young_slots`.
    minor: Vec<usize>,
    /// The list the last minor GC scanned, emptied: the next one's list
    /// (kept for its capacity, `state/minor_buffers`).
    spare: Vec<usize>,
    /// Slots touched since the last minor GC that were not on its list:
    /// what the next minor GC must scan anew (counted toward the remembered
    /// set's limit, `pacer::remembered`). Written as `young_slots`.
    touched: usize,
    /// True from mark start to mark termination (`begin_cycle`, `end_cycle`).
    marking: bool,
    /// While marking: chunks below this were shaded this cycle (I10).
    cursor: usize,
    /// While marking: chunks below the cursor touched since they were shaded.
    remark: Vec<usize>,
}

impl ChunkLog {
    /// Records a store into slot `index` (any `&mut` access to it).
    #[inline]
    pub(crate) fn touch(&mut self, index: usize) {
        self.touch_slots(chunk_of(index), slot_bit(index));
    }

    /// Records stores into the slots of `range`.
    pub(crate) fn touch_range(&mut self, range: std::ops::Range<usize>) {
        let mut index = range.start;
        while index < range.end {
            let in_chunk = (CHUNK_SLOTS - index % CHUNK_SLOTS).min(range.end - index);
            let mask = if in_chunk == CHUNK_SLOTS {
                ALL_SLOTS
            } else {
                ((1 << in_chunk) - 1) << (index % CHUNK_SLOTS)
            };
            self.touch_slots(chunk_of(index), mask);
            index += in_chunk;
        }
    }

    /// Records stores into the `mask` slots of chunk `chunk`.
    #[inline]
    fn touch_slots(&mut self, chunk: usize, mask: SlotMask) {
        if chunk >= self.flags.len() {
            self.flags.resize(chunk + 1, 0);
            self.young_slots.resize(chunk + 1, 0);
        }
        let young = &mut self.young_slots[chunk];
        if *young == 0 {
            self.minor.push(chunk);
        }
        self.touched += (mask & !*young).count_ones() as usize;
        *young |= mask;
        let flags = &mut self.flags[chunk];
        if self.marking && chunk < self.cursor && *flags & ON_REMARK == 0 {
            *flags |= ON_REMARK;
            self.remark.push(chunk);
        }
    }

    /// A minor GC: scans the touched slots of every chunk on the minor list
    /// that still exists (`chunks` of them) with `scan`, given the chunk and
    /// its mask, which returns the slots that still hold a young pointer;
    /// those stay on the list (I9). Returns the chunks scanned.
    pub(crate) fn minor(
        &mut self,
        chunks: usize,
        scan: impl FnMut(usize, SlotMask) -> SlotMask,
    ) -> usize {
        self.minor_prefetching(chunks, |_, _| {}, scan)
    }

    /// As [`minor`](Self::minor), with the slots' cache misses overlapped.
    /// The list is in the order chunks were first touched, which for a table
    /// written at random is no address order at all: each chunk's slots are
    /// a cache miss, and a loop that waits for one before it issues the next
    /// runs at memory latency (4,000 random slots of `intern`'s table took
    /// 1.7 ms, three quarters of it loading the slots). So a dense list (a
    /// chunk listed in every [`DENSE_LIST_FRACTION`]) is scanned in address
    /// order, as a card table is, which the hardware prefetcher follows; a
    /// sparse one in list order, handing each chunk and its mask to
    /// `prefetch` [`PREFETCH_AHEAD`] chunks before `scan` reaches it.
    pub(crate) fn minor_prefetching(
        &mut self,
        chunks: usize,
        mut prefetch: impl FnMut(usize, SlotMask),
        mut scan: impl FnMut(usize, SlotMask) -> SlotMask,
    ) -> usize {
        let spare = std::mem::take(&mut self.spare);
        let listed = std::mem::replace(&mut self.minor, spare);
        self.touched = 0;
        let mut scanned = 0;
        if listed.len() * DENSE_LIST_FRACTION >= self.young_slots.len() {
            for chunk in 0..self.young_slots.len() {
                if self.young_slots[chunk] != 0 {
                    scanned += self.scan_listed(chunk, chunks, &mut scan);
                }
            }
        } else {
            for (position, &chunk) in listed.iter().enumerate() {
                if let Some(&ahead) = listed.get(position + PREFETCH_AHEAD) {
                    // Each chunk is listed once, so its mask is still in place.
                    if ahead < chunks {
                        prefetch(ahead, self.young_slots[ahead]);
                    }
                }
                scanned += self.scan_listed(chunk, chunks, &mut scan);
            }
        }
        self.spare = crate::state::minor_buffers::emptied(listed);
        scanned
    }

    /// Takes listed chunk `chunk` off the minor list and scans it with
    /// `scan` if it still exists (of `chunks`); its slots still holding a
    /// young pointer list it again (I9). Returns the chunks scanned (0 or 1).
    fn scan_listed(
        &mut self,
        chunk: usize,
        chunks: usize,
        scan: &mut impl FnMut(usize, SlotMask) -> SlotMask,
    ) -> usize {
        let mask = std::mem::take(&mut self.young_slots[chunk]);
        if chunk >= chunks {
            return 0; // truncated away
        }
        let still_young = scan(chunk, mask) & mask;
        if still_young != 0 {
            self.young_slots[chunk] = still_young;
            self.minor.push(chunk);
        }
        1
    }

    /// Slots touched since the last minor GC, not counting those it kept on
    /// its list (they still hold young pointers, and were counted then).
    pub(crate) fn touched_slots(&self) -> usize {
        self.touched
    }

    /// Mark start: no chunk is shaded yet this cycle. O(remark list) only.
    pub(crate) fn begin_cycle(&mut self) {
        self.clear_remark();
        self.marking = true;
        self.cursor = 0;
    }

    /// Mark termination is over: stores no longer need remarking.
    pub(crate) fn end_cycle(&mut self) {
        self.clear_remark();
        self.marking = false;
        self.cursor = 0;
    }

    fn clear_remark(&mut self) {
        for chunk in self.remark.drain(..) {
            if let Some(flags) = self.flags.get_mut(chunk) {
                *flags &= !ON_REMARK;
            }
        }
    }

    /// True while some chunk (of `chunks`) has not been shaded this cycle.
    /// Marking may not end before the cursor has passed them all.
    pub(crate) fn cursor_pending(&self, chunks: usize) -> bool {
        self.marking && self.cursor < chunks
    }

    /// True while some chunk is to be shaded again (remark list).
    #[cfg(test)]
    pub(crate) fn remark_pending(&self) -> bool {
        self.marking && !self.remark.is_empty()
    }

    /// The next root job while marking: a chunk to remark, else the chunk at
    /// the cursor. Returns the chunk and whether it is its first shading this
    /// cycle (its outside bytes count once), or `None` when nothing is left.
    pub(crate) fn next_mark_chunk(&mut self, chunks: usize) -> Option<(usize, bool)> {
        if !self.marking {
            return None;
        }
        while let Some(chunk) = self.remark.pop() {
            self.flags[chunk] &= !ON_REMARK;
            if chunk < chunks {
                return Some((chunk, false));
            }
        }
        if self.cursor < chunks {
            self.cursor += 1;
            return Some((self.cursor - 1, true));
        }
        None
    }

    /// Chunks on the minor list (tests and the stats' view of a big root).
    #[cfg(test)]
    pub(crate) fn minor_len(&self) -> usize {
        self.minor.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first slot of chunk `chunk`.
    fn slot(chunk: usize) -> usize {
        chunk * CHUNK_SLOTS
    }

    #[test]
    fn a_touched_chunk_is_listed_once_and_leaves_when_it_holds_no_young() {
        let mut log = ChunkLog::default();
        log.touch(slot(3));
        log.touch(slot(3));
        log.touch(slot(1));
        assert_eq!(log.minor_len(), 2);
        let mut seen = Vec::new();
        let scanned = log.minor(10, |chunk, mask| {
            seen.push((chunk, mask));
            if chunk == 1 {
                mask // chunk 1 still holds a young pointer
            } else {
                0
            }
        });
        assert_eq!(scanned, 2);
        seen.sort();
        assert_eq!(seen, vec![(1, 1), (3, 1)]);
        let mut again = Vec::new();
        log.minor(10, |chunk, _| {
            again.push(chunk);
            0
        });
        assert_eq!(again, vec![1], "only the chunk that held a young pointer");
        assert_eq!(log.minor(10, |_, mask| mask), 0, "nothing left");
    }

    #[test]
    fn a_minor_gc_scans_only_the_touched_slots_and_keeps_the_young_ones() {
        let mut log = ChunkLog::default();
        log.touch(slot(2) + 5);
        log.touch(slot(2) + 9);
        log.touch(slot(2) + 30);
        let len = slot(2) + 20; // slot 30 of chunk 2 is past the end
        let mut scanned = Vec::new();
        log.minor(3, |chunk, mask| {
            scanned.extend(masked_slots(chunk, mask, len));
            slot_bit(slot(2) + 9) // it still holds a young pointer
        });
        assert_eq!(scanned, vec![slot(2) + 5, slot(2) + 9]);
        let mut rescanned = Vec::new();
        log.minor(3, |chunk, mask| {
            rescanned.extend(masked_slots(chunk, mask, len));
            0
        });
        assert_eq!(rescanned, vec![slot(2) + 9], "only the young slot again");
    }

    #[test]
    fn touched_slots_count_each_new_slot_once_until_the_minor_gc() {
        let mut log = ChunkLog::default();
        log.touch(3);
        log.touch(3);
        log.touch_range(2..6);
        assert_eq!(log.touched_slots(), 4, "slots 2 to 5");
        log.minor(1, |_, _| slot_bit(4)); // slot 4 still young
        assert_eq!(log.touched_slots(), 0);
        log.touch(4);
        log.touch(7);
        assert_eq!(log.touched_slots(), 1, "slot 4 was listed already");
    }

    #[test]
    fn a_touched_range_names_exactly_its_slots() {
        let mut log = ChunkLog::default();
        log.touch_range(slot(1) - 2..slot(3) + 1);
        let mut masks = Vec::new();
        log.minor(4, |chunk, mask| {
            masks.push((chunk, mask));
            0
        });
        masks.sort();
        assert_eq!(
            masks,
            vec![(0, 0b11 << 30), (1, ALL_SLOTS), (2, ALL_SLOTS), (3, 1)]
        );
        log.touch_range(4..4);
        assert_eq!(log.minor_len(), 0, "an empty range touches nothing");
    }

    #[test]
    fn truncated_chunks_are_dropped_from_the_minor_list() {
        let mut log = ChunkLog::default();
        log.touch(slot(5));
        assert_eq!(log.minor(2, |_, _| panic!("chunk 5 is gone")), 0);
        log.touch(slot(5));
        assert_eq!(log.minor(6, |_, _| 0), 1, "listed again once touched");
    }

    #[test]
    fn marking_walks_the_cursor_then_remarks_only_what_changed() {
        let mut log = ChunkLog::default();
        log.touch(slot(0)); // before the cycle: no remark
        log.begin_cycle();
        assert!(log.cursor_pending(3));
        assert_eq!(log.next_mark_chunk(3), Some((0, true)));
        assert_eq!(log.next_mark_chunk(3), Some((1, true)));
        log.touch(slot(0)); // behind the cursor: remark
        log.touch(slot(2)); // ahead of it: the cursor will get it
        log.touch(slot(0) + 1);
        assert!(log.remark_pending());
        assert_eq!(log.next_mark_chunk(3), Some((0, false)));
        assert_eq!(log.next_mark_chunk(3), Some((2, true)));
        assert!(!log.cursor_pending(3));
        assert_eq!(log.next_mark_chunk(3), None);
        log.touch(slot(1));
        assert_eq!(log.next_mark_chunk(3), Some((1, false)));
        log.touch(slot(2));
        log.end_cycle();
        assert!(!log.remark_pending());
        assert_eq!(log.next_mark_chunk(3), None, "not marking");
    }

    #[test]
    fn chunk_arithmetic() {
        assert_eq!(chunk_of(CHUNK_SLOTS - 1), 0);
        assert_eq!(chunk_of(CHUNK_SLOTS), 1);
        assert_eq!(chunks_for(0), 0);
        assert_eq!(chunks_for(CHUNK_SLOTS + 1), 2);
        assert_eq!(slots_of(1, CHUNK_SLOTS + 3), CHUNK_SLOTS..CHUNK_SLOTS + 3);
        assert_eq!(slots_of(2, CHUNK_SLOTS), CHUNK_SLOTS..CHUNK_SLOTS);
        assert_eq!(slot_bit(CHUNK_SLOTS + 3), 1 << 3);
        let all: Vec<usize> = masked_slots(1, ALL_SLOTS, CHUNK_SLOTS + 2).collect();
        assert_eq!(all, vec![CHUNK_SLOTS, CHUNK_SLOTS + 1]);
    }
}
