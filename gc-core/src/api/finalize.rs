//! Finalization that cannot cause use-after-free: finalization queues.
//!
//! A `Drop` impl runs while the collector frees an object, when its
//! neighbours may already be gone, so it must not touch the heap (the derive
//! forbids `Drop` on traced types by default). Finalization that *needs* the
//! heap (closing a file a script object owns, running a Lua `__gc`
//! metamethod) goes through a [`FinalizationQueue`] instead, like Chez
//! Scheme's guardians or Java's reference queues:
//!
//! 1. `queue.register(m, object)` watches `object` (weakly).
//! 2. When a collection finds a watched object unreachable, it does not free
//!    it: it **resurrects** it (marks or evacuates it and everything it
//!    reaches) and moves it to the queue's *ready* list, which is strong.
//!    The object stops being watched, so this happens once per registration.
//! 3. The program takes ready objects with `queue.take(m)` inside a later
//!    `mutate`, with the whole heap available, and runs whatever finalizer it
//!    likes. Dropping the object then lets the next collection free it; or the
//!    program may store it somewhere (resurrection) or register it again.
//!
//! The queue is a weak container (see `weak`): the ready list is its strong
//! part, the watched list is settled (dead objects are resurrected) and swept.
//! The queue itself must stay reachable to do its job: an unreachable queue
//! is collected like anything else, and its watched objects with it.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::api::gc::Gc;
use crate::api::lock::RefLock;
use crate::api::mutation::Mutation;
use crate::object::header::Header;
use crate::object::trace::{Trace, Tracer};
use crate::object::weak_ops::{container, FixSlot, IsAlive, SettleStage, WeakContainer, WeakOps};

/// The watched and ready lists.
struct Lists<'gc, T: ?Sized> {
    /// Objects to resurrect when they die (weak).
    watched: Vec<NonNull<Header>>,
    /// Resurrected objects waiting for the program (strong).
    ready: VecDeque<Gc<'gc, T>>,
}

/// The managed object behind a `FinalizationQueue`.
pub(crate) struct Guardian<'gc, T: ?Sized> {
    lists: RefLock<Lists<'gc, T>>,
}

// SAFETY: the ready list is the only strong part, traced here and by
// `trace_strong`; the watched list is reached only through WeakOps.
unsafe impl<'gc, T: ?Sized> Trace for Guardian<'gc, T> {
    fn trace(&mut self, tracer: &mut Tracer) {
        self.lists.get_mut().ready.trace(tracer);
    }
}

// SAFETY: `trace_strong` traces the ready list; `settle` resurrects dead
// watched objects through the tracer and moves them to the ready list;
// `sweep` rewrites the watched list.
unsafe impl<'gc, T: ?Sized> WeakContainer for Guardian<'gc, T> {
    const OPS: WeakOps = WeakOps {
        stage: SettleStage::Finalizers,
        trace_strong: trace_ready::<T>,
        settle: resurrect_dead::<T>,
        sweep: sweep_watched::<T>,
    };
}

/// # Safety
/// `object` heads a live `Guardian<T>` and the collector has exclusive access.
unsafe fn trace_ready<T: ?Sized>(object: NonNull<Header>, tracer: &mut Tracer) {
    // SAFETY: guaranteed by the caller.
    unsafe { container::<Guardian<'_, T>>(object) }.trace(tracer);
}

/// Resurrects every watched object that is dead: visits it as a strong edge
/// (the traversal evacuates or shades it) and moves it to the ready list.
///
/// # Safety
/// As for `trace_ready`.
unsafe fn resurrect_dead<T: ?Sized>(
    object: NonNull<Header>,
    tracer: &mut Tracer,
    is_alive: IsAlive<'_>,
    _epoch: u64,
) -> bool {
    // SAFETY: guaranteed by the caller.
    let lists = unsafe { container::<Guardian<'_, T>>(object) }
        .lists
        .get_mut();
    // Judge every registration before resurrecting any: resurrecting the
    // first registration of an object would make its second look alive.
    let dead: Vec<bool> = lists
        .watched
        .iter()
        .map(|&watched| !is_alive(watched))
        .collect();
    let before = lists.ready.len();
    let mut index = 0;
    lists.watched.retain_mut(|watched| {
        let is_dead = dead[index];
        index += 1;
        if !is_dead {
            return true;
        }
        tracer.visit(watched);
        // SAFETY: registered objects are `T`s, and the visit just made the
        // slot point at the object's live (possibly new) address.
        lists.ready.push_back(unsafe { Gc::from_header(*watched) });
        false
    });
    lists.ready.len() > before
}

/// # Safety
/// As for `trace_ready`.
unsafe fn sweep_watched<T: ?Sized>(object: NonNull<Header>, fix: FixSlot<'_>) {
    // SAFETY: guaranteed by the caller.
    let lists = unsafe { container::<Guardian<'_, T>>(object) }
        .lists
        .get_mut();
    lists.watched.retain_mut(|watched| match fix(*watched) {
        Some(current) => {
            *watched = current;
            true
        }
        None => false,
    });
}

/// A queue that hands unreachable objects back to the program, once each,
/// instead of freeing them (see the module docs).
pub struct FinalizationQueue<'gc, T: ?Sized> {
    guardian: Gc<'gc, Guardian<'gc, T>>,
    _type: PhantomData<Gc<'gc, T>>,
}

impl<'gc, T: ?Sized> Copy for FinalizationQueue<'gc, T> {}

impl<'gc, T: ?Sized> Clone for FinalizationQueue<'gc, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'gc, T: ?Sized + 'gc> FinalizationQueue<'gc, T> {
    /// An empty queue. Keep it reachable (e.g. in the root).
    pub fn new(m: &Mutation<'gc>) -> FinalizationQueue<'gc, T> {
        let guardian = Guardian {
            lists: RefLock::new(Lists {
                watched: Vec::new(),
                ready: VecDeque::new(),
            }),
        };
        FinalizationQueue {
            guardian: crate::api::weak::new_container(m, guardian),
            _type: PhantomData,
        }
    }

    /// Watches `object`: when it becomes unreachable, the next collection
    /// that finds it so moves it to this queue instead of freeing it.
    /// Registering an object twice queues it twice.
    pub fn register(self, m: &Mutation<'gc>, object: Gc<'gc, T>) {
        let write = Gc::write(m, self.guardian);
        crate::unlock!(write, Guardian<'gc, T>, lists)
            .borrow_mut()
            .watched
            .push(object.header_ptr());
    }

    /// Takes the oldest object that became unreachable, if any. The program
    /// may finalize it, keep it (resurrection), or register it again.
    pub fn take(self, m: &Mutation<'gc>) -> Option<Gc<'gc, T>> {
        let write = Gc::write(m, self.guardian);
        crate::unlock!(write, Guardian<'gc, T>, lists)
            .borrow_mut()
            .ready
            .pop_front()
    }

    /// Objects waiting to be taken.
    pub fn ready_len(self) -> usize {
        self.guardian.lists.borrow().ready.len()
    }

    /// Objects still watched.
    pub fn watched_len(self) -> usize {
        self.guardian.lists.borrow().watched.len()
    }
}

// SAFETY: passes its one strong pointer (the guardian) to the tracer.
unsafe impl<'gc, T: ?Sized> Trace for FinalizationQueue<'gc, T> {
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        self.guardian.trace(tracer);
    }
}
