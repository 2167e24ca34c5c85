//! A heap profile's data: what was allocated where, and what is still alive.
//!
//! One [`ProfileSample`] per (site stack, type): estimated allocation totals
//! since the heap was built and the in-use part found by a heap walk. The
//! figures come from allocation sampling (`state/alloc_profile.rs`): at rate
//! 1 they are exact counts; at the default rate (512 KiB, Go's
//! `MemProfileRate`) they are unbiased estimates, rounded. `Heap::heap_samples`
//! builds one; the pprof writer (`telemetry/pprof.rs`) encodes it.

/// One row of a heap profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileSample {
    /// The allocation sites in force, outermost first (empty: none set).
    pub sites: Vec<String>,
    /// The Rust functions that allocated, innermost first, when backtraces
    /// are on (`Heap::set_profile_backtraces`); empty otherwise.
    pub backtrace: Vec<String>,
    /// The allocated type (`std::any::type_name`).
    pub type_name: &'static str,
    /// Objects allocated (estimated; exact at rate 1).
    pub alloc_objects: u64,
    /// Bytes allocated, headers included (estimated; exact at rate 1).
    pub alloc_space: u64,
    /// Of those, objects still reachable at the walk.
    pub inuse_objects: u64,
    /// Their bytes.
    pub inuse_space: u64,
}

/// A heap profile: its rows and the sampling rate they were taken at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeapProfile {
    /// Rows, largest in-use space first.
    pub samples: Vec<ProfileSample>,
    /// Mean bytes between samples (1 = every allocation; 0 = sampling off,
    /// so the profile is empty).
    pub rate: usize,
}

impl HeapProfile {
    /// Total of one figure over the rows whose stack or type mentions
    /// `name` (a site or a type name; substring match), as
    /// `(alloc_objects, alloc_space, inuse_objects, inuse_space)`.
    pub fn totals_for(&self, name: &str) -> (u64, u64, u64, u64) {
        let rows = self.samples.iter().filter(|row| {
            row.type_name.contains(name) || row.sites.iter().any(|site| site.contains(name))
        });
        rows.fold((0, 0, 0, 0), |t, row| {
            (
                t.0 + row.alloc_objects,
                t.1 + row.alloc_space,
                t.2 + row.inuse_objects,
                t.3 + row.inuse_space,
            )
        })
    }
}
