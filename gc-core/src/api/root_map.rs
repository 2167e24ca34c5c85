//! `RootMap<'gc, K, V>`: a big root table keyed by plain data (a global or
//! symbol table, `HashMap<String, Gc<..>>`), costing what changed.
//!
//! A `HashMap<String, Gc<..>>` in the root object is traced whole at every
//! minor GC, mark start and termination. A `RootMap` keeps the keys in a
//! plain `HashMap<K, usize>` that no collection ever visits (keys hold no
//! `Gc`, so nothing moves them), and the values in a
//! [`RootVec`](crate::RootVec) of slots: a minor GC scans only the chunks of
//! values written since the last one or still holding a young pointer, and
//! marking shades them in root jobs (see `api/root_vec.rs`). Removed slots are
//! reused, so the slot vector stays as long as the most entries ever held.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use crate::api::mutation::Mutation;
use crate::api::root_vec::RootVec;
use crate::object::trace::{Trace, Tracer};

/// A map from plain keys to managed values whose collection cost is the
/// entries written, not its size (`docs/embedding.md`, "Big roots").
///
/// ```
/// use gc_core::{Gc, Heap, RootMap, Rootable};
///
/// type Globals = Rootable!['gc => RootMap<'gc, String, Gc<'gc, i64>>];
/// let mut heap = Heap::<Globals>::new(|m| RootMap::new(m));
/// heap.mutate_root(|m, globals| {
///     globals.insert("answer".to_string(), Gc::new(m, 42));
/// });
/// heap.collect_minor();
/// heap.mutate(|_, globals| assert_eq!(*globals["answer"], 42));
/// ```
pub struct RootMap<'gc, K, V: Trace + 'gc> {
    /// Key to slot; never traced (the keys hold no `Gc`).
    index: HashMap<K, usize>,
    /// The values, by slot; `None` in a free slot.
    slots: RootVec<'gc, Option<V>>,
    /// Free slots, reused first.
    free: Vec<usize>,
}

impl<'gc, K: Hash + Eq + 'static, V: Trace + 'gc> RootMap<'gc, K, V> {
    /// An empty map registered with `m`'s heap.
    pub fn new(m: &Mutation<'gc>) -> RootMap<'gc, K, V> {
        RootMap {
            index: HashMap::new(),
            slots: RootVec::new(m),
            free: Vec::new(),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let &slot = self.index.get(key)?;
        self.slots[slot].as_ref()
    }

    /// The value of `key` for writing (touches its slot's chunk).
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let &slot = self.index.get(key)?;
        self.slots.get_mut(slot)?.as_mut()
    }

    /// True if `key` has an entry.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(key)
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(&slot) = self.index.get(&key) {
            return self.slots[slot].replace(value);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(value);
                slot
            }
            None => {
                self.slots.push(Some(value));
                self.slots.len() - 1
            }
        };
        self.index.insert(key, slot);
        None
    }

    /// Removes `key`'s entry; returns its value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.index.remove(key)?;
        self.free.push(slot);
        self.slots.take(slot)
    }

    /// Keeps only the entries for which `keep` returns true (a purge of
    /// dead weak entries, say). The removed entries' slots are freed for
    /// reuse; no chunk becomes dirty (`RootVec::take`).
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let (slots, free) = (&mut self.slots, &mut self.free);
        self.index.retain(|key, &mut slot| {
            let kept = slots[slot].as_ref().is_some_and(|value| keep(key, value));
            if !kept {
                slots.take(slot);
                free.push(slot);
            }
            kept
        });
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + use<'_, 'gc, K, V> {
        let slots = &self.slots;
        self.index
            .iter()
            .filter_map(move |(key, &slot)| slots[slot].as_ref().map(|value| (key, value)))
    }
}

impl<'gc, K, Q, V> std::ops::Index<&Q> for RootMap<'gc, K, V>
where
    K: Hash + Eq + Borrow<Q> + 'static,
    Q: Hash + Eq + ?Sized,
    V: Trace + 'gc,
{
    type Output = V;
    /// # Panics
    /// If `key` has no entry, as `HashMap` indexing does.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("RootMap: no entry for the key")
    }
}

impl<'gc, K: fmt::Debug + Hash + Eq + 'static, V: Trace + fmt::Debug + 'gc> fmt::Debug
    for RootMap<'gc, K, V>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

// SAFETY: the keys hold no `Gc` (`K: 'static`, and a `Gc` has a non-static
// brand), so only the values are traced, through the `RootVec`'s impl (which
// visits them in the traversals that need it and keeps its own contract).
unsafe impl<'gc, K: 'static, V: Trace + 'gc> Trace for RootMap<'gc, K, V> {
    fn trace(&mut self, tracer: &mut Tracer) {
        self.slots.trace(tracer);
    }
}
