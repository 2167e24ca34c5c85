//! Allocation sampling and heap profiles by site and type: exact at rate 1,
//! unbiased estimates at the default rate, nothing when off, and the hard
//! heap cap still enforced while sampling stops the fast path.

use gc_core::{Config, Gc, Heap, Rootable};
use gc_derive::Trace;

#[derive(Trace)]
struct Cell8 {
    words: [u64; 8],
}

#[derive(Trace)]
struct Root<'gc> {
    kept: Vec<Gc<'gc, Cell8>>,
}

type R = Rootable!['gc => Root<'gc>];

const N: usize = if cfg!(miri) { 40 } else { 20_000 };

fn run(rate: usize) -> gc_core::HeapProfile {
    let mut heap = Heap::<R>::new(|_| Root { kept: Vec::new() });
    heap.set_profile_rate(rate);
    for round in 0..4 {
        heap.mutate_root(|m, root| {
            m.site("outer", |m| {
                m.site("keep", |m| {
                    for i in 0..N / 8 {
                        root.kept.push(Gc::new(
                            m,
                            Cell8 {
                                words: [i as u64; 8],
                            },
                        ));
                    }
                });
                for i in 0..N {
                    let _garbage = Gc::new(m, Cell8 { words: [round; 8] });
                    let _ = i;
                }
            });
        });
        heap.collect_debt();
    }
    heap.collect_full();
    heap.heap_samples()
}

#[test]
fn rate_one_counts_every_allocation_by_site() {
    let profile = run(1);
    let size = std::mem::size_of::<Cell8>() as u64 + 16;
    let kept = 4 * (N / 8) as u64;
    let all = kept + 4 * N as u64;
    assert_eq!(
        profile.totals_for("keep"),
        (kept, kept * size, kept, kept * size)
    );
    assert_eq!(
        profile.totals_for("outer"),
        (all, all * size, kept, kept * size)
    );
    let keep = profile
        .samples
        .iter()
        .find(|s| s.sites == ["outer", "keep"])
        .unwrap();
    assert!(keep.type_name.ends_with("Cell8"));
    assert_eq!(
        profile.samples[0].sites,
        ["outer", "keep"],
        "largest in use first"
    );
}

#[test]
#[cfg_attr(miri, ignore = "needs many allocations to sample")]
fn the_default_rate_estimates_within_reason() {
    let profile = run(64 * 1024);
    let size = (std::mem::size_of::<Cell8>() + 16) as f64;
    let all = (4 * (N / 8) + 4 * N) as f64;
    let (objects, bytes, _, _) = profile.totals_for("outer");
    assert!(
        (objects as f64 - all).abs() < all * 0.35,
        "{objects} vs {all}"
    );
    assert!((bytes as f64 / objects as f64 - size).abs() < 1.0);
}

#[test]
fn rate_zero_records_nothing() {
    let profile = run(0);
    assert!(profile.samples.is_empty(), "{profile:?}");
    assert_eq!(profile.rate, 0);
}

#[test]
#[cfg_attr(miri, ignore = "fills a 4 MiB heap")]
fn the_heap_cap_holds_while_every_allocation_is_sampled() {
    let config = Config::builder().max_heap(Some(4 << 20)).build().unwrap();
    let mut heap = Heap::<R>::with_config(config, |_| Root { kept: Vec::new() }).unwrap();
    heap.set_profile_rate(1);
    let refused = heap.mutate_root(|m, root| {
        for i in 0..(4 << 20) / 80 + 10 {
            match Gc::try_new(
                m,
                Cell8 {
                    words: [i as u64; 8],
                },
            ) {
                Ok(cell) => root.kept.push(cell),
                Err(_) => return true,
            }
        }
        false
    });
    assert!(
        refused,
        "allocating past max_heap fails even on the sampled path"
    );
}
