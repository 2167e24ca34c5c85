//! Pretenuring (issue 13, item 3): a type whose objects mostly survive while
//! the survivor space overflows is allocated straight into old space; probes
//! keep sampling it, so the decision reverts when its objects start dying
//! young; `Gc::new_old` allocates old on request.

use gc_core::{Config, Gc, Heap, Rootable};

/// 512 bytes with the header: 100 samples at one per 4 KiB of Eden take
/// about 800 allocations.
type Big = [u64; 62];

type R = Rootable!['gc => Vec<Gc<'gc, Big>>];

fn config(pretenuring: bool) -> Config {
    Config::builder()
        .eden_size(64 << 10)
        .survivor_ratio(8)
        .minor_pause_target(None)
        .pretenuring(pretenuring)
        .build()
        .expect("valid config")
}

fn heap(pretenuring: bool) -> Heap<R> {
    Heap::<R>::with_config(config(pretenuring), |_| Vec::new()).expect("valid heap")
}

/// Allocates `n` objects (an Eden's worth is 128), keeping them if `keep`,
/// then runs a minor GC.
fn round(heap: &mut Heap<R>, n: usize, keep: bool) {
    heap.mutate_root(|m, root| {
        for i in 0..n {
            let object = Gc::new(m, [i as u64; 62]);
            if keep {
                root.push(object);
            }
        }
    });
    heap.collect_minor();
}

fn is_pretenured(heap: &Heap<R>) -> bool {
    heap.stats()
        .pretenured_types
        .iter()
        .any(|name| name.contains("u64; 62"))
}

/// Keeps every object until the type is pretenured; returns the rounds.
fn pretenure(heap: &mut Heap<R>) -> usize {
    for rounds in 1..=20 {
        round(heap, 128, true);
        if is_pretenured(heap) {
            return rounds;
        }
    }
    panic!("a type whose every object survives was never pretenured");
}

#[test]
fn a_surviving_type_is_allocated_old_and_survives() {
    let mut heap = heap(true);
    pretenure(&mut heap);
    let stats = heap.stats();
    assert_eq!(stats.pretenure_decisions, 1);
    let (old_before, bytes_before) = (stats.old_objects, stats.pretenured_bytes);
    heap.mutate_root(|m, root| {
        for i in 0..160 {
            root.push(Gc::new(m, [1000 + i as u64; 62]));
        }
    });
    let stats = heap.stats();
    // All but the probes (1 in 16) went to old space without a minor GC.
    assert_eq!(stats.old_objects - old_before, 150);
    assert_eq!(stats.pretenured_bytes - bytes_before, 150 * 512);
    assert_eq!(stats.eden_bytes, 10 * 512);
    heap.collect_minor();
    heap.collect_full();
    heap.verify()
        .expect("heap verifies with pretenured objects");
    heap.mutate_root(|_, root| {
        let fresh = &root[root.len() - 160..];
        assert!(fresh
            .iter()
            .enumerate()
            .all(|(i, o)| o[0] == 1000 + i as u64 && o[61] == 1000 + i as u64));
    });
}

#[test]
fn the_decision_reverts_when_the_objects_die_young() {
    let mut heap = heap(true);
    pretenure(&mut heap);
    heap.mutate_root(|_, root| root.clear());
    // Now they all die: the probes tell, after about 100 of them.
    let mut rounds = 0;
    while is_pretenured(&heap) {
        round(&mut heap, 256, false);
        rounds += 1;
        assert!(rounds <= 12, "the decision never reverted");
    }
    let stats = heap.stats();
    assert_eq!(stats.pretenure_reverts, 1);
    // Young again: a new object lands in Eden.
    let eden_before = stats.eden_bytes;
    round_without_gc(&mut heap);
    assert_eq!(heap.stats().eden_bytes, eden_before + 512);
    heap.verify().expect("heap verifies");
}

fn round_without_gc(heap: &mut Heap<R>) {
    heap.mutate_root(|m, root| root.push(Gc::new(m, [7; 62])));
}

#[test]
fn pretenuring_off_decides_nothing() {
    let mut heap = heap(false);
    for _ in 0..12 {
        round(&mut heap, 128, true);
    }
    let stats = heap.stats();
    assert_eq!(stats.pretenure_decisions, 0);
    assert!(stats.pretenured_types.is_empty());
}

#[test]
fn new_old_allocates_in_old_space() {
    for generational in [true, false] {
        let config = Config::builder()
            .generational(generational)
            .build()
            .unwrap();
        let mut heap = Heap::<R>::with_config(config, |_| Vec::new()).unwrap();
        let before = heap.stats();
        heap.mutate_root(|m, root| root.push(Gc::new_old(m, [5; 62])));
        let stats = heap.stats();
        assert_eq!(stats.old_objects, before.old_objects + 1);
        assert_eq!(stats.eden_bytes, before.eden_bytes);
        heap.collect_minor();
        heap.collect_full();
        heap.verify().expect("heap verifies");
        heap.mutate_root(|_, root| assert_eq!(root[0][61], 5));
    }
}

/// Probes can be fooled (see `policy::pacer::pretenure`): a young probe that a
/// pretenured object points to survives its minor GC through the remembered
/// set even when both are garbage. A major cycle, which judges old objects,
/// must revert such a site, and bar it from pretenuring for a while.
mod chains {
    use gc_core::{Config, Gc, Heap, Rootable};
    use gc_derive::Trace;

    /// 2 KiB with the header: few allocations per 64 KiB old sample, so the
    /// test stays short under Miri.
    #[derive(Trace)]
    struct Link<'gc> {
        next: Option<Gc<'gc, Link<'gc>>>,
        pad: [u64; 252],
    }

    /// Links per round: one Eden (64 KiB).
    const ROUND: usize = 32;

    type R = Rootable!['gc => Vec<Gc<'gc, Link<'gc>>>];

    /// Builds a chain of `n` links, each pointing to the one made before it
    /// (so an old link points to a young probe), keeping its head if `keep`;
    /// then runs a minor GC.
    fn chain(heap: &mut Heap<R>, n: usize, keep: bool) {
        heap.mutate_root(|m, root| {
            let mut head = None;
            for _ in 0..n {
                head = Some(Gc::new(
                    m,
                    Link {
                        next: head,
                        pad: [0; 252],
                    },
                ));
            }
            if keep {
                root.extend(head);
            }
        });
        heap.collect_minor();
    }

    fn is_pretenured(heap: &Heap<R>) -> bool {
        !heap.stats().pretenured_types.is_empty()
    }

    #[test]
    fn a_major_cycle_reverts_a_site_whose_old_objects_died() {
        let config = Config::builder()
            .eden_size(64 << 10)
            .survivor_ratio(8)
            .minor_pause_target(None)
            .pretenuring(true)
            .build()
            .expect("valid config");
        let mut heap = Heap::<R>::with_config(config, |_| Vec::new()).expect("valid heap");
        let mut rounds = 0;
        while !is_pretenured(&heap) {
            chain(&mut heap, ROUND, true);
            rounds += 1;
            assert!(
                rounds <= 20,
                "a chain type that survives was never pretenured"
            );
        }
        heap.mutate_root(|_, root| root.clear());
        // Garbage chains: 48 x 30 pretenured links are 2.8 MiB, 45 old
        // samples (one per 64 KiB), more than the 32 a judgement needs.
        // The probes survive (old links point to them), so minor GCs alone
        // keep the decision.
        for _ in 0..48 {
            chain(&mut heap, ROUND, false);
        }
        assert!(
            is_pretenured(&heap),
            "the probes were expected to be fooled"
        );
        assert_eq!(heap.stats().pretenure_reverts, 0);
        heap.collect_full();
        assert!(
            !is_pretenured(&heap),
            "the major cycle did not revert the site"
        );
        assert_eq!(heap.stats().pretenure_reverts, 1);
        // Barred for the first backoff (8 minor GCs) even though it survives.
        for _ in 0..8 {
            chain(&mut heap, ROUND, true);
            assert!(!is_pretenured(&heap), "pretenured again during its backoff");
        }
        let mut rounds = 0;
        while !is_pretenured(&heap) {
            chain(&mut heap, ROUND, true);
            rounds += 1;
            assert!(rounds <= 20, "never pretenured again after the backoff");
        }
        heap.verify().expect("heap verifies");
    }
}
