//! `verify-10m`: how long the heap verifier takes over 10 million reachable
//! objects (issue 10's bar: under 10 s). Builds an old generation of N objects
//! (default 10,000,000; the first argument overrides it): chains of 10,000
//! nodes, each node pointing at the next and at a node earlier in its chain,
//! all promoted by a full collection. Then times `Heap::verify` (one walk of
//! every object and edge, see gc-core's `collect/verify.rs`) and prints the
//! figures. The build is not timed.
//!
//! Run in release: `cargo run --release -p gc-bench --example verify_10m`
//! (or `-- 1000000` for a million).

use std::time::Instant;

use tenure::{Config, Gc, Heap, Rootable};

#[derive(tenure::Trace)]
struct Node<'gc> {
    next: Option<Gc<'gc, Node<'gc>>>,
    back: Option<Gc<'gc, Node<'gc>>>,
}

type R = Rootable!['gc => Vec<Gc<'gc, Node<'gc>>>];

/// Nodes per chain (one `mutate` call each).
const CHAIN: usize = 10_000;

fn main() {
    let objects: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().expect("the object count, e.g. 1000000"),
        None => 10_000_000,
    };
    // Straight into the old generation: the young one would copy every node.
    let config = Config::builder()
        .generational(false)
        .gc_percent(None)
        .build()
        .expect("valid config");
    let mut heap = Heap::<R>::with_config(config, |_| Vec::new()).expect("valid config");
    let build = Instant::now();
    let mut made = 0;
    while made < objects {
        let len = CHAIN.min(objects - made);
        heap.mutate_root(|m, root| {
            let mut head: Option<Gc<'_, Node<'_>>> = None;
            let mut earlier = Vec::with_capacity(len);
            for i in 0..len {
                // Some earlier node of the chain, spread over it.
                let back = (i > 0).then(|| earlier[(i * 7919) % i]);
                let node = Gc::new(m, Node { next: head, back });
                earlier.push(node);
                head = Some(node);
            }
            root.extend(head);
        });
        made += len;
    }
    heap.collect_full();
    let built = build.elapsed();
    let stats = heap.stats();
    let start = Instant::now();
    let checked = heap.verify().expect("the heap verifies");
    let verified = start.elapsed();
    println!(
        "verify-{objects}: {checked} objects checked in {:.3} s ({:.0} ns/object); \
         old space {} MiB in {} blocks' worth; build + full GC {:.1} s",
        verified.as_secs_f64(),
        verified.as_nanos() as f64 / checked.max(1) as f64,
        stats.old_committed >> 20,
        stats.old_committed / (64 << 10),
        built.as_secs_f64(),
    );
}
