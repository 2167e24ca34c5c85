//! The young generation's address ranges: the **address-range young check**.
//!
//! A minor GC must tell, for every edge it visits, whether the target is
//! young (to be evacuated) or old (left alone). Reading the target's header
//! answers it, but an old target is anywhere in the old generation, so each
//! such edge is a cache miss (and, across a heap of a GiB, a TLB miss): a root
//! of 200,000 old handles cost about 20 ms per minor GC that way, and a
//! remembered array of 1,024 old slots a microsecond or more. HotSpot and V8
//! answer with an address comparison instead (a boundary, or a page flag).
//!
//! Tenure's young objects live in bump arenas (Eden, the two survivor
//! semispaces), whose memory is a handful of chunks: bumpalo doubles each new
//! chunk and a reset keeps only the last one. At the start of a minor GC,
//! [`YoungRanges`] records the *allocated* part of every chunk of Eden and of
//! the from-space, sorted, and the check is a bounds test, one
//! compare for the largest range (Eden's newest chunk), and else a scan of
//! a few ranges, without touching the target. Nothing allocates in those
//! arenas while the minor GC runs (survivors go to the to-space, promotions
//! to old space), so the table stays exact for the whole collection; the
//! next minor GC builds it again, after Eden grew or was replaced.
//!
//! The to-space is deliberately not in the table: each slot is visited once
//! per minor GC, and a slot holds a to-space address only after its visit.

use bumpalo::Bump;

/// The sorted, disjoint address ranges `[start, end)` of young objects.
#[derive(Clone, Debug)]
pub(crate) struct YoungRanges {
    /// Sorted by start.
    ranges: Vec<(usize, usize)>,
    /// The lowest start (`usize::MAX` when empty).
    low: usize,
    /// The highest end (0 when empty).
    high: usize,
    /// The largest range, `[largest, largest + largest_len)` (empty when
    /// there is none), checked before the others: it is Eden's newest
    /// chunk, where most targets of a minor GC's edges are.
    largest: usize,
    largest_len: usize,
}

impl Default for YoungRanges {
    fn default() -> YoungRanges {
        YoungRanges::from_ranges(Vec::new())
    }
}

impl YoungRanges {
    /// The allocated chunks of `arenas`.
    ///
    /// # Requires
    /// Nothing allocates in `arenas` while the table is used (the table
    /// would miss a new chunk). Only addresses are recorded; nothing is read.
    pub(crate) fn of_arenas(arenas: &[&Bump]) -> YoungRanges {
        let mut ranges = Vec::new();
        for arena in arenas {
            // SAFETY: the iterator is used at once, while nothing allocates
            // in the arena (the `&Bump` borrow is held), and only the chunk
            // pointers' addresses are taken: no chunk memory is read.
            for (ptr, len) in unsafe { arena.iter_allocated_chunks_raw() } {
                if len > 0 {
                    let start = ptr as usize;
                    ranges.push((start, start + len));
                }
            }
        }
        YoungRanges::from_ranges(ranges)
    }

    /// A table of the given ranges (in any order; empty ones are dropped).
    pub(crate) fn from_ranges(mut ranges: Vec<(usize, usize)>) -> YoungRanges {
        ranges.retain(|&(start, end)| start < end);
        ranges.sort_unstable();
        let low = ranges.first().map_or(usize::MAX, |range| range.0);
        let high = ranges.iter().map(|range| range.1).max().unwrap_or(0);
        let (largest, end) = ranges
            .iter()
            .copied()
            .max_by_key(|&(start, end)| end - start)
            .unwrap_or((0, 0));
        YoungRanges {
            ranges,
            low,
            high,
            largest,
            largest_len: end - largest,
        }
    }

    /// True if `address` lies in a young range.
    #[inline]
    pub(crate) fn contains(&self, address: usize) -> bool {
        if address < self.low || address >= self.high {
            return false;
        }
        // One compare for the largest range (an address below its start
        // wraps around to a large offset).
        if address.wrapping_sub(self.largest) < self.largest_len {
            return true;
        }
        // A few ranges (Eden's chunks and the from-space's): a linear scan
        // beats a binary search at this size.
        self.ranges
            .iter()
            .any(|&(start, end)| address >= start && address < end)
    }

    /// The number of ranges (for tests and telemetry).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::Layout;

    #[test]
    fn an_empty_table_contains_nothing() {
        let ranges = YoungRanges::default();
        assert!(!ranges.contains(0));
        assert!(!ranges.contains(usize::MAX));
        let ranges = YoungRanges::from_ranges(vec![(8, 8)]);
        assert_eq!(ranges.len(), 0);
        assert!(!ranges.contains(8));
    }

    #[test]
    fn ranges_are_half_open_and_gaps_are_outside() {
        let ranges = YoungRanges::from_ranges(vec![(300, 400), (100, 200)]);
        assert!(!ranges.contains(99));
        assert!(ranges.contains(100));
        assert!(ranges.contains(199));
        assert!(!ranges.contains(200));
        assert!(!ranges.contains(250));
        assert!(ranges.contains(300));
        assert!(!ranges.contains(400));
    }

    #[test]
    fn the_largest_range_is_exact_at_both_ends() {
        // The largest range sits between two others, with gaps on both sides.
        let ranges = YoungRanges::from_ranges(vec![(100, 110), (200, 1000), (2000, 2050)]);
        assert_eq!((ranges.largest, ranges.largest_len), (200, 800));
        for (address, young) in [
            (199, false),
            (200, true),
            (999, true),
            (1000, false),
            (105, true),
            (150, false),
            (1500, false),
            (2049, true),
        ] {
            assert_eq!(ranges.contains(address), young, "{address}");
        }
    }

    #[test]
    fn every_object_of_every_chunk_is_inside_and_other_memory_is_not() {
        let eden = Bump::with_capacity(256);
        let from = Bump::new();
        let layout = Layout::from_size_align(48, 16).unwrap();
        // Enough to make Eden add chunks.
        let count = if cfg!(miri) { 40 } else { 400 };
        let mut objects: Vec<usize> = (0..count)
            .map(|_| eden.alloc_layout(layout).as_ptr() as usize)
            .collect();
        objects.push(from.alloc_layout(layout).as_ptr() as usize);
        let outside = Box::new([0u8; 48]);
        let ranges = YoungRanges::of_arenas(&[&eden, &from]);
        assert!(ranges.len() >= 3, "{} ranges", ranges.len());
        for object in objects {
            assert!(ranges.contains(object));
            assert!(ranges.contains(object + 47));
        }
        assert!(!ranges.contains(outside.as_ptr() as usize));
    }
}
