//! Write-barrier cost: storing a pointer into a managed object through
//! `Gc::write` + `unlock!`, 1,000 stores per iteration, with the target
//!
//! - young (in Eden: the barrier's fast path),
//! - old while the collector is idle (first store remembers it, the rest see
//!   the remembered flag),
//! - old and black while marking (the barrier re-grays it).
//!
//! gc-arena's `Gc::write` on an old object is beside it for comparison.
//! Run: `cargo bench -p gc-bench --bench barrier`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tenure::{unlock, Gc, Heap, Lock, Rootable};

/// Stores per iteration.
const STORES: u64 = 1000;

#[derive(tenure::Trace)]
struct Cell<'gc> {
    slot: Lock<Option<Gc<'gc, u64>>>,
}

#[derive(tenure::Trace)]
struct Root<'gc> {
    cell: Option<Gc<'gc, Cell<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

fn stores(heap: &Heap<R>) {
    heap.mutate(|m, root| {
        let cell = root.cell.expect("set up");
        let value = Gc::new(m, 7u64);
        for _ in 0..STORES {
            unlock!(Gc::write(m, black_box(cell)), Cell, slot).set(Some(value));
        }
    });
}

fn new_heap() -> Heap<R> {
    let mut heap = Heap::<R>::new(|_| Root { cell: None });
    heap.mutate_root(|m, root| {
        root.cell = Some(Gc::new(
            m,
            Cell {
                slot: Lock::new(None),
            },
        ));
    });
    heap
}

fn barrier(c: &mut Criterion) {
    let mut group = c.benchmark_group("barrier_1000_stores");
    group.throughput(Throughput::Elements(STORES));
    group.measurement_time(Duration::from_secs(3));

    group.bench_function("tenure/young", |b| {
        let mut heap = new_heap();
        b.iter(|| {
            heap.mutate_root(|m, root| {
                root.cell = Some(Gc::new(
                    m,
                    Cell {
                        slot: Lock::new(None),
                    },
                ))
            });
            stores(&heap);
            heap.collect_debt();
        })
    });

    group.bench_function("tenure/old-idle", |b| {
        let mut heap = new_heap();
        heap.collect_full();
        b.iter(|| {
            stores(&heap);
            heap.collect_minor();
        })
    });

    group.bench_function("tenure/old-marking", |b| {
        let mut heap = new_heap();
        heap.collect_full();
        b.iter(|| {
            if heap.phase() != tenure::Phase::Marking {
                heap.start_marking();
            }
            stores(&heap);
            heap.mark_step(usize::MAX);
        })
    });

    #[derive(gc_arena::Collect)]
    #[collect(no_drop)]
    struct ArenaCell<'gc> {
        slot: gc_arena::lock::Lock<Option<gc_arena::Gc<'gc, u64>>>,
    }
    type A = gc_arena::Rootable!['gc => gc_arena::Gc<'gc, ArenaCell<'gc>>];
    group.bench_function("gc-arena/old", |b| {
        let mut arena = gc_arena::Arena::<A>::new(|mc| {
            gc_arena::Gc::new(
                mc,
                ArenaCell {
                    slot: gc_arena::lock::Lock::new(None),
                },
            )
        });
        arena.finish_cycle();
        b.iter(|| {
            arena.mutate(|mc, cell| {
                let value = gc_arena::Gc::new(mc, 7u64);
                for _ in 0..STORES {
                    gc_arena::barrier::unlock!(
                        gc_arena::Gc::write(mc, black_box(*cell)),
                        ArenaCell,
                        slot
                    )
                    .set(Some(value));
                }
            });
            arena.collect_debt();
        })
    });
    group.finish();
}

criterion_group!(benches, barrier);
criterion_main!(benches);
