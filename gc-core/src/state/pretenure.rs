//! Pretenuring: allocation sites whose objects survive are allocated old
//! (step 3, allocation, short-circuiting steps 4 and 5).
//!
//! A site is a type: the `TypeInfo` the allocation is made with (its address
//! is the key; a type whose descriptor the compiler duplicated counts as two
//! sites, which only splits its samples). The policy is `policy::pacer::pretenure`;
//! this module keeps its state and routes allocations:
//!
//! - **Sampling.** The young path's cold side takes one sample per
//!   `SAMPLE_STRIDE` bytes of Eden (it lowers `young_limit` to the next
//!   sample point, as the heap profiler does), recording the object and its
//!   site. The next minor GC sees which samples it forwarded (survived) and
//!   feeds each site's window; then the samples are forgotten (Eden is empty).
//! - **Routing.** `mask` has one bit per bucket of `TypeInfo` addresses with a
//!   pretenured site in it. The young fast path tests it (one load when no
//!   site is pretenured); a hit takes `allocate_pretenured`, which looks the
//!   site up exactly and allocates old, except every `PROBE_EVERY`th
//!   allocation, made young as a probe so the decision can revert.
//! - **Placement.** A pretenured object is placed as any old allocation is
//!   (`allocate_old`): born the current white, or gray and queued for the
//!   marker while marking (its fields are scanned before marking ends, which
//!   is what promotion's "born black, scanned at once" achieves), and
//!   remembered, since its first value may hold young pointers (I2).
//!
//! - **Old samples.** About one pretenured allocation per
//!   `OLD_SAMPLE_STRIDE` bytes made outside marking is remembered; mark
//!   termination reads their mark bits (`judge_old`) and reverts a site whose
//!   old objects mostly died, barring it for a backoff of minor GCs (the
//!   policy's module docs say why the probes alone can be fooled).
//!
//! Invariants: a young sample points into Eden and is read only by the minor
//! GC that ends that Eden, before Eden is reset or retired. An old sample
//! points to an old object allocated after the last mark termination and
//! outside marking, so no sweep can have freed it before the next mark
//! termination reads its mark bit and forgets it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ptr::NonNull;

use crate::object::header::{GcBox, Header, InfoOf, TypeInfo};
use crate::object::trace::Trace;
use crate::policy::pacer::pretenure::{
    backoff, decide, judge_old, Decision, SiteMode, SiteWindow, MAX_OLD_SAMPLES,
    MIN_PRETENURE_BYTES, OLD_SAMPLE_STRIDE, PROBE_EVERY, SAMPLE_STRIDE,
};
use crate::space::address_hash::AddressHasher;
use crate::state::error::AllocError;
use crate::state::phase::Phase;
use crate::state::GcState;

/// One allocation site's state.
struct Site {
    info: &'static TypeInfo,
    mode: SiteMode,
    window: SiteWindow,
    /// Allocations routed while pretenured (every `PROBE_EVERY`th is a probe).
    routed: u32,
    /// Old samples judged by mark terminations since the last judgement.
    old_window: SiteWindow,
    /// Reverts by a major cycle, less one for each major cycle that has
    /// confirmed the site since (sets the backoff: `pacer::pretenure::backoff`).
    old_reverts: u32,
    /// Minor GCs left before this site may be pretenured again.
    barred: u32,
}

impl Site {
    fn new(info: &'static TypeInfo) -> Site {
        Site {
            info,
            mode: SiteMode::Young,
            window: SiteWindow::default(),
            routed: 0,
            old_window: SiteWindow::default(),
            old_reverts: 0,
            barred: 0,
        }
    }

    /// Switches to `mode` with a fresh window of samples.
    fn switch(&mut self, mode: SiteMode, judged: &mut Judged) {
        self.mode = mode;
        self.window = SiteWindow::default();
        self.old_window = SiteWindow::default();
        match mode {
            SiteMode::Pretenured => judged.pretenured += 1,
            SiteMode::Young => judged.reverted += 1,
        }
    }
}

/// The sites by `TypeInfo` address (looked up on every allocation of a
/// pretenured type, so with an address hasher, not SipHash).
type Sites = HashMap<usize, Site, BuildHasherDefault<AddressHasher>>;

/// What a minor GC's evaluation changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Judged {
    /// Sites switched to old allocation.
    pub(crate) pretenured: usize,
    /// Sites switched back to young allocation.
    pub(crate) reverted: usize,
}

/// The pretenuring state. The mutator writes the samples and the counters
/// (through `&GcState`); minor GCs judge the sites and rewrite `mask`.
pub(crate) struct Pretenure {
    /// Off: no sampling, no site is pretenured (the `pretenuring` knob).
    enabled: Cell<bool>,
    /// Bit `bucket(info)` is set iff a pretenured site has that bucket.
    mask: Cell<u64>,
    /// Every site sampled so far, by `TypeInfo` address.
    sites: RefCell<Sites>,
    /// Samples taken since the last minor GC (objects in Eden).
    samples: RefCell<Vec<(NonNull<Header>, &'static TypeInfo)>>,
    /// Eden's `used` bytes at which the next sample is taken.
    next_sample_at: Cell<usize>,
    /// Pretenured objects sampled since the last mark termination (old
    /// objects allocated outside marking; at most `MAX_OLD_SAMPLES`).
    old_samples: RefCell<Vec<(NonNull<Header>, &'static TypeInfo)>>,
    /// Pretenured bytes still to allocate before the next old sample.
    old_sample_due: Cell<usize>,
    /// Jitter state, so that a loop allocating exactly the stride is not
    /// always sampled at the same object.
    jitter: Cell<u32>,
    /// Sites switched to old allocation, since the heap was built.
    pub(crate) decisions: Cell<u64>,
    /// Sites switched back to young allocation, since the heap was built.
    pub(crate) reverts: Cell<u64>,
    /// Bytes allocated old because their site was pretenured.
    pub(crate) pretenured_bytes: Cell<u64>,
}

impl Default for Pretenure {
    fn default() -> Pretenure {
        Pretenure {
            enabled: Cell::new(true),
            mask: Cell::new(0),
            sites: RefCell::new(Sites::default()),
            samples: RefCell::new(Vec::new()),
            next_sample_at: Cell::new(SAMPLE_STRIDE),
            old_samples: RefCell::new(Vec::new()),
            old_sample_due: Cell::new(OLD_SAMPLE_STRIDE),
            jitter: Cell::new(0x9e37_79b9),
            decisions: Cell::new(0),
            reverts: Cell::new(0),
            pretenured_bytes: Cell::new(0),
        }
    }
}

/// The mask bit of a site: 64 buckets of 16-byte-aligned `TypeInfo` addresses.
#[inline(always)]
fn bucket(info: &'static TypeInfo) -> u64 {
    1 << ((info as *const TypeInfo as usize >> 4) & 63)
}

impl Pretenure {
    /// Turns pretenuring on or off; off forgets every site.
    pub(crate) fn set_enabled(&self, enabled: bool) {
        // A knob change that leaves the switch as it was keeps the sampler's
        // schedule (so setting another knob changes nothing here).
        if self.enabled.get() == enabled {
            return;
        }
        self.enabled.set(enabled);
        if !enabled {
            self.mask.set(0);
            self.sites.borrow_mut().clear();
            self.samples.borrow_mut().clear();
            self.old_samples.borrow_mut().clear();
        }
        self.next_sample_at
            .set(if enabled { SAMPLE_STRIDE } else { usize::MAX });
    }

    /// True if any site is pretenured now.
    pub(crate) fn any_pretenured(&self) -> bool {
        self.mask.get() != 0
    }

    /// True if `info` may be a pretenured site (exact only when false).
    #[inline(always)]
    pub(crate) fn may_pretenure(&self, info: &'static TypeInfo) -> bool {
        let mask = self.mask.get();
        mask != 0 && mask & bucket(info) != 0
    }

    /// Eden's `used` bytes at which the young path must stop for a sample.
    pub(crate) fn next_sample_at(&self) -> usize {
        self.next_sample_at.get()
    }

    /// Types allocated old now.
    pub(crate) fn pretenured_types(&self) -> Vec<&'static str> {
        let sites = self.sites.borrow();
        let mut names: Vec<&'static str> = sites
            .values()
            .filter(|site| site.mode == SiteMode::Pretenured)
            .map(|site| (site.info.name)())
            .collect();
        names.sort_unstable();
        names
    }

    /// Records `object` (just allocated in Eden) as a sample of its site.
    fn record(&self, object: NonNull<Header>, info: &'static TypeInfo) {
        self.samples.borrow_mut().push((object, info));
    }

    /// Takes a sample if Eden's `used` bytes passed the sample point; true
    /// if one was taken (the caller re-arms `young_limit`).
    fn sample_if_due(&self, object: NonNull<Header>, info: &'static TypeInfo, used: usize) -> bool {
        if used < self.next_sample_at.get() {
            return false;
        }
        // A type too small to be pretenured is not recorded (the sample
        // point still moves on, so the schedule is the same).
        if info.size >= MIN_PRETENURE_BYTES {
            self.record(object, info);
        }
        // xorshift32: the next point is 1/2 to 3/2 strides away.
        let mut x = self.jitter.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.jitter.set(x);
        let gap = SAMPLE_STRIDE / 2 + x as usize % SAMPLE_STRIDE;
        self.next_sample_at.set(used.saturating_add(gap));
        true
    }

    /// Feeds the samples to their sites and judges every site with a full
    /// window; `overflowing` is whether this minor GC's first cohort
    /// overflowed the survivor space, `representative` whether its Eden was
    /// filled by more than one `mutate` call (`pacer::pretenure::representative`;
    /// if not, its samples are dropped unjudged). Called once per minor GC,
    /// after evacuation and before Eden is reset.
    pub(crate) fn judge(&self, overflowing: bool, representative: bool) -> Judged {
        let mut judged = Judged::default();
        if !self.enabled.get() {
            return judged;
        }
        if !representative {
            self.samples.borrow_mut().clear();
            self.next_sample_at.set(SAMPLE_STRIDE);
            return judged;
        }
        let mut sites = self.sites.borrow_mut();
        for (object, info) in self.samples.borrow_mut().drain(..) {
            // SAFETY: samples point into the Eden this minor GC just
            // evacuated, which is not yet reset (the invariant above).
            let survived = unsafe { object.as_ref() }.is_forwarded();
            let site = sites
                .entry(info as *const _ as usize)
                .or_insert_with(|| Site::new(info));
            site.window.samples += 1;
            site.window.survived += u32::from(survived);
        }
        for site in sites.values_mut() {
            let barred = site.barred > 0;
            site.barred = site.barred.saturating_sub(1);
            match decide(site.mode, site.window, overflowing) {
                Decision::Wait => {}
                Decision::Switch(mode) if !(barred && mode == SiteMode::Pretenured) => {
                    site.switch(mode, &mut judged)
                }
                // Judged without a switch, or barred in its backoff (it stays
                // young): the window starts over.
                _ => site.window = SiteWindow::default(),
            }
        }
        self.finish_judging(&sites, judged);
        self.next_sample_at.set(SAMPLE_STRIDE);
        judged
    }

    /// Rewrites `mask` from the sites' modes and counts the switches.
    fn finish_judging(&self, sites: &Sites, judged: Judged) {
        let mask = sites
            .values()
            .filter(|site| site.mode == SiteMode::Pretenured)
            .fold(0, |mask, site| mask | bucket(site.info));
        self.mask.set(mask);
        self.decisions
            .set(self.decisions.get() + judged.pretenured as u64);
        self.reverts
            .set(self.reverts.get() + judged.reverted as u64);
    }

    /// Remembers the pretenured object `object` (just allocated old, outside
    /// marking) as an old sample if one is due.
    fn sample_old(&self, object: NonNull<Header>, info: &'static TypeInfo) {
        let due = self.old_sample_due.get();
        if due > info.size {
            self.old_sample_due.set(due - info.size);
            return;
        }
        self.old_sample_due.set(OLD_SAMPLE_STRIDE);
        let mut samples = self.old_samples.borrow_mut();
        if samples.len() < MAX_OLD_SAMPLES {
            samples.push((object, info));
        }
    }

    /// Mark termination's judgement of the pretenured sites by their old
    /// samples (`is_marked` reads a sample's mark bit; called after marking
    /// and before the sweep). A site whose old objects mostly died reverts
    /// and is barred from pretenuring for its backoff.
    pub(crate) fn judge_old(&self, is_marked: impl Fn(NonNull<Header>) -> bool) -> Judged {
        let mut judged = Judged::default();
        let samples = std::mem::take(&mut *self.old_samples.borrow_mut());
        if samples.is_empty() {
            return judged;
        }
        let mut sites = self.sites.borrow_mut();
        for (object, info) in samples {
            if let Some(site) = sites.get_mut(&(info as *const _ as usize)) {
                site.old_window.samples += 1;
                site.old_window.survived += u32::from(is_marked(object));
            }
        }
        for site in sites.values_mut() {
            if site.mode != SiteMode::Pretenured {
                continue;
            }
            match judge_old(site.old_window) {
                Decision::Wait => {}
                Decision::Keep | Decision::Switch(SiteMode::Pretenured) => {
                    site.old_window = SiteWindow::default();
                    site.old_reverts = site.old_reverts.saturating_sub(1);
                }
                Decision::Switch(SiteMode::Young) => {
                    site.switch(SiteMode::Young, &mut judged);
                    site.old_reverts += 1;
                    site.barred = backoff(site.old_reverts);
                }
            }
        }
        self.finish_judging(&sites, judged);
        judged
    }

    /// Whether this allocation of `info` goes old (else young; `probe` if it
    /// is a pretenured site's probe).
    fn route(&self, info: &'static TypeInfo) -> (bool, bool) {
        let mut sites = self.sites.borrow_mut();
        match sites.get_mut(&(info as *const _ as usize)) {
            Some(site) if site.mode == SiteMode::Pretenured => {
                site.routed = site.routed.wrapping_add(1);
                let probe = site.routed % PROBE_EVERY == 0;
                (!probe, probe)
            }
            _ => (false, false),
        }
    }
}

impl GcState {
    /// The young path's detour for a type whose mask bucket is set: old if
    /// its site is pretenured (but for a probe), young otherwise.
    #[cold]
    #[inline(never)]
    pub(crate) fn allocate_pretenured<T>(
        &self,
        info: &'static TypeInfo,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        let (old, probe) = self.pretenure.route(info);
        if old {
            let ptr = self.allocate_old(info, value)?;
            let bytes = &self.pretenure.pretenured_bytes;
            bytes.set(bytes.get() + info.size as u64);
            // Born black while marking, such an object proves nothing.
            if self.phase.get() != Phase::Marking {
                self.pretenure.sample_old(ptr.cast(), info);
            }
            return Ok(ptr);
        }
        let ptr = self.allocate_young_cold(info, value)?;
        if probe {
            self.pretenure.record(ptr.cast(), info);
        }
        Ok(ptr)
    }

    /// Mark termination's pretenuring judgement (`Pretenure::judge_old`), by
    /// the mark bits of the old samples; before the sweep.
    pub(crate) fn judge_pretenuring_old(&self) {
        self.pretenure.judge_old(crate::space::marks::is_marked);
        self.refresh_young_below();
    }

    /// Takes a pretenuring sample of the young object just allocated at
    /// `object` if one is due, and re-arms `young_limit`.
    pub(crate) fn pretenure_sample_if_due(&self, object: NonNull<Header>, info: &'static TypeInfo) {
        if self.pretenure.sample_if_due(object, info, self.eden.used()) {
            self.arm_sampling();
        }
    }

    /// Allocates `value` directly in old space (`Gc::new_old`): an old cell,
    /// or the large object space for a large value.
    pub(crate) fn allocate_in_old<T: Trace>(
        &self,
        value: T,
    ) -> Result<NonNull<GcBox<T>>, AllocError> {
        self.allocate_old(&InfoOf::<T>::INFO, value)
    }
}
