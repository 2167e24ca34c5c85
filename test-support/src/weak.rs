//! Weak references (`GcWeak`) across every kind of collection.
//!
//! A weak reference must (invariant I7) upgrade to its target, at the target's current
//! address, for as long as the target lives, and to `None` once it is freed, never to
//! freed memory. The cases cover the ways a target can move or die: young and dying in a
//! minor GC, promoted, old and dying in a full or incremental major cycle, revived by an
//! upgrade while marking is under way, and the awkward case of an old weak cell whose
//! target is still young (promoted early because the survivor space was full). The model
//! test (`tests/model.rs`) mixes weak references into random programs; these are the
//! cases spelled out.
//!
//! Run as tests by `tests/weak.rs` (the facade) and `gc-core/tests/weak_miri.rs`, each
//! through [`weak_tests!`](crate::weak_tests).

use std::cell::Cell;
use std::rc::Rc;

use crate::gc::config::{Config, Tenuring};
use crate::gc::{unlock, Gc, GcWeak, Heap, Lock, RefLock, Rootable, Trace};

/// A weak reference's target.
#[derive(Trace)]
#[trace(unsafe_drop)]
struct Target<'gc> {
    id: u32,
    /// A strong child, which must stay whole as long as the target can be upgraded.
    child: Lock<Option<Gc<'gc, Target<'gc>>>>,
    #[trace(skip)]
    drops: Rc<Cell<u32>>,
}

impl Drop for Target<'_> {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

/// Weak references stored inside a managed object (so the weak cells are reached
/// through the heap, not the root).
#[derive(Trace)]
struct Holder<'gc> {
    weaks: RefLock<Vec<GcWeak<'gc, Target<'gc>>>>,
}

/// The fields are traced in order: a minor GC copies the strong targets first, then the
/// filler (which can fill the survivor space), then the weak cells.
#[derive(Trace)]
struct Root<'gc> {
    strong: Vec<Gc<'gc, Target<'gc>>>,
    /// Objects that fill the survivor space (see `an_old_weak_cell_with_a_young_target`).
    filler: Vec<Gc<'gc, ()>>,
    weak: Vec<GcWeak<'gc, Target<'gc>>>,
    holder: Option<Gc<'gc, Holder<'gc>>>,
    /// Targets without `Drop`, whose blocks allocation may sweep lazily.
    plain: Vec<Gc<'gc, u64>>,
    plain_weak: Vec<GcWeak<'gc, u64>>,
}

type WeakHeap = Heap<Rootable!['gc => Root<'gc>]>;

/// The young generation on and off natively; under Miri, where every collection is
/// slow, only `miri_choice` (each case picks the mode it is most about).
fn modes(miri_choice: bool) -> Vec<bool> {
    if cfg!(miri) {
        vec![miri_choice]
    } else {
        vec![true, false]
    }
}

struct Fixture {
    heap: WeakHeap,
    drops: Rc<Cell<u32>>,
}

/// A 64 KiB Eden (its smallest): cheap under Miri, and small survivor spaces.
fn config(generational: bool) -> crate::gc::ConfigBuilder {
    Config::builder()
        .generational(generational)
        .eden_size(64 * 1024)
        .verify(true)
}

impl Fixture {
    fn new(config: Config) -> Fixture {
        let heap = WeakHeap::with_config(config, |_| Root {
            strong: Vec::new(),
            weak: Vec::new(),
            holder: None,
            filler: Vec::new(),
            plain: Vec::new(),
            plain_weak: Vec::new(),
        })
        .expect("valid config");
        Fixture {
            heap,
            drops: Rc::default(),
        }
    }

    /// Allocates target `id` (with a child `id + 1000`), roots it strongly and weakly.
    fn add(&mut self, id: u32) {
        let drops = &self.drops;
        self.heap.mutate_root(|m, root| {
            let child = Gc::new(
                m,
                Target {
                    id: id + 1000,
                    child: Lock::new(None),
                    drops: drops.clone(),
                },
            );
            let target = Gc::new(
                m,
                Target {
                    id,
                    child: Lock::new(Some(child)),
                    drops: drops.clone(),
                },
            );
            root.strong.push(target);
            root.weak.push(Gc::downgrade(m, target));
        });
    }

    /// A fixture with targets `1..=count`, made old by a full collection.
    fn with_old_targets(generational: bool, count: u32) -> Fixture {
        let mut fixture = Fixture::new(config(generational).build().unwrap());
        for id in 1..=count {
            fixture.add(id);
        }
        fixture.heap.collect_full();
        fixture
    }

    /// Drops the strong reference to target `id`.
    fn forget(&mut self, id: u32) {
        self.heap
            .mutate_root(|_, root| root.strong.retain(|target| target.id != id));
    }

    /// What each weak reference upgrades to: the target's id, and whether it is the very
    /// object the strong reference holds (if there is one).
    fn upgrade_all(&self) -> Vec<Option<u32>> {
        self.heap.mutate(|m, root| {
            root.weak
                .iter()
                .map(|weak| {
                    let target = weak.upgrade(m)?;
                    assert!(!weak.is_dropped());
                    let child = target
                        .child
                        .get()
                        .expect("an upgraded target keeps its child");
                    assert_eq!(
                        child.id,
                        target.id + 1000,
                        "an upgraded target's child is whole"
                    );
                    if let Some(strong) = root.strong.iter().find(|s| s.id == target.id) {
                        assert!(
                            Gc::ptr_eq(*strong, target),
                            "weak and strong disagree on {}",
                            target.id
                        );
                        assert_eq!(Gc::identity_hash(*strong), Gc::identity_hash(target));
                    }
                    Some(target.id)
                })
                .collect()
        })
    }
}

/// A weak reference to a young object follows it and clears when it dies young.
pub fn a_weak_reference_to_a_young_object_follows_it_and_clears_when_it_dies_young() {
    let mut fixture = Fixture::new(config(true).build().unwrap());
    fixture.add(1);
    fixture.add(2);
    fixture.heap.collect_minor();
    assert_eq!(
        fixture.upgrade_all(),
        [Some(1), Some(2)],
        "moved targets are followed"
    );
    fixture.forget(1);
    fixture.heap.collect_minor();
    assert_eq!(
        fixture.upgrade_all(),
        [None, Some(2)],
        "a target that died young is cleared"
    );
    assert_eq!(
        fixture.drops.get(),
        2,
        "target 1 and its child were dropped once each"
    );
    fixture.heap.collect_full();
    assert_eq!(
        fixture.upgrade_all(),
        [None, Some(2)],
        "promotion is followed"
    );
    assert_eq!(fixture.drops.get(), 2);
}

/// A weak reference to an old object clears only when a major cycle frees it.
pub fn a_weak_reference_to_an_old_object_clears_only_when_a_major_cycle_frees_it() {
    for generational in modes(false) {
        let mut fixture = Fixture::new(config(generational).build().unwrap());
        fixture.add(1);
        fixture.add(2);
        fixture.heap.collect_full();
        fixture.forget(2);
        fixture.heap.collect_minor();
        fixture.heap.collect_minor();
        assert_eq!(
            fixture.upgrade_all(),
            [Some(1), Some(2)],
            "minor GCs do not judge old objects"
        );
        fixture.heap.collect_full();
        assert_eq!(fixture.upgrade_all(), [Some(1), None]);
        assert_eq!(fixture.drops.get(), 2);
    }
}

/// An incremental cycle clears weak references at the end of marking.
pub fn an_incremental_cycle_clears_weak_references_at_the_end_of_marking() {
    for generational in modes(true) {
        let mut fixture = Fixture::with_old_targets(generational, 3);
        fixture.heap.start_marking();
        fixture.heap.mark_step(1);
        // Target 2 dies while marking; target 3 dies too, but is revived through its
        // weak reference before marking ends.
        fixture.forget(2);
        fixture.forget(3);
        fixture.heap.mark_step(1);
        assert_eq!(
            fixture.upgrade_all(),
            [Some(1), Some(2), Some(3)],
            "nothing is cleared mid-marking"
        );
        fixture.heap.mutate_root(|m, root| {
            let revived = root.weak[2].upgrade(m).expect("not yet cleared");
            root.strong.push(revived);
        });
        fixture.heap.mark_step(usize::MAX);
        fixture.heap.finish_marking();
        // Unreachable at the start of this cycle's last pause, 2 may still float
        // through it; the next cycle must clear it.
        while !fixture.heap.sweep_step(1) {}
        fixture.heap.start_marking();
        fixture.heap.finish_marking();
        assert_eq!(
            fixture.upgrade_all(),
            [Some(1), None, Some(3)],
            "cleared before the sweep frees it"
        );
        while !fixture.heap.sweep_step(1) {}
        assert_eq!(fixture.upgrade_all(), [Some(1), None, Some(3)]);
        assert_eq!(fixture.drops.get(), 2, "target 2 and its child");
    }
}

/// After a major cycle, old weak cells are cleared by the sweep's first steps, not
/// inside the termination pause (`collect/weak_cells.rs`). In between, a cell may still
/// hold its dead target: `upgrade` must refuse it, the target must not be dropped or its
/// memory reused, and objects made in between (allocated, or promoted by a minor GC)
/// must stay alive through the sweep.
pub fn a_weak_cell_waiting_for_the_sweep_never_hands_out_its_dead_target() {
    for generational in modes(true) {
        let mut fixture = Fixture::with_old_targets(generational, 3);
        fixture.forget(2);
        fixture.heap.start_marking();
        fixture.heap.mark_step(usize::MAX);
        fixture.heap.finish_marking();
        assert_eq!(fixture.upgrade_all(), [Some(1), None, Some(3)]);
        let waiting = fixture.heap.mutate(|_, root| !root.weak[1].is_dropped());
        assert!(waiting, "the sweep has not reached the cell yet");
        // Made in the window, some promoted by a minor GC (the verifier runs after it).
        for id in 10..=12 {
            fixture.add(id);
        }
        fixture.heap.collect_minor();
        fixture.add(13);
        assert_eq!(
            fixture.drops.get(),
            0,
            "nothing is freed before the cells are cleared"
        );
        while !fixture.heap.sweep_step(1) {}
        let dropped = fixture.heap.mutate(|_, root| root.weak[1].is_dropped());
        assert!(dropped, "the sweep cleared the cell");
        assert_eq!(
            fixture.upgrade_all(),
            [
                Some(1),
                None,
                Some(3),
                Some(10),
                Some(11),
                Some(12),
                Some(13)
            ]
        );
        assert_eq!(fixture.drops.get(), 2, "target 2 and its child");
        assert!(fixture.heap.stats().weak_cells_cleared >= 1);
    }
}

/// The window of the case above, for targets without `Drop`: allocation would sweep
/// their blocks lazily and reuse a dead target's cell, which a waiting weak cell still
/// points at. Allocation must leave unswept blocks alone until the cells are cleared.
/// (Old space is allocated directly, with the young generation off.)
pub fn a_dead_target_cell_is_not_reused_while_its_weak_cell_waits() {
    let n: u64 = if cfg!(miri) { 64 } else { 4096 };
    let mut fixture = Fixture::new(config(false).build().unwrap());
    fixture.heap.mutate_root(|m, root| {
        for i in 0..n {
            let plain = Gc::new(m, i);
            root.plain_weak.push(Gc::downgrade(m, plain));
            root.plain.push(plain);
        }
    });
    fixture.heap.collect_full();
    // Every other target dies.
    fixture
        .heap
        .mutate_root(|_, root| root.plain.retain(|plain| **plain % 2 == 0));
    fixture.heap.start_marking();
    fixture.heap.mark_step(usize::MAX);
    fixture.heap.finish_marking();
    // New objects of the same size, allocated where dead cells would be reused.
    fixture.heap.mutate_root(|m, root| {
        for i in 0..n {
            root.plain.push(Gc::new(m, n + i));
        }
    });
    let seen = |fixture: &Fixture| {
        fixture.heap.mutate(|m, root| {
            root.plain_weak
                .iter()
                .enumerate()
                .filter_map(|(i, weak)| weak.upgrade(m).map(|target| (i as u64, *target)))
                .collect::<Vec<_>>()
        })
    };
    // Only the live (even) targets, each itself: the first wrong ones, if any.
    let wrong = |fixture: &Fixture| {
        let seen = seen(fixture);
        let wrong: Vec<_> = seen
            .iter()
            .filter(|(i, t)| i % 2 == 1 || i != t)
            .take(4)
            .collect();
        assert!(wrong.is_empty(), "upgraded to {wrong:?}");
        assert_eq!(seen.len() as u64, n / 2);
    };
    wrong(&fixture);
    while !fixture.heap.sweep_step(64) {}
    wrong(&fixture);
}

/// Weak references inside managed objects.
pub fn weak_references_inside_managed_objects() {
    for generational in modes(true) {
        let mut fixture = Fixture::new(config(generational).build().unwrap());
        fixture.heap.mutate_root(|m, root| {
            root.holder = Some(Gc::new(
                m,
                Holder {
                    weaks: RefLock::new(Vec::new()),
                },
            ));
        });
        // The holder is old; the weak cells and targets stored into it are young.
        fixture.heap.collect_full();
        fixture.add(1);
        fixture.add(2);
        fixture.heap.mutate(|m, root| {
            let holder = root.holder.expect("set");
            let mut weaks = unlock!(Gc::write(m, holder), Holder, weaks).borrow_mut();
            weaks.extend(root.strong.iter().map(|&target| Gc::downgrade(m, target)));
        });
        let held = |fixture: &Fixture| -> Vec<Option<u32>> {
            fixture.heap.mutate(|m, root| {
                let holder = root.holder.expect("set");
                let weaks = holder.weaks.borrow();
                weaks
                    .iter()
                    .map(|weak| weak.upgrade(m).map(|target| target.id))
                    .collect()
            })
        };
        fixture.heap.collect_minor();
        assert_eq!(held(&fixture), [Some(1), Some(2)]);
        fixture.forget(1);
        fixture.heap.collect_minor();
        fixture.heap.collect_full();
        assert_eq!(held(&fixture), [None, Some(2)]);
        assert_eq!(fixture.upgrade_all(), [None, Some(2)]);
        // Two weak references to one object are `ptr_eq`.
        fixture.heap.mutate(|_, root| {
            let holder = root.holder.expect("set");
            let weaks = holder.weaks.borrow();
            assert!(GcWeak::ptr_eq(weaks[1], root.weak[1]));
            assert!(!GcWeak::ptr_eq(weaks[0], weaks[1]));
        });
    }
}

/// An old weak cell whose target is still young: the survivor space is filled first, so
/// the weak cell is promoted early while its target stays in the survivor space. Minor
/// GCs must then update the old cell when the target moves, and clear it when the target
/// dies young.
pub fn an_old_weak_cell_with_a_young_target() {
    // Survivor space = Eden / 64 = 1 KiB.
    let config = config(true)
        .survivor_ratio(64)
        .tenuring(Tenuring::Fixed(8))
        .build()
        .unwrap();
    let mut fixture = Fixture::new(config);
    fixture.add(1);
    // The weak cell is traced after the target and the filler (root field order): with
    // the survivor space full by then, it is promoted prematurely.
    fixture.heap.mutate_root(|m, root| {
        // Header-only objects (16 bytes) fill it to within 16 bytes, too little for a
        // weak cell.
        for _ in 0..1024 / 16 + 4 {
            root.filler.push(Gc::new(m, ()));
        }
    });
    fixture.heap.collect_minor();
    let promoted = fixture.heap.stats().last_minor.premature_bytes > 0;
    assert!(promoted, "the survivor space overflowed");
    for _ in 0..3 {
        fixture.heap.collect_minor();
        assert_eq!(fixture.upgrade_all(), [Some(1)]);
    }
    fixture.forget(1);
    fixture.heap.collect_minor();
    fixture.heap.collect_minor();
    fixture.heap.collect_full();
    assert_eq!(fixture.upgrade_all(), [None]);
    assert_eq!(fixture.drops.get(), 2);
}

/// Weak references in stress mode.
pub fn weak_references_in_stress_mode() {
    for generational in modes(false) {
        let mut fixture = Fixture::new(config(generational).stress(true).build().unwrap());
        let rounds = if cfg!(miri) { 2 } else { 40 };
        for id in 0..rounds {
            fixture.add(id);
            fixture.heap.collect_debt();
            if id % 3 == 0 {
                fixture.forget(id / 2);
            }
            fixture.heap.collect_debt();
            let upgraded = fixture.upgrade_all();
            for (index, result) in upgraded.iter().enumerate() {
                let id = index as u32;
                let strong = fixture
                    .heap
                    .mutate(|_, root| root.strong.iter().any(|t| t.id == id));
                if strong {
                    assert_eq!(*result, Some(id), "a strongly held target upgrades");
                }
            }
        }
        fixture.heap.collect_full();
        let upgraded = fixture.upgrade_all();
        let strong: Vec<u32> = fixture
            .heap
            .mutate(|_, root| root.strong.iter().map(|t| t.id).collect());
        for (index, result) in upgraded.iter().enumerate() {
            let id = index as u32;
            assert_eq!(
                result.is_some(),
                strong.contains(&id),
                "after a full collection, target {id}"
            );
        }
        let dead = rounds - strong.len() as u32;
        assert_eq!(
            fixture.drops.get(),
            2 * dead,
            "each dead target and its child dropped once"
        );
    }
}

/// Declares every case of this module as a `#[test]` of the calling test crate (which
/// writes `tenure_test_support::weak_tests!();` at its root).
#[macro_export]
macro_rules! weak_tests {
    () => {
        $crate::tests_for! {
            weak:
            a_weak_reference_to_a_young_object_follows_it_and_clears_when_it_dies_young,
            a_weak_reference_to_an_old_object_clears_only_when_a_major_cycle_frees_it,
            an_incremental_cycle_clears_weak_references_at_the_end_of_marking,
            a_weak_cell_waiting_for_the_sweep_never_hands_out_its_dead_target,
            a_dead_target_cell_is_not_reused_while_its_weak_cell_waits,
            weak_references_inside_managed_objects,
            an_old_weak_cell_with_a_young_target,
            weak_references_in_stress_mode,
        }
    };
}
