//! `Mutation<'gc>`: the context of one `mutate` call.
//!
//! Every operation that changes the heap during a `mutate` call (allocating,
//! the write barrier, downgrading, stashing) needs a `&Mutation<'gc>`. It is
//! the capability that says "we are inside `mutate`, where no collection can
//! run", and its `'gc` brand ties every `Gc` made with it to that call.

use crate::api::gc::{Gc, Invariant};
use crate::api::root::{Root, Rootable};
use crate::api::stash::Stashed;
use crate::object::trace::Trace;
use crate::state::GcState;

/// The mutation context handed to `Heap::mutate`.
#[repr(transparent)]
pub struct Mutation<'gc> {
    state: GcState,
    _brand: Invariant<'gc>,
}

impl<'gc> Mutation<'gc> {
    /// Views the heap's state as a mutation context for brand `'gc`.
    pub(crate) fn from_state(state: &GcState) -> &Mutation<'gc> {
        // SAFETY: Mutation is repr(transparent) over GcState (the brand is a
        // zero-sized PhantomData), so the cast keeps layout and provenance.
        unsafe { &*(state as *const GcState as *const Mutation<'gc>) }
    }

    #[inline]
    pub(crate) fn state(&self) -> &GcState {
        &self.state
    }

    /// Keeps `gc` alive across `mutate` calls: returns a `'static` handle that
    /// a later `mutate` turns back into a `Gc` with [`Mutation::fetch`].
    /// The object stays alive (a root) until the handle is dropped.
    ///
    /// `R` names the object's type for every brand, e.g.
    /// `m.stash::<Rootable!['gc => Closure<'gc>]>(closure)`.
    pub fn stash<R>(&self, gc: Gc<'gc, Root<'gc, R>>) -> Stashed<R>
    where
        R: for<'a> Rootable<'a>,
        Root<'gc, R>: Trace + Sized,
    {
        Stashed::new(&self.state.stash, gc.header_ptr())
    }

    /// The object behind a stashed handle.
    ///
    /// # Panics
    /// If the handle was stashed in a different heap.
    pub fn fetch<R>(&self, stashed: &Stashed<R>) -> Gc<'gc, Root<'gc, R>>
    where
        R: for<'a> Rootable<'a>,
        Root<'gc, R>: Trace + Sized,
    {
        let header = stashed.get(&self.state.stash);
        // SAFETY: the stash keeps the object alive and up to date (it is a
        // root), it belongs to this heap (checked by `get`), and `R` fixes
        // its type at stash time.
        unsafe { Gc::from_header(header) }
    }

    /// Bytes allocated since the last safe point (how much GC debt this
    /// `mutate` call is running up).
    pub fn allocated_since_safe_point(&self) -> usize {
        self.state.bytes_since_safe_point()
    }

    /// True once enough has been allocated that the program should return to
    /// a safe point and call `collect_debt` (Eden is full, or a major cycle's
    /// assist debt is due). Long-running `mutate` loops poll this to slice work.
    #[inline]
    pub fn debt_due(&self) -> bool {
        self.state.debt_due()
    }
}
