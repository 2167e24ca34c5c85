//! Telemetry: the heap profile by type, per-space stats, and the control
//! handle seen from another thread (the per-cycle `tracing` event has its
//! own test binary, `tracing_event.rs`).

use gc_core::{Config, Gc, Heap, Lock, Phase, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Small<'gc> {
    next: Lock<Option<Gc<'gc, Small<'gc>>>>,
}

#[derive(Trace)]
struct Big {
    bytes: [u8; 16 * 1024],
}

#[derive(Trace)]
struct Root<'gc> {
    smalls: Vec<Gc<'gc, Small<'gc>>>,
    bigs: Vec<Gc<'gc, Big>>,
    text: String,
}

type R = Rootable!['gc => Root<'gc>];

fn populated_heap() -> Heap<R> {
    let mut heap = Heap::<R>::with_config(Config::default(), |_| Root {
        smalls: Vec::new(),
        bigs: Vec::new(),
        text: String::with_capacity(4096),
    })
    .unwrap();
    heap.mutate_root(|m, root| {
        for _ in 0..100 {
            root.smalls.push(Gc::new(
                m,
                Small {
                    next: Lock::new(None),
                },
            ));
        }
        for _ in 0..3 {
            root.bigs.push(Gc::new(
                m,
                Big {
                    bytes: [7; 16 * 1024],
                },
            ));
        }
    });
    heap
}

#[test]
fn the_heap_profile_counts_live_objects_by_type() {
    let mut heap = populated_heap();
    heap.collect_full();
    let profile = heap.heap_profile();
    let find = |needle: &str| {
        profile
            .iter()
            .find(|(name, _)| name.contains(needle))
            .map(|(_, tally)| *tally)
            .unwrap_or_else(|| panic!("{needle} in {profile:?}"))
    };
    assert_eq!(find("Small").objects, 100);
    assert_eq!(find("Big").objects, 3);
    assert!(
        profile[0].0.contains("Big"),
        "largest bytes first: {profile:?}"
    );
}

#[test]
fn stats_see_every_space_and_outside_bytes() {
    let mut heap = populated_heap();
    let young = heap.stats();
    assert!(young.eden_bytes > 0, "small objects start in Eden");
    assert_eq!(
        young.large_objects, 3,
        "16 KiB objects go straight to large space"
    );
    heap.collect_full();
    let stats = heap.stats();
    assert_eq!(stats.eden_bytes, 0);
    assert!(
        stats.old_objects >= 100,
        "a full collection promotes everything"
    );
    assert!(
        stats.external_bytes >= 4096,
        "the root's String capacity is reported"
    );
    assert_eq!(stats.major_collections, 1);
    assert_eq!(stats.full_collections, 1);
    assert_eq!(stats.phase, Phase::Idle);
    assert!(stats.pause_count >= 1 && stats.max_pause >= stats.last_pause.unwrap().duration);
    assert!(stats.objects_allocated >= 103);
}

#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn another_thread_reads_stats_and_turns_knobs() {
    let mut heap = populated_heap();
    let control = heap.control();
    let admin = std::thread::spawn(move || {
        let before = control.stats().expect("published when the handle was made");
        let old = control.set_gc_percent(Some(300)).unwrap();
        (before.objects_allocated, old)
    });
    let (seen_objects, old) = admin.join().unwrap();
    assert_eq!(old, Some(100));
    assert!(seen_objects >= 103);
    heap.collect_debt();
    assert_eq!(
        heap.config().gc_percent(),
        Some(300),
        "applied at the next safe point"
    );
}
