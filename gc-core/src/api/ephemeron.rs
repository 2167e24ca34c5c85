//! Ephemeron tables: maps whose keys are held weakly (JavaScript's
//! `WeakMap`, Lua's weak-keyed tables).
//!
//! An **ephemeron** is a key/value pair where the value is kept alive only
//! while the key is alive through *other* paths. A plain map with weak keys is
//! not enough: if the value points back at its own key (an object's metadata
//! referring to the object), a strong value would keep the key alive forever.
//!
//! The collector handles a [`GcWeakMap`]'s table as a weak container (see
//! `weak`): scanning the table traces nothing; when the strong trace is done,
//! *settling* traces the value of every entry whose key turned out alive,
//! which may make more keys alive (chains, and cycles between entries), so it
//! repeats until nothing changes; *sweeping* then drops every entry whose key
//! is dead and rewrites keys that moved.
//!
//! Entries are bucketed by the key's identity hash, which survives moves, so
//! a moved key needs no rehashing. A table stores only the key's identity,
//! so one map can be keyed by `Gc<'gc, K>` or, through [`WeakKey`], by an
//! interpreter's value enum whose variants are objects of different types
//! (the `*_by_key` methods).

use std::collections::HashMap;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::api::gc::Gc;
use crate::api::lock::RefLock;
use crate::api::mutation::Mutation;
use crate::api::weak_key::{GcKey, NotAnObject, WeakKey};
use crate::object::header::Header;
use crate::object::trace::{Trace, Tracer};
use crate::object::unwind::DeferredPanic;
use crate::object::weak_ops::{container, FixSlot, IsAlive, SettleStage, WeakContainer, WeakOps};

/// One entry: a weakly held key and the value it keeps alive.
struct Entry<V> {
    key: NonNull<Header>,
    value: V,
    /// The last traversal that traced `value` (see `WeakOps::settle`).
    settled: u64,
}

/// The managed table behind a `GcWeakMap`: buckets by key identity hash.
pub(crate) struct EphemeronTable<V> {
    buckets: RefLock<HashMap<u32, Vec<Entry<V>>>>,
}

// SAFETY: the table has no strong pointers; keys and values are reached only
// through its WeakOps.
unsafe impl<V: Trace> Trace for EphemeronTable<V> {
    fn trace(&mut self, _tracer: &mut Tracer) {}
}

// SAFETY: `settle` traces exactly the values of live keys, `sweep` rewrites
// or drops every key, and nothing else holds pointers.
unsafe impl<V: Trace> WeakContainer for EphemeronTable<V> {
    const OPS: WeakOps = WeakOps {
        stage: SettleStage::Ephemerons,
        trace_strong: |_, _| {},
        settle: settle_table::<V>,
        sweep: sweep_table::<V>,
    };
}

/// Traces the value of every entry whose key is alive and that has not been
/// settled in this traversal. Returns true if it traced any.
///
/// # Safety
/// `object` heads a live `EphemeronTable<V>` and the collector has exclusive access.
unsafe fn settle_table<V: Trace>(
    object: NonNull<Header>,
    tracer: &mut Tracer,
    is_alive: IsAlive<'_>,
    epoch: u64,
) -> bool {
    // SAFETY: guaranteed by the caller.
    let table = unsafe { container::<EphemeronTable<V>>(object) };
    let mut progress = false;
    for entry in table.buckets.get_mut().values_mut().flatten() {
        if entry.settled != epoch && is_alive(entry.key) {
            entry.settled = epoch;
            entry.value.trace(tracer);
            progress = true;
        }
    }
    progress
}

/// Drops entries with dead keys and rewrites moved keys.
///
/// Every key is rewritten before any value is dropped: a value's `Drop` may
/// panic, and the collector relies on the table being fully swept when that
/// unwinds (see `WeakOps::sweep`). Each value is dropped on its own, so one
/// panic does not skip the others; the first is resumed at the end.
///
/// # Safety
/// As for `settle_table`.
unsafe fn sweep_table<V: Trace>(object: NonNull<Header>, fix: FixSlot<'_>) {
    // SAFETY: guaranteed by the caller.
    let table = unsafe { container::<EphemeronTable<V>>(object) };
    let buckets = table.buckets.get_mut();
    let mut dead = Vec::new();
    buckets.retain(|_, bucket| {
        let mut index = 0;
        while index < bucket.len() {
            match fix(bucket[index].key) {
                Some(key) => {
                    bucket[index].key = key;
                    index += 1;
                }
                None => dead.push(bucket.swap_remove(index)),
            }
        }
        !bucket.is_empty()
    });
    drop_each(dead);
}

/// Drops entries one at a time, so that a value whose `Drop` panics does not
/// skip (leak) the rest; resumes the first panic once all are dropped.
fn drop_each<V>(entries: impl IntoIterator<Item = Entry<V>>) {
    let mut deferred = DeferredPanic::default();
    for entry in entries {
        deferred.catch(move || drop(entry));
    }
    deferred.resume();
}

impl<V> Drop for EphemeronTable<V> {
    /// A `HashMap` stops dropping its entries at the first that panics;
    /// dropping them one by one keeps "every value is dropped once" true.
    fn drop(&mut self) {
        drop_each(
            self.buckets
                .get_mut()
                .drain()
                .flat_map(|(_, bucket)| bucket),
        );
    }
}

/// A map from managed objects to values, holding its keys weakly: an entry
/// lives exactly as long as its key is reachable from elsewhere.
///
/// Keys are `Gc<'gc, K>` (`insert`, `get`, ...), or, when `K` implements
/// [`WeakKey`] (an interpreter's `Value`), values of `K` itself
/// (`insert_by_key`, `get_by_key`, ...), so that one map serves every kind
/// of object a value can be.
pub struct GcWeakMap<'gc, K: ?Sized, V> {
    table: Gc<'gc, EphemeronTable<V>>,
    _key: PhantomData<Gc<'gc, K>>,
}

impl<'gc, K: ?Sized, V> Copy for GcWeakMap<'gc, K, V> {}

impl<'gc, K: ?Sized, V> Clone for GcWeakMap<'gc, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'gc, K: ?Sized + 'gc, V: Trace + 'gc> GcWeakMap<'gc, K, V> {
    /// An empty map.
    pub fn new(m: &Mutation<'gc>) -> GcWeakMap<'gc, K, V> {
        let table = EphemeronTable {
            buckets: RefLock::new(HashMap::new()),
        };
        GcWeakMap {
            table: crate::api::weak::new_container(m, table),
            _key: PhantomData,
        }
    }

    /// Maps `key` to `value`; returns the previous value.
    pub fn insert(self, m: &Mutation<'gc>, key: Gc<'gc, K>, value: V) -> Option<V> {
        self.insert_erased(m, GcKey::new(key), value)
    }

    /// Removes `key`'s entry; returns its value.
    pub fn remove(self, m: &Mutation<'gc>, key: Gc<'gc, K>) -> Option<V> {
        self.remove_erased(m, GcKey::new(key))
    }

    /// Applies `read` to `key`'s value, if present.
    pub fn get_with<R>(self, key: Gc<'gc, K>, read: impl FnOnce(&V) -> R) -> Option<R> {
        self.get_with_erased(GcKey::new(key), read)
    }

    /// A copy of `key`'s value, if present.
    pub fn get(self, key: Gc<'gc, K>) -> Option<V>
    where
        V: Clone,
    {
        self.get_with(key, V::clone)
    }

    /// True if `key` has an entry.
    pub fn contains_key(self, key: Gc<'gc, K>) -> bool {
        self.get_with(key, |_| ()).is_some()
    }

    fn insert_erased(self, m: &Mutation<'gc>, key: GcKey<'gc>, value: V) -> Option<V> {
        let mut buckets =
            crate::unlock!(Gc::write(m, self.table), EphemeronTable<V>, buckets).borrow_mut();
        let bucket = buckets.entry(key.identity_hash()).or_default();
        let key = key.header_ptr();
        if let Some(entry) = bucket.iter_mut().find(|entry| entry.key == key) {
            return Some(std::mem::replace(&mut entry.value, value));
        }
        bucket.push(Entry {
            key,
            value,
            settled: 0,
        });
        None
    }

    fn remove_erased(self, m: &Mutation<'gc>, key: GcKey<'gc>) -> Option<V> {
        let mut buckets =
            crate::unlock!(Gc::write(m, self.table), EphemeronTable<V>, buckets).borrow_mut();
        let hash = key.identity_hash();
        let bucket = buckets.get_mut(&hash)?;
        let index = bucket
            .iter()
            .position(|entry| entry.key == key.header_ptr())?;
        let entry = bucket.swap_remove(index);
        if bucket.is_empty() {
            buckets.remove(&hash);
        }
        Some(entry.value)
    }

    fn get_with_erased<R>(self, key: GcKey<'gc>, read: impl FnOnce(&V) -> R) -> Option<R> {
        let buckets = self.table.buckets.borrow();
        let bucket = buckets.get(&key.identity_hash())?;
        let entry = bucket.iter().find(|entry| entry.key == key.header_ptr())?;
        Some(read(&entry.value))
    }

    /// Number of entries (entries whose keys died are gone after the
    /// collection that found them dead).
    pub fn len(self) -> usize {
        self.table.buckets.borrow().values().map(Vec::len).sum()
    }

    /// True if the map has no entries.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// One map for every kind of key an interpreter's value can be: when `K` is
/// a [`WeakKey`] (an enum whose variants may be heap objects), these methods
/// take the value itself and key the entry by the object it stands for.
/// A value that is not a heap object is refused by `insert_by_key` and found
/// by no lookup (see `api/weak_key.rs`).
impl<'gc, K: WeakKey<'gc> + 'gc, V: Trace + 'gc> GcWeakMap<'gc, K, V> {
    /// Maps the object `key` stands for to `value`; returns the previous
    /// value, or [`NotAnObject`] with `value` if `key` is not a heap object.
    pub fn insert_by_key(
        self,
        m: &Mutation<'gc>,
        key: &K,
        value: V,
    ) -> Result<Option<V>, NotAnObject<V>> {
        match key.weak_key() {
            Some(object) => Ok(self.insert_erased(m, object, value)),
            None => Err(NotAnObject(value)),
        }
    }

    /// Removes the entry of the object `key` stands for; returns its value.
    pub fn remove_by_key(self, m: &Mutation<'gc>, key: &K) -> Option<V> {
        self.remove_erased(m, key.weak_key()?)
    }

    /// Applies `read` to the value of the object `key` stands for, if any.
    pub fn get_with_by_key<R>(self, key: &K, read: impl FnOnce(&V) -> R) -> Option<R> {
        self.get_with_erased(key.weak_key()?, read)
    }

    /// A copy of the value of the object `key` stands for, if any.
    pub fn get_by_key(self, key: &K) -> Option<V>
    where
        V: Clone,
    {
        self.get_with_by_key(key, V::clone)
    }

    /// True if the object `key` stands for has an entry (never for a key
    /// that is not a heap object).
    pub fn contains_by_key(self, key: &K) -> bool {
        self.get_with_by_key(key, |_| ()).is_some()
    }
}

// SAFETY: passes its one strong pointer (the table) to the tracer.
unsafe impl<'gc, K: ?Sized, V> Trace for GcWeakMap<'gc, K, V> {
    #[inline]
    fn trace(&mut self, tracer: &mut Tracer) {
        self.table.trace(tracer);
    }
}
