//! Survivor space: two semispaces that young objects bounce between.
//!
//! A minor GC copies every live object of Eden and of the *from* semispace
//! into the *to* semispace (Cheney's algorithm, see `evacuate`), adding one to
//! its age. When the to-space would overflow its capacity, or the object's age
//! reaches the tenuring threshold, the object is promoted to the old
//! generation instead. Afterwards the from-space is empty and is reset in
//! O(1), and the two semispaces swap roles.
//!
//! Survivors are the objects that were live at one minor GC but may still die
//! young; the age table (`age_bytes`) is what HotSpot's adaptive tenuring rule
//! reads to decide how long objects should stay here.
//!
//! Copying goes through a **copy buffer** (a TLAB of the collector, as in
//! HotSpot's PLABs): the to-space takes a block from its arena and bumps a
//! cursor up through it, so copying one small object costs a compare and an
//! add instead of a general arena allocation. A block's unused tail is left
//! when the next object does not fit; it is never read (only the young
//! address ranges cover it, and no pointer points there).

use std::alloc::Layout;
use std::ptr::NonNull;

use bumpalo::Bump;

use crate::object::header::{Header, Space};
use crate::space::poison::poison_arena;

/// One semispace.
pub(crate) struct SemiSpace {
    /// Which `Space` tag objects in this semispace carry.
    pub(crate) space: Space,
    bump: Bump,
    /// Bytes of objects copied in (written during a minor GC).
    pub(crate) used: usize,
    /// Objects copied in.
    pub(crate) objects: usize,
    /// Objects here whose type needs `Drop`.
    pub(crate) needs_drop: Vec<NonNull<Header>>,
    /// The copy buffer: the next free byte of the current block (in `bump`,
    /// 8-aligned) and the bytes left after it. Written while a minor GC
    /// copies into this semispace; no block (dangling, 0) after a reset.
    /// Invariant: `used + left <= capacity` for the capacity every
    /// `try_alloc` since the reset was given (one minor GC's), so the buffer
    /// never holds room the capacity does not allow (`try_alloc_buffered`).
    cursor: NonNull<u8>,
    left: usize,
}

/// The smallest copy-buffer block in bytes: a minor GC copying a few small
/// objects takes no more than this from the arena.
const MIN_BLOCK: usize = 1 << 10;
/// The largest block in bytes: blocks grow with the bytes copied so far (so
/// there are O(log) small ones), up to this, which bounds the unused tail a
/// minor GC leaves to 64 KiB (under 1% of a survivor space of 8 MiB).
const MAX_BLOCK: usize = 64 << 10;
/// Objects above this size in bytes are allocated on their own, not from a
/// block, so an abandoned tail wastes less than one eighth of a block.
const MAX_BUFFERED: usize = MAX_BLOCK / 8;
/// The alignment copy buffers keep: every managed object's (a `GcBox`'s
/// header holds a pointer); an object aligned more is allocated on its own.
const BUFFER_ALIGN: usize = 8;

impl SemiSpace {
    fn new(space: Space) -> SemiSpace {
        SemiSpace {
            space,
            bump: Bump::new(),
            used: 0,
            objects: 0,
            needs_drop: Vec::new(),
            cursor: NonNull::dangling(),
            left: 0,
        }
    }

    fn reset(&mut self, poison: bool) {
        debug_assert!(self.needs_drop.is_empty());
        if poison {
            poison_arena(&mut self.bump);
        }
        self.bump.reset();
        self.used = 0;
        self.objects = 0;
        self.drop_buffer();
    }

    /// Forgets the copy buffer (its block belongs to the arena being reset
    /// or handed over).
    fn drop_buffer(&mut self) {
        self.cursor = NonNull::dangling();
        self.left = 0;
    }

    /// Bytes this semispace holds from the system.
    pub(crate) fn committed(&self) -> usize {
        self.bump.allocated_bytes()
    }

    /// The arena (for the young address ranges, `young_ranges`).
    pub(crate) fn arena(&self) -> &Bump {
        &self.bump
    }
}

/// The pair of semispaces.
pub(crate) struct Survivors {
    spaces: [SemiSpace; 2],
    /// Index of the semispace holding the current survivors.
    from: usize,
    /// Capacity in bytes of one semispace (Eden / survivor_ratio).
    pub(crate) capacity: usize,
    /// Bytes of the one chunk each semispace's arena starts with
    /// ([`Survivors::reserve`]); 0 lets the arenas grow chunk by chunk.
    reserve: usize,
}

impl Survivors {
    /// Two empty semispaces of `capacity` bytes each.
    pub(crate) fn new(capacity: usize) -> Survivors {
        Survivors {
            spaces: [
                SemiSpace::new(Space::SurvivorA),
                SemiSpace::new(Space::SurvivorB),
            ],
            from: 0,
            capacity,
            reserve: 0,
        }
    }

    /// Gives both (empty) semispaces one chunk that holds the largest
    /// capacity Eden's sizing may give them, plus one copy-buffer block of
    /// slack, for the reason of `Eden::reserve`: a reset keeps only an
    /// arena's newest chunk, and freeing the others inside the minor GC
    /// cost it hundreds of microseconds after each growth.
    pub(crate) fn reserve(&mut self, capacity: usize) {
        self.reserve = capacity + MAX_BLOCK;
        for space in &mut self.spaces {
            debug_assert_eq!(space.used, 0, "reserve() of a used semispace");
            space.bump = Bump::with_capacity(self.reserve);
        }
    }

    /// The semispace holding the survivors of the last minor GC (the
    /// from-space of the next one).
    pub(crate) fn occupied(&self) -> &SemiSpace {
        &self.spaces[self.from]
    }

    /// Mutable access to both: (from, to).
    pub(crate) fn split(&mut self) -> (&mut SemiSpace, &mut SemiSpace) {
        let (a, b) = self.spaces.split_at_mut(1);
        if self.from == 0 {
            (&mut a[0], &mut b[0])
        } else {
            (&mut b[0], &mut a[0])
        }
    }

    /// Bytes both semispaces hold from the system.
    pub(crate) fn committed(&self) -> usize {
        self.spaces.iter().map(SemiSpace::committed).sum()
    }

    /// Ends a minor GC: the emptied from-space is reset and becomes the next to-space.
    pub(crate) fn flip(&mut self, poison: bool) {
        self.spaces[self.from].reset(poison);
        self.from = 1 - self.from;
    }

    /// Ends a minor GC like `flip`, but hands over the from-space's arena
    /// (its dead objects' `Drop`s run later, `drop_list`) and continues in
    /// `spare` or a fresh arena.
    pub(crate) fn flip_retiring(&mut self, spare: Option<Bump>) -> Bump {
        let from = &mut self.spaces[self.from];
        debug_assert!(from.needs_drop.is_empty());
        let fresh = spare.unwrap_or_else(|| Bump::with_capacity(self.reserve));
        let arena = std::mem::replace(&mut from.bump, fresh);
        from.used = 0;
        from.objects = 0;
        from.drop_buffer();
        self.from = 1 - self.from;
        arena
    }
}

impl SemiSpace {
    /// Room for `layout` if the semispace has `capacity` left for it: from
    /// the copy buffer when it fits there, else from the arena.
    #[inline]
    pub(crate) fn try_alloc(&mut self, layout: Layout, capacity: usize) -> Option<NonNull<u8>> {
        let size = layout.size();
        if self.used + size > capacity {
            return None;
        }
        if let Some(ptr) = self.try_alloc_buffered(layout) {
            return Some(ptr);
        }
        self.try_alloc_slow(layout, capacity)
    }

    /// Room for `layout` from the copy buffer, if it is there: `try_alloc`
    /// without its capacity check, which the buffer's invariant makes
    /// (`used + left <= capacity`), and without a new block.
    #[inline]
    pub(crate) fn try_alloc_buffered(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        let size = layout.size();
        if size > self.left || layout.align() > BUFFER_ALIGN {
            return None;
        }
        debug_assert_eq!(
            size % BUFFER_ALIGN,
            0,
            "a managed object's size is 8-aligned"
        );
        let ptr = self.cursor;
        // SAFETY: `left` bytes of the block follow the cursor (none when
        // there is no block), and `size <= left`: the new cursor is in the
        // block or one past its end (or, for size 0, unchanged).
        self.cursor = unsafe { ptr.add(size) };
        self.left -= size;
        self.used += size;
        self.objects += 1;
        Some(ptr)
    }

    /// `try_alloc` when the buffer cannot serve `layout`: a large or
    /// over-aligned object is allocated on its own; a small one takes a new
    /// block (the old block's tail is left unused).
    #[cold]
    #[inline(never)]
    fn try_alloc_slow(&mut self, layout: Layout, capacity: usize) -> Option<NonNull<u8>> {
        let size = layout.size();
        let ptr = if size > MAX_BUFFERED || layout.align() > BUFFER_ALIGN || size % 8 != 0 {
            let ptr = self.bump.try_alloc_layout(layout).ok()?;
            // Keep `used + left <= capacity` once `size` more is used.
            self.left = self.left.min(capacity - self.used - size) & !(BUFFER_ALIGN - 1);
            ptr
        } else {
            // No more than the capacity left, rounded down to whole words,
            // but at least `size` (a multiple of 8 the capacity has room for).
            let block = (self
                .used
                .clamp(MIN_BLOCK, MAX_BLOCK)
                .min(capacity - self.used)
                & !(BUFFER_ALIGN - 1))
                .max(size);
            let block_layout = Layout::from_size_align(block, BUFFER_ALIGN).ok()?;
            let start = self.bump.try_alloc_layout(block_layout).ok()?;
            // SAFETY: the block is `block >= size` bytes long.
            self.cursor = unsafe { start.add(size) };
            self.left = block - size;
            start
        };
        self.used += size;
        self.objects += 1;
        Some(ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_space_refuses_past_capacity() {
        let mut survivors = Survivors::new(64);
        let (_, to) = survivors.split();
        let layout = Layout::from_size_align(48, 16).unwrap();
        assert!(to.try_alloc(layout, 64).is_some());
        assert!(to.try_alloc(layout, 64).is_none());
    }

    #[test]
    fn flip_retiring_hands_over_the_from_space() {
        let mut survivors = Survivors::new(64);
        let layout = Layout::from_size_align(48, 16).unwrap();
        survivors.split().1.try_alloc(layout, 64).unwrap();
        survivors.flip(false);
        assert_eq!(survivors.occupied().used, 48);
        let arena = survivors.flip_retiring(None);
        assert!(arena.allocated_bytes() >= 48);
        assert_eq!(survivors.occupied().space, Space::SurvivorA);
        assert_eq!(survivors.split().1.used, 0);
    }

    #[test]
    fn small_objects_are_bumped_through_one_block() {
        let mut survivors = Survivors::new(1 << 20);
        let layout = Layout::from_size_align(32, 8).unwrap();
        let to = survivors.split().1;
        let first = to.try_alloc(layout, 1 << 20).unwrap().as_ptr() as usize;
        let second = to.try_alloc(layout, 1 << 20).unwrap().as_ptr() as usize;
        assert_eq!(second, first + 32, "the second copy follows the first");
        // A large object is allocated on its own and leaves the block in use.
        let large = Layout::from_size_align(MAX_BUFFERED + 8, 8).unwrap();
        to.try_alloc(large, 1 << 20).unwrap();
        let third = to.try_alloc(layout, 1 << 20).unwrap().as_ptr() as usize;
        assert_eq!(third, second + 32);
        assert_eq!(to.used, 3 * 32 + MAX_BUFFERED + 8);
        assert_eq!(to.objects, 4);
    }

    #[test]
    fn a_reset_or_a_handed_over_arena_drops_the_block() {
        let mut survivors = Survivors::new(1 << 20);
        let layout = Layout::from_size_align(32, 8).unwrap();
        survivors.split().1.try_alloc(layout, 1 << 20).unwrap();
        survivors.flip(false);
        survivors.flip(false);
        // The reset semispace took a new block from its emptied arena.
        let to = survivors.split().1;
        assert_eq!(to.left, 0);
        to.try_alloc(layout, 1 << 20).unwrap();
        assert_eq!(to.left, MIN_BLOCK - 32);
        survivors.flip(false);
        let arena = survivors.flip_retiring(None);
        drop(arena);
        survivors.flip(false);
        let to = survivors.split().1;
        assert_eq!(to.left, 0, "no block of the arena handed over");
        to.try_alloc(layout, 1 << 20).unwrap();
        assert!(to.committed() >= MIN_BLOCK);
    }

    #[test]
    fn blocks_never_exceed_the_capacity_left() {
        let mut survivors = Survivors::new(100);
        let layout = Layout::from_size_align(32, 8).unwrap();
        let to = survivors.split().1;
        for _ in 0..3 {
            to.try_alloc(layout, 100).unwrap();
        }
        assert!(to.try_alloc(layout, 100).is_none());
        assert_eq!(to.used, 96);
        assert!(to.left <= 100 - 96);
    }

    #[test]
    fn flip_swaps_roles() {
        let mut survivors = Survivors::new(64);
        assert_eq!(survivors.occupied().space, Space::SurvivorA);
        survivors.flip(false);
        assert_eq!(survivors.occupied().space, Space::SurvivorB);
    }
}
