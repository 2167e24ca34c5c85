//! Identity hashes as `HashSet` keys (issue 10, problem 5): inserting 100,000
//! `Gc` keys into a `HashSet<Gc>`, where the keys were
//!
//! - `one-per-mutate`: made one per `mutate` call, each hashed when made (as a
//!   program that files every new object in a table does), with a safe point
//!   after each call, so Eden is reused many times over;
//! - `one-call`: all made in one `mutate` call, each hashed when made.
//!
//! When hashes were taken from addresses, the first kind collided (Eden
//! reuses addresses), and the set degraded toward a list: the bar is that
//! `one-per-mutate` takes at most 2x as long as `one-call`. Building the keys
//! is outside the timing (`iter_custom`); each iteration inserts every key
//! into a fresh set inside one `mutate` call.
//! Run: `cargo bench -p gc-bench --bench identity_hash`.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tenure::{Config, Gc, Heap, Rootable};

/// Keys per set.
const KEYS: usize = 100_000;

type R = Rootable!['gc => Vec<Gc<'gc, [u64; 2]>>];

fn heap() -> Heap<R> {
    // A small Eden, so the one-per-mutate keys are made in many Eden fills.
    let config = Config::builder().eden_size(256 << 10).build().unwrap();
    Heap::<R>::with_config(config, |_| Vec::new()).unwrap()
}

/// A heap whose root holds `KEYS` keys, each made in its own `mutate` call.
fn keys_one_per_mutate() -> Heap<R> {
    let mut heap = heap();
    for i in 0..KEYS {
        heap.mutate_root(|m, root| {
            let key = Gc::new(m, [i as u64, 0]);
            black_box(Gc::identity_hash(key));
            root.push(key);
        });
        heap.collect_debt();
    }
    heap
}

/// A heap whose root holds `KEYS` keys, all made in one `mutate` call.
fn keys_in_one_call() -> Heap<R> {
    let mut heap = heap();
    heap.mutate_root(|m, root| {
        for i in 0..KEYS {
            let key = Gc::new(m, [i as u64, 0]);
            black_box(Gc::identity_hash(key));
            root.push(key);
        }
    });
    heap.collect_debt();
    heap
}

/// Time to insert every key of `heap`'s root into a fresh `HashSet`.
fn insert_all(heap: &Heap<R>) -> Duration {
    heap.mutate(|_, root| {
        let start = Instant::now();
        let mut set = HashSet::with_capacity(root.len());
        for key in root.iter() {
            set.insert(*key);
        }
        let elapsed = start.elapsed();
        assert_eq!(black_box(&set).len(), KEYS);
        elapsed
    })
}

fn bench_insert(c: &mut Criterion) {
    let mut group = c.benchmark_group("identity_hash");
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(20);
    group.throughput(Throughput::Elements(KEYS as u64));
    for (name, make) in [
        ("one-per-mutate", keys_one_per_mutate as fn() -> Heap<R>),
        ("one-call", keys_in_one_call),
    ] {
        let heap = make();
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| insert_all(&heap)).sum())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_insert);
criterion_main!(benches);
