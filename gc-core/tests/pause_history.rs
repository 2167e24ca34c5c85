//! Pause histograms that do not wrap, and the memory-limit callback.

use std::cell::RefCell;
use std::rc::Rc;

use gc_core::{Config, Gc, Heap, PauseKind, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Root<'gc> {
    kept: Vec<Gc<'gc, [u64; 16]>>,
}

type R = Rootable!['gc => Root<'gc>];

#[test]
fn histograms_count_every_pause_past_the_ring() {
    let mut heap = Heap::<R>::new(|_| Root { kept: Vec::new() });
    let rounds = if cfg!(miri) { 20 } else { 300 };
    for _ in 0..rounds {
        heap.collect_minor();
    }
    let stats = heap.stats();
    assert!(stats.recent_pauses.len() <= gc_core::PAUSE_RING_LEN);
    let minor = stats
        .pause_histograms
        .iter()
        .find(|h| h.kind == PauseKind::Minor)
        .unwrap();
    assert_eq!(minor.since_start.count, rounds);
    assert!(minor.since_start.p50 <= minor.since_start.p99);
    assert!(minor.since_start.p99 <= minor.since_start.p999);
    assert!(minor.since_start.p999 <= minor.since_start.max);
    assert_eq!(minor.since_start.max, stats.max_pause);
    heap.reset_pause_histograms();
    heap.collect_minor();
    let stats = heap.stats();
    let minor = stats
        .pause_histograms
        .iter()
        .find(|h| h.kind == PauseKind::Minor)
        .unwrap();
    assert_eq!(minor.since_reset.count, 1);
    assert_eq!(minor.since_start.count, rounds + 1);
    assert!(stats
        .pause_histograms
        .iter()
        .all(|h| h.kind != PauseKind::SweepStep));
}

#[test]
#[cfg_attr(miri, ignore = "fills several MiB")]
fn the_callback_fires_once_per_crossing() {
    let config = Config::builder()
        .memory_limit(Some(16 << 20))
        .build()
        .unwrap();
    let mut heap = Heap::<R>::with_config(config, |_| Root { kept: Vec::new() }).unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    heap.on_memory_limit_near(0.5, move |pressure| log.borrow_mut().push(*pressure))
        .unwrap();
    for _ in 0..200 {
        heap.mutate_root(|m, root| {
            for i in 0..1000 {
                root.kept.push(Gc::new(m, [i; 16]));
            }
        });
        heap.collect_debt();
    }
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].fraction >= 0.5 && seen[0].limit == 16 << 20,
        "{seen:?}"
    );
}

#[test]
fn a_fraction_out_of_range_is_refused_by_name() {
    let mut heap = Heap::<R>::new(|_| Root { kept: Vec::new() });
    for bad in [0.0, -1.0, 1.5, f64::NAN] {
        let error = heap
            .on_memory_limit_near(bad, |_| {})
            .unwrap_err()
            .to_string();
        assert!(error.contains("memory_limit_near fraction"), "{error}");
    }
}
