//! Reproduction (for gc-core): old objects reachable only through a young
//! object are marked in the mark-termination pause, not incrementally.
//!
//! The marker skips young objects (they are rescanned by the minor GC at
//! termination), so when the only path from the roots to old data goes
//! through a young object, no mark step finds any gray object and the whole
//! old generation is marked inside `finish_marking`. The common case: a new
//! list cell consed onto a long-lived list, a new root record pointing at
//! old data. old-steps' build phase hits it on every cycle (its chain heads
//! are young): a 565-630 ms termination pause at 1 GiB.
//!
//! Run: `cargo run --release -p gc-bench --example termination_marks_young_reachable -- [nodes]`
//! Expected: both runs spread the work over incremental steps. Seen: with a
//! young head, 0 steps and all the work in `finish_marking`.

use std::time::Instant;

use tenure::{Gc, Heap, Rootable};

#[derive(tenure::Trace)]
struct Node<'gc> {
    payload: [u64; 4],
    next: Option<Gc<'gc, Node<'gc>>>,
}

#[derive(tenure::Trace)]
struct Root<'gc> {
    head: Option<Gc<'gc, Node<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4_000_000);
    for young_head in [false, true] {
        let mut heap = Heap::<R>::new(|_| Root { head: None });
        for _ in 0..n / 10_000 {
            heap.mutate_root(|m, root| {
                for i in 0..10_000u64 {
                    let next = root.head;
                    root.head = Some(Gc::new(
                        m,
                        Node {
                            payload: [i; 4],
                            next,
                        },
                    ));
                }
            });
        }
        heap.collect_full(); // every node is old now
        if young_head {
            heap.mutate_root(|m, root| {
                let next = root.head;
                root.head = Some(Gc::new(
                    m,
                    Node {
                        payload: [0; 4],
                        next,
                    },
                ));
            });
        }
        heap.start_marking();
        let start = Instant::now();
        let (mut steps, mut work) = (0, 0);
        loop {
            let done = heap.mark_step(64 << 10);
            if done == 0 {
                break;
            }
            work += done;
            steps += 1;
        }
        let incremental = start.elapsed();
        let start = Instant::now();
        heap.finish_marking();
        println!(
            "{n} old nodes, head {}: {steps} incremental steps ({} MiB of work) in {:.1} ms; finish_marking {:.1} ms",
            if young_head { "young" } else { "old  " },
            work >> 20,
            incremental.as_secs_f64() * 1e3,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}
