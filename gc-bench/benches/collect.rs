//! Collection steps of tenure, each timed on its own:
//!
//! - `minor/survive/<N>KiB`: one minor GC whose Eden holds N KiB of objects
//!   reachable from the root (and as many dead ones), all copied into the
//!   survivor space: cost per byte survived. Eden is pinned at 64 MiB (no
//!   minor-pause target), so the survivor space holds them all: with the
//!   default 1 ms target Eden would shrink to what 1 ms copies, the survivor
//!   space with it, and the bench would measure promotion instead.
//! - `minor/promote/<N>KiB`: the same objects one minor GC later (tenuring
//!   threshold 1), all promoted into old space: cost per byte promoted.
//! - `mark_step/64KiB`: one incremental mark step of 64 KiB of work over an
//!   old generation of about 8 MiB (a promoted tree of depth 17).
//! - `sweep_step/4096-cells`: one incremental sweep step over old cells that
//!   the last mark found dead.
//!
//! Set-up (allocation, promotion, starting the cycle) is outside the timing
//! (`iter_custom`). Run: `cargo bench -p gc-bench --bench collect`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tenure::{Gc, Heap, Mutation, Phase, Rootable};

#[derive(tenure::Trace)]
struct Node<'gc> {
    left: Option<Gc<'gc, Node<'gc>>>,
    right: Option<Gc<'gc, Node<'gc>>>,
}

#[derive(tenure::Trace)]
struct Root<'gc> {
    keep: Vec<Gc<'gc, Node<'gc>>>,
    tree: Option<Gc<'gc, Node<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

fn tree<'gc>(m: &Mutation<'gc>, depth: u32) -> Gc<'gc, Node<'gc>> {
    let node = if depth == 0 {
        Node {
            left: None,
            right: None,
        }
    } else {
        Node {
            left: Some(tree(m, depth - 1)),
            right: Some(tree(m, depth - 1)),
        }
    };
    Gc::new(m, node)
}

/// Bytes one node takes in the heap, header included, as tenure counts it.
fn node_bytes() -> usize {
    let mut heap = Heap::<R>::new(|_| Root {
        keep: Vec::new(),
        tree: None,
    });
    heap.mutate_root(|m, root| root.keep.push(tree(m, 0)));
    heap.stats().eden_bytes.max(1)
}

fn new_heap() -> Heap<R> {
    heap_with(tenure::Config::builder().eden_size(64 << 20))
}

fn heap_with(config: tenure::ConfigBuilder) -> Heap<R> {
    let config = config.build().expect("valid");
    Heap::<R>::with_config(config, |_| Root {
        keep: Vec::new(),
        tree: None,
    })
    .expect("valid")
}

/// Fills Eden with `nodes` kept nodes and as many dead ones.
fn fill_eden(heap: &mut Heap<R>, nodes: usize) {
    heap.mutate_root(|m, root| {
        root.keep.clear();
        for _ in 0..nodes {
            root.keep.push(Gc::new(
                m,
                Node {
                    left: None,
                    right: None,
                },
            ));
            black_box(Gc::new(
                m,
                Node {
                    left: None,
                    right: None,
                },
            ));
        }
    });
}

fn minor(c: &mut Criterion) {
    let mut group = c.benchmark_group("minor");
    group.measurement_time(Duration::from_secs(3));
    let per_node = node_bytes();
    let pinned = || {
        tenure::Config::builder()
            .eden_size(64 << 20)
            .minor_pause_target(None)
    };
    // (name, configuration, minor GCs before the timed one)
    let cases = [
        ("survive", pinned(), 0),
        (
            "promote",
            pinned().tenuring(tenure::pacer::Tenuring::Fixed(1)),
            1,
        ),
    ];
    for (name, config, untimed) in cases {
        for kib in [0usize, 256, 1024, 4096] {
            let nodes = kib * 1024 / per_node;
            group.throughput(Throughput::Bytes((kib * 1024).max(1) as u64));
            group.bench_with_input(
                BenchmarkId::new(name, format!("{kib}KiB")),
                &nodes,
                |b, &nodes| {
                    let mut heap = heap_with(config);
                    b.iter_custom(|iters| {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            fill_eden(&mut heap, nodes);
                            for _ in 0..untimed {
                                heap.collect_minor();
                            }
                            let start = Instant::now();
                            heap.collect_minor();
                            total += start.elapsed();
                            heap.mutate_root(|_, root| root.keep.clear());
                            heap.collect_full();
                        }
                        total
                    })
                },
            );
        }
    }
    group.finish();
}

fn old_heap() -> Heap<R> {
    let mut heap = new_heap();
    heap.mutate_root(|m, root| root.tree = Some(tree(m, 17)));
    heap.collect_full();
    heap
}

fn mark_step(c: &mut Criterion) {
    const BUDGET: usize = 64 << 10;
    let mut group = c.benchmark_group("mark_step");
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes(BUDGET as u64));
    group.bench_function("64KiB", |b| {
        let mut heap = old_heap();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if heap.phase() != Phase::Marking {
                    heap.collect_full();
                    heap.start_marking();
                }
                let start = Instant::now();
                let done = heap.mark_step(BUDGET);
                total += start.elapsed();
                if done == 0 {
                    heap.finish_marking();
                }
            }
            total
        })
    });
    group.finish();
}

fn sweep_step(c: &mut Criterion) {
    const CELLS: usize = 4096;
    let mut group = c.benchmark_group("sweep_step");
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(CELLS as u64));
    group.bench_function("4096-cells", |b| {
        let mut heap = new_heap();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if heap.phase() != Phase::Sweeping {
                    // Promote a tree, drop it, mark: its cells are garbage to sweep.
                    heap.mutate_root(|m, root| root.tree = Some(tree(m, 15)));
                    heap.collect_full();
                    heap.mutate_root(|_, root| root.tree = None);
                    heap.start_marking();
                    while heap.mark_step(usize::MAX) > 0 {}
                    heap.finish_marking();
                }
                let start = Instant::now();
                heap.sweep_step(CELLS);
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, minor, mark_step, sweep_step);
criterion_main!(benches);
