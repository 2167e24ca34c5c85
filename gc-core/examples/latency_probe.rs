//! Diagnostic: the gc-latency workload (a sliding window of 1 KiB messages),
//! printing every safe point that paused for more than 2 ms, by pause kind.

use std::time::Instant;

use gc_core::{Gc, Heap, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Msg {
    data: [u8; 1024],
}

#[derive(Trace)]
struct Root<'gc> {
    window: Vec<Option<Gc<'gc, Msg>>>,
}

fn main() {
    let window = 200_000usize;
    let mut heap = Heap::<Rootable!['gc => Root<'gc>]>::new(|_| Root {
        window: vec![None; window],
    });
    let mut worst = std::time::Duration::ZERO;
    for i in 0..(window * 5) {
        heap.mutate_root(|m, root| {
            let mut data = [0u8; 1024];
            data[0] = i as u8;
            data[1023] = (i >> 8) as u8;
            root.window[i % window] = Some(Gc::new(m, Msg { data }));
        });
        let before = heap.stats().pause_count;
        let start = Instant::now();
        heap.collect_debt();
        let took = start.elapsed();
        worst = worst.max(took);
        if took.as_micros() > 2000 {
            let stats = heap.stats();
            let new = (stats.pause_count - before) as usize;
            let kinds: Vec<String> = stats.recent_pauses[stats.recent_pauses.len() - new..]
                .iter()
                .map(|p| format!("{:?} {:.2}ms", p.kind, p.duration.as_secs_f64() * 1e3))
                .collect();
            println!(
                "push {i}: {:.2} ms: {} (phase now {:?})",
                took.as_secs_f64() * 1e3,
                kinds.join(", "),
                stats.phase
            );
        }
    }
    let stats = heap.stats();
    println!(
        "worst {:?}, gc cpu {:.2}, minor {}, major {}",
        worst, stats.gc_cpu_fraction, stats.minor_collections, stats.major_collections
    );
}
