//! Telemetry: the per-cycle `tracing` event and callback, the heap profile
//! by type, per-space stats, and the control handle seen from another thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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

/// Counts `tracing` events from the collector's target.
struct CountingSubscriber {
    cycle_events: Arc<AtomicUsize>,
}

impl tracing::Subscriber for CountingSubscriber {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target().starts_with("tenure::gc")
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let fields: Vec<&str> = event.metadata().fields().iter().map(|f| f.name()).collect();
        if fields.contains(&"heap_goal") && fields.contains(&"live_bytes") {
            self.cycle_events.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn every_cycle_emits_a_tracing_event_and_calls_the_callback() {
    let events = Arc::new(AtomicUsize::new(0));
    let subscriber = CountingSubscriber {
        cycle_events: Arc::clone(&events),
    };
    let reports = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    tracing::subscriber::with_default(subscriber, || {
        let mut heap = populated_heap();
        let sink = std::rc::Rc::clone(&reports);
        heap.on_cycle(move |report| sink.borrow_mut().push(report.to_string()));
        heap.collect_full();
        heap.collect_full();
    });
    assert_eq!(events.load(Ordering::SeqCst), 2, "one event per cycle");
    let reports = reports.borrow();
    assert_eq!(reports.len(), 2);
    assert!(reports[0].starts_with("gc 1 @"), "{}", reports[0]);
    assert!(reports[1].contains("(forced)"), "{}", reports[1]);
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
