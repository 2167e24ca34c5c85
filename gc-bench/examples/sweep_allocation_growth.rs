//! Reproduction (for gc-core): allocation into old space while an
//! incremental sweep runs never reuses the cells that sweep freed, so with the
//! young generation off the heap grows by one sweep's worth of allocation
//! every cycle.
//!
//! `SizeClass::alloc` only moves its `alloc_cursor` forward, and the cursor
//! is reset to the first block only when the sweep finishes
//! (`release_empty_blocks`). While the sweep runs, allocation therefore takes
//! fresh blocks at the end; the sweeper then visits those new blocks too
//! (they hold only current-white objects), so the sweep takes as many steps
//! as there are blocks and the next cycle starts with all of that in the
//! heap. In gc-bench, binary-trees at depth 18 with `--young off` peaks at
//! an 854 MiB heap against a 64 MiB goal (996 MiB RSS).
//!
//! Run: `cargo run --release -p gc-bench --example sweep_allocation_growth -- [cells per step]`
//! Expected: the old generation after each cycle stays near live + one
//! step's allocation. Seen (4096 cells per step, the paced step): it grows
//! by about 4 MiB every cycle, and each sweep takes longer than the last;
//! with one big step (`-- 1000000000`) it stays flat.

use tenure::{Config, Gc, Heap, Mutation, Rootable};

#[derive(tenure::Trace)]
struct Node<'gc> {
    left: Option<Gc<'gc, Node<'gc>>>,
    right: Option<Gc<'gc, Node<'gc>>>,
}

fn tree<'gc>(m: &Mutation<'gc>, depth: u32) -> Gc<'gc, Node<'gc>> {
    let (left, right) = if depth == 0 {
        (None, None)
    } else {
        (Some(tree(m, depth - 1)), Some(tree(m, depth - 1)))
    };
    Gc::new(m, Node { left, right })
}

type R = Rootable!['gc => Option<Gc<'gc, Node<'gc>>>];

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn main() {
    let cells: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4096);
    let config = Config::builder()
        .generational(false)
        .gc_percent(None)
        .build()
        .expect("valid config");
    let mut heap = Heap::<R>::with_config(config, |_| None).expect("valid config");
    heap.mutate_root(|m, root| *root = Some(tree(m, 16)));
    heap.collect_full();
    println!("live {:.2} MiB", mib(heap.stats().old_bytes));
    for cycle in 0..5 {
        heap.start_marking();
        heap.finish_marking();
        let at_flip = heap.stats().old_bytes;
        let mut steps = 0;
        loop {
            // 64 KiB of garbage per step, as the pacer allows while sweeping.
            heap.mutate(|m, _| {
                std::hint::black_box(tree(m, 10));
            });
            steps += 1;
            if heap.sweep_step(cells) {
                break;
            }
        }
        println!(
            "cycle {cycle}: old {:.2} MiB when the sweep began; {steps} steps interleaved with allocation; old {:.2} MiB after",
            mib(at_flip),
            mib(heap.stats().old_bytes)
        );
    }
}
