//! Regression: `GcControl` lost requests. A heap-side setter wrote the
//! configuration in force back over the handle's pending request, so
//! `control.set_gc_percent(Some(50))`, then `heap.set_memory_limit(..)`, then
//! `collect_debt()` left `gc_percent` at 100. Writes from both sides are now
//! ordered edits of one wanted configuration (per-knob last-writer-wins).

use gc_core::{Config, Heap, Rootable};

fn heap() -> Heap<Rootable![()]> {
    Heap::<Rootable![()]>::with_config(Config::default(), |_| ()).unwrap()
}

#[test]
fn a_request_survives_a_heap_side_setter_of_another_knob() {
    let mut heap = heap();
    let control = heap.control();
    control.set_gc_percent(Some(50)).unwrap();
    heap.set_memory_limit(Some(64 << 20)).unwrap();
    heap.collect_debt();
    assert_eq!(heap.config().gc_percent(), Some(50), "the request is kept");
    assert_eq!(heap.config().memory_limit(), Some(64 << 20));
    assert_eq!(control.config(), *heap.config());
}

#[test]
fn set_config_supersedes_earlier_requests_and_later_ones_supersede_it() {
    let mut heap = heap();
    let control = heap.control();
    // set_config writes every knob, so it supersedes the earlier request...
    control.set_gc_percent(Some(50)).unwrap();
    let replaced = heap.set_config(Config::default()).unwrap();
    assert_eq!(
        replaced.gc_percent(),
        Some(50),
        "it replaced the wanted config"
    );
    heap.collect_debt();
    assert_eq!(heap.config().gc_percent(), Some(100));
    // ...and a later request supersedes it.
    control.set_gc_percent(Some(70)).unwrap();
    heap.collect_debt();
    assert_eq!(heap.config().gc_percent(), Some(70));
}

#[test]
fn the_latest_write_to_a_knob_wins_whichever_side_made_it() {
    let mut heap = heap();
    let control = heap.control();
    control.set_gc_percent(Some(50)).unwrap();
    heap.set_gc_percent(Some(80)).unwrap();
    heap.collect_debt();
    assert_eq!(heap.config().gc_percent(), Some(80), "the heap wrote last");
    heap.set_gc_percent(Some(90)).unwrap();
    control.set_gc_percent(Some(60)).unwrap();
    heap.collect_debt();
    assert_eq!(
        heap.config().gc_percent(),
        Some(60),
        "the handle wrote last"
    );
}

#[test]
fn a_heap_side_write_conflicting_with_a_pending_request_is_refused() {
    let mut heap = heap();
    let control = heap.control();
    control.set_memory_limit(Some(256 << 20)).unwrap();
    // The wanted configuration has memory_limit = 256 MiB: a hard cap below
    // it is refused at the call, naming the field, and changes nothing.
    let error = heap
        .update_config(|config| config.set_max_heap(Some(128 << 20)))
        .unwrap_err();
    assert!(error.to_string().contains("max_heap"), "{error}");
    heap.collect_debt();
    assert_eq!(heap.config().memory_limit(), Some(256 << 20));
    assert_eq!(heap.config().max_heap(), None);
}

/// The doc of `GcControl::stats` says a handle from `Heap::control` always
/// has a snapshot: the heap publishes one before returning the handle.
#[test]
fn stats_are_published_when_the_handle_is_made() {
    let mut heap = heap();
    let control = heap.control();
    let stats = control.stats().expect("published with the handle");
    assert_eq!(stats.objects_allocated, heap.stats().objects_allocated);
}
