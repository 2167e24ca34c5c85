//! The model: a random mutator program run against a real heap and a shadow graph.
//!
//! A program is a list of [`Op`]s: allocate (single objects, chains, garbage), link,
//! unlink, move an edge from one object to another, push and pop root slots, stash,
//! fetch and unstash, downgrade and upgrade weak references (reviving unreachable but
//! not yet freed objects), insert into and remove from an ephemeron table, register
//! objects with a finalization queue, change knobs at run time, and collect in every
//! way the heap offers (`collect_debt`, `collect_minor`, `collect_full`, and the manual
//! steps `start_marking` / `mark_step` / `finish_marking` / `sweep_step`), in any order,
//! so that mutations land between incremental mark and sweep steps. Selectors in the ops
//! are reduced modulo whatever they select from, so every program is valid and shrinks
//! well.
//!
//! The [`Shadow`] is the same graph in plain Rust (ids and edges). After every collection
//! [`Model::check`] demands that:
//!
//! 1. `Heap::verify` finds nothing wrong;
//! 2. the objects reachable in the heap (from the root slots and the stash) are exactly the
//!    shadow's reachable ones, each intact: id, payload, leaf, large child and every edge;
//! 3. no reachable object was dropped, and no object was dropped twice;
//! 4. a weak reference to a reachable object upgrades to that object; one to an unreachable
//!    object upgrades to `None` or to the intact object, and once `None`, stays `None`;
//! 5. every reachable key's ephemeron entry holds the value the shadow says;
//! 6. every object the finalization queue resurrected was watched and unreachable, and
//!    comes back whole with everything it reaches (the checks take them all; even ids
//!    are rooted again, odd ones dropped), and the queue watches exactly the rest.
//!
//! After a `collect_full` it also demands that everything unreachable is gone: each
//! unreachable object with a counted `Drop` was dropped exactly once, weak references to
//! the unreachable are `None`, entries of dead keys are gone, every dead watched object
//! was resurrected, Eden and the survivor space are empty, and `stats().live_objects`,
//! the verifier's object count and the old + large object counts all equal the shadow's
//! count. When the heap is dropped, every counted object must have been dropped exactly
//! once.
//!
//! The model is four modules: [`program`](super::program) (ops and generators),
//! [`objects`](super::objects) (the managed types), [`shadow`](super::shadow) (the shadow
//! graph) and this one (the runner and its checks). Two test crates drive it:
//! `tests/model.rs` (the facade, driven by proptest) and `gc-core/tests/model_miri.rs`
//! (seeded programs small enough for Miri).

use std::collections::{BTreeSet, HashMap};
use std::mem::ManuallyDrop;
use std::rc::Rc;
use std::time::Duration;

use super::objects::*;
use super::program::*;
use super::shadow::{resolve_edge, Edge, Shadow, ShadowCounters, ShadowWeak};
use crate::gc::config::Tenuring;
use crate::gc::{unlock, Config, FinalizationQueue, Gc, GcWeakMap, Lock, Mutation, Phase, RefLock};

/// A heap, the handles the program keeps outside it, and the shadow.
pub struct Model {
    heap: ModelHeap,
    handles: Vec<ObjStash>,
    shadow: Shadow,
    drops: DropLog,
    options: RunOptions,
    /// What the run has covered so far.
    summary: RunSummary,
    /// Whether the young generation is on.
    generational: bool,
}

/// What a whole run covered, for callers that check that programs reach the
/// interesting interleavings.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunSummary {
    /// Collections checked.
    pub checks: usize,
    /// Mutating ops run while a major cycle was marking (between mark steps).
    pub mutations_while_marking: usize,
    /// Mutating ops run while a major cycle was sweeping.
    pub mutations_while_sweeping: usize,
    /// Minor collections run.
    pub minor_collections: u64,
    /// Major cycles completed.
    pub major_collections: u64,
    /// Black objects the write barrier turned gray again.
    pub barrier_regrays: u64,
}

impl std::ops::AddAssign for RunSummary {
    fn add_assign(&mut self, other: RunSummary) {
        self.checks += other.checks;
        self.mutations_while_marking += other.mutations_while_marking;
        self.mutations_while_sweeping += other.mutations_while_sweeping;
        self.minor_collections += other.minor_collections;
        self.major_collections += other.major_collections;
        self.barrier_regrays += other.barrier_regrays;
    }
}

/// Runs `program` on a fresh heap built with `config`, checking after every collection,
/// then collects fully, drops the heap and checks that every counted object was dropped
/// exactly once. Panics (with the op index) on the first discrepancy.
///
/// On a failure the heap is leaked, not dropped: its objects may be corrupt, and dropping
/// them could crash the process before proptest has shrunk the program.
pub fn run(config: Config, options: RunOptions, program: &[Op]) -> RunSummary {
    let mut model = ManuallyDrop::new(Model::new(config, options));
    for (step, op) in program.iter().enumerate() {
        model.apply(*op, step);
    }
    model.apply(Op::Collect(CollectOp::Full), program.len());
    ManuallyDrop::into_inner(model).finish()
}

impl Model {
    /// A model over a fresh heap.
    pub fn new(config: Config, options: RunOptions) -> Model {
        let generational = config.generational();
        let heap = ModelHeap::with_config(config, |m| ModelRoot {
            slots: Vec::new(),
            weaks: Vec::new(),
            ephemerons: GcWeakMap::new(m),
            finals: FinalizationQueue::new(m),
        })
        .expect("the model's configs are valid");
        let shadow = Shadow {
            counters: ShadowCounters::new(heap.stats()),
            ..Shadow::default()
        };
        Model {
            heap,
            handles: Vec::new(),
            shadow,
            drops: DropLog::default(),
            options,
            summary: RunSummary::default(),
            generational,
        }
    }

    /// Runs one op (and the checks it calls for). `step` names it in failure messages.
    pub fn apply(&mut self, op: Op, step: usize) {
        match op {
            Op::Collect(collect) => {
                self.collect(collect);
                self.check(step, op, matches!(collect, CollectOp::Full));
            }
            Op::Knob(knob) => {
                self.set_knob(knob);
                let context = format!("after op {step} ({op:?})");
                self.shadow.counters.check(self.heap.stats(), &context);
            }
            _ => {
                match self.heap.phase() {
                    Phase::Marking => self.summary.mutations_while_marking += 1,
                    Phase::Sweeping => self.summary.mutations_while_sweeping += 1,
                    Phase::Idle => {}
                }
                self.mutate(op, step);
                let context = format!("after op {step} ({op:?})");
                self.shadow.counters.check(self.heap.stats(), &context);
                if self.options.debt_after_each_op {
                    self.heap.collect_debt();
                    self.check(step, op, false);
                }
            }
        }
    }

    /// Drops the heap (the handles outlive it) and checks the drop log.
    pub fn finish(self) -> RunSummary {
        let Model {
            heap,
            handles,
            shadow,
            drops,
            summary,
            ..
        } = self;
        let stats = heap.stats();
        let summary = RunSummary {
            minor_collections: stats.minor_collections,
            major_collections: stats.major_collections,
            barrier_regrays: stats.barrier_regrays,
            ..summary
        };
        drop(heap);
        drop(handles);
        let log = drops.borrow();
        for (id, obj) in shadow.objs.iter().enumerate() {
            let dropped = log.get(&(id as u32)).copied().unwrap_or(0);
            let expected = u32::from(obj.spec.counted);
            assert_eq!(
                dropped, expected,
                "object {id} dropped {dropped} times in all (expected {expected})"
            );
        }
        summary
    }

    /// Applies a knob change if the resulting configuration is valid.
    fn set_knob(&mut self, knob: Knob) {
        let builder = self.heap.config().to_builder();
        let builder = match knob {
            Knob::GcPercent(percent) => builder.gc_percent(Some(u32::from(percent))),
            Knob::EdenKib(kib) => builder.eden_size(usize::from(kib) * 1024),
            Knob::Tenuring(0) => builder.tenuring(Tenuring::Adaptive { max: 15 }),
            Knob::Tenuring(age) => builder.tenuring(Tenuring::Fixed(age.min(15))),
            Knob::MarkStepKib(kib) => builder.mark_step_budget(usize::from(kib) * 1024),
            Knob::Stress(on) => builder.stress(on),
            Knob::LargeThreshold(n) => builder
                .large_object_threshold(LARGE_THRESHOLDS[usize::from(n) % LARGE_THRESHOLDS.len()]),
            Knob::SurvivorRatio(ratio) => builder.survivor_ratio(u32::from(ratio)),
            Knob::Incremental(on) => builder.incremental(on),
            Knob::MinorPauseUs(0) => builder.minor_pause_target(None),
            Knob::MinorPauseUs(us) => {
                builder.minor_pause_target(Some(Duration::from_micros(u64::from(us))))
            }
            Knob::MemoryLimitMib(0) => builder.memory_limit(None),
            Knob::MemoryLimitMib(mib) => builder.memory_limit(Some(usize::from(mib) << 20)),
            Knob::GcPercentOff => builder.gc_percent(None),
        };
        if let Ok(config) = builder.build() {
            self.heap
                .set_config(config)
                .expect("a config that built is accepted");
        }
    }

    fn collect(&mut self, collect: CollectOp) {
        match collect {
            CollectOp::Debt => self.heap.collect_debt(),
            CollectOp::Minor => self.heap.collect_minor(),
            CollectOp::Full => self.heap.collect_full(),
            CollectOp::StartMarking => self.heap.start_marking(),
            CollectOp::MarkStep(share) => {
                let units =
                    self.shadow.reachable().len() * UNITS_PER_OBJECT * usize::from(share) / 1024;
                self.heap.mark_step(units.max(1));
            }
            CollectOp::FinishMarking => self.heap.finish_marking(),
            CollectOp::SweepStep(cells) => {
                self.heap.sweep_step(usize::from(cells));
            }
        }
    }

    /// Allocates one object in the heap and the shadow.
    fn alloc<'gc>(
        m: &'gc Mutation<'gc>,
        shadow: &mut Shadow,
        drops: &DropLog,
        spec: AllocSpec,
        f0: Option<(u32, ObjRef<'gc>)>,
    ) -> (u32, ObjRef<'gc>) {
        let id = shadow.add(spec);
        shadow.objs[id as usize].slots[0] = f0.map(|(child, _)| child);
        let leaf = spec.leaf.then(|| {
            let leaf = Leaf {
                value: leaf_value(id),
            };
            shadow.counters.sized::<Leaf, _>(m, || Gc::new(m, leaf))
        });
        // A large child is born old; it starts out pointing where `f0` does (in a
        // chain, the previous, young link), so it must be remembered from birth (I2).
        let big = spec.big.then(|| {
            let mut data = [0u8; BIG_BYTES];
            for (i, byte) in data.iter_mut().enumerate() {
                *byte = big_byte(id, i);
            }
            let big = BigNode {
                id,
                data,
                back: Lock::new(f0.map(|(_, gc)| gc)),
            };
            shadow.counters.sized::<BigNode, _>(m, || Gc::new(m, big))
        });
        if spec.big {
            shadow.objs[id as usize].big_back = f0.map(|(child, _)| child);
        }
        let obj = Obj {
            id,
            f0: Lock::new(f0.map(|(_, gc)| gc)),
            f1: Lock::new(None),
            cells: shadow
                .counters
                .sized::<u64, _>(m, || Gc::new_array_filled(m, CELLS, None)),
            name: shadow
                .counters
                .sized::<u64, _>(m, || Gc::from_str(m, &obj_name(id))),
            list: RefLock::new(Vec::new()),
            payload: make_payload(id, spec.payload),
            inline: std::array::from_fn(|i| inline_word(id, i)),
            leaf,
            big,
            drops: spec.counted.then(|| Rc::clone(drops)),
        };
        let obj = shadow.counters.sized::<Obj, _>(m, || Gc::new(m, obj));
        (id, obj)
    }

    /// Runs a mutating op inside one `mutate_root` call.
    fn mutate(&mut self, op: Op, step: usize) {
        let reachable: Vec<u32> = self.shadow.reachable().into_iter().collect();
        let pick = |sel: Sel| (!reachable.is_empty()).then(|| reachable[sel.pick(reachable.len())]);
        let Model {
            heap,
            handles,
            shadow,
            drops,
            ..
        } = self;
        heap.mutate_root(|m, root| {
            let objects = find_objects(root, handles, m);
            let obj = |id: u32| {
                *objects.get(&id).unwrap_or_else(|| {
                    panic!("op {step} ({op:?}): reachable object {id} not found in the heap")
                })
            };
            match op {
                Op::Alloc { spec, attach } => match attach {
                    Attach::Root => {
                        let (id, new) = Model::alloc(m, shadow, drops, spec, None);
                        root.slots.push(new);
                        shadow.roots.push(id);
                    }
                    Attach::Edge { parent, edge } => {
                        let Some(parent) = pick(parent) else { return };
                        let (id, new) = Model::alloc(m, shadow, drops, spec, None);
                        link(m, shadow, (parent, obj(parent)), (id, new), edge);
                    }
                },
                Op::AllocChain { len, spec } => {
                    let mut head = None;
                    for _ in 0..len.max(1) {
                        head = Some(Model::alloc(m, shadow, drops, spec, head));
                    }
                    let (id, gc) = head.expect("a chain has a head");
                    root.slots.push(gc);
                    shadow.roots.push(id);
                }
                Op::AllocGarbage { count, spec } => {
                    for _ in 0..count {
                        Model::alloc(m, shadow, drops, spec, None);
                    }
                }
                Op::Link { from, to, edge } => {
                    let (Some(from), Some(to)) = (pick(from), pick(to)) else {
                        return;
                    };
                    link(m, shadow, (from, obj(from)), (to, obj(to)), edge);
                }
                Op::Unlink { from, edge, index } => {
                    let Some(from) = pick(from) else { return };
                    unlink(m, shadow, (from, obj(from)), edge, index);
                }
                Op::Move {
                    from,
                    edge,
                    to,
                    to_edge,
                } => {
                    let (Some(from), Some(to)) = (pick(from), pick(to)) else {
                        return;
                    };
                    // The first edge from `edge` on that holds something.
                    let entry = &shadow.objs[from as usize];
                    let taken = (0..FIELDS as u8 + 2)
                        .map(|offset| edge.wrapping_add(offset))
                        .find_map(|edge| {
                            let child = match resolve_edge(entry, edge) {
                                Edge::Slot(index) => entry.slots[index],
                                Edge::List => entry.list.last().copied(),
                                Edge::Big => entry.big_back,
                            };
                            child.map(|child| (edge, child))
                        });
                    let Some((edge, child)) = taken else { return };
                    let last = Sel(entry.list.len().saturating_sub(1) as u16);
                    link(m, shadow, (to, obj(to)), (child, obj(child)), to_edge);
                    unlink(m, shadow, (from, obj(from)), edge, last);
                }
                Op::PushRoot(sel) => {
                    let Some(id) = pick(sel) else { return };
                    root.slots.push(obj(id));
                    shadow.roots.push(id);
                }
                Op::PopRoot(sel) => {
                    if shadow.roots.is_empty() {
                        return;
                    }
                    let index = sel.pick(shadow.roots.len());
                    root.slots.swap_remove(index);
                    shadow.roots.swap_remove(index);
                }
                Op::Stash(sel) => {
                    let Some(id) = pick(sel) else { return };
                    handles.push(m.stash(obj(id)));
                    shadow.stash.push(id);
                }
                Op::Unstash(sel) => {
                    if handles.is_empty() {
                        return;
                    }
                    let index = sel.pick(handles.len());
                    handles.swap_remove(index);
                    shadow.stash.swap_remove(index);
                }
                Op::Fetch { handle, reroot } => {
                    if handles.is_empty() {
                        return;
                    }
                    let index = handle.pick(handles.len());
                    let fetched = m.fetch(&handles[index]);
                    let id = shadow.stash[index];
                    assert_eq!(
                        fetched.id, id,
                        "op {step}: stash handle {index} fetched the wrong object"
                    );
                    assert!(
                        Gc::ptr_eq(fetched, obj(id)),
                        "op {step}: fetched object {id} is a copy"
                    );
                    if reroot {
                        root.slots.push(fetched);
                        shadow.roots.push(id);
                    }
                }
                Op::Downgrade(sel) => {
                    let Some(id) = pick(sel) else { return };
                    // A weak reference is a managed cell of its own.
                    let weak = shadow
                        .counters
                        .sized::<(), _>(m, || Gc::downgrade(m, obj(id)));
                    root.weaks.push(weak);
                    shadow.weaks.push(ShadowWeak {
                        target: id,
                        cleared: false,
                    });
                }
                Op::Upgrade { weak, reroot } => {
                    if shadow.weaks.is_empty() {
                        return;
                    }
                    let index = weak.pick(shadow.weaks.len());
                    let expected = shadow.weaks[index];
                    let upgraded = root.weaks[index].upgrade(m);
                    let live = reachable.binary_search(&expected.target).is_ok();
                    match upgraded {
                        Some(target) => {
                            assert!(
                                !expected.cleared,
                                "op {step}: weak {index} came back to life"
                            );
                            assert_eq!(
                                target.id, expected.target,
                                "op {step}: weak {index} upgraded to the wrong object"
                            );
                            assert_eq!(
                                drops.borrow().get(&expected.target),
                                None,
                                "op {step}: weak {index} upgraded to dropped object {}",
                                expected.target
                            );
                            if live {
                                assert!(
                                    Gc::ptr_eq(target, obj(expected.target)),
                                    "op {step}: weak {index} upgraded to a copy"
                                );
                            }
                            if reroot {
                                // Revives the target if it was unreachable: the checks then
                                // demand that its whole subgraph is intact.
                                root.slots.push(target);
                                shadow.roots.push(expected.target);
                            }
                        }
                        None => {
                            assert!(
                                !live,
                                "op {step}: weak {index} to reachable object {} is empty",
                                expected.target
                            );
                            shadow.weaks[index].cleared = true;
                        }
                    }
                }
                Op::DropWeak(sel) => {
                    if shadow.weaks.is_empty() {
                        return;
                    }
                    let index = sel.pick(shadow.weaks.len());
                    root.weaks.swap_remove(index);
                    shadow.weaks.swap_remove(index);
                }
                Op::EphemeronInsert { key, value } => {
                    let (Some(key), Some(value)) = (pick(key), pick(value)) else {
                        return;
                    };
                    let previous = root.ephemerons.insert(m, obj(key), obj(value));
                    let expected = shadow.ephemerons.insert(key, value);
                    assert_eq!(
                        previous.map(|o| o.id),
                        expected,
                        "op {step}: the ephemeron table's previous value for key {key}"
                    );
                }
                Op::EphemeronRemove(sel) => {
                    let Some(key) = pick(sel) else { return };
                    let removed = root.ephemerons.remove(m, obj(key));
                    let expected = shadow.ephemerons.remove(&key);
                    assert_eq!(
                        removed.map(|o| o.id),
                        expected,
                        "op {step}: the ephemeron table's value for key {key}"
                    );
                }
                Op::Register(sel) => {
                    let Some(id) = pick(sel) else { return };
                    root.finals.register(m, obj(id));
                    shadow.watched.push(id);
                }
                Op::Collect(_) | Op::Knob(_) => unreachable!("run by `apply`"),
            }
        });
    }

    /// The checks of the module docs, after a collection (`full` after `collect_full`).
    pub fn check(&mut self, step: usize, op: Op, full: bool) {
        self.summary.checks += 1;
        let context = format!("after op {step} ({op:?}, phase {:?})", self.heap.phase());
        let verified = match self.heap.verify() {
            Ok(count) => count,
            Err(error) => panic!("{context}: {error}"),
        };
        self.shadow.counters.check(self.heap.stats(), &context);
        let reachable = self.shadow.reachable();
        let Model {
            heap,
            handles,
            shadow,
            drops,
            ..
        } = self;
        let (cleared, resurrected, alive) = heap.mutate_root(|m, root| {
            let objects = find_objects(root, handles, m);
            let found: BTreeSet<u32> = objects.keys().copied().collect();
            if found != reachable {
                let lost: Vec<_> = reachable.difference(&found).collect();
                let extra: Vec<_> = found.difference(&reachable).collect();
                panic!("{context}: reachable sets differ: lost {lost:?}, unexpected {extra:?}");
            }
            // Objects the finalization queue resurrected: each was watched and unreachable,
            // and must come back whole, with everything it reaches.
            let mut resurrected = Vec::new();
            let mut watched = shadow.watched.clone();
            while let Some(object) = root.finals.take(m) {
                let id = object.id;
                let index = watched
                    .iter()
                    .position(|&w| w == id)
                    .unwrap_or_else(|| panic!("{context}: resurrected object {id} was not watched"));
                watched.swap_remove(index);
                assert!(!reachable.contains(&id), "{context}: reachable object {id} was resurrected");
                if id % 2 == 0 {
                    root.slots.push(object);
                }
                resurrected.push((id, object));
            }
            assert_eq!(root.finals.watched_len(), watched.len(), "{context}: watched objects");
            let seeds: Vec<u32> = resurrected.iter().map(|&(id, _)| id).collect();
            let alive = shadow.reachable_from(&seeds);
            let from_resurrected = walk_from(resurrected.iter().map(|&(_, gc)| gc), root);
            for (&id, &gc) in &from_resurrected {
                assert!(alive.contains(&id), "{context}: object {id} is not reachable from the resurrected");
                check_intact(&context, shadow, id, gc);
            }
            if full {
                // Alive counts reaching it from a resurrected object: that keeps it alive
                // (it is resurrected once the program lets go of that one).
                for id in &watched {
                    assert!(alive.contains(id), "{context}: watched object {id} died but was not resurrected");
                }
            }
            for (&id, &gc) in &objects {
                check_intact(&context, shadow, id, gc);
                assert_eq!(
                    root.ephemerons.get(gc).map(|value| value.id),
                    shadow.ephemerons.get(&id).copied(),
                    "{context}: the ephemeron entry of key {id}"
                );
            }
            let live_entries = shadow.ephemerons.keys().filter(|key| alive.contains(key)).count();
            let entries = root.ephemerons.len();
            assert!(
                live_entries <= entries && entries <= shadow.ephemerons.len(),
                "{context}: {entries} ephemeron entries, {live_entries} with live keys, {} made",
                shadow.ephemerons.len()
            );
            if full {
                assert_eq!(entries, live_entries, "{context}: dead keys' entries survived a full collection");
            }
            for (slot, &id) in root.slots.iter().zip(&shadow.roots) {
                assert_eq!(slot.id, id, "{context}: root slot holds the wrong object");
            }
            for (handle, &id) in handles.iter().zip(&shadow.stash) {
                assert_eq!(m.fetch(handle).id, id, "{context}: stash handle holds the wrong object");
            }
            let log = drops.borrow();
            for (&id, &count) in log.iter() {
                assert_eq!(count, 1, "{context}: object {id} dropped {count} times");
                assert!(!alive.contains(&id), "{context}: reachable object {id} was dropped");
            }
            let mut cleared = Vec::new();
            assert_eq!(root.weaks.len(), shadow.weaks.len());
            for (index, (weak, expected)) in root.weaks.iter().zip(&shadow.weaks).enumerate() {
                let live = alive.contains(&expected.target);
                match weak.upgrade(m) {
                    Some(target) => {
                        assert!(!expected.cleared, "{context}: weak {index} came back to life");
                        assert_eq!(target.id, expected.target, "{context}: weak {index} points at the wrong object");
                        assert!(!log.contains_key(&expected.target), "{context}: weak {index} points at a dropped object");
                        if let Some(&known) = objects.get(&expected.target) {
                            assert!(Gc::ptr_eq(target, known), "{context}: weak {index} points at a copy");
                        } else if live {
                            check_intact(&context, shadow, expected.target, target);
                        } else if full {
                            panic!("{context}: weak {index} to unreachable {} survived a full collection", expected.target);
                        } else {
                            // Not yet collected: it must still be whole.
                            check_intact(&context, shadow, expected.target, target);
                        }
                    }
                    None => {
                        assert!(!live, "{context}: weak {index} to reachable object {} is empty", expected.target);
                        cleared.push(index);
                    }
                }
            }
            let resurrected: Vec<u32> = resurrected.into_iter().map(|(id, _)| id).collect();
            (cleared, resurrected, alive)
        });
        for index in cleared {
            shadow.weaks[index].cleared = true;
        }
        for id in resurrected {
            let index = shadow
                .watched
                .iter()
                .position(|&w| w == id)
                .expect("checked above");
            shadow.watched.swap_remove(index);
            if id % 2 == 0 {
                shadow.roots.push(id);
            }
        }
        if full {
            // Their keys are freed: the entries are gone for good.
            shadow.ephemerons.retain(|key, _| alive.contains(key));
            self.check_full(&context, &alive, verified);
        }
    }

    /// After `collect_full`: nothing unreachable is left, and the counts agree.
    fn check_full(&self, context: &str, reachable: &BTreeSet<u32>, verified: usize) {
        let log = self.drops.borrow();
        for (id, obj) in self.shadow.objs.iter().enumerate() {
            let id = id as u32;
            if obj.spec.counted && !reachable.contains(&id) {
                let dropped = log.get(&id).copied().unwrap_or(0);
                assert_eq!(dropped, 1, "{context}: unreachable object {id} dropped {dropped} times after a full collection");
            }
        }
        let expected = self.shadow.expected_objects(reachable);
        let stats = self.heap.stats();
        assert_eq!(
            stats.phase,
            Phase::Idle,
            "{context}: a full collection ends idle"
        );
        assert_eq!(
            verified, expected,
            "{context}: the verifier reached {verified} objects, expected {expected}"
        );
        assert_eq!(stats.live_objects, expected, "{context}: live_objects");
        assert_eq!(
            stats.old_objects + stats.large_objects,
            expected,
            "{context}: old + large objects after a full collection (old {}, large {})",
            stats.old_objects,
            stats.large_objects
        );
        if self.generational {
            assert_eq!(
                stats.eden_bytes, 0,
                "{context}: Eden is empty after a full collection"
            );
            assert_eq!(
                stats.survivor_bytes, 0,
                "{context}: survivors are empty after a full collection"
            );
        }
        assert_eq!(
            stats.stashed_handles,
            self.handles.len(),
            "{context}: stashed_handles"
        );
    }
}

/// Stores `to` into edge `edge` of `from` (see [`Op::Link`]).
fn link<'gc>(
    m: &'gc Mutation<'gc>,
    shadow: &mut Shadow,
    from: (u32, ObjRef<'gc>),
    to: (u32, ObjRef<'gc>),
    edge: u8,
) {
    let (from_id, from_gc) = from;
    let (to_id, to_gc) = to;
    let entry = &mut shadow.objs[from_id as usize];
    match resolve_edge(entry, edge) {
        Edge::Slot(index) => {
            set_slot(m, from_gc, index, Some(to_gc));
            entry.slots[index] = Some(to_id);
        }
        Edge::List => {
            unlock!(Gc::write(m, from_gc), Obj, list)
                .borrow_mut()
                .push(to_gc);
            entry.list.push(to_id);
        }
        Edge::Big => {
            let big = from_gc.big.expect("the shadow says it has a large child");
            unlock!(Gc::write(m, big), BigNode, back).set(Some(to_gc));
            entry.big_back = Some(to_id);
        }
    }
}

/// Clears edge `edge` of `from` (for the list, removes element `index`).
fn unlink<'gc>(
    m: &'gc Mutation<'gc>,
    shadow: &mut Shadow,
    from: (u32, ObjRef<'gc>),
    edge: u8,
    index: Sel,
) {
    let (from_id, from_gc) = from;
    let entry = &mut shadow.objs[from_id as usize];
    match resolve_edge(entry, edge) {
        Edge::Slot(slot) => {
            set_slot(m, from_gc, slot, None);
            entry.slots[slot] = None;
        }
        Edge::List => {
            if entry.list.is_empty() {
                return;
            }
            let index = index.pick(entry.list.len());
            unlock!(Gc::write(m, from_gc), Obj, list)
                .borrow_mut()
                .remove(index);
            entry.list.remove(index);
        }
        Edge::Big => {
            let big = from_gc.big.expect("the shadow says it has a large child");
            unlock!(Gc::write(m, big), BigNode, back).set(None);
            entry.big_back = None;
        }
    }
}

/// Every object reachable in the heap from the root slots and the stash, by id. Two
/// distinct objects with one id fail the test.
fn find_objects<'gc>(
    root: &ModelRoot<'gc>,
    handles: &[ObjStash],
    m: &'gc Mutation<'gc>,
) -> HashMap<u32, ObjRef<'gc>> {
    let seeds = root
        .slots
        .iter()
        .copied()
        .chain(handles.iter().map(|handle| m.fetch(handle)));
    walk_from(seeds, root)
}

/// Every object reachable in the heap from `seeds` (through edges and the root's
/// ephemeron table), by id.
fn walk_from<'gc>(
    seeds: impl Iterator<Item = ObjRef<'gc>>,
    root: &ModelRoot<'gc>,
) -> HashMap<u32, ObjRef<'gc>> {
    let mut found: HashMap<u32, ObjRef<'gc>> = HashMap::new();
    let mut queue: Vec<ObjRef<'gc>> = seeds.collect();
    while let Some(obj) = queue.pop() {
        if let Some(&seen) = found.get(&obj.id) {
            assert!(Gc::ptr_eq(seen, obj), "two objects carry id {}", obj.id);
            continue;
        }
        found.insert(obj.id, obj);
        for index in 0..FIELDS {
            queue.extend(obj.slot(index).get());
        }
        queue.extend(obj.list.borrow().iter().copied());
        if let Some(big) = obj.big {
            queue.extend(big.back.get());
        }
        queue.extend(root.ephemerons.get(obj));
    }
    found
}

/// Checks one heap object against its shadow: id, payload, children and every edge.
fn check_intact(context: &str, shadow: &Shadow, id: u32, gc: ObjRef<'_>) {
    let entry = shadow
        .objs
        .get(id as usize)
        .unwrap_or_else(|| panic!("{context}: object with unknown id {id}"));
    let spec = entry.spec;
    assert_eq!(gc.id, id, "{context}: object {id} has id {}", gc.id);
    assert_eq!(
        &*gc.name,
        obj_name(id),
        "{context}: object {id} has a corrupt name"
    );
    assert_eq!(
        gc.cells.len(),
        CELLS,
        "{context}: object {id} has a corrupt array"
    );
    assert!(
        payload_matches(id, spec.payload, &gc.payload),
        "{context}: object {id} has a corrupt payload"
    );
    assert_eq!(
        gc.drops.is_some(),
        spec.counted,
        "{context}: object {id} lost its drop log"
    );
    let inline_intact = gc
        .inline
        .iter()
        .enumerate()
        .all(|(i, &word)| word == inline_word(id, i));
    assert!(
        inline_intact,
        "{context}: object {id} has corrupt inline words"
    );
    match (spec.leaf, gc.leaf) {
        (false, None) => {}
        (true, Some(leaf)) => assert_eq!(
            leaf.value,
            leaf_value(id),
            "{context}: object {id} has a corrupt leaf"
        ),
        _ => panic!("{context}: object {id} has the wrong leaf"),
    }
    match (spec.big, gc.big) {
        (false, None) => {}
        (true, Some(big)) => {
            assert_eq!(
                big.id, id,
                "{context}: object {id} has the wrong large child"
            );
            for index in [0, 1, BIG_BYTES / 2, BIG_BYTES - 1] {
                assert_eq!(
                    big.data[index],
                    big_byte(id, index),
                    "{context}: object {id} has a corrupt large child"
                );
            }
            assert_eq!(
                big.back.get().map(|o| o.id),
                entry.big_back,
                "{context}: object {id}: large child's edge"
            );
        }
        _ => panic!("{context}: object {id} has the wrong large child"),
    }
    for (index, expected) in entry.slots.iter().enumerate() {
        assert_eq!(
            gc.slot(index).get().map(|o| o.id),
            *expected,
            "{context}: object {id} slot {index}"
        );
    }
    let list: Vec<u32> = gc.list.borrow().iter().map(|o| o.id).collect();
    assert_eq!(list, entry.list, "{context}: object {id} list");
}
