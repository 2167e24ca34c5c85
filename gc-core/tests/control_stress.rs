//! Stress: threads turn knobs through `GcControl` while the heap allocates,
//! collects, and turns knobs itself. Each write takes its value from one
//! counter *inside* the edit, which runs under the control mutex, so larger
//! values are later writes. Per-knob last-writer-wins then means: at every
//! safe point each knob in force only grows, and after the writers finish and
//! one more safe point, each knob holds the largest value written to it.
//! Every write is thus either in force or superseded by a later one.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use gc_core::{Config, ConfigError, Gc, GcControl, Heap, Rootable};

const WRITES_PER_THREAD: u32 = 300;
const THREADS: u32 = 4;

/// The three knobs the writers turn, each as a function of a counter value.
#[derive(Clone, Copy)]
enum Knob {
    GcPercent,
    MarkStepBudget,
    MemoryLimit,
}

impl Knob {
    const ALL: [Knob; 3] = [Knob::GcPercent, Knob::MarkStepBudget, Knob::MemoryLimit];

    fn set(self, config: &mut Config, value: u32) {
        let result = match self {
            Knob::GcPercent => config.set_gc_percent(Some(50 + value)).map(drop),
            Knob::MarkStepBudget => config
                .set_mark_step_budget(4096 + value as usize * 64)
                .map(drop),
            Knob::MemoryLimit => config
                .set_memory_limit(Some((256 << 20) + value as usize * 4096))
                .map(drop),
        };
        result.expect("every value written is valid");
    }

    /// The knob's value in `config`, as the counter value that produced it.
    fn get(self, config: &Config) -> u64 {
        match self {
            Knob::GcPercent => config.gc_percent().map_or(0, |p| p as u64 - 50),
            Knob::MarkStepBudget => (config.mark_step_budget() as u64 - 4096) / 64,
            Knob::MemoryLimit => config
                .memory_limit()
                .map_or(0, |limit| (limit as u64 - (256 << 20)) / 4096),
        }
    }
}

/// The shared write log: the counter and, per knob, the largest value written.
struct Writes {
    counter: AtomicU32,
    largest: [AtomicU64; 3],
}

impl Writes {
    /// One write of `knob`, as an edit run under the control mutex; returns
    /// the counter value written.
    fn edit(&self, knob: usize, config: &mut Config) -> Result<u32, ConfigError> {
        let value = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        Knob::ALL[knob].set(config, value);
        self.largest[knob].fetch_max(value as u64, Ordering::Relaxed);
        Ok(value)
    }
}

type R = Rootable!['gc => Vec<Gc<'gc, [u64; 4]>>];

#[test]
#[cfg_attr(miri, ignore = "threads and thousands of safe points")]
fn every_write_is_in_force_or_superseded() {
    let config = Config::builder()
        .gc_percent(Some(50))
        .mark_step_budget(4096)
        .memory_limit(Some(256 << 20))
        .eden_size(256 << 10)
        .build()
        .unwrap();
    let mut heap = Heap::<R>::with_config(config, |_| Vec::new()).unwrap();
    let writes = Arc::new(Writes {
        counter: AtomicU32::new(0),
        largest: Default::default(),
    });
    let control: GcControl = heap.control();
    let writers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let (control, writes) = (control.clone(), writes.clone());
            std::thread::spawn(move || {
                for i in 0..WRITES_PER_THREAD {
                    let knob = ((thread + i) % 3) as usize;
                    control.update(|config| writes.edit(knob, config)).unwrap();
                    if i % 16 == 0 {
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();

    let mut in_force = [0u64; 3];
    let mut round = 0u64;
    while !writers.iter().all(|writer| writer.is_finished()) || round < 200 {
        heap.mutate_root(|m, root| {
            for i in 0..200u64 {
                let object = Gc::new(m, [round, i, 0, 0]);
                if i % 50 == 0 {
                    root.push(object);
                }
            }
            if root.len() > 2000 {
                root.drain(..1000);
            }
        });
        if round % 5 == 0 {
            let knob = (round / 5 % 3) as usize;
            heap.update_config(|config| writes.edit(knob, config))
                .unwrap();
        }
        heap.collect_debt();
        for (knob, seen) in Knob::ALL.iter().zip(in_force.iter_mut()) {
            let now = knob.get(heap.config());
            assert!(
                now >= *seen,
                "a knob went back to an older write: {seen} -> {now}"
            );
            *seen = now;
        }
        round += 1;
    }
    for writer in writers {
        writer.join().unwrap();
    }
    heap.collect_debt();
    for (index, knob) in Knob::ALL.iter().enumerate() {
        assert_eq!(
            knob.get(heap.config()),
            writes.largest[index].load(Ordering::Relaxed),
            "the last write to each knob is in force"
        );
    }
    assert_eq!(control.config(), *heap.config());
    let total = writes.counter.load(Ordering::Relaxed);
    assert!(total >= THREADS * WRITES_PER_THREAD, "{total} writes");
}
