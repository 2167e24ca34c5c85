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
}
