//! The value type and every kind of managed object the interpreter allocates.
//!
//! A Scheme value is a small `Copy` enum ([`Value`]): immediates (numbers,
//! booleans, symbols, the empty list) live in the enum itself, and everything
//! with identity or unbounded size (pairs, strings, vectors, tables, closures,
//! environments) is a managed object behind a `Gc`. Copying a `Value` copies at
//! most one pointer, so the VM's stacks are plain `Vec<Value>`s that the
//! collector traces like any other field.
//!
//! Mutable objects keep their pointer fields in `Lock` / `RefLock`, so that
//! every store goes through `Gc::write` and the write barrier (which keeps the
//! remembered set and the tri-colour invariant, DESIGN.md). Immutable objects
//! (closures, prototypes, strings) need no cell at all.
//!
//! Objects with a fixed part and a run of elements are one allocation each:
//! strings are `Gc<str>`, and closures, prototypes and environment frames
//! are `Gc<WithTail<Head, Elem>>` (header, length, fixed part, elements).
//!
//! Symbols are interned into `u32` ids by [`Symbols`], a plain Rust table that
//! lives (untraced) in the VM root: a symbol holds no `Gc`, so it costs the
//! collector nothing.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use tenure::{
    unlock, Array, FinalizationQueue, Gc, GcKey, GcWeak, GcWeakMap, Lock, Mutation, RefLock, Trace,
    WeakKey, WithTail,
};

use super::compiler::Code;
use super::host::DynHost;

/// An interned symbol.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Trace)]
pub struct Symbol(pub u32);

/// Index of a builtin procedure in `builtins::BUILTINS`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Trace)]
pub struct Builtin(pub u16);

/// A Scheme value.
#[derive(Copy, Clone, Trace)]
pub enum Value<'gc> {
    /// The empty list `()`.
    Nil,
    /// What `set!`, `define` and `display` return; the REPL prints nothing.
    Unspecified,
    /// The content of a `letrec` slot before its initialiser ran (never
    /// visible to programs: reading one is an error).
    Undefined,
    /// `#t` / `#f`.
    Bool(bool),
    /// An exact integer.
    Int(i64),
    /// An inexact number.
    Float(f64),
    /// A symbol.
    Sym(Symbol),
    /// An immutable string: one managed object holding the UTF-8 bytes
    /// inline (header, length, bytes), so reading it is one hop.
    Str(Gc<'gc, str>),
    /// A mutable pair.
    Pair(Gc<'gc, Pair<'gc>>),
    /// A mutable vector.
    Vector(Gc<'gc, Vector<'gc>>),
    /// A hash table (strong, weak-valued or weak-keyed).
    Table(Gc<'gc, Table<'gc>>),
    /// A guardian: finalization under the program's control.
    Guardian(Gc<'gc, Guardian<'gc>>),
    /// A procedure written in Scheme.
    Closure(Gc<'gc, Closure<'gc>>),
    /// A procedure written in Rust.
    Builtin(Builtin),
    /// A native object (`host.rs`), held type-erased as `Gc<dyn HostObject>`.
    Host(Gc<'gc, DynHost<'gc>>),
}

impl<'gc> Value<'gc> {
    /// The identity hash of the heap object this value is (heap snapshots
    /// use it as the object's id), or `None` for an immediate.
    pub fn identity(self) -> Option<u32> {
        Some(match self {
            Value::Str(g) => Gc::identity_hash(g),
            Value::Pair(g) => Gc::identity_hash(g),
            Value::Vector(g) => Gc::identity_hash(g),
            Value::Table(g) => Gc::identity_hash(g),
            Value::Guardian(g) => Gc::identity_hash(g),
            Value::Closure(g) => Gc::identity_hash(g),
            Value::Host(g) => Gc::identity_hash(g),
            _ => return None,
        })
    }

    /// Scheme truth: everything but `#f` is true.
    #[inline]
    pub fn is_true(self) -> bool {
        !matches!(self, Value::Bool(false))
    }

    /// A fresh string object: a copy of `text` in one allocation.
    pub fn string(m: &Mutation<'gc>, text: &str) -> Value<'gc> {
        Value::Str(Gc::from_str(m, text))
    }

    /// A fresh pair.
    pub fn cons(m: &Mutation<'gc>, car: Value<'gc>, cdr: Value<'gc>) -> Value<'gc> {
        Value::Pair(Gc::new(
            m,
            Pair {
                car: Lock::new(car),
                cdr: Lock::new(cdr),
            },
        ))
    }

    /// A proper list of `items`.
    pub fn list(
        m: &Mutation<'gc>,
        items: impl DoubleEndedIterator<Item = Value<'gc>>,
    ) -> Value<'gc> {
        items
            .rev()
            .fold(Value::Nil, |tail, item| Value::cons(m, item, tail))
    }

    /// The name of the value's type, for error messages.
    pub fn type_name(self) -> &'static str {
        match self {
            Value::Nil => "empty list",
            Value::Unspecified => "unspecified",
            Value::Undefined => "undefined",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Sym(_) => "symbol",
            Value::Str(_) => "string",
            Value::Pair(_) => "pair",
            Value::Vector(_) => "vector",
            Value::Table(_) => "table",
            Value::Closure(_) | Value::Builtin(_) | Value::Guardian(_) => "procedure",
            Value::Host(host) => host.as_ref_gc().kind(),
        }
    }
}

/// A pair: both fields can be changed (`set-car!`, `set-cdr!`) through the
/// write barrier.
#[derive(Trace)]
pub struct Pair<'gc> {
    /// The first field.
    pub car: Lock<Value<'gc>>,
    /// The second field.
    pub cdr: Lock<Value<'gc>>,
}

/// A vector: a managed array, its slots inline in one object. `vector-set!`
/// stores through `Gc::set`, the indexed write barrier, so an old vector
/// that is written is rescanned by the next minor GC only in the card (512
/// bytes) of the written slot, not in full.
pub type Vector<'gc> = Array<Value<'gc>>;

/// A procedure value: one managed object holding the prototype (the fixed
/// part) and, as its tail, the environment frames it closed over, innermost
/// first (a *display*: `tail[d]` is the frame `d` levels out from where the
/// `lambda` was evaluated). A variable of an enclosing procedure is reached
/// in two hops (closure -> frame -> slot) however deep it is, and making a
/// closure is one allocation. Empty at top level, where free names are
/// globals.
pub type Closure<'gc> = WithTail<ClosureHead<'gc>, Gc<'gc, Env<'gc>>>;

/// The fixed part of a [`Closure`].
#[derive(Trace)]
pub struct ClosureHead<'gc> {
    /// The code and its constants.
    pub proto: Gc<'gc, Proto<'gc>>,
}

/// A fresh closure of `proto` over the frames `display` (innermost first).
pub fn new_closure<'gc>(
    m: &Mutation<'gc>,
    proto: Gc<'gc, Proto<'gc>>,
    display: impl ExactSizeIterator<Item = Gc<'gc, Env<'gc>>>,
) -> Gc<'gc, Closure<'gc>> {
    Gc::new_with_tail(m, ClosureHead { proto }, display)
}

/// A function prototype: one managed object holding the immutable bytecode
/// and the nested prototypes (the fixed part) and the constants the code
/// refers to as its tail (`Op::Const(i)` reads `tail[i]`). Made once when a
/// top-level form is loaded; every closure of the same `lambda` shares it.
pub type Proto<'gc> = WithTail<ProtoHead<'gc>, Value<'gc>>;

/// The fixed part of a [`Proto`].
#[derive(Trace)]
pub struct ProtoHead<'gc> {
    /// The bytecode (holds no `Gc`, so it is skipped).
    #[trace(skip)]
    pub code: Rc<Code>,
    /// Prototypes of the `lambda`s nested in this one.
    pub protos: Vec<Gc<'gc, Proto<'gc>>>,
    /// The allocation site calls of it enter (`demo.scm:12 make-tree`),
    /// interned in the heap when the code is loaded.
    #[trace(skip)]
    pub site: tenure::Site,
}

/// One environment frame: the variables of one procedure call that inner
/// closures may capture, inline in one object (`tail[slot]`; `set!` writes
/// through the barrier). Procedures without inner `lambda`s keep their
/// variables on the VM stack instead and allocate no frame. A frame needs no
/// parent pointer: each closure carries the whole chain it sees.
pub type Env<'gc> = WithTail<EnvHead, Lock<Value<'gc>>>;

/// The (empty) fixed part of an [`Env`]; it names the frame in heap
/// profiles and dumps.
#[derive(Trace)]
pub struct EnvHead;

// ---------------------------------------------------------------- tables

/// A weak reference to any managed value (the target's type is in the tag,
/// since a `GcWeak` is typed).
#[derive(Copy, Clone, Trace)]
pub enum WeakValue<'gc> {
    /// A string.
    Str(GcWeak<'gc, str>),
    /// A pair.
    Pair(GcWeak<'gc, Pair<'gc>>),
    /// A vector.
    Vector(GcWeak<'gc, Vector<'gc>>),
    /// A table.
    Table(GcWeak<'gc, Table<'gc>>),
    /// A closure.
    Closure(GcWeak<'gc, Closure<'gc>>),
    /// A guardian.
    Guardian(GcWeak<'gc, Guardian<'gc>>),
    /// A host object.
    Host(GcWeak<'gc, DynHost<'gc>>),
}

/// What a table stores for one key.
#[derive(Copy, Clone, Trace)]
pub enum Stored<'gc> {
    /// A value the table keeps alive.
    Strong(Value<'gc>),
    /// A managed value the table does not keep alive (weak tables).
    Weak(WeakValue<'gc>),
}

impl<'gc> Stored<'gc> {
    /// Stores `value` strongly, or weakly if `weak` and it is a managed
    /// object (immediates such as numbers have no lifetime to track).
    pub fn new(m: &Mutation<'gc>, value: Value<'gc>, weak: bool) -> Stored<'gc> {
        if !weak {
            return Stored::Strong(value);
        }
        match value {
            Value::Str(s) => Stored::Weak(WeakValue::Str(Gc::downgrade(m, s))),
            Value::Pair(p) => Stored::Weak(WeakValue::Pair(Gc::downgrade(m, p))),
            Value::Vector(v) => Stored::Weak(WeakValue::Vector(Gc::downgrade(m, v))),
            Value::Table(t) => Stored::Weak(WeakValue::Table(Gc::downgrade(m, t))),
            Value::Closure(c) => Stored::Weak(WeakValue::Closure(Gc::downgrade(m, c))),
            Value::Guardian(g) => Stored::Weak(WeakValue::Guardian(Gc::downgrade(m, g))),
            Value::Host(h) => Stored::Weak(WeakValue::Host(Gc::downgrade(m, h))),
            other => Stored::Strong(other),
        }
    }

    /// The value, or `None` if it was weak and has been collected.
    pub fn get(self, m: &Mutation<'gc>) -> Option<Value<'gc>> {
        match self {
            Stored::Strong(value) => Some(value),
            Stored::Weak(WeakValue::Str(w)) => w.upgrade(m).map(Value::Str),
            Stored::Weak(WeakValue::Pair(w)) => w.upgrade(m).map(Value::Pair),
            Stored::Weak(WeakValue::Vector(w)) => w.upgrade(m).map(Value::Vector),
            Stored::Weak(WeakValue::Table(w)) => w.upgrade(m).map(Value::Table),
            Stored::Weak(WeakValue::Closure(w)) => w.upgrade(m).map(Value::Closure),
            Stored::Weak(WeakValue::Guardian(w)) => w.upgrade(m).map(Value::Guardian),
            Stored::Weak(WeakValue::Host(w)) => w.upgrade(m).map(Value::Host),
        }
    }
}

/// A hash table with insertion-ordered entries.
///
/// Keys can be managed objects, and a moving collector changes their
/// addresses, so the index is keyed by a *hash* computed from stable facts
/// (string contents, numbers, symbol ids, or `Gc::identity_hash`, which
/// survives moves) and never holds a `Gc` itself. The `Gc`s live only in
/// `entries`, which `Trace` visits in place. (A `HashMap<Value, _>` would be
/// rebuilt by its `Trace` impl, re-hashing keys while objects are mid-move;
/// the trait's contract forbids reading through a `Gc` there.)
///
/// The index maps a hash to the first entry with that hash; entries with the
/// same hash are chained through `Entry::next`. Its values are plain `u32`s,
/// so tracing the index costs nothing beyond reporting its size, and tracing
/// the table is one pass over `entries`.
#[derive(Trace, Default)]
pub struct TableMap<'gc> {
    /// Key hash -> index of the first entry in `entries` with that hash.
    index: HashMap<u64, u32>,
    /// Entries in insertion order; `None` marks a deleted one.
    entries: Vec<Option<Entry<'gc>>>,
    /// Number of `Some` entries.
    live: usize,
}

/// One key and its value.
#[derive(Copy, Clone, Trace)]
struct Entry<'gc> {
    key: Value<'gc>,
    value: Stored<'gc>,
    /// `key_hash(key)`, kept for rebuilding the index.
    hash: u64,
    /// The next entry with the same hash, or `NO_ENTRY`.
    next: u32,
}

/// The end of a hash chain.
const NO_ENTRY: u32 = u32::MAX;

/// How a table holds its entries.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Trace)]
pub enum TableKind {
    /// Keys and values are strong (`make-table`).
    Strong,
    /// Values are weak references (`make-weak-value-table`): an entry whose
    /// value was collected reads as absent.
    WeakValues,
    /// Keys are weak, with ephemeron semantics (`make-weak-key-table`): an
    /// entry lives exactly as long as its key is reachable from elsewhere,
    /// even if its value refers back to the key.
    WeakKeys,
}

/// A Scheme hash table.
#[derive(Trace)]
pub struct Table<'gc> {
    /// How entries are held.
    pub kind: TableKind,
    /// Entries with strong keys: every entry of a strong or weak-valued
    /// table, and the entries of a weak-keyed table whose keys are not
    /// objects with a lifetime (numbers, symbols, strings).
    pub map: RefLock<TableMap<'gc>>,
    /// The entries of a weak-keyed table whose keys are objects.
    pub ephemerons: Option<Ephemerons<'gc>>,
}

/// The collector's ephemeron tables (`GcWeakMap`) behind a weak-keyed
/// table. A `GcWeakMap` is keyed by one type of object, so there is one per
/// kind of key.
#[derive(Copy, Clone, Trace)]
pub struct Ephemerons<'gc> {
    pairs: GcWeakMap<'gc, Pair<'gc>, Value<'gc>>,
    vectors: GcWeakMap<'gc, Vector<'gc>, Value<'gc>>,
    tables: GcWeakMap<'gc, Table<'gc>, Value<'gc>>,
    closures: GcWeakMap<'gc, Closure<'gc>, Value<'gc>>,
    guardians: GcWeakMap<'gc, Guardian<'gc>, Value<'gc>>,
    hosts: GcWeakMap<'gc, DynHost<'gc>, Value<'gc>>,
}

/// Applies `$body` to the ephemeron map for `$key`'s kind, with the key as
/// a typed `Gc` bound to `$gc`; evaluates `$other` for keys that are not
/// objects with a lifetime.
macro_rules! by_key_kind {
    ($eph:expr, $key:expr, |$map:ident, $gc:ident| $body:expr, $other:expr) => {
        match $key {
            Value::Pair($gc) => {
                let $map = $eph.pairs;
                $body
            }
            Value::Vector($gc) => {
                let $map = $eph.vectors;
                $body
            }
            Value::Table($gc) => {
                let $map = $eph.tables;
                $body
            }
            Value::Closure($gc) => {
                let $map = $eph.closures;
                $body
            }
            Value::Guardian($gc) => {
                let $map = $eph.guardians;
                $body
            }
            Value::Host($gc) => {
                let $map = $eph.hosts;
                $body
            }
            _ => $other,
        }
    };
}

impl<'gc> Table<'gc> {
    /// A new empty table.
    pub fn new(m: &Mutation<'gc>, kind: TableKind) -> Table<'gc> {
        let ephemerons = (kind == TableKind::WeakKeys).then(|| Ephemerons {
            pairs: GcWeakMap::new(m),
            vectors: GcWeakMap::new(m),
            tables: GcWeakMap::new(m),
            closures: GcWeakMap::new(m),
            guardians: GcWeakMap::new(m),
            hosts: GcWeakMap::new(m),
        });
        Table {
            kind,
            map: RefLock::new(TableMap::default()),
            ephemerons,
        }
    }

    /// The value for `key`, if present (and, for weak values, still alive).
    pub fn get(&self, m: &Mutation<'gc>, key: Value<'gc>) -> Option<Value<'gc>> {
        if let Some(eph) = self.ephemerons {
            by_key_kind!(eph, key, |map, k| return map.get(k), ())
        }
        self.map.borrow().get(key).and_then(|stored| stored.get(m))
    }

    /// Sets `key` to `value`.
    pub fn set(this: Gc<'gc, Table<'gc>>, m: &Mutation<'gc>, key: Value<'gc>, value: Value<'gc>) {
        if let Some(eph) = this.ephemerons {
            by_key_kind!(
                eph,
                key,
                |map, k| {
                    // GcWeakMap runs the write barrier on its own table.
                    map.insert(m, k, value);
                    return;
                },
                ()
            )
        }
        let stored = Stored::new(m, value, this.kind == TableKind::WeakValues);
        unlock!(Gc::write(m, this), Table, map)
            .borrow_mut()
            .insert(key, stored);
    }

    /// Removes `key`; true if it was present.
    pub fn remove(this: Gc<'gc, Table<'gc>>, m: &Mutation<'gc>, key: Value<'gc>) -> bool {
        if let Some(eph) = this.ephemerons {
            by_key_kind!(eph, key, |map, k| return map.remove(m, k).is_some(), ())
        }
        unlock!(Gc::write(m, this), Table, map)
            .borrow_mut()
            .remove(key)
    }

    /// The number of entries. Forgets weak values that were collected.
    pub fn count(this: Gc<'gc, Table<'gc>>, m: &Mutation<'gc>) -> usize {
        if this.kind == TableKind::WeakValues {
            unlock!(Gc::write(m, this), Table, map)
                .borrow_mut()
                .prune(m);
        }
        let objects = this.ephemerons.map_or(0, |eph| {
            eph.pairs.len()
                + eph.vectors.len()
                + eph.tables.len()
                + eph.closures.len()
                + eph.guardians.len()
                + eph.hosts.len()
        });
        this.map.borrow().len_hint() + objects
    }

    /// The keys, in insertion order; `None` for a weak-keyed table, which
    /// (like JavaScript's `WeakMap`) cannot be listed: which keys are still
    /// alive depends on when the collector last ran.
    pub fn keys(&self, m: &Mutation<'gc>) -> Option<Vec<Value<'gc>>> {
        if self.kind == TableKind::WeakKeys {
            return None;
        }
        Some(self.map.borrow().iter(m).map(|(k, _)| k).collect())
    }
}

// ---------------------------------------------------------------- guardians

/// A guardian, after Chez Scheme: `(g obj)` asks to be told when `obj`
/// becomes unreachable; `(g)` returns such an object (or `#f`). The
/// collector does not free a guarded object: it *resurrects* it into the
/// guardian, once per registration, and the program finalizes it with the
/// whole heap available, or keeps it.
///
/// Built on one collector `FinalizationQueue` of `Value`s: `Value` is a
/// [`WeakKey`] (the object it is, if any), so the queue watches every kind
/// of object and hands back the value whole.
#[derive(Trace)]
pub struct Guardian<'gc> {
    queue: FinalizationQueue<'gc, Value<'gc>>,
}

impl<'gc> WeakKey<'gc> for Value<'gc> {
    fn weak_key(&self) -> Option<GcKey<'gc>> {
        Some(match *self {
            Value::Pair(p) => GcKey::new(p),
            Value::Str(s) => GcKey::new(s),
            Value::Vector(v) => GcKey::new(v),
            Value::Table(t) => GcKey::new(t),
            Value::Closure(c) => GcKey::new(c),
            Value::Host(h) => GcKey::new(h),
            _ => return None,
        })
    }
}

impl<'gc> Guardian<'gc> {
    /// A guardian that watches nothing yet.
    pub fn new(m: &Mutation<'gc>) -> Guardian<'gc> {
        Guardian {
            queue: FinalizationQueue::new(m),
        }
    }

    /// Watches `value`; false if it is not an object with a lifetime.
    pub fn register(&self, m: &Mutation<'gc>, value: Value<'gc>) -> bool {
        self.queue.register_key(m, value).is_ok()
    }

    /// An object that became unreachable, if any.
    pub fn take(&self, m: &Mutation<'gc>) -> Option<Value<'gc>> {
        self.queue.take_key(m)
    }
}

impl<'gc> TableMap<'gc> {
    fn entry(&self, i: u32) -> &Entry<'gc> {
        self.entries[i as usize]
            .as_ref()
            .expect("chained entries are live")
    }

    /// The entry for `key` and the entry before it in its chain.
    fn find(&self, key: Value<'gc>, hash: u64) -> Option<(u32, Option<u32>)> {
        let mut previous = None;
        let mut i = *self.index.get(&hash)?;
        while i != NO_ENTRY {
            let entry = self.entry(i);
            if key_eq(entry.key, key) {
                return Some((i, previous));
            }
            previous = Some(i);
            i = entry.next;
        }
        None
    }

    /// The stored value for `key`.
    pub fn get(&self, key: Value<'gc>) -> Option<Stored<'gc>> {
        let (i, _) = self.find(key, key_hash(key))?;
        Some(self.entry(i).value)
    }

    /// Inserts or replaces.
    pub fn insert(&mut self, key: Value<'gc>, value: Stored<'gc>) {
        let hash = key_hash(key);
        if let Some((i, _)) = self.find(key, hash) {
            if let Some(entry) = &mut self.entries[i as usize] {
                entry.value = value;
            }
            return;
        }
        self.push(Entry {
            key,
            value,
            hash,
            next: NO_ENTRY,
        });
    }

    /// Appends `entry` and puts it at the head of its hash chain.
    fn push(&mut self, mut entry: Entry<'gc>) {
        let i = u32::try_from(self.entries.len()).expect("fewer than 4 G entries");
        entry.next = self.index.insert(entry.hash, i).unwrap_or(NO_ENTRY);
        self.entries.push(Some(entry));
        self.live += 1;
    }

    /// Removes `key`; true if it was present.
    pub fn remove(&mut self, key: Value<'gc>) -> bool {
        let hash = key_hash(key);
        let Some((i, previous)) = self.find(key, hash) else {
            return false;
        };
        let next = self.entry(i).next;
        match previous {
            Some(p) => {
                if let Some(entry) = &mut self.entries[p as usize] {
                    entry.next = next;
                }
            }
            None if next == NO_ENTRY => {
                self.index.remove(&hash);
            }
            None => {
                self.index.insert(hash, next);
            }
        }
        self.entries[i as usize] = None;
        self.live -= 1;
        if self.entries.len() > 16 && self.live < self.entries.len() / 2 {
            self.compact();
        }
        true
    }

    /// Drops deleted entries and rebuilds the index.
    fn compact(&mut self) {
        let entries = std::mem::take(&mut self.entries);
        self.index.clear();
        self.live = 0;
        for entry in entries.into_iter().flatten() {
            self.push(entry);
        }
    }

    /// The number of entries, counting weak ones whose value may have died
    /// since the last `prune`.
    pub fn len_hint(&self) -> usize {
        self.live
    }

    /// Removes entries whose weak value was collected; returns how many.
    pub fn prune(&mut self, m: &Mutation<'gc>) -> usize {
        let dead: Vec<Value<'gc>> = self
            .entries
            .iter()
            .flatten()
            .filter(|entry| entry.value.get(m).is_none())
            .map(|entry| entry.key)
            .collect();
        for key in &dead {
            self.remove(*key);
        }
        dead.len()
    }

    /// Live entries, in insertion order (weak ones whose value died are skipped).
    pub fn iter<'a>(
        &'a self,
        m: &'a Mutation<'gc>,
    ) -> impl Iterator<Item = (Value<'gc>, Value<'gc>)> + 'a {
        self.entries
            .iter()
            .flatten()
            .filter_map(move |entry| Some((entry.key, entry.value.get(m)?)))
    }
}

/// Table key equality: `eqv?`, except that strings compare by content.
pub fn key_eq<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => *x == *y,
        _ => eqv(a, b),
    }
}

/// A hash consistent with [`key_eq`], stable while objects move.
pub fn key_hash(key: Value<'_>) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    match key {
        Value::Nil => 0u8.hash(&mut h),
        Value::Unspecified | Value::Undefined => 1u8.hash(&mut h),
        Value::Bool(b) => (2u8, b).hash(&mut h),
        Value::Int(i) => (3u8, i).hash(&mut h),
        Value::Float(f) => (4u8, if f == 0.0 { 0 } else { f.to_bits() }).hash(&mut h),
        Value::Sym(s) => (5u8, s.0).hash(&mut h),
        Value::Str(s) => (6u8, &*s).hash(&mut h),
        Value::Pair(p) => (7u8, Gc::identity_hash(p)).hash(&mut h),
        Value::Vector(v) => (8u8, Gc::identity_hash(v)).hash(&mut h),
        Value::Table(t) => (9u8, Gc::identity_hash(t)).hash(&mut h),
        Value::Closure(c) => (10u8, Gc::identity_hash(c)).hash(&mut h),
        Value::Builtin(b) => (11u8, b.0).hash(&mut h),
        Value::Guardian(g) => (12u8, Gc::identity_hash(g)).hash(&mut h),
        Value::Host(o) => (13u8, Gc::identity_hash(o)).hash(&mut h),
    }
    h.finish()
}

// ---------------------------------------------------------------- equality

/// `eqv?`: identity for objects, value for numbers and immediates.
pub fn eqv<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) | (Value::Unspecified, Value::Unspecified) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Sym(x), Value::Sym(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Gc::ptr_eq(x, y),
        (Value::Pair(x), Value::Pair(y)) => Gc::ptr_eq(x, y),
        (Value::Vector(x), Value::Vector(y)) => Gc::ptr_eq(x, y),
        (Value::Table(x), Value::Table(y)) => Gc::ptr_eq(x, y),
        (Value::Closure(x), Value::Closure(y)) => Gc::ptr_eq(x, y),
        (Value::Guardian(x), Value::Guardian(y)) => Gc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => x == y,
        (Value::Host(x), Value::Host(y)) => Gc::ptr_eq(x, y),
        _ => false,
    }
}

/// `equal?`: structural equality of pairs, vectors and strings. Uses an
/// explicit work list, so long lists do not recurse on the Rust stack.
///
/// Circular structures terminate too: past [`EQUAL_PLAIN_STEPS`] steps, each
/// pair of objects compared is remembered, and a pair met again is taken as
/// equal (it is being compared already; if it differs, that shows
/// elsewhere). Addresses are stable here: nothing moves inside `mutate`.
pub fn equal<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    let mut work = vec![(a, b)];
    let mut seen: HashSet<(*const (), *const ())> = HashSet::new();
    let mut steps = 0usize;
    while let Some((a, b)) = work.pop() {
        steps += 1;
        let objects = match (a, b) {
            (Value::Pair(x), Value::Pair(y)) => {
                Some((Gc::as_ptr(x).cast::<()>(), Gc::as_ptr(y).cast::<()>()))
            }
            (Value::Vector(x), Value::Vector(y)) => {
                Some((Gc::as_ptr(x).cast::<()>(), Gc::as_ptr(y).cast::<()>()))
            }
            _ => None,
        };
        if let Some(objects) = objects {
            if steps > EQUAL_PLAIN_STEPS && !seen.insert(objects) {
                continue;
            }
        }
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => {
                if *x != *y {
                    return false;
                }
            }
            (Value::Pair(x), Value::Pair(y)) => {
                if !Gc::ptr_eq(x, y) {
                    work.push((x.cdr.get(), y.cdr.get()));
                    work.push((x.car.get(), y.car.get()));
                }
            }
            (Value::Vector(x), Value::Vector(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                let pairs = x.slots().iter().zip(y.slots()).rev();
                work.extend(pairs.map(|(a, b)| (a.get(), b.get())));
            }
            _ => {
                if !eqv(a, b) {
                    return false;
                }
            }
        }
    }
    true
}

/// Steps `equal?` takes before it starts remembering what it compared:
/// enough for every ordinary comparison to run without a hash set.
const EQUAL_PLAIN_STEPS: usize = 10_000;

// ---------------------------------------------------------------- symbols

/// The symbol table: names to ids and back. Plain Rust data (no `Gc`).
#[derive(Default)]
pub struct Symbols {
    names: Vec<Rc<str>>,
    ids: HashMap<Rc<str>, Symbol>,
}

impl Symbols {
    /// The symbol named `name`, interning it if new.
    pub fn intern(&mut self, name: &str) -> Symbol {
        if let Some(&symbol) = self.ids.get(name) {
            return symbol;
        }
        let symbol = Symbol(self.names.len() as u32);
        let name: Rc<str> = name.into();
        self.names.push(name.clone());
        self.ids.insert(name, symbol);
        symbol
    }

    /// The name of `symbol`.
    pub fn name(&self, symbol: Symbol) -> &str {
        &self.names[symbol.0 as usize]
    }
}
