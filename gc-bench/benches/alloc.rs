//! Allocation cost: a 32-byte, two-pointer node, 1,000 at a time, on tenure
//! (Eden bump allocation, reclaimed by the next minor GC), gc-arena, `Box`
//! (malloc + free) and `bumpalo` (bump, then reset: the floor).
//!
//! Each iteration allocates 1,000 nodes that die at once and then reclaims
//! them the collector's own way, so the figure is the whole cost of a
//! short-lived object, not just the bump. Run: `cargo bench -p gc-bench --bench alloc`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Nodes per iteration.
const BATCH: u64 = 1000;

#[derive(tenure::Trace)]
struct Node<'gc> {
    left: Option<tenure::Gc<'gc, Node<'gc>>>,
    right: Option<tenure::Gc<'gc, Node<'gc>>>,
}

#[derive(gc_arena::Collect)]
#[collect(no_drop)]
struct ArenaNode<'gc> {
    left: Option<gc_arena::Gc<'gc, ArenaNode<'gc>>>,
    right: Option<gc_arena::Gc<'gc, ArenaNode<'gc>>>,
}

struct BoxNode {
    _left: Option<Box<BoxNode>>,
    _right: Option<Box<BoxNode>>,
}

fn alloc(c: &mut Criterion) {
    let mut group = c.benchmark_group("alloc_1000_nodes");
    group.throughput(Throughput::Elements(BATCH));
    group.measurement_time(Duration::from_secs(3));

    let mut heap = tenure::Heap::<tenure::Rootable![()]>::new(|_| ());
    group.bench_function("tenure", |b| {
        b.iter(|| {
            heap.mutate(|m, _| {
                for _ in 0..BATCH {
                    black_box(tenure::Gc::new(
                        m,
                        Node {
                            left: None,
                            right: None,
                        },
                    ));
                }
            });
            heap.collect_debt();
        })
    });

    let mut arena = gc_arena::Arena::<gc_arena::Rootable![()]>::new(|_| ());
    group.bench_function("gc-arena", |b| {
        b.iter(|| {
            arena.mutate(|mc, _| {
                for _ in 0..BATCH {
                    black_box(gc_arena::Gc::new(
                        mc,
                        ArenaNode {
                            left: None,
                            right: None,
                        },
                    ));
                }
            });
            arena.collect_debt();
        })
    });

    group.bench_function("box", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                // black_box on the value: an all-zero node would become calloc.
                black_box(Box::new(black_box(BoxNode {
                    _left: None,
                    _right: None,
                })));
            }
        })
    });

    let mut bump = bumpalo::Bump::new();
    group.bench_function("bumpalo", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(bump.alloc(black_box(BoxNode {
                    _left: None,
                    _right: None,
                })));
            }
            bump.reset();
        })
    });
    group.finish();
}

criterion_group!(benches, alloc);
criterion_main!(benches);
