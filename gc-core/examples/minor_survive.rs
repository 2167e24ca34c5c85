//! One minor GC whose Eden holds `KiB` KiB of small kept nodes (and as many
//! dead ones), all copied into the survivor space: the workload of the
//! criterion bench `minor/survive/<N>KiB` (gc-bench/benches/collect.rs), as a
//! plain binary for callgrind, whose instruction counts do not depend on the
//! machine's load. Usage:
//!
//! ```text
//! cargo build --release -p gc-core --example minor_survive
//! valgrind --tool=callgrind --toggle-collect='*minor_gc*' \
//!     target/release/examples/minor_survive [KiB] [promote]
//! ```
//!
//! and divide the instructions by the surviving nodes it prints. With
//! `promote` (the bench `minor/promote/<N>KiB`), the tenuring threshold is 1
//! and a second minor GC promotes every node: both minor GCs are counted.

use std::hint::black_box;

use gc_core::{Config, Gc, Heap, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Node<'gc> {
    left: Option<Gc<'gc, Node<'gc>>>,
    right: Option<Gc<'gc, Node<'gc>>>,
}

#[derive(Trace)]
struct Root<'gc> {
    keep: Vec<Gc<'gc, Node<'gc>>>,
}

fn main() {
    let kib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let promote = std::env::args().nth(2).as_deref() == Some("promote");
    let mut config = Config::builder()
        .eden_size(64 << 20)
        .minor_pause_target(None);
    if promote {
        config = config.tenuring(gc_core::pacer::Tenuring::Fixed(1));
    }
    let config = config.build().expect("valid");
    let mut heap =
        Heap::<Rootable!['gc => Root<'gc>]>::with_config(config, |_| Root { keep: Vec::new() })
            .expect("valid");
    let before = heap.stats().eden_bytes;
    heap.mutate_root(|m, root| {
        root.keep.push(Gc::new(
            m,
            Node {
                left: None,
                right: None,
            },
        ))
    });
    let per_node = (heap.stats().eden_bytes - before).max(1);
    let nodes = kib * 1024 / per_node;
    heap.mutate_root(|m, root| {
        root.keep.clear();
        for _ in 0..nodes {
            let kept = Gc::new(
                m,
                Node {
                    left: None,
                    right: None,
                },
            );
            root.keep.push(kept);
            black_box(Gc::new(
                m,
                Node {
                    left: None,
                    right: None,
                },
            ));
        }
    });
    heap.collect_minor();
    if promote {
        heap.collect_minor();
    }
    println!(
        "{nodes} surviving nodes of {per_node} bytes; survivor bytes {}, old bytes {}",
        heap.stats().survivor_bytes,
        heap.stats().old_bytes
    );
}
