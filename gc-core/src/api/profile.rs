//! Heap profiles for the program: allocation sites and the profile writers.
//!
//! The embedder names what the program is doing with [`Mutation::site`] (or
//! [`Mutation::push_site`] / [`Mutation::pop_site`] when the scope is not a
//! Rust closure, as in an interpreter's call loop); sites nest as a stack.
//! Allocation is sampled at [`Heap::set_profile_rate`]'s rate (512 KiB by
//! default, like Go's `MemProfileRate`; 1 samples every allocation, 0 turns
//! sampling off). [`Heap::heap_samples`] walks the heap at a safe point to
//! find which sampled objects are still alive and returns the rows;
//! `Heap::write_pprof` (feature `pprof`) writes them for `go tool pprof`.
//! How the sampler costs the allocation fast path nothing is told in
//! `state/alloc_profile.rs`.

use std::collections::{HashMap, HashSet};

use crate::api::heap::Heap;
use crate::api::mutation::Mutation;
use crate::api::root::{Root, Rootable};
use crate::collect::snapshot::{walk_snapshot, EdgeRecord, ObjectRecord};
use crate::collect::snapshot::{SnapshotVisitor, StashRecord};
use crate::object::trace::Trace;
use crate::state::alloc_profile::{LiveSample, SampleKey, Weight};
use crate::telemetry::heap_profile::{HeapProfile, ProfileSample};

/// An interned allocation site (see [`Mutation::intern_site`]).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Site(u32);

/// Pops its site when dropped (see [`Mutation::enter_site`]).
pub struct SiteGuard<'a, 'gc> {
    m: &'a Mutation<'gc>,
    depth: usize,
}

impl Drop for SiteGuard<'_, '_> {
    fn drop(&mut self) {
        self.m.truncate_sites(self.depth);
    }
}

impl<'gc> Mutation<'gc> {
    /// Interns `name` as an allocation site. Interning once and pushing the
    /// [`Site`] is cheaper than naming the site at every call. A name written
    /// `file:line function` (`"demo.scm:12 make-tree"`) also gives pprof the
    /// file and line.
    pub fn intern_site(&self, name: &str) -> Site {
        Site(self.state().profile.tables.borrow_mut().intern_site(name))
    }

    /// Enters `site`: allocations sampled until the matching
    /// [`Mutation::pop_site`] are charged to it (inside the sites entered
    /// before it). The stack lives in the heap, across `mutate` calls.
    pub fn push_site(&self, site: Site) {
        self.state()
            .profile
            .tables
            .borrow_mut()
            .current
            .push(site.0);
    }

    /// Leaves the innermost site (does nothing when none is entered).
    pub fn pop_site(&self) {
        self.state().profile.tables.borrow_mut().current.pop();
    }

    /// The number of sites entered.
    pub fn site_depth(&self) -> usize {
        self.state().profile.tables.borrow().current.len()
    }

    /// Leaves sites until `depth` are entered (an interpreter unwinding
    /// after an error); does nothing if fewer are.
    pub fn truncate_sites(&self, depth: usize) {
        self.state()
            .profile
            .tables
            .borrow_mut()
            .current
            .truncate(depth);
    }

    /// Enters `site` until the returned guard is dropped.
    pub fn enter_site(&self, site: Site) -> SiteGuard<'_, 'gc> {
        let depth = self.site_depth();
        self.push_site(site);
        SiteGuard { m: self, depth }
    }

    /// Runs `f` inside the site `name`: `m.site("demo.scm:12 make-tree", |m| ...)`.
    pub fn site<T>(&self, name: &str, f: impl FnOnce(&Mutation<'gc>) -> T) -> T {
        let site = self.intern_site(name);
        let _guard = self.enter_site(site);
        f(self)
    }
}

/// Finds the sampled objects still alive during a heap walk.
struct InUse {
    live: HashMap<u32, LiveSample>,
    found: HashSet<u32>,
    inuse: HashMap<SampleKey, Weight>,
}

impl SnapshotVisitor for InUse {
    fn root_edge(&mut self, _edge: &EdgeRecord) {}
    fn stash_entry(&mut self, _entry: &StashRecord) {}
    fn object(&mut self, object: &ObjectRecord) {
        // A disambiguated id (above 2^32) is a repeat of a hash: not a sample.
        let Ok(hash) = u32::try_from(object.id) else {
            return;
        };
        let Some(sample) = self.live.get(&hash) else {
            return;
        };
        if sample.type_name == object.type_name && self.found.insert(hash) {
            let key = (sample.stack, sample.trace, sample.type_name);
            let total = self.inuse.entry(key).or_default();
            // Outside-heap bytes (a `Vec`'s buffer) count as in use too, as
            // the live heap counts them; they were unknown at allocation.
            let external = sample.weight.objects * object.external_bytes as f64;
            total.objects += sample.weight.objects;
            total.bytes += sample.weight.bytes + external;
        }
    }
}

impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    Root<'static, R>: Trace,
{
    /// Sets the allocation sampling rate: on average one sample per `bytes`
    /// allocated (Go's `MemProfileRate`; the default is 512 KiB). `1` samples
    /// every allocation, so profiles are exact; `0` turns sampling off.
    /// Returns the old rate.
    pub fn set_profile_rate(&mut self, bytes: usize) -> usize {
        self.with_named_roots(|_, state, _| {
            let old = state.profile.rate.get();
            state.set_profile_rate(bytes);
            old
        })
    }

    /// Makes each allocation sample also record the Rust backtrace of the
    /// allocation (feature `pprof`, with the `backtrace` crate; off by
    /// default). pprof then shows the Rust functions between the type and
    /// the sites. A capture costs a stack walk per sample, so at the default
    /// rate of one sample per 512 KiB it is rare; resolving symbols waits
    /// until a profile is written.
    #[cfg(feature = "pprof")]
    pub fn set_profile_backtraces(&mut self, on: bool) {
        self.with_named_roots(|_, state, _| state.profile.backtraces.set(on));
    }

    /// The allocation sampling rate in bytes (0 = off).
    pub fn profile_rate(&mut self) -> usize {
        self.with_named_roots(|_, state, _| state.profile.rate.get())
    }

    /// The heap profile now: for each (site stack, type), the objects and
    /// bytes allocated since the heap was built and those still reachable,
    /// from the allocation samples (exact at rate 1, estimates otherwise).
    /// Allocated bytes are the objects' heap bytes (headers included);
    /// in-use bytes add what the objects own outside the heap now (a
    /// `Vec`'s buffer, as `Tracer::external_bytes` reports it).
    /// Walks the heap (a safe point), and forgets samples whose objects died.
    pub fn heap_samples(&mut self) -> HeapProfile {
        self.with_named_roots(|_, state, roots| {
            let live = std::mem::take(&mut state.profile.tables.borrow_mut().live);
            let mut in_use = InUse {
                live,
                found: HashSet::new(),
                inuse: HashMap::new(),
            };
            walk_snapshot(state, roots, &mut in_use);
            let InUse {
                mut live,
                found,
                inuse,
            } = in_use;
            live.retain(|hash, _| found.contains(hash));
            let mut tables = state.profile.tables.borrow_mut();
            tables.live = live;
            let mut samples: Vec<ProfileSample> = tables
                .allocated
                .iter()
                .map(|(&(stack, trace, type_name), allocated)| {
                    let key = (stack, trace, type_name);
                    let in_use = inuse.get(&key).copied().unwrap_or_default();
                    let ips = tables
                        .traces
                        .get(trace as usize)
                        .map_or(&[][..], |t| &t[..]);
                    let sites = tables.stacks[stack as usize].iter();
                    ProfileSample {
                        sites: sites
                            .map(|&s| tables.site_names[s as usize].clone())
                            .collect(),
                        backtrace: resolve_backtrace(ips),
                        type_name,
                        alloc_objects: allocated.objects.round() as u64,
                        alloc_space: allocated.bytes.round() as u64,
                        inuse_objects: in_use.objects.round() as u64,
                        inuse_space: in_use.bytes.round() as u64,
                    }
                })
                .collect();
            samples.sort_by(|a, b| {
                let key = |s: &ProfileSample| (s.inuse_space, s.alloc_space);
                key(b).cmp(&key(a)).then_with(|| a.sites.cmp(&b.sites))
            });
            HeapProfile {
                samples,
                rate: state.profile.rate.get(),
            }
        })
    }

    /// Writes the heap profile (see [`Heap::heap_samples`]) to `out` in
    /// pprof's format, gzipped `profile.proto`, with Go's sample types
    /// `alloc_objects`, `alloc_space`, `inuse_objects` and `inuse_space`.
    /// Open it with `go tool pprof -top FILE` or `go tool pprof -http=: FILE`
    /// (see `docs/tuning.md`).
    #[cfg(feature = "pprof")]
    pub fn write_pprof(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let profile = self.heap_samples();
        crate::telemetry::pprof::write(&profile, out)
    }
}

/// Function names for a sampled backtrace, innermost first, without the
/// collector's own frames (allocation and sampling) and the capture's.
#[cfg(feature = "pprof")]
fn resolve_backtrace(ips: &[usize]) -> Vec<String> {
    let mut names = Vec::new();
    for (index, &ip) in ips.iter().enumerate() {
        // Return addresses point after the call; step back into it.
        let ip = if index == 0 { ip } else { ip.saturating_sub(1) };
        backtrace::resolve(ip as *mut std::ffi::c_void, |symbol| {
            if let Some(name) = symbol.name() {
                names.push(format!("{name:#}"));
            }
        });
    }
    let internal = |name: &String| {
        ["gc_core::", "backtrace::", "<gc_core::"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
    };
    let first_user = names.iter().position(|n| !internal(n)).unwrap_or(0);
    names.split_off(first_user)
}

/// Without the `pprof` feature no backtraces are taken.
#[cfg(not(feature = "pprof"))]
fn resolve_backtrace(_ips: &[usize]) -> Vec<String> {
    Vec::new()
}
