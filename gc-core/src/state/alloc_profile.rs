//! Allocation sampling for heap profiles: sites, the sampler, the tables.
//!
//! A heap profile answers "which code allocated what, and what of it is still
//! alive", like Go's `runtime.MemProfile`. Two things feed it:
//!
//! - **Sites.** The embedder names what the program is doing with
//!   `Mutation::site` / `push_site` ("demo.scm:12 make-tree"); sites nest as
//!   a stack, which pprof shows as a call chain. Pushing a site is a `Vec`
//!   push; allocation never reads the stack except when it takes a sample.
//! - **The sampler.** As with Go's `MemProfileRate`, on average one sample is
//!   taken per `rate` bytes allocated: the gap to the next sample is drawn
//!   from an exponential distribution with mean `rate` (so periodic
//!   allocation patterns are not aliased), and a sampled object of `size`
//!   bytes stands for `1 / (1 - exp(-size / rate))` objects, Go's unbiased
//!   estimate. `rate == 1` samples every allocation with weight 1 (exact);
//!   `rate == 0` turns sampling off.
//!
//! **Cost.** The sampler costs the allocation fast path nothing: the next
//! sample point is folded into `young_limit`, the bound Eden's bump pointer
//! is already checked against for the hard heap cap, so the same single
//! comparison sends the sampled allocation down the cold path
//! (`GcState::allocate_young_cold`), which tells a sample from the cap.
//! The old-space path is cold already and checks the sample point itself.
//!
//! A sampled object gets a fresh identity hash from a counter (its hash slot
//! is still 0 when it is born), which keys it in `live`; profile writers walk
//! the heap, count each live sampled object's weight as in-use, and forget
//! the samples whose objects died.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// Go's default `MemProfileRate`: one sample per 512 KiB allocated on average.
/// At that rate a program allocating 1 GiB takes about 2,048 samples, each a
/// few hash-map updates on the cold path.
pub(crate) const DEFAULT_PROFILE_RATE: usize = 512 * 1024;

/// An interned site name.
pub(crate) type SiteId = u32;

/// An interned stack of sites (outermost first).
pub(crate) type StackId = u32;

/// An interned Rust backtrace (instruction pointers, innermost first);
/// 0 is the empty one (backtraces off).
pub(crate) type TraceId = u32;

/// Frames kept of a sampled Rust backtrace.
const MAX_TRACE_FRAMES: usize = 64;

/// Estimated objects and bytes.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub(crate) struct Weight {
    /// Estimated objects.
    pub objects: f64,
    /// Estimated bytes.
    pub bytes: f64,
}

impl Weight {
    fn add(&mut self, other: Weight) {
        self.objects += other.objects;
        self.bytes += other.bytes;
    }
}

/// A sampled object that was alive at the last walk (or is new since).
#[derive(Copy, Clone, Debug)]
pub(crate) struct LiveSample {
    /// Where it was allocated.
    pub stack: StackId,
    /// The Rust backtrace of the allocation (0: none).
    pub trace: TraceId,
    /// Its type.
    pub type_name: &'static str,
    /// What it stands for.
    pub weight: Weight,
}

/// What samples are grouped by: site stack, Rust backtrace, type.
pub(crate) type SampleKey = (StackId, TraceId, &'static str);

/// Interned sites and stacks, the current stack, and the sample tables.
#[derive(Default)]
pub(crate) struct ProfileTables {
    /// Site names by id.
    pub site_names: Vec<String>,
    site_ids: HashMap<String, SiteId>,
    /// The current site stack (outermost first).
    pub current: Vec<SiteId>,
    /// Stacks by id.
    pub stacks: Vec<Vec<SiteId>>,
    stack_ids: HashMap<Vec<SiteId>, StackId>,
    /// Rust backtraces by id (entry 0 is empty).
    pub traces: Vec<Vec<usize>>,
    trace_ids: HashMap<Vec<usize>, TraceId>,
    /// Allocation totals by (stack, backtrace, type) since the heap was built.
    pub allocated: HashMap<SampleKey, Weight>,
    /// Sampled objects by identity hash.
    pub live: HashMap<u32, LiveSample>,
}

impl ProfileTables {
    /// The id of site `name`, interning it on first use.
    pub(crate) fn intern_site(&mut self, name: &str) -> SiteId {
        if let Some(&id) = self.site_ids.get(name) {
            return id;
        }
        let id = self.site_names.len() as SiteId;
        self.site_names.push(name.to_owned());
        self.site_ids.insert(name.to_owned(), id);
        id
    }

    /// The id of backtrace `ips`, interning it on first use.
    fn intern_trace(&mut self, ips: Vec<usize>) -> TraceId {
        if self.traces.is_empty() {
            self.traces.push(Vec::new());
            self.trace_ids.insert(Vec::new(), 0);
        }
        if let Some(&id) = self.trace_ids.get(&ips) {
            return id;
        }
        let id = self.traces.len() as TraceId;
        self.traces.push(ips.clone());
        self.trace_ids.insert(ips, id);
        id
    }

    /// The id of the current stack, interning it on first use.
    fn current_stack(&mut self) -> StackId {
        if let Some(&id) = self.stack_ids.get(&self.current) {
            return id;
        }
        let id = self.stacks.len() as StackId;
        self.stacks.push(self.current.clone());
        self.stack_ids.insert(self.current.clone(), id);
        id
    }
}

/// The sampler's state and the profile tables (mutator side, in `GcState`).
pub(crate) struct AllocProfile {
    /// Mean bytes between samples; 0 = off, 1 = every allocation.
    pub rate: Cell<usize>,
    /// Bytes still to allocate before the next sample, as of `base`.
    remaining: Cell<usize>,
    /// `bytes_since_safe_point` when `remaining` was last updated.
    base: Cell<usize>,
    /// The young limit the hard heap cap alone allows (`young_limit` is
    /// lowered below it to stop at the next sample). Set at each safe point,
    /// lowered by old allocations like `young_limit`.
    pub cap_young_limit: Cell<usize>,
    /// The sampler's random state (xorshift64*, fixed seed: runs repeat).
    random: Cell<u64>,
    /// Whether samples capture a Rust backtrace (feature `pprof`).
    pub backtraces: Cell<bool>,
    /// Samples taken (also the source of sampled objects' identity hashes).
    pub samples: Cell<u64>,
    /// Sites, stacks and samples.
    pub tables: RefCell<ProfileTables>,
}

impl Default for AllocProfile {
    fn default() -> AllocProfile {
        AllocProfile {
            rate: Cell::new(DEFAULT_PROFILE_RATE),
            remaining: Cell::new(0),
            base: Cell::new(0),
            cap_young_limit: Cell::new(usize::MAX),
            random: Cell::new(0x2545_F491_4F6C_DD1D),
            backtraces: Cell::new(false),
            samples: Cell::new(0),
            tables: RefCell::new(ProfileTables::default()),
        }
    }
}

impl AllocProfile {
    /// Sets the rate and draws a fresh gap; `allocated` is
    /// `bytes_since_safe_point` now.
    pub(crate) fn set_rate(&self, rate: usize, allocated: usize) {
        self.rate.set(rate);
        self.remaining.set(self.next_gap());
        self.base.set(allocated);
    }

    /// Counts the bytes allocated since `base` against the gap; `allocated`
    /// is `bytes_since_safe_point` now. Returns the bytes left to the sample.
    pub(crate) fn fold(&self, allocated: usize) -> usize {
        let spent = allocated.saturating_sub(self.base.get());
        self.remaining
            .set(self.remaining.get().saturating_sub(spent));
        self.base.set(allocated);
        self.remaining.get()
    }

    /// Re-bases after a safe point reset the allocation counters.
    pub(crate) fn rebase(&self, allocated: usize) {
        self.base.set(allocated);
    }

    /// The gap to the next sample: exponential with mean `rate` bytes.
    fn next_gap(&self) -> usize {
        let rate = self.rate.get();
        if rate <= 1 {
            return 0;
        }
        let mut x = self.random.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.random.set(x);
        let bits = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        // A uniform draw in (0, 1], never 0 so the logarithm is finite.
        let uniform = (bits as f64 + 1.0) / (1u64 << 53) as f64;
        (-uniform.ln() * rate as f64) as usize
    }

    /// What one sampled object of `size` bytes stands for.
    fn weight(&self, size: usize) -> Weight {
        let rate = self.rate.get() as f64;
        let scale = if rate <= 1.0 {
            1.0
        } else {
            1.0 / (1.0 - (-(size as f64) / rate).exp())
        };
        Weight {
            objects: scale,
            bytes: scale * size as f64,
        }
    }

    /// Records a sample of an object of `type_name` and `size` bytes just
    /// allocated; returns the identity hash to give it. `allocated` is
    /// `bytes_since_safe_point` after the allocation.
    pub(crate) fn record(&self, type_name: &'static str, size: usize, allocated: usize, hash: u32) {
        self.samples.set(self.samples.get() + 1);
        let weight = self.weight(size);
        let ips = if self.backtraces.get() {
            capture_backtrace()
        } else {
            Vec::new()
        };
        let mut tables = self.tables.borrow_mut();
        let stack = tables.current_stack();
        let trace = if ips.is_empty() {
            0
        } else {
            tables.intern_trace(ips)
        };
        tables
            .allocated
            .entry((stack, trace, type_name))
            .or_default()
            .add(weight);
        let live = LiveSample {
            stack,
            trace,
            type_name,
            weight,
        };
        tables.live.insert(hash, live);
        drop(tables);
        self.remaining.set(self.next_gap());
        self.base.set(allocated);
    }
}

/// The instruction pointers of the current Rust call stack, innermost first.
#[cfg(feature = "pprof")]
fn capture_backtrace() -> Vec<usize> {
    let mut ips = Vec::new();
    backtrace::trace(|frame| {
        ips.push(frame.ip() as usize);
        ips.len() < MAX_TRACE_FRAMES
    });
    ips
}

/// Without the `pprof` feature there is no backtrace crate: no frames.
#[cfg(not(feature = "pprof"))]
fn capture_backtrace() -> Vec<usize> {
    let _ = MAX_TRACE_FRAMES;
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_average_the_rate() {
        let profile = AllocProfile::default();
        profile.set_rate(4096, 0);
        let n = if cfg!(miri) { 200 } else { 20_000 };
        let total: usize = (0..n).map(|_| profile.next_gap()).sum();
        let mean = total as f64 / n as f64;
        assert!((mean - 4096.0).abs() < 4096.0 * 0.15, "mean gap {mean}");
    }

    #[test]
    fn rate_one_is_exact_and_weights_grow_for_small_objects() {
        let profile = AllocProfile::default();
        profile.set_rate(1, 0);
        assert_eq!(profile.next_gap(), 0);
        assert_eq!(profile.weight(48).objects, 1.0);
        profile.set_rate(512 * 1024, 0);
        let small = profile.weight(32);
        assert!(small.objects > 16_000.0, "{small:?}");
        assert!((small.bytes / small.objects - 32.0).abs() < 1e-6);
        let huge = profile.weight(64 << 20);
        assert!((huge.objects - 1.0).abs() < 1e-6, "{huge:?}");
    }

    #[test]
    fn samples_are_tallied_by_stack_and_type() {
        let profile = AllocProfile::default();
        profile.set_rate(1, 0);
        let site = profile.tables.borrow_mut().intern_site("f");
        profile.record("A", 32, 32, 1);
        profile.tables.borrow_mut().current.push(site);
        profile.record("A", 32, 64, 2);
        profile.record("A", 32, 96, 3);
        let tables = profile.tables.borrow();
        assert_eq!(tables.stacks, [vec![], vec![site]]);
        assert_eq!(tables.allocated[&(0, 0, "A")].objects, 1.0);
        assert_eq!(tables.allocated[&(1, 0, "A")].bytes, 64.0);
        assert_eq!(tables.live.len(), 3);
    }
}
