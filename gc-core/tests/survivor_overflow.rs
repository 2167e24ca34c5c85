//! Survivor overflow (issue 13, item 4): when the Eden objects a minor GC
//! finds alive do not fit one survivor space, adaptive tenuring drops the
//! threshold to 0, so the next minor GC promotes its survivors at once instead
//! of copying them into the survivor space and again into old space. The
//! threshold comes back once a cohort fits.

use gc_core::{Config, Gc, Heap, Rootable};

type R = Rootable!['gc => Vec<Gc<'gc, [u64; 6]>>];

/// 64 KiB Eden, 8 KiB survivor spaces.
fn heap() -> Heap<R> {
    let config = Config::builder()
        .eden_size(64 << 10)
        .survivor_ratio(8)
        .minor_pause_target(None)
        .build()
        .expect("valid config");
    Heap::<R>::with_config(config, |_| Vec::new()).expect("valid heap")
}

/// Allocates `n` objects, keeping them all if `keep`.
fn allocate(heap: &mut Heap<R>, n: usize, keep: bool) {
    heap.mutate_root(|m, root| {
        for i in 0..n {
            let object = Gc::new(m, [i as u64; 6]);
            if keep {
                root.push(object);
            }
        }
    });
}

/// Objects whose bytes (64 each with the header) are twice a survivor space.
const OVERFLOWING: usize = 2 * (8 << 10) / 64;

#[test]
fn an_overflowing_cohort_is_promoted_at_its_first_minor_gc() {
    let mut heap = heap();
    allocate(&mut heap, OVERFLOWING, true);
    heap.collect_minor();
    let stats = heap.stats();
    assert!(stats.last_minor.first_cohort_bytes > stats.survivor_capacity);
    assert!(
        stats.last_minor.premature_bytes > 0,
        "the survivor space overflowed"
    );
    assert_eq!(stats.tenuring_threshold, 0);
    // The next cohort goes straight to old space, and last time's survivors
    // with it: nothing is copied into the survivor space.
    let promoted_before = stats.promoted_bytes;
    allocate(&mut heap, OVERFLOWING, true);
    heap.collect_minor();
    let stats = heap.stats();
    assert_eq!(stats.last_minor.survived_bytes, 0);
    assert_eq!(stats.last_minor.premature_bytes, 0);
    assert_eq!(stats.survivor_bytes, 0);
    assert!(stats.promoted_bytes - promoted_before >= stats.last_minor.first_cohort_bytes as u64);
    assert_eq!(stats.tenuring_threshold, 0, "the cohort still overflows");
    heap.verify().expect("heap verifies");
    heap.mutate_root(|_, root| {
        assert_eq!(root.len(), 2 * OVERFLOWING);
        assert!(root
            .iter()
            .enumerate()
            .all(|(i, o)| o[0] == (i % OVERFLOWING) as u64));
    });
}

#[test]
fn the_threshold_returns_once_a_cohort_fits() {
    let mut heap = heap();
    allocate(&mut heap, OVERFLOWING, true);
    heap.collect_minor();
    assert_eq!(heap.stats().tenuring_threshold, 0);
    // A cohort of garbage: almost nothing survives.
    allocate(&mut heap, OVERFLOWING, false);
    heap.collect_minor();
    let stats = heap.stats();
    assert!(stats.last_minor.first_cohort_bytes <= stats.survivor_capacity);
    assert!(stats.tenuring_threshold >= 1);
    // Small survivors are copied into the survivor space again.
    allocate(&mut heap, 10, true);
    heap.collect_minor();
    assert!(heap.stats().last_minor.survived_bytes > 0);
    heap.verify().expect("heap verifies");
}

#[test]
fn a_fixed_threshold_is_kept_through_an_overflow() {
    let config = Config::builder()
        .eden_size(64 << 10)
        .tenuring(gc_core::config::Tenuring::Fixed(3))
        .build()
        .expect("valid config");
    let mut heap = Heap::<R>::with_config(config, |_| Vec::new()).expect("valid heap");
    allocate(&mut heap, OVERFLOWING, true);
    heap.collect_minor();
    assert_eq!(heap.stats().tenuring_threshold, 3);
}

#[test]
fn while_marking_survivors_are_still_copied_once() {
    let mut heap = heap();
    allocate(&mut heap, OVERFLOWING, true);
    heap.collect_minor();
    assert_eq!(heap.stats().tenuring_threshold, 0);
    // Promoted while marking, a cohort is born black and counted live: the
    // threshold is at least 1 then, so survivors are copied into the
    // survivor space first.
    heap.start_marking();
    allocate(&mut heap, OVERFLOWING, true);
    heap.collect_minor();
    let stats = heap.stats();
    assert!(stats.tenuring_threshold >= 1);
    assert!(stats.last_minor.survived_bytes > 0);
    heap.finish_marking();
    heap.verify().expect("heap verifies");
}
