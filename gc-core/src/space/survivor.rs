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
}

impl SemiSpace {
    fn new(space: Space) -> SemiSpace {
        SemiSpace {
            space,
            bump: Bump::new(),
            used: 0,
            objects: 0,
            needs_drop: Vec::new(),
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
        let arena = std::mem::replace(&mut from.bump, spare.unwrap_or_default());
        from.used = 0;
        from.objects = 0;
        self.from = 1 - self.from;
        arena
    }
}

impl SemiSpace {
    /// Copies room for `layout` if the semispace has `capacity` left for it.
    pub(crate) fn try_alloc(&mut self, layout: Layout, capacity: usize) -> Option<NonNull<u8>> {
        if self.used + layout.size() > capacity {
            return None;
        }
        let ptr = self.bump.try_alloc_layout(layout).ok()?;
        self.used += layout.size();
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
    fn flip_swaps_roles() {
        let mut survivors = Survivors::new(64);
        assert_eq!(survivors.occupied().space, Space::SurvivorA);
        survivors.flip(false);
        assert_eq!(survivors.occupied().space, Space::SurvivorB);
    }
}
