//! Outside-heap bytes the program reports as they happen
//! (`Mutation::report_external` / `release_external`): counted at once in the
//! heap size and by the pacer (a report can start a major cycle and make
//! `debt_due` true), kept across minor and full collections until released,
//! and added to the bytes `Trace` impls report (`Tracer::external_bytes`),
//! never confused with them. Small enough for Miri.

use gc_core::{Config, Gc, Heap, Phase, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Buffer {
    bytes: Vec<u8>,
}

#[derive(Trace)]
struct Root<'gc> {
    buffers: Vec<Gc<'gc, Buffer>>,
}

type R = Rootable!['gc => Root<'gc>];

const MIB: usize = 1 << 20;

fn heap() -> Heap<R> {
    let config = Config::builder()
        .eden_size(64 << 10)
        .min_heap(4 * MIB)
        .build()
        .unwrap();
    Heap::<R>::with_config(config, |_| Root {
        buffers: Vec::new(),
    })
    .unwrap()
}

#[test]
fn a_report_counts_at_once_and_until_released() {
    let mut heap = heap();
    let before = heap.stats();
    heap.mutate(|m, _| m.report_external(3 * MIB));
    let after = heap.stats();
    assert_eq!(after.reported_external_bytes, 3 * MIB);
    assert_eq!(after.external_bytes, before.external_bytes + 3 * MIB);
    assert_eq!(after.heap_bytes, before.heap_bytes + 3 * MIB);
    heap.collect_minor();
    heap.collect_full();
    let collected = heap.stats();
    assert_eq!(
        collected.reported_external_bytes,
        3 * MIB,
        "kept by collections"
    );
    assert!(collected.external_bytes >= 3 * MIB);
    assert!(
        collected.live_bytes >= 3 * MIB,
        "the mark counts reported bytes as live: {}",
        collected.live_bytes
    );
    let released = heap.mutate(|m, _| m.release_external(MIB));
    assert_eq!(released, MIB);
    assert_eq!(heap.stats().reported_external_bytes, 2 * MIB);
    assert_eq!(heap.stats().external_bytes, collected.external_bytes - MIB);
    // Releasing more than is reported empties the count, no further.
    let released = heap.mutate(|m, _| m.release_external(10 * MIB));
    assert_eq!(released, 2 * MIB);
    assert_eq!(heap.stats().reported_external_bytes, 0);
    heap.collect_full();
    assert_eq!(
        heap.stats().external_bytes,
        0,
        "nothing else owns outside bytes"
    );
}

#[test]
fn traced_and_reported_bytes_add_up() {
    let mut heap = heap();
    heap.mutate_root(|m, root| {
        let buffer = Gc::new(
            m,
            Buffer {
                bytes: Vec::with_capacity(10_000),
            },
        );
        root.buffers.push(buffer);
    });
    heap.collect_full();
    let traced = heap.stats().external_bytes;
    assert!(traced >= 10_000, "the Vec's buffer is traced: {traced}");
    heap.mutate(|m, _| m.report_external(5_000));
    heap.collect_full();
    let stats = heap.stats();
    assert_eq!(stats.reported_external_bytes, 5_000);
    assert_eq!(stats.external_bytes, traced + 5_000, "traced plus reported");
    // The traced part follows the object's life; the reported part does not.
    heap.mutate_root(|_, root| root.buffers.clear());
    heap.collect_full();
    assert_eq!(heap.stats().external_bytes, traced - 10_000 + 5_000);
}

#[test]
fn a_large_report_makes_debt_due_and_starts_a_major_cycle() {
    let mut heap = heap();
    heap.collect_debt();
    let due = heap.mutate(|m, _| {
        assert!(!m.debt_due(), "nothing allocated yet");
        m.report_external(64 * MIB);
        m.debt_due()
    });
    assert!(due, "a report counts against the call's debt");
    heap.collect_debt();
    let stats = heap.stats();
    assert!(
        stats.phase != Phase::Idle || stats.major_collections > 0,
        "the pacer saw a heap of 64 MiB over a 4 MiB goal and started marking"
    );

    // The same heap without the report stays idle.
    let mut quiet = self::heap();
    quiet.collect_debt();
    quiet.collect_debt();
    assert_eq!(quiet.stats().phase, Phase::Idle);
    assert_eq!(quiet.stats().major_collections, 0);
}

#[test]
fn the_hard_cap_counts_reported_bytes() {
    let config = Config::builder()
        .eden_size(64 << 10)
        .max_heap(Some(8 * MIB))
        .build()
        .unwrap();
    let mut heap = Heap::<R>::with_config(config, |_| Root {
        buffers: Vec::new(),
    })
    .unwrap();
    heap.collect_debt();
    heap.mutate(|m, _| {
        assert!(Gc::try_new(m, Buffer { bytes: Vec::new() }).is_ok());
        m.report_external(8 * MIB);
        let refused = Gc::try_new(m, Buffer { bytes: Vec::new() });
        assert!(refused.is_err(), "the cap is used up by the report");
        m.release_external(8 * MIB);
    });
    heap.collect_debt();
    heap.mutate(|m, _| {
        assert!(
            Gc::try_new(m, Buffer { bytes: Vec::new() }).is_ok(),
            "released"
        );
    });
}
