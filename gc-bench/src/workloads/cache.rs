//! cache: an LRU cache of mid-lived objects.
//!
//! A cache of `C` entries (50,000 by default) serves `40 C` lookups of keys
//! drawn from `4 C`: 80% from a hot range of `C` keys, 20% uniformly. A miss
//! allocates a 256-byte entry and inserts it; when the cache is over
//! capacity the least recently used entry is evicted and becomes garbage.
//! Recency is a queue of (key, stamp) with lazy deletion: a hit restamps the
//! entry (a plain-data `Cell` on every collector: no pointer is stored, so no
//! write barrier is due) and queues it again; eviction skips queue records
//! whose stamp is stale. Pointer stores happen in the map (in the root).
//!
//! - Live size: C entries x 256 B payload (12 MiB at C = 50,000) plus the map.
//! - What it stresses: objects that live for thousands of operations, long
//!   enough to survive a few minor GCs and be promoted, then die in the old
//!   generation (the case where generational collection promotes too early),
//!   and stores into old objects.
//! - Check: hits, misses and a checksum of the entries' payloads read on hits.
//!
//! Not on `bumpalo`: entries die in no arena-shaped order.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::hint::black_box;
use std::rc::Rc;

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{Ctx, SplitMix, Workload};

/// u64 words of payload per entry (256 bytes).
const PAYLOAD_WORDS: usize = 32;

/// Lookups per cache slot.
const OPS_PER_SLOT: u64 = 40;

/// The cache workload.
pub struct Cache;

/// What every collector must agree on.
#[derive(Default, Debug, PartialEq)]
struct Tally {
    hits: u64,
    misses: u64,
    checksum: u64,
}

/// The recency queue and the capacity: the part of the LRU that holds no
/// managed pointers (keys and stamps only).
struct Recency {
    queue: VecDeque<(u32, u64)>,
    capacity: usize,
}

impl Recency {
    /// An empty queue for a cache of `capacity` entries.
    fn new(capacity: usize) -> Recency {
        Recency {
            queue: VecDeque::new(),
            capacity,
        }
    }
}

/// One lookup on a map of handles `H`. `stamp_of` reads an entry's stamp,
/// `restamp` writes it, `make` builds a new entry, `word` reads its payload.
#[allow(clippy::too_many_arguments)]
#[inline]
fn lookup<H>(
    map: &mut HashMap<u32, H>,
    recency: &mut Recency,
    tally: &mut Tally,
    key: u32,
    stamp: u64,
    stamp_of: impl Fn(&H) -> u64,
    restamp: impl FnOnce(&H, u64),
    make: impl FnOnce(u32, u64) -> H,
    word: impl Fn(&H) -> u64,
) {
    if let Some(entry) = map.get(&key) {
        tally.hits += 1;
        tally.checksum = tally.checksum.wrapping_add(word(entry));
        restamp(entry, stamp);
    } else {
        tally.misses += 1;
        map.insert(key, make(key, stamp));
        while map.len() > recency.capacity {
            let (old_key, old_stamp) = recency
                .queue
                .pop_front()
                .expect("queue holds every live entry");
            if map.get(&old_key).is_some_and(|e| stamp_of(e) == old_stamp) {
                map.remove(&old_key);
            }
        }
    }
    recency.queue.push_back((key, stamp));
}

fn payload(key: u32) -> [u64; PAYLOAD_WORDS] {
    black_box([key as u64 * 2 + 1; PAYLOAD_WORDS])
}

/// The key sequence: 80% hot (below `capacity`), 20% from all of `4 capacity`.
fn next_key(rng: &mut SplitMix, capacity: u64) -> u32 {
    if rng.below(10) < 8 {
        rng.below(capacity) as u32
    } else {
        rng.below(4 * capacity) as u32
    }
}

/// The state of a tenure or gc-arena run between `mutate` calls: the key
/// sequence, the recency queue, the tally and the lookups done.
struct Lookups {
    rng: SplitMix,
    recency: Recency,
    tally: Tally,
    stamp: u64,
    ops: u64,
}

impl Lookups {
    /// `ops` lookups on a cache of `capacity` entries, none done yet.
    fn new(capacity: usize, ops: u64) -> Lookups {
        Lookups {
            rng: SplitMix(42),
            recency: Recency::new(capacity),
            tally: Tally::default(),
            stamp: 0,
            ops,
        }
    }

    /// Whether lookups are left.
    fn more(&self) -> bool {
        self.stamp < self.ops
    }
}

/// The next lookup of `$run` (a [`Lookups`]) on `$map`, a map of handles to
/// `Entry` (the collector's entry type in scope at the call, with a
/// `stamp: Cell<u64>` and a `payload`), each made by `$new(entry)`:
/// tenure's and gc-arena's lookups are this one text.
macro_rules! lookup_cell {
    ($run:expr, $map:expr, $new:expr) => {{
        let run = &mut $run;
        let key = next_key(&mut run.rng, run.recency.capacity as u64);
        lookup(
            $map,
            &mut run.recency,
            &mut run.tally,
            key,
            run.stamp,
            |e| e.stamp.get(),
            |e, s| e.stamp.set(s),
            |k, s| {
                $new(Entry {
                    stamp: Cell::new(s),
                    payload: payload(k),
                })
            },
            |e| e.payload[0],
        );
        run.stamp += 1;
    }};
}

/// [`plain`] for an entry type `$entry` whose stamp is a `Cell` (dumpster's,
/// `Rc`'s and `Box`'s entries), each made by `$new` (the collector's pointer
/// constructor): the four accessors are the same text for all three.
macro_rules! plain_cell {
    ($capacity:expr, $ops:expr, $probe:expr, $new:path, $entry:ident) => {
        plain(
            $capacity,
            $ops,
            $probe,
            |k, s| {
                $new($entry {
                    stamp: Cell::new(s),
                    payload: payload(k),
                })
            },
            |e| e.stamp.get(),
            |e, s| e.stamp.set(s),
            |e| e.payload[0],
        )
    };
}

impl Workload for Cache {
    fn name(&self) -> &'static str {
        "cache"
    }
    fn about(&self) -> &'static str {
        "LRU cache of 256-byte entries: mid-lived objects that die old"
    }
    fn size_meaning(&self) -> &'static str {
        "cache capacity C (40 C lookups)"
    }
    fn default_size(&self) -> u32 {
        50_000
    }
    fn quick_size(&self) -> u32 {
        5_000
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        match collector {
            Collector::Bumpalo => Err("entries are evicted in no arena-shaped order"),
            _ => Ok(()),
        }
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let capacity = ctx.size as usize;
        let ops = capacity as u64 * OPS_PER_SLOT;
        let probe = &mut ctx.probe;
        let tally = match collector {
            Collector::Tenure => tenure_impl::run(capacity, ops, ctx.config, probe),
            Collector::GcArena => arena_impl::run(capacity, ops, probe),
            Collector::Gc => {
                let tally = plain(
                    capacity,
                    ops,
                    probe,
                    |k, s| {
                        gc::Gc::new(GcEntry {
                            stamp: gc::GcCell::new(s),
                            payload: payload(k),
                        })
                    },
                    |e| *e.stamp.borrow(),
                    |e, s| *e.stamp.borrow_mut() = s,
                    |e| e.payload[0],
                );
                probe.peer_collections = Some(gc::stats().collections_performed as u64);
                tally
            }
            Collector::Dumpster => {
                plain_cell!(capacity, ops, probe, dumpster::unsync::Gc::new, DumpEntry)
            }
            Collector::Rc => plain_cell!(capacity, ops, probe, Rc::new, PlainEntry),
            Collector::Box => plain_cell!(capacity, ops, probe, Box::new, PlainEntry),
            Collector::Bumpalo => unreachable!("declined by supports()"),
        };
        Outcome {
            ops,
            ops_unit: "lookups",
            check: format!(
                "hits {} misses {} checksum {}",
                tally.hits, tally.misses, tally.checksum
            ),
        }
    }
}

struct PlainEntry {
    stamp: Cell<u64>,
    payload: [u64; PAYLOAD_WORDS],
}

#[derive(gc::Trace, gc::Finalize)]
struct GcEntry {
    stamp: gc::GcCell<u64>,
    #[unsafe_ignore_trace]
    payload: [u64; PAYLOAD_WORDS],
}

#[derive(dumpster::Trace)]
struct DumpEntry {
    stamp: Cell<u64>,
    payload: [u64; PAYLOAD_WORDS],
}

/// Collectors whose handles live in an ordinary `HashMap`.
fn plain<H>(
    capacity: usize,
    ops: u64,
    probe: &mut Probe,
    make: impl Fn(u32, u64) -> H,
    stamp_of: impl Fn(&H) -> u64,
    restamp: impl Fn(&H, u64),
    word: impl Fn(&H) -> u64,
) -> Tally {
    let mut rng = SplitMix(42);
    let mut map = HashMap::with_capacity(capacity + 1);
    let mut recency = Recency::new(capacity);
    let mut tally = Tally::default();
    for stamp in 0..ops {
        let key = next_key(&mut rng, capacity as u64);
        lookup(
            &mut map,
            &mut recency,
            &mut tally,
            key,
            stamp,
            &stamp_of,
            &restamp,
            &make,
            &word,
        );
        if stamp % 64 == 0 {
            probe.tick();
        }
    }
    tally
}

mod tenure_impl {
    use std::collections::HashMap;

    use tenure::{Config, Gc, Heap, Rootable};

    use super::*;

    #[derive(tenure::Trace)]
    struct Entry {
        /// Plain data: a `Cell` needs no write barrier (it can hold no `Gc`).
        #[trace(skip)]
        stamp: Cell<u64>,
        payload: [u64; PAYLOAD_WORDS],
    }

    #[derive(tenure::Trace)]
    struct Root<'gc> {
        map: HashMap<u32, Gc<'gc, Entry>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    /// Lookups inside `mutate_root`, as many per call as fit before the
    /// collector asks for a safe point.
    pub fn run(capacity: usize, ops: u64, config: Config, probe: &mut Probe) -> Tally {
        let mut heap = Heap::<R>::with_config(config, |_| Root {
            map: HashMap::with_capacity(capacity + 1),
        })
        .expect("valid config");
        probe.watch(&mut heap);
        let mut run = Lookups::new(capacity, ops);
        while run.more() {
            heap.mutate_root(|m, root| {
                while run.more() {
                    lookup_cell!(run, &mut root.map, |entry| Gc::new(m, entry));
                    if m.debt_due() {
                        break;
                    }
                }
            });
            probe.tenure_safe_point(&mut heap);
        }
        probe.finish_tenure(&heap);
        run.tally
    }
}

mod arena_impl {
    use std::collections::HashMap;

    use gc_arena::{Arena, Collect, Gc, Rootable};

    use super::*;

    /// `Cell` of plain data: gc-arena's documented way to mutate non-`Gc`
    /// fields without a barrier.
    #[derive(Collect)]
    #[collect(require_static)]
    struct Entry {
        stamp: Cell<u64>,
        payload: [u64; PAYLOAD_WORDS],
    }

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        map: HashMap<u32, Gc<'gc, Entry>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(capacity: usize, ops: u64, probe: &mut Probe) -> Tally {
        let mut arena = Arena::<R>::new(|_| Root {
            map: HashMap::with_capacity(capacity + 1),
        });
        let mut run = Lookups::new(capacity, ops);
        while run.more() {
            arena.mutate_root(|mc, root| {
                while run.more() {
                    lookup_cell!(run, &mut root.map, |entry| Gc::new(mc, entry));
                    if mc.metrics().allocation_debt() > 0.0 {
                        break;
                    }
                }
            });
            probe.arena_safe_point(&mut arena);
        }
        run.tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collector_agrees() {
        let mut expected = None;
        for collector in Collector::ALL {
            if Cache.supports(collector).is_err() {
                continue;
            }
            let mut ctx = Ctx {
                size: 300,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            let check = Cache.run(collector, &mut ctx).check;
            assert_eq!(
                &check,
                expected.get_or_insert_with(|| check.clone()),
                "{collector}"
            );
        }
    }
}
