//! intern: a string-interning table with weak values under churn, an
//! interpreter's symbol table (issue 16).
//!
//! **Program.** A vocabulary of `V` names (`V` = the size, 100,000 by
//! default) is interned [`OPS_PER_NAME`] x `V` times (5 M): three lookups in
//! four draw from a hot set of `V / 16` names, the rest from all `V`. The
//! table maps each name (a `String` key) to a *weak* reference to its symbol
//! (a managed object owning a copy of the name); interning finds the entry
//! and upgrades it, or makes a symbol and stores a new weak reference; then
//! it allocates a short-lived token naming the symbol (what the reader or
//! compiler would make), so allocation, and with it collection, goes on at a
//! steady rate whatever the miss rate. The
//! program holds `V / 8` symbols strongly in a ring in the root: each
//! intern picks a ring slot, checks that a held symbol of the same name *is*
//! the interned one (a weak table must never hand out a second symbol for a
//! name that is alive), and one time in four replaces the slot's symbol,
//! which may make the old one garbage. When the table has grown to twice
//! its size after the last purge, entries whose symbols died are purged
//! (as Lua's string table is), so dead entries do not pile up. The table and
//! the ring sit in the root; [`OPS_PER_MUTATE`] (1,000) interns run per
//! `mutate` call, then the safe point (`collect_debt`), timed.
//!
//! **Where the table lives.** On tenure the table is a
//! [`tenure::RootMap`] and the ring a [`tenure::RootVec`], the documented
//! answer to a big root (issue 13 item 2, `docs/embedding.md`, "Big
//! roots"): a `HashMap` or `Vec` in the root is traced whole at every minor
//! GC, mark start and termination (up to `2 V` entries, each an edge), where
//! a root container logs the chunks written and a minor GC scans only those.
//! The peers keep a `HashMap` and a `Vec` (gc-arena traces its root once per
//! cycle, and `Rc` not at all). The program is written once over [`Table`]
//! and a ring of `IndexMut` slots, so the same sequence runs on each.
//!
//! - Live size: `V / 8` held symbols (and their names), the table of up to
//!   `2 V` entries with `String` keys: about 10 MiB at V = 100,000.
//! - Allocation: a token (two words) per intern, 5 M; a symbol (and its
//!   weak reference, where that is an object) per miss; misses happen when
//!   a name's symbol died, so their rate depends on how soon a collector
//!   clears dead weak references.
//! - What it stresses: a big `HashMap` with `String` keys in the root
//!   (rescanned, or rebuilt, at every collection that scans the root), weak
//!   references cleared under churn, young symbols that need `Drop`.
//! - Check: the bytes of every interned name, the tokens' positions read
//!   back, how many held symbols were
//!   identical to the interned one (and how many were not: must be 0), and,
//!   after a full collection, the live entries and the distinct held names
//!   (equal when dead weak references are all cleared). Hits and misses are
//!   not in the check: they depend on when each collector finds symbols dead.
//!
//! Collectors: tenure (`GcWeak`), gc-arena (`GcWeak`), and `Rc`/`Weak` as the
//! plain-Rust baseline. The program is written once, over [`Symbols`].

use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};

use crate::collector::Collector;
use crate::probe::Probe;
use crate::result::Outcome;
use crate::workloads::{interpreter_shaped, Ctx, SplitMix, Workload};

/// Interns per vocabulary name.
pub const OPS_PER_NAME: u64 = 50;

/// Interns per `mutate` call.
pub const OPS_PER_MUTATE: u64 = 1000;

/// The smallest table size that triggers a purge.
const MIN_PURGE: usize = 1024;

/// Seed of the name sequence.
const SEED: u64 = 0x1a7e_5713;

/// The intern workload.
pub struct Intern;

impl Workload for Intern {
    fn name(&self) -> &'static str {
        "intern"
    }
    fn about(&self) -> &'static str {
        "a string-interning table (String keys, weak values) in the root under churn: an interpreter's symbol table"
    }
    fn size_meaning(&self) -> &'static str {
        "vocabulary V names (50 V interns)"
    }
    fn default_size(&self) -> u32 {
        100_000
    }
    fn quick_size(&self) -> u32 {
        20_000
    }
    fn supports(&self, collector: Collector) -> Result<(), &'static str> {
        interpreter_shaped(collector)
    }
    fn run(&self, collector: Collector, ctx: &mut Ctx) -> Outcome {
        let program = Program::new(u64::from(ctx.size).max(64));
        let ops = program.ops;
        let tally = match collector {
            Collector::Tenure => tenure_impl::run(program, ctx.config, &mut ctx.probe),
            Collector::GcArena => arena_impl::run(program, &mut ctx.probe),
            Collector::Rc => rc_run(program, &mut ctx.probe),
            _ => unreachable!("declined by supports()"),
        };
        ctx.probe.notes.push(format!(
            "{} misses (symbols made) of {ops} interns, {} purges",
            tally.misses, tally.purges
        ));
        Outcome {
            ops,
            ops_unit: "interns",
            check: format!(
                "{ops} interns of {} bytes, tokens {}; held symbols identical {}, different {}; {} live entries for {} held names",
                tally.bytes, tally.tokens, tally.same, tally.different, tally.live_entries, tally.held_names
            ),
        }
    }
}

/// What the run found (the check and the notes).
#[derive(Default, Debug)]
pub struct Tally {
    bytes: u64,
    same: u64,
    different: u64,
    live_entries: u64,
    held_names: u64,
    misses: u64,
    purges: u64,
    tokens: u64,
}

/// A collector's symbols and weak references, as the program sees them.
pub trait Symbols {
    /// A strong handle to a symbol.
    type Sym: Clone;
    /// A weak reference to one.
    type Weak;
    /// A new symbol for `name`.
    fn make(&self, name: &str) -> Self::Sym;
    /// A weak reference to `sym`.
    fn downgrade(&self, sym: &Self::Sym) -> Self::Weak;
    /// The symbol, if it is still alive.
    fn upgrade(&self, weak: &Self::Weak) -> Option<Self::Sym>;
    /// Whether the symbol is known dead (its entry can be purged).
    fn is_dead(weak: &Self::Weak) -> bool;
    /// The symbol's name.
    fn name(sym: &Self::Sym) -> &str;
    /// Whether two handles name the same symbol.
    fn same(a: &Self::Sym, b: &Self::Sym) -> bool;
    /// Allocates a short-lived object naming `sym` (the token the reader
    /// made) and returns its `position`, read back through it.
    fn token(&self, sym: &Self::Sym, position: u64) -> u64;
}

/// The interning table as the program sees it: name to weak reference.
pub trait Table<W> {
    /// The entry for `name`, if there is one.
    fn lookup(&self, name: &str) -> Option<&W>;
    /// Sets `name`'s entry (a new one, or a replacement for a dead one).
    fn store(&mut self, name: &str, weak: W);
    /// The number of entries.
    fn entries(&self) -> usize;
    /// Removes every entry for which `dead` is true.
    fn purge(&mut self, dead: impl Fn(&W) -> bool);
    /// The entries for which `dead` is false.
    fn live(&self, dead: impl Fn(&W) -> bool) -> usize;
}

/// Implements [`Table`] for a map type with `HashMap`'s method names
/// (`HashMap` here, tenure's `RootMap` in `tenure_impl`).
macro_rules! impl_table {
    ([$($generics:tt)*] $map:ty, $weak:ty) => {
        impl<$($generics)*> $crate::workloads::intern::Table<$weak> for $map {
            fn lookup(&self, name: &str) -> Option<&$weak> {
                self.get(name)
            }
            fn store(&mut self, name: &str, weak: $weak) {
                match self.get_mut(name) {
                    Some(entry) => *entry = weak,
                    None => {
                        self.insert(name.to_owned(), weak);
                    }
                }
            }
            fn entries(&self) -> usize {
                self.len()
            }
            fn purge(&mut self, dead: impl Fn(&$weak) -> bool) {
                self.retain(|_, weak| !dead(weak));
            }
            fn live(&self, dead: impl Fn(&$weak) -> bool) -> usize {
                self.iter().filter(|(_, weak)| !dead(weak)).count()
            }
        }
    };
}

impl_table!([W] HashMap<String, W>, W);

/// The program: the vocabulary, the random sequence and how far it got.
pub struct Program {
    vocabulary: Vec<String>,
    rng: SplitMix,
    ops: u64,
    done: u64,
    purge_at: usize,
    tally: Tally,
}

impl Program {
    fn new(names: u64) -> Program {
        Program {
            vocabulary: (0..names).map(|n| format!("symbol-{n:08}")).collect(),
            rng: SplitMix(SEED),
            ops: names * OPS_PER_NAME,
            done: 0,
            purge_at: MIN_PURGE,
            tally: Tally::default(),
        }
    }

    /// Slots of the ring of held symbols.
    fn held_slots(&self) -> usize {
        self.vocabulary.len() / 8
    }

    fn finished(&self) -> bool {
        self.done == self.ops
    }

    /// Runs up to [`OPS_PER_MUTATE`] interns.
    fn batch<S: Symbols, H>(&mut self, symbols: &S, table: &mut impl Table<S::Weak>, held: &mut H)
    where
        H: std::ops::IndexMut<usize, Output = Option<S::Sym>>
            + std::ops::Deref<Target = [Option<S::Sym>]>
            + ?Sized,
    {
        let names = self.vocabulary.len() as u64;
        for _ in 0..OPS_PER_MUTATE {
            if self.finished() {
                return;
            }
            let index = if self.rng.below(4) < 3 {
                self.rng.below((names / 16).max(1))
            } else {
                self.rng.below(names)
            };
            let name = self.vocabulary[index as usize].as_str();
            // A hit only reads the table; a miss stores a new entry.
            let sym = match table.lookup(name).and_then(|weak| symbols.upgrade(weak)) {
                Some(sym) => sym,
                None => {
                    let sym = symbols.make(name);
                    table.store(name, symbols.downgrade(&sym));
                    self.tally.misses += 1;
                    sym
                }
            };
            assert_eq!(S::name(&sym), name, "interned the wrong symbol");
            self.tally.bytes += name.len() as u64;
            self.tally.tokens = self
                .tally
                .tokens
                .wrapping_add(symbols.token(&sym, self.done));
            let slot = self.rng.below(held.len() as u64) as usize;
            if let Some(kept) = &held[slot] {
                if S::name(kept) == name {
                    if S::same(kept, &sym) {
                        self.tally.same += 1;
                    } else {
                        self.tally.different += 1;
                    }
                }
            }
            if self.rng.below(4) == 0 {
                held[slot] = Some(sym);
            }
            self.done += 1;
            if table.entries() >= self.purge_at {
                table.purge(S::is_dead);
                self.purge_at = (2 * table.entries()).max(MIN_PURGE);
                self.tally.purges += 1;
            }
        }
    }

    /// After a full collection: counts live entries and held names.
    fn finish<S: Symbols>(mut self, table: &impl Table<S::Weak>, held: &[Option<S::Sym>]) -> Tally {
        self.tally.live_entries = table.live(S::is_dead) as u64;
        let names: HashSet<&str> = held.iter().flatten().map(|s| S::name(s)).collect();
        self.tally.held_names = names.len() as u64;
        self.tally
    }
}

// ------------------------------------------------------------------ Rc

struct RcSym {
    name: String,
}

struct RcToken {
    sym: Rc<RcSym>,
    position: u64,
}

struct RcSymbols;

impl Symbols for RcSymbols {
    type Sym = Rc<RcSym>;
    type Weak = Weak<RcSym>;
    fn make(&self, name: &str) -> Rc<RcSym> {
        Rc::new(RcSym {
            name: name.to_owned(),
        })
    }
    fn downgrade(&self, sym: &Rc<RcSym>) -> Weak<RcSym> {
        Rc::downgrade(sym)
    }
    fn upgrade(&self, weak: &Weak<RcSym>) -> Option<Rc<RcSym>> {
        weak.upgrade()
    }
    fn is_dead(weak: &Weak<RcSym>) -> bool {
        weak.strong_count() == 0
    }
    fn name(sym: &Rc<RcSym>) -> &str {
        &sym.name
    }
    fn same(a: &Rc<RcSym>, b: &Rc<RcSym>) -> bool {
        Rc::ptr_eq(a, b)
    }
    fn token(&self, sym: &Rc<RcSym>, position: u64) -> u64 {
        let token = std::hint::black_box(Rc::new(RcToken {
            sym: Rc::clone(sym),
            position,
        }));
        token.position + token.sym.name.len() as u64
    }
}

fn rc_run(mut program: Program, probe: &mut Probe) -> Tally {
    let mut table = HashMap::new();
    let mut held = vec![None; program.held_slots()];
    while !program.finished() {
        program.batch(&RcSymbols, &mut table, &mut held);
        probe.tick();
    }
    program.finish::<RcSymbols>(&table, &held)
}

// ------------------------------------------------------------------ GC twins

/// A [`Symbols`] over the `Gc`, `GcWeak`, `Mutation`, `Sym` and `Token` in
/// scope at the call: tenure's and gc-arena's spell the same calls the same
/// way but for making a weak reference (`|m, sym| ..`, `m` the mutation
/// handle), so the symbols are written once for both.
macro_rules! gc_symbols {
    ($symbols:ident, downgrade: |$m:ident, $sym:ident| $downgrade:expr) => {
        struct $symbols<'a, 'gc>(&'a Mutation<'gc>);

        impl<'gc> Symbols for $symbols<'_, 'gc> {
            type Sym = Gc<'gc, Sym>;
            type Weak = GcWeak<'gc, Sym>;
            fn make(&self, name: &str) -> Self::Sym {
                Gc::new(
                    self.0,
                    Sym {
                        name: name.to_owned(),
                    },
                )
            }
            fn downgrade(&self, sym: &Self::Sym) -> Self::Weak {
                let ($m, $sym) = (self.0, *sym);
                $downgrade
            }
            fn upgrade(&self, weak: &Self::Weak) -> Option<Self::Sym> {
                weak.upgrade(self.0)
            }
            fn is_dead(weak: &Self::Weak) -> bool {
                weak.is_dropped()
            }
            fn name(sym: &Self::Sym) -> &str {
                &sym.name
            }
            fn same(a: &Self::Sym, b: &Self::Sym) -> bool {
                Gc::ptr_eq(*a, *b)
            }
            fn token(&self, sym: &Self::Sym, position: u64) -> u64 {
                let token = std::hint::black_box(Gc::new(
                    self.0,
                    Token {
                        sym: *sym,
                        position,
                    },
                ));
                token.position + token.sym.name.len() as u64
            }
        }
    };
}

// ------------------------------------------------------------------ tenure

mod tenure_impl {
    use super::{Program, Symbols, Tally};
    use crate::probe::Probe;
    use tenure::{Config, Gc, GcWeak, Heap, Mutation, RootMap, RootVec, Rootable};

    #[derive(tenure::Trace)]
    pub struct Sym {
        name: String,
    }

    #[derive(tenure::Trace)]
    pub struct Token<'gc> {
        sym: Gc<'gc, Sym>,
        position: u64,
    }

    gc_symbols!(TenureSymbols, downgrade: |m, sym| Gc::downgrade(m, sym));

    impl_table!(['gc] RootMap<'gc, String, GcWeak<'gc, Sym>>, GcWeak<'gc, Sym>);

    /// The table and the ring are root containers (see the module docs).
    #[derive(tenure::Trace)]
    struct Root<'gc> {
        table: RootMap<'gc, String, GcWeak<'gc, Sym>>,
        held: RootVec<'gc, Option<Gc<'gc, Sym>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(mut program: Program, config: Config, probe: &mut Probe) -> Tally {
        let slots = program.held_slots();
        let mut heap = Heap::<R>::with_config(config, |m| {
            let mut held = RootVec::with_capacity(m, slots);
            held.extend((0..slots).map(|_| None));
            Root {
                table: RootMap::new(m),
                held,
            }
        })
        .expect("valid config");
        probe.watch(&mut heap);
        while !program.finished() {
            heap.mutate_root(|m, root| {
                program.batch(&TenureSymbols(m), &mut root.table, &mut root.held)
            });
            probe.tenure_safe_point(&mut heap);
        }
        heap.collect_full();
        let tally = heap.mutate(|_, root| program.finish::<TenureSymbols>(&root.table, &root.held));
        probe.finish_tenure(&heap);
        tally
    }
}

// ------------------------------------------------------------------ gc-arena

mod arena_impl {
    use std::collections::HashMap;

    use super::{Program, Symbols, Tally};
    use crate::probe::Probe;
    use gc_arena::{Arena, Collect, Gc, GcWeak, Mutation, Rootable};

    #[derive(Collect)]
    #[collect(require_static)]
    pub struct Sym {
        name: String,
    }

    #[derive(Collect)]
    #[collect(no_drop)]
    pub struct Token<'gc> {
        sym: Gc<'gc, Sym>,
        position: u64,
    }

    // gc-arena's weak reference needs no mutation handle.
    gc_symbols!(ArenaSymbols, downgrade: |_m, sym| Gc::downgrade(sym));

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Root<'gc> {
        table: HashMap<String, GcWeak<'gc, Sym>>,
        held: Vec<Option<Gc<'gc, Sym>>>,
    }

    type R = Rootable!['gc => Root<'gc>];

    pub fn run(mut program: Program, probe: &mut Probe) -> Tally {
        let slots = program.held_slots();
        let mut arena = Arena::<R>::new(|_| Root {
            table: HashMap::new(),
            held: vec![None; slots],
        });
        while !program.finished() {
            arena.mutate_root(|mc, root| {
                program.batch(&ArenaSymbols(mc), &mut root.table, &mut root.held)
            });
            probe.arena_safe_point(&mut arena);
        }
        // The cycle under way may have marked symbols that died since: a
        // second whole cycle frees them all.
        arena.finish_cycle();
        arena.finish_cycle();
        arena.mutate(|_, root| program.finish::<ArenaSymbols>(&root.table, &root.held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collector_interns_the_same_symbols() {
        let mut checks = Vec::new();
        for collector in [Collector::Tenure, Collector::GcArena, Collector::Rc] {
            let mut ctx = Ctx {
                size: 2000,
                config: tenure::Config::default(),
                probe: Probe::new(),
            };
            let check = Intern.run(collector, &mut ctx).check;
            assert!(check.contains("different 0;"), "{collector}: {check}");
            checks.push(check);
        }
        assert_eq!(checks[0], checks[1]);
        assert_eq!(checks[0], checks[2]);
        let mut program = Program::new(2000);
        let (mut table, mut held) = (HashMap::new(), vec![None; 250]);
        while !program.finished() {
            program.batch(&RcSymbols, &mut table, &mut held);
        }
        let tally = program.finish::<RcSymbols>(&table, &held);
        assert!(tally.same > 100, "{tally:?}");
        assert_eq!(tally.live_entries, tally.held_names);
        assert!(tally.purges > 0 && tally.misses > 2000, "{tally:?}");
        assert!(Intern.supports(Collector::Box).is_err());
    }
}
