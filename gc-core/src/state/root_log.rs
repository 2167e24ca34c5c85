//! The chunk log: what part of a big root changed, so a collection rescans
//! only that (steps 4 and 6; `docs/architecture.md`, "Roots").
//!
//! A root container (a [`RootVec`](crate::RootVec), the stash table) is cut
//! into *chunks* of [`CHUNK_SLOTS`] slots. Stores into it need no write
//! barrier in the usual sense, but every `&mut` access to a slot *touches* its
//! chunk here. The log keeps, per container, two work lists:
//!
//! - the **minor list**: chunks a minor GC must scan. A chunk joins when it is
//!   touched, and stays after a minor GC scan if it still holds a young
//!   pointer: survivors are young and move at every minor GC, so such a chunk
//!   is rescanned until it holds none. Invariant I9: *a chunk not on the minor
//!   list holds no young pointer.*
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
//! Flags keep each chunk on each list at most once, so both lists are bounded
//! by the number of chunks, whatever the program writes. The log never sees
//! the slots themselves; its owner scans the chunks it names.

/// Slots per chunk: 32 pointer-sized slots are 256 bytes, four cache lines.
/// A chunk is the unit a minor GC rescans once written, so it should be small:
/// an interning table written at random dirties nearly every chunk between two
/// minor GCs, and with 256-slot chunks each minor GC rescanned the whole
/// table. At 32 callgrind counted 13% fewer instructions on intern and 21%
/// fewer on gc-latency (its window in a `RootVec`) than at 256, and 16 did
/// little better. The log's bookkeeping is a byte of flags per chunk (0.4%
/// of the container) and an entry per dirty chunk; a root job shades a chunk.
pub(crate) const CHUNK_SLOTS: usize = 32;

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

/// Flag: the chunk is on the minor list.
const ON_MINOR: u8 = 1;
/// Flag: the chunk is on the remark list.
const ON_REMARK: u8 = 2;

/// Which chunks of one root container a collection must scan.
#[derive(Default, Debug)]
pub(crate) struct ChunkLog {
    /// `ON_MINOR | ON_REMARK` per chunk (grown by `touch`).
    flags: Vec<u8>,
    /// Chunks a minor GC must scan (I9). Written by `touch` (mutator) and
    /// `minor` (each minor GC).
    minor: Vec<usize>,
    /// True from mark start to mark termination (`begin_cycle`, `end_cycle`).
    marking: bool,
    /// While marking: chunks below this were shaded this cycle (I10).
    cursor: usize,
    /// While marking: chunks below the cursor touched since they were shaded.
    remark: Vec<usize>,
}

impl ChunkLog {
    /// Records a store into chunk `chunk` (any `&mut` access to its slots).
    #[inline]
    pub(crate) fn touch(&mut self, chunk: usize) {
        if chunk >= self.flags.len() {
            self.flags.resize(chunk + 1, 0);
        }
        let flags = &mut self.flags[chunk];
        if *flags & ON_MINOR == 0 {
            *flags |= ON_MINOR;
            self.minor.push(chunk);
        }
        if self.marking && chunk < self.cursor && *flags & ON_REMARK == 0 {
            *flags |= ON_REMARK;
            self.remark.push(chunk);
        }
    }

    /// Records stores into every chunk from `first` to the end of `len` slots.
    pub(crate) fn touch_from(&mut self, first: usize, len: usize) {
        for chunk in first..chunks_for(len) {
            self.touch(chunk);
        }
    }

    /// A minor GC: scans every chunk on the minor list that still exists
    /// (`chunks` of them) with `scan`, which returns whether the chunk still
    /// holds a young pointer; such chunks stay on the list (I9). Returns the
    /// chunks scanned.
    pub(crate) fn minor(&mut self, chunks: usize, mut scan: impl FnMut(usize) -> bool) -> usize {
        let listed = std::mem::take(&mut self.minor);
        let mut scanned = 0;
        for chunk in listed {
            if chunk >= chunks {
                self.flags[chunk] &= !ON_MINOR; // truncated away
                continue;
            }
            scanned += 1;
            if scan(chunk) {
                self.minor.push(chunk);
            } else {
                self.flags[chunk] &= !ON_MINOR;
            }
        }
        scanned
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

    #[test]
    fn a_touched_chunk_is_listed_once_and_leaves_when_it_holds_no_young() {
        let mut log = ChunkLog::default();
        log.touch(3);
        log.touch(3);
        log.touch(1);
        assert_eq!(log.minor_len(), 2);
        let mut seen = Vec::new();
        let scanned = log.minor(10, |chunk| {
            seen.push(chunk);
            chunk == 1 // chunk 1 still holds a young pointer
        });
        assert_eq!(scanned, 2);
        seen.sort();
        assert_eq!(seen, vec![1, 3]);
        let mut again = Vec::new();
        log.minor(10, |chunk| {
            again.push(chunk);
            false
        });
        assert_eq!(again, vec![1], "only the chunk that held a young pointer");
        assert_eq!(log.minor(10, |_| true), 0, "nothing left");
    }

    #[test]
    fn truncated_chunks_are_dropped_from_the_minor_list() {
        let mut log = ChunkLog::default();
        log.touch(5);
        assert_eq!(log.minor(2, |_| panic!("chunk 5 is gone")), 0);
        log.touch(5);
        assert_eq!(log.minor(6, |_| false), 1, "listed again once touched");
    }

    #[test]
    fn marking_walks_the_cursor_then_remarks_only_what_changed() {
        let mut log = ChunkLog::default();
        log.touch(0); // before the cycle: no remark
        log.begin_cycle();
        assert!(log.cursor_pending(3));
        assert_eq!(log.next_mark_chunk(3), Some((0, true)));
        assert_eq!(log.next_mark_chunk(3), Some((1, true)));
        log.touch(0); // behind the cursor: remark
        log.touch(2); // ahead of it: the cursor will get it
        log.touch(0);
        assert!(log.remark_pending());
        assert_eq!(log.next_mark_chunk(3), Some((0, false)));
        assert_eq!(log.next_mark_chunk(3), Some((2, true)));
        assert!(!log.cursor_pending(3));
        assert_eq!(log.next_mark_chunk(3), None);
        log.touch(1);
        assert_eq!(log.next_mark_chunk(3), Some((1, false)));
        log.touch(2);
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
    }
}
