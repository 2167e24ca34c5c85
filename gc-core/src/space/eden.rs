//! Eden: the nursery where every new young object is born.
//!
//! Allocation here is a bump of a pointer inside a `bumpalo` arena plus a header
//! write: no free list, no size classes, no locking. Eden is never swept: a
//! minor GC copies out the few objects that are still reachable and then
//! resets the whole arena in O(1). The only per-object cost of dying young is
//! for types that need `Drop`: those are listed in `needs_drop` when allocated,
//! so the minor GC can drop the dead ones without walking anything else.
//!
//! Eden's `capacity` is a *soft* size: allocation never fails because Eden is
//! full (collection may only run between `mutate` calls), it just makes a
//! minor GC due at the next safe point. A `mutate` call that allocates more
//! than `capacity` grows the arena; the minor GC after it shrinks it back.
//! When many dead objects need `Drop`, the minor GC retires the arena
//! instead of resetting it (`drop_list`) and Eden continues in a pooled one.

use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use bumpalo::Bump;

use crate::object::header::Header;

/// The nursery arena.
pub(crate) struct Eden {
    /// The bump arena holding every object allocated since the last minor GC.
    bump: Bump,
    /// Bytes allocated since the last minor GC (written on every allocation).
    used: Cell<usize>,
    /// Nominal size in bytes: a minor GC is due once `used` reaches it.
    /// Written by the young-generation sizing policy at safe points.
    capacity: Cell<usize>,
    /// The largest `capacity` ever set. An arena is replaced (its memory
    /// given back) only when it grew past twice this, not past twice the
    /// current capacity: a pause-target sizer that shrinks Eden must keep
    /// reusing the warm chunk it has, not free it and fault a new one in
    /// at every minor GC.
    max_capacity: Cell<usize>,
    /// Objects whose type needs `Drop`, in allocation order.
    needs_drop: RefCell<Vec<NonNull<Header>>>,
}

impl Eden {
    /// An empty Eden of `capacity` bytes. Its arena takes no memory until
    /// its first allocation: a generational heap gives it its one chunk at
    /// once (`reserve`), and a non-generational one never allocates here.
    pub(crate) fn new(capacity: usize) -> Eden {
        Eden {
            bump: Bump::new(),
            used: Cell::new(0),
            capacity: Cell::new(capacity),
            max_capacity: Cell::new(capacity),
            needs_drop: RefCell::new(Vec::new()),
        }
    }

    /// Gives the empty arena one chunk of `bytes`, the largest Eden the sizer
    /// may choose, so that Eden grows without new chunks: bumpalo's reset
    /// keeps only the newest chunk and frees the others, and freeing a
    /// megabyte chunk (glibc unmaps it) took 250-940 us inside the minor GC
    /// after each growth of Eden (the Scheme binary-trees). Pages of the
    /// chunk are touched only as Eden reaches them.
    pub(crate) fn reserve(&mut self, bytes: usize) {
        debug_assert_eq!(self.used.get(), 0, "reserve() of a used Eden");
        self.bump = Bump::with_capacity(bytes);
        self.max_capacity.set(self.max_capacity.get().max(bytes));
    }

    /// Bump-allocates `layout` bytes; `None` only if the system is out of memory.
    #[inline]
    pub(crate) fn alloc(&self, layout: Layout) -> Option<NonNull<u8>> {
        let ptr = self.bump.try_alloc_layout(layout).ok()?;
        self.used.set(self.used.get() + layout.size());
        Some(ptr)
    }

    /// Records a new object whose type needs `Drop`.
    #[inline]
    pub(crate) fn record_needs_drop(&self, object: NonNull<Header>) {
        self.needs_drop.borrow_mut().push(object);
    }

    /// Bytes allocated since the last minor GC.
    pub(crate) fn used(&self) -> usize {
        self.used.get()
    }

    /// The nominal size in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity.get()
    }

    /// Changes the nominal size (takes effect for the next fill).
    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity.set(capacity);
        self.max_capacity.set(self.max_capacity.get().max(capacity));
    }

    /// True if the arena grew far past any size Eden has had (one huge
    /// `mutate`), so that a minor GC should replace it.
    fn outgrown(&self, arena: &Bump) -> bool {
        arena.allocated_bytes() > 2 * self.max_capacity.get()
    }

    /// True once a minor GC is due.
    pub(crate) fn is_full(&self) -> bool {
        self.used.get() >= self.capacity.get()
    }

    /// Gives Eden an empty drop list with room (`state/minor_buffers`),
    /// in place of the one `take_needs_drop` left.
    pub(crate) fn reuse_needs_drop(&mut self, list: Vec<NonNull<Header>>) {
        debug_assert!(list.is_empty());
        let current = self.needs_drop.get_mut();
        if current.is_empty() && current.capacity() < list.capacity() {
            *current = list;
        }
    }

    /// Takes the list of objects that need `Drop` (for the minor GC).
    pub(crate) fn take_needs_drop(&mut self) -> Vec<NonNull<Header>> {
        std::mem::take(self.needs_drop.get_mut())
    }

    /// Frees every object at once.
    ///
    /// # Requires
    /// Every live object has been evacuated and every dead one that needs
    /// `Drop` has been dropped (the minor GC's job).
    pub(crate) fn reset(&mut self, poison: bool) {
        debug_assert!(self.needs_drop.get_mut().is_empty());
        if poison {
            crate::space::poison::poison_arena(&mut self.bump);
        }
        // An arena that grew far past its nominal size (one huge `mutate`)
        // is replaced, so that its memory goes back to the system.
        if self.outgrown(&self.bump) {
            self.bump = Bump::with_capacity(self.max_capacity.get());
        } else {
            self.bump.reset();
        }
        self.used.set(0);
    }

    /// Frees every object at once by handing over the arena that holds
    /// them, and continues in `spare` (or a fresh arena if there is none or
    /// it grew past twice the nominal size). A minor GC retires an arena when
    /// its dead objects' `Drop`s run later (`drop_list`).
    ///
    /// # Requires
    /// As for `reset`, except that the dead objects that need `Drop` are on a
    /// list that owns the returned arena.
    pub(crate) fn retire_arena(&mut self, spare: Option<Bump>) -> Bump {
        debug_assert!(self.needs_drop.get_mut().is_empty());
        let capacity = self.max_capacity.get();
        let fresh = spare
            .filter(|arena| !self.outgrown(arena))
            .unwrap_or_else(|| Bump::with_capacity(capacity));
        self.used.set(0);
        std::mem::replace(&mut self.bump, fresh)
    }

    /// Bytes the arena holds from the system.
    pub(crate) fn committed(&self) -> usize {
        self.bump.allocated_bytes()
    }

    /// The arena (for the young address ranges, `young_ranges`).
    pub(crate) fn arena(&self) -> &Bump {
        &self.bump
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_counts_bytes_until_full() {
        let eden = Eden::new(64);
        assert!(!eden.is_full());
        eden.alloc(Layout::from_size_align(32, 8).unwrap()).unwrap();
        eden.alloc(Layout::from_size_align(32, 8).unwrap()).unwrap();
        assert_eq!(eden.used(), 64);
        assert!(eden.is_full());
    }

    #[test]
    fn retiring_hands_over_the_arena_and_starts_empty() {
        let mut eden = Eden::new(4096);
        let ptr = eden.alloc(Layout::from_size_align(64, 8).unwrap()).unwrap();
        let old = eden.retire_arena(None);
        assert_eq!(eden.used(), 0);
        assert!(old.allocated_bytes() >= 64);
        // The retired arena still owns the object's memory.
        // SAFETY: `ptr` points at 64 bytes inside `old`, which is alive.
        unsafe { ptr.as_ptr().write_bytes(7, 64) };
        let mut spare = old;
        spare.reset();
        let next = eden.retire_arena(Some(spare));
        assert!(next.allocated_bytes() >= 4096);
    }

    #[test]
    fn reset_empties_eden() {
        let mut eden = Eden::new(64);
        eden.alloc(Layout::from_size_align(48, 16).unwrap())
            .unwrap();
        eden.reset(true);
        assert_eq!(eden.used(), 0);
        assert!(!eden.is_full());
    }
}
