//! The heap's recorder API (`record` feature): starting and stopping a
//! recording, and the events of safe points and manual steps (the paced
//! steps record themselves in the collector). See `telemetry/record.rs` and
//! `docs/recording.md`.

use std::time::Duration;

use super::Heap;
use crate::api::root::{Root, Rootable};
use crate::object::trace::Trace;

/// The recorder (`record` feature): see `telemetry/record.rs` and
/// `docs/recording.md`.
#[cfg(feature = "record")]
impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    Root<'static, R>: Trace,
{
    /// Starts recording every safe point and collection step (replacing a
    /// recording in progress); the first event is the heap as it is now.
    pub fn start_recording(&mut self, options: crate::telemetry::record::RecordOptions) {
        self.with_roots(|collector, state, roots| collector.start_recording(state, roots, options));
    }

    /// The recording in progress, if any.
    pub fn recording(&self) -> Option<&crate::telemetry::record::Recording> {
        self.collector.recorder.as_ref().map(|r| &r.recording)
    }

    /// Stops recording and returns what was recorded.
    pub fn stop_recording(&mut self) -> Option<crate::telemetry::record::Recording> {
        self.collector.recorder.take().map(|r| r.recording)
    }

    /// Records a safe point that did no collection work, or stress mode's
    /// collection (the paced steps record themselves, in `pay_debt`).
    pub(super) fn record_safe_point(&mut self, pauses_before: u64) {
        if self.collector.stats.pause_count == pauses_before {
            self.record_event(
                crate::telemetry::record::StepWork::SafePoint,
                Duration::ZERO,
            );
        } else if self.collector.config.stress {
            self.record_last_pause();
        }
    }

    /// Records the pause just made (a manual step).
    pub(super) fn record_last_pause(&mut self) {
        if let Some(pause) = self.collector.stats.recent_pauses.back().copied() {
            self.record_event(
                crate::telemetry::record::StepWork::of_pause(pause.kind),
                pause.duration,
            );
        }
    }

    fn record_event(&mut self, work: crate::telemetry::record::StepWork, duration: Duration) {
        if self.collector.recorder.is_some() {
            self.with_roots(|collector, state, roots| {
                collector.record_step(state, roots, work, duration)
            });
        }
    }
}
