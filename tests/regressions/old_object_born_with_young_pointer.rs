//! Regression tests for a remembered-set bug (fixed in 8f52daa, which remembers an object
//! born old from birth; these tests came with 5f92f2a): an object allocated
//! directly in the old generation while the young generation is on (a large object, an
//! over-aligned one, or any object above a lowered `large_object_threshold`) was not
//! entered in the remembered set when the value it was built from already held a pointer
//! to a young object.
//!
//! `Gc::new` writes the value without a write barrier (none is needed for a young
//! object), and the old-space allocation path did not remember the new object either, so
//! invariant I2 ("every old object holding a young pointer is remembered") was broken
//! from birth. The next minor GC neither kept the young child alive nor rewrote the
//! pointer to it: safe code then read the reset Eden through the old object (the child's
//! value read back as 0 instead of 42).

use tenure::config::Config;
use tenure::{Gc, Heap, Lock, Rootable, Trace};

#[derive(Trace)]
struct Child {
    value: u64,
}

/// Above the default 8 KiB large-object threshold: allocated in the large object space.
#[derive(Trace)]
struct Large<'gc> {
    bytes: [u8; 9000],
    child: Lock<Option<Gc<'gc, Child>>>,
}

/// Alignment above 16: never a young object or an old-space cell.
#[derive(Trace)]
#[repr(align(64))]
struct OverAligned<'gc> {
    child: Lock<Option<Gc<'gc, Child>>>,
}

/// About 300 bytes: old-born once `large_object_threshold` is lowered to 256.
#[derive(Trace)]
struct Medium<'gc> {
    bytes: [u8; 280],
    child: Lock<Option<Gc<'gc, Child>>>,
}

#[derive(Trace)]
struct Holder<'gc> {
    large: Option<Gc<'gc, Large<'gc>>>,
    aligned: Option<Gc<'gc, OverAligned<'gc>>>,
    medium: Option<Gc<'gc, Medium<'gc>>>,
}

#[derive(Clone, Copy, Debug)]
enum Case {
    Large,
    OverAligned,
    Medium,
}

/// Allocates the case's object built around a young child, runs a minor GC, and reads
/// the child back through the old object.
fn check(config: Config, case: Case) {
    let mut heap = Heap::<Rootable!['gc => Holder<'gc>]>::with_config(config, |_| Holder {
        large: None,
        aligned: None,
        medium: None,
    })
    .unwrap();
    heap.mutate_root(|m, root| {
        let child = Lock::new(Some(Gc::new(m, Child { value: 42 })));
        match case {
            Case::Large => {
                root.large = Some(Gc::new(
                    m,
                    Large {
                        bytes: [7; 9000],
                        child,
                    },
                ))
            }
            Case::OverAligned => root.aligned = Some(Gc::new(m, OverAligned { child })),
            Case::Medium => {
                root.medium = Some(Gc::new(
                    m,
                    Medium {
                        bytes: [7; 280],
                        child,
                    },
                ))
            }
        }
    });
    heap.verify()
        .expect("the new old object is remembered (I2)");
    heap.collect_minor();
    heap.verify().expect("sound after the minor GC");
    heap.mutate(|m, _| {
        // Overwrite the reset Eden, so that a stale pointer reads something else.
        for _ in 0..1000 {
            Gc::new(m, Child { value: 0 });
        }
    });
    heap.mutate(|_, root| {
        let child = match case {
            Case::Large => root.large.and_then(|o| o.child.get()),
            Case::OverAligned => root.aligned.and_then(|o| o.child.get()),
            Case::Medium => root.medium.and_then(|o| o.child.get()),
        };
        assert_eq!(
            child.expect("the child is still there").value,
            42,
            "{case:?}: the young child was lost"
        );
    });
}

fn stress() -> tenure::ConfigBuilder {
    Config::builder().stress(true)
}

#[test]
fn large_object_born_with_a_young_pointer_keeps_it_across_a_minor_gc() {
    check(stress().build().unwrap(), Case::Large);
}

#[test]
fn over_aligned_object_born_with_a_young_pointer_keeps_it_across_a_minor_gc() {
    check(stress().build().unwrap(), Case::OverAligned);
}

#[test]
fn object_above_a_lowered_large_threshold_keeps_its_young_pointer_across_a_minor_gc() {
    check(
        stress().large_object_threshold(256).build().unwrap(),
        Case::Medium,
    );
}

/// The same objects with the young generation off (nothing is young): guards the test
/// itself.
#[test]
fn old_born_objects_without_a_young_generation_keep_their_children() {
    let off = || stress().generational(false);
    check(off().build().unwrap(), Case::Large);
    check(off().build().unwrap(), Case::OverAligned);
    check(
        off().large_object_threshold(256).build().unwrap(),
        Case::Medium,
    );
}
