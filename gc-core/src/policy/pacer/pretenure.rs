//! Pretenuring decisions: when objects of one allocation site mostly survive,
//! allocate them old (V8's allocation-site pretenuring, HotSpot's
//! `-XX:+AlwaysTenure` made per site).
//!
//! Part of the pacer (see [`super`]); pure arithmetic, fed by the minor GC.
//! A **site** is a type (its `TypeInfo`): the allocation path samples about
//! one young object per [`SAMPLE_STRIDE`] bytes of Eden, and each minor GC
//! counts how many of a site's samples it found alive (survived their first
//! minor GC). Once a site has [`MIN_SAMPLES`] samples, [`decide`] judges it:
//!
//! - a young site whose samples survived at [`PRETENURE_RATIO`] or more is
//!   **pretenured**, but only while the survivor space overflows (V8's rule:
//!   copying survivors is then what the pause spends its time on);
//! - a pretenured site keeps being sampled: one allocation in
//!   [`PROBE_EVERY`] is still made young (a **probe**), and if the probes
//!   survive below [`REVERT_RATIO`] the site goes back to young allocation.
//!
//! The gap between the two ratios keeps a site near the boundary from
//! flapping. Each judgement starts a new window of samples.
//!
//! **The probes can be fooled.** A probe is young, and a pretenured site's
//! other objects are old: when they point to the probe, the remembered set
//! keeps it alive through the next minor GC even if the old parent is already
//! garbage, because a minor GC does not judge old objects. A tree that is
//! built and then dropped (binary-trees' short-lived trees) keeps its probes
//! "surviving" this way, and a young-only judgement would never revert. So a
//! pretenured site is also judged where old objects are judged, at the end of
//! each major cycle's marking ([`judge_old`]): about one old allocation per
//! [`OLD_SAMPLE_STRIDE`] bytes is remembered, and if fewer than
//! [`REVERT_RATIO`] of those were found marked, most of what the site puts in
//! old space is floating garbage and it reverts. A site that reverted this
//! way may not be pretenured again for [`backoff`] minor GCs, a pause that
//! doubles with each such revert, so a program whose survival flips from
//! phase to phase pays for a bounded number of wrong decisions.

/// Samples a site needs before it is judged (objects): V8's minimum of 100
/// found mementos, so that a ratio is within about 10% of the truth.
pub const MIN_SAMPLES: u32 = 100;

/// Survival ratio at or above which a site is pretenured (V8's 85%).
pub const PRETENURE_RATIO: f64 = 0.85;

/// Survival ratio of probes below which a pretenured site reverts: half.
/// Most of what such a site allocates then dies young, and allocating it old
/// would fill the old generation with garbage for the next major cycle.
pub const REVERT_RATIO: f64 = 0.5;

/// One allocation in this many of a pretenured site is made young as a probe.
/// 16 keeps 94% of the site's allocations old while a window of
/// `MIN_SAMPLES` probes fills within 1,600 allocations.
pub const PROBE_EVERY: u32 = 16;

/// Bytes of Eden between two samples: 4 KiB is 1,024 samples per 4 MiB Eden,
/// so a site that allocates a tenth of Eden is judged after one minor GC,
/// while the sampled allocation (tens of nanoseconds) costs under 1% of
/// allocating 4 KiB of small objects.
pub const SAMPLE_STRIDE: usize = 4 << 10;

/// Bytes of a site's old allocations between two old samples (see
/// [`judge_old`]): 64 KiB keeps a cycle's sample list short (1,600 samples per
/// 100 MiB pretenured) while a site that pretenures even 2 MiB per cycle gets
/// [`MIN_OLD_SAMPLES`].
pub const OLD_SAMPLE_STRIDE: usize = 64 << 10;

/// Old samples kept per cycle at most; later allocations in the cycle are not
/// sampled, which bounds both the list and the check in mark termination
/// (one mark-bit read per sample).
pub const MAX_OLD_SAMPLES: usize = 1024;

/// Old samples a pretenured site needs before a major cycle judges it.
pub const MIN_OLD_SAMPLES: u32 = 32;

/// Minor GCs a site waits after its first revert by a major cycle before it
/// may be pretenured again; [`backoff`] doubles it per revert.
pub const FIRST_BACKOFF_MINORS: u32 = 8;

/// The longest wait, in minor GCs, after a revert by a major cycle.
pub const MAX_BACKOFF_MINORS: u32 = 4096;

/// Smallest object, in bytes with its header, whose site may be pretenured:
/// 256. Pretenuring trades a copy, whose cost grows with the object, for an
/// old-space allocation, whose cost does not (a cell from a size class, the
/// site lookup, a mark bit, and a sweep later). A 1 KiB message costs about a
/// microsecond to copy, far more than its old allocation; a 48-byte tree node
/// costs tens of nanoseconds, less than the old path. Measured with every size
/// allowed: balanced-tree (48-byte treap nodes) ran 15% slower pretenured,
/// GCBench 11%, call-frames 25%, while gc-latency's 1 KiB messages gained the
/// most (p99.99 push 1.5 ms to 0.22 ms).
pub const MIN_PRETENURE_BYTES: usize = 256;

/// Edens of allocation past which a minor GC's samples are not judged: 2.
/// A collection runs only between `mutate` calls, so an Eden filled several
/// times over was filled by one call, and its survival tells of that call
/// (binary-trees' long-lived tree, built in one call: everything survives),
/// not of the site. Judged, it pretenured binary-trees' nodes, whose
/// short-lived trees then went old until a major cycle reverted it: 9.5 s
/// instead of 5.6, and twice the RSS.
pub const UNREPRESENTATIVE_EDENS: usize = 2;

/// True if a minor GC that found `eden_bytes` in an Eden of `capacity`
/// bytes judges its samples (see [`UNREPRESENTATIVE_EDENS`]).
pub fn representative(eden_bytes: usize, capacity: usize) -> bool {
    eden_bytes <= capacity.saturating_mul(UNREPRESENTATIVE_EDENS)
}

/// A site's allocation mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteMode {
    /// Allocated in Eden (the default).
    Young,
    /// Allocated in old space, with probes in Eden.
    Pretenured,
}

/// One window of a site's samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SiteWindow {
    /// Samples (or probes) seen by a minor GC in this window.
    pub samples: u32,
    /// Of those, the ones it found alive.
    pub survived: u32,
}

/// The judgement of one site's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Not enough samples yet: keep the window.
    Wait,
    /// Judged, mode unchanged: start a new window.
    Keep,
    /// Judged, switch to this mode and start a new window.
    Switch(SiteMode),
}

/// Judges a site in `mode` with the samples of `window`; `overflowing` says
/// whether the last minor GC's first cohort overflowed the survivor space.
pub fn decide(mode: SiteMode, window: SiteWindow, overflowing: bool) -> Decision {
    if window.samples < MIN_SAMPLES {
        return Decision::Wait;
    }
    let ratio = f64::from(window.survived) / f64::from(window.samples);
    match mode {
        SiteMode::Young if ratio >= PRETENURE_RATIO && overflowing => {
            Decision::Switch(SiteMode::Pretenured)
        }
        SiteMode::Pretenured if ratio < REVERT_RATIO => Decision::Switch(SiteMode::Young),
        _ => Decision::Keep,
    }
}

/// Judges a pretenured site at the end of a major cycle's marking by the old
/// objects it allocated before the cycle began: true if it should revert,
/// because fewer than [`REVERT_RATIO`] of `window`'s samples were marked.
/// (Objects allocated while marking are born black and prove nothing, so the
/// caller samples only allocations made outside marking.)
pub fn judge_old(window: SiteWindow) -> Decision {
    if window.samples < MIN_OLD_SAMPLES {
        return Decision::Wait;
    }
    let ratio = f64::from(window.survived) / f64::from(window.samples);
    if ratio < REVERT_RATIO {
        Decision::Switch(SiteMode::Young)
    } else {
        Decision::Keep
    }
}

/// The wait, in minor GCs, after the `reverts`-th revert by a major cycle
/// (`reverts >= 1`): [`FIRST_BACKOFF_MINORS`] doubled per earlier revert, at
/// most [`MAX_BACKOFF_MINORS`].
pub fn backoff(reverts: u32) -> u32 {
    let doublings = reverts.saturating_sub(1).min(31);
    FIRST_BACKOFF_MINORS
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF_MINORS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(samples: u32, survived: u32) -> SiteWindow {
        SiteWindow { samples, survived }
    }

    #[test]
    fn a_surviving_site_is_pretenured_only_while_survivors_overflow() {
        assert_eq!(
            decide(SiteMode::Young, window(99, 99), true),
            Decision::Wait
        );
        assert_eq!(
            decide(SiteMode::Young, window(100, 85), true),
            Decision::Switch(SiteMode::Pretenured)
        );
        assert_eq!(
            decide(SiteMode::Young, window(100, 85), false),
            Decision::Keep
        );
        assert_eq!(
            decide(SiteMode::Young, window(100, 84), true),
            Decision::Keep
        );
    }

    #[test]
    fn a_pretenured_site_reverts_when_its_probes_die() {
        assert_eq!(
            decide(SiteMode::Pretenured, window(100, 49), false),
            Decision::Switch(SiteMode::Young)
        );
        // Between the ratios the site stays as it is, either way.
        assert_eq!(
            decide(SiteMode::Pretenured, window(100, 60), true),
            Decision::Keep
        );
        assert_eq!(
            decide(SiteMode::Young, window(100, 60), true),
            Decision::Keep
        );
    }

    #[test]
    fn a_major_cycle_reverts_a_site_whose_old_objects_died() {
        assert_eq!(judge_old(window(31, 0)), Decision::Wait);
        assert_eq!(judge_old(window(32, 15)), Decision::Switch(SiteMode::Young));
        assert_eq!(judge_old(window(32, 16)), Decision::Keep);
    }

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        assert_eq!(backoff(1), FIRST_BACKOFF_MINORS);
        assert_eq!(backoff(2), 2 * FIRST_BACKOFF_MINORS);
        assert_eq!(backoff(4), 8 * FIRST_BACKOFF_MINORS);
        assert_eq!(backoff(100), MAX_BACKOFF_MINORS);
    }

    #[test]
    fn an_eden_filled_twice_over_by_one_call_is_not_judged() {
        assert!(representative(4 << 20, 4 << 20));
        assert!(representative(8 << 20, 4 << 20));
        assert!(!representative((8 << 20) + 1, 4 << 20));
    }
}
