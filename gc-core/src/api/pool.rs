//! A GC-aware object pool, in the spirit of Go's `sync.Pool`.
//!
//! Interpreters reuse buffers and frames: taking one from a pool is cheaper
//! than allocating, but a pool that only grows pins memory the program no
//! longer needs. A [`GcPool`] lets the collector decide: objects put in the
//! pool survive at most two major cycles unless they are taken again.
//!
//! Like Go's, it has a **primary** list and a **victim** cache. Each time a
//! major cycle begins, the primary list becomes the victim cache and the old
//! victim cache is dropped, so a pooled object survives one whole cycle
//! before it can be freed, and a program that uses its pool steadily never
//! sees it emptied. The rotation is done lazily, by whichever comes first
//! after a cycle starts: the collector tracing the pool, or `get`/`put`.

use crate::api::gc::Gc;
use crate::api::lock::RefLock;
use crate::api::mutation::Mutation;
use crate::object::trace::{Trace, Tracer};

/// The two lists and the cycle they belong to.
struct PoolLists<'gc, T> {
    /// The major cycle (`GcState::cycle`) these lists were last rotated for.
    cycle: u64,
    /// Objects put since the current cycle began.
    primary: Vec<Gc<'gc, T>>,
    /// Objects put during the previous cycle; dropped when the next begins.
    victim: Vec<Gc<'gc, T>>,
}

impl<'gc, T> PoolLists<'gc, T> {
    /// Catches up with the major cycles started since the last rotation.
    fn rotate_to(&mut self, cycle: u64) {
        match cycle.saturating_sub(self.cycle) {
            0 => return,
            1 => self.victim = std::mem::take(&mut self.primary),
            _ => {
                self.primary.clear();
                self.victim.clear();
            }
        }
        self.cycle = cycle;
    }
}

/// A pool of reusable managed objects that the collector may empty.
pub struct GcPool<'gc, T> {
    lists: RefLock<PoolLists<'gc, T>>,
}

impl<'gc, T: 'gc> GcPool<'gc, T> {
    /// An empty pool; allocate it with `Gc::new` and keep it reachable.
    pub fn new(m: &Mutation<'gc>) -> GcPool<'gc, T> {
        GcPool {
            lists: RefLock::new(PoolLists {
                cycle: m.state().cycle.get(),
                primary: Vec::new(),
                victim: Vec::new(),
            }),
        }
    }

    /// Offers `object` for reuse.
    pub fn put(this: Gc<'gc, GcPool<'gc, T>>, m: &Mutation<'gc>, object: Gc<'gc, T>) {
        let mut lists = crate::unlock!(Gc::write(m, this), GcPool<'gc, T>, lists).borrow_mut();
        lists.rotate_to(m.state().cycle.get());
        lists.primary.push(object);
    }

    /// Takes an object put earlier, newest first, if the collector has not
    /// dropped it.
    pub fn get(this: Gc<'gc, GcPool<'gc, T>>, m: &Mutation<'gc>) -> Option<Gc<'gc, T>> {
        let mut lists = crate::unlock!(Gc::write(m, this), GcPool<'gc, T>, lists).borrow_mut();
        lists.rotate_to(m.state().cycle.get());
        lists.primary.pop().or_else(|| lists.victim.pop())
    }

    /// Objects currently pooled (primary and victim).
    pub fn len(&self) -> usize {
        let lists = self.lists.borrow();
        lists.primary.len() + lists.victim.len()
    }

    /// True if the pool holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// SAFETY: traces both lists after rotating, which only ever removes
// pointers; removing an edge cannot break the tri-colour invariant.
unsafe impl<'gc, T> Trace for GcPool<'gc, T> {
    fn trace(&mut self, tracer: &mut Tracer) {
        let lists = self.lists.get_mut();
        lists.rotate_to(tracer.cycle);
        lists.primary.trace(tracer);
        lists.victim.trace(tracer);
    }
}
