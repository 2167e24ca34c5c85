//! One `tracing` event per major cycle (with every report field), and the
//! cycle callback. In its own test binary: `tracing` caches whether a
//! callsite is enabled, and a collection run by a parallel test thread
//! without a subscriber would otherwise cache "never" for the collector's
//! event before this test installs its subscriber.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gc_core::{Gc, Heap, Lock, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Small<'gc> {
    next: Lock<Option<Gc<'gc, Small<'gc>>>>,
}

type R = Rootable!['gc => Vec<Gc<'gc, Small<'gc>>>];

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
        tracing::callsite::rebuild_interest_cache();
        let mut heap = Heap::<R>::new(|_| Vec::new());
        heap.mutate_root(|m, root| {
            root.push(Gc::new(
                m,
                Small {
                    next: Lock::new(None),
                },
            ))
        });
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
