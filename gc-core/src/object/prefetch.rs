//! Software prefetch: telling the CPU which object the collector reads next.
//!
//! A minor GC scans the remembered set and the touched slots of root
//! containers, and a mark step pops the gray stack: all read memory in no
//! useful address order, so each read is a cache
//! miss, and a loop that waits for one miss before it can issue the next
//! runs at memory latency (about 100 ns an object on this VM: 3,900
//! remembered tree nodes took 300-400 us of `balanced-tree`'s minor GCs).
//! Prefetching the object a few iterations ahead lets the misses overlap,
//! as Boehm's and Go's markers prefetch what they pop and MMTk prefetches
//! its mark queue (Garner, Blackburn and Frampton, "Effective prefetch for
//! mark-sweep garbage collection", ISMM 2007).

/// How many entries ahead of the one being scanned a loop prefetches: far
/// enough for a miss to be served before its object's turn (several scans
/// of about 20 ns), near enough that the line is still in L1 then.
pub(crate) const PREFETCH_AHEAD: usize = 8;

/// Bytes in a cache line (x86-64): the unit a prefetch brings in, so a loop
/// prefetching neighbouring addresses needs one hint a line.
pub(crate) const CACHE_LINE_BYTES: usize = 64;

/// Hints that the cache line at `address` will be read soon. Only a hint:
/// it never faults and has no effect on what the program computes, so any
/// address is allowed. A no-op off x86-64 and under Miri.
#[inline(always)]
pub(crate) fn prefetch<T>(address: *const T) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    // SAFETY: PREFETCHT0 does not access memory architecturally: it cannot
    // fault, whatever the address, and changes no program state.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(address.cast::<i8>());
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let _ = address;
}

/// A first-in first-out queue of the next [`PREFETCH_AHEAD`] objects to
/// scan, each prefetched as it enters: a scan loop fills it from its work
/// list (the gray stack) and scans the oldest entry, whose line has had the
/// time of `PREFETCH_AHEAD - 1` scans to arrive. Peeking into a stack
/// instead would prefetch objects that children pushed later bury.
pub(crate) struct PrefetchQueue<T: Copy> {
    /// The entries, `len` of them from `head`, wrapping.
    ring: [Option<T>; PREFETCH_AHEAD],
    /// Index of the oldest entry.
    head: usize,
    /// Entries held.
    len: usize,
}

impl<T: Copy> PrefetchQueue<T> {
    /// An empty queue.
    pub(crate) fn new() -> PrefetchQueue<T> {
        PrefetchQueue {
            ring: [None; PREFETCH_AHEAD],
            head: 0,
            len: 0,
        }
    }

    /// True when it holds `PREFETCH_AHEAD` entries.
    pub(crate) fn is_full(&self) -> bool {
        self.len == PREFETCH_AHEAD
    }

    /// Adds `item` (not full), prefetching `address`, where its scan reads.
    pub(crate) fn push<A>(&mut self, item: T, address: *const A) {
        debug_assert!(!self.is_full());
        prefetch(address);
        self.ring[(self.head + self.len) % PREFETCH_AHEAD] = Some(item);
        self.len += 1;
    }

    /// Takes the oldest entry.
    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.ring[self.head].take();
        self.head = (self.head + 1) % PREFETCH_AHEAD;
        self.len -= 1;
        item
    }

    /// Moves the entries left into `out` (a scan that stops early puts its
    /// unscanned objects back on the work list).
    pub(crate) fn drain_into(&mut self, out: &mut Vec<T>) {
        while let Some(item) = self.pop() {
            out.push(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_is_first_in_first_out_and_hands_back_what_is_left() {
        let mut queue = PrefetchQueue::new();
        let mut next = 0;
        while !queue.is_full() {
            queue.push(next, std::ptr::null::<u8>());
            next += 1;
        }
        assert_eq!(queue.pop(), Some(0));
        assert_eq!(queue.pop(), Some(1));
        queue.push(next, std::ptr::null::<u8>()); // wraps around
        let mut left = Vec::new();
        queue.drain_into(&mut left);
        let expected: Vec<usize> = (2..=PREFETCH_AHEAD).collect();
        assert_eq!(left, expected);
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn prefetching_any_address_is_harmless() {
        prefetch(std::ptr::null::<u64>());
        prefetch(usize::MAX as *const u64);
        let x = 7u64;
        prefetch(&x);
        assert_eq!(x, 7);
    }
}
