//! Measures the longest `collect_debt()` pause while a major cycle runs over
//! a large old generation (issue 4's bar: no step over 1 ms on a 1 GB old
//! generation). Usage: `cargo run --release -p gc-core --example
//! old_gen_steps -- [GiB]` (default 1).

use std::time::{Duration, Instant};

use gc_core::{Gc, Heap, Lock, PauseKind, Rootable};
use gc_derive::Trace;

/// A 64-byte node (48 bytes of payload + the 16-byte header).
#[derive(Trace)]
struct Node<'gc> {
    payload: [u64; 4],
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

#[derive(Trace)]
struct Root<'gc> {
    chains: Vec<Option<Gc<'gc, Node<'gc>>>>,
}

const CHAINS: usize = 4096;

fn main() {
    let gib: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1.0);
    let target = (gib * (1u64 << 30) as f64) as usize;
    let mut heap = Heap::<Rootable!['gc => Root<'gc>]>::new(|_| Root {
        chains: vec![None; CHAINS],
    });
    let build = Instant::now();
    let mut built = 0usize;
    let mut round = 0usize;
    while heap.stats().old_bytes < target {
        heap.mutate_root(|m, root| {
            for _ in 0..4096 {
                let slot = round % CHAINS;
                let node = Gc::new(
                    m,
                    Node {
                        payload: [round as u64; 4],
                        next: Lock::new(root.chains[slot]),
                    },
                );
                root.chains[slot] = Some(node);
                round += 1;
                built += 1;
            }
        });
        heap.collect_debt();
    }
    println!(
        "built {built} nodes, old generation {:.2} GiB in {:.1} s",
        heap.stats().old_bytes as f64 / (1u64 << 30) as f64,
        build.elapsed().as_secs_f64()
    );
    // Steady state: allocate short-lived garbage and replace a few chain
    // heads, through at least two whole major cycles, timing every safe point.
    let cycles_before = heap.stats().major_collections;
    let mut worst: Vec<(Duration, PauseKind)> = Vec::new();
    let mut steps = 0u64;
    while heap.stats().major_collections < cycles_before + 2 {
        heap.mutate_root(|m, root| {
            for i in 0..1024 {
                let garbage = Gc::new(
                    m,
                    Node {
                        payload: [i; 4],
                        next: Lock::new(None),
                    },
                );
                if i % 256 == 0 {
                    root.chains[(i as usize + steps as usize) % CHAINS] = Some(garbage);
                }
            }
        });
        let before = heap.stats().pause_count;
        heap.collect_debt();
        let stats = heap.stats();
        let new = (stats.pause_count - before) as usize;
        for pause in &stats.recent_pauses[stats.recent_pauses.len() - new..] {
            worst.push((pause.duration, pause.kind));
            if std::env::var("STEP_DEBUG").is_ok() && pause.duration > Duration::from_millis(5) {
                println!(
                    "{:?} {:?} phase {:?} {:?}",
                    pause.kind, pause.duration, stats.phase, stats.last_minor
                );
            }
        }
        worst.sort_by_key(|pause| std::cmp::Reverse(pause.0));
        worst.truncate(5);
        steps += 1;
    }
    println!("{steps} safe points over two major cycles; longest pauses:");
    for (duration, kind) in worst {
        println!("  {:>8.3} ms  {kind:?}", duration.as_secs_f64() * 1e3);
    }
}
