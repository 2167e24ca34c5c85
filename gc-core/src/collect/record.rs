//! The recorder's hook in the collector (the `record` feature): after each
//! safe point or collection step, reads the spaces, the pacer and the marker
//! into a `telemetry::record::RecordEvent`, with an object snapshot on small heaps.

use std::time::Duration;

use crate::collect::collector::Collector;
use crate::collect::snapshot::{walk_snapshot, EdgeRecord, HeapSnapshot};
use crate::object::trace::Tracer;
use crate::state::GcState;
use crate::telemetry::record::{
    nanos, RecordEvent, RecordedEdge, RecordedObject, RecordedObjects, SpaceBytes, StepWork,
};

impl Collector {
    /// Appends an event for the step just done, if recording.
    pub(crate) fn record_step(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        work: StepWork,
        duration: Duration,
    ) {
        let Some(recorder) = self.recorder.as_ref() else {
            return;
        };
        let estimate = {
            let old = state.old.borrow();
            // Eden keeps no object count: assume its smallest objects (16 bytes).
            old.objects
                + state.large.borrow().len()
                + state.survivors.occupied().objects
                + state.eden.used() / 16
        };
        let objects = recorder
            .wants_objects(estimate)
            .then(|| object_snapshot(state, roots));
        let event = self.event(state, work, duration, objects);
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.recording.push(event);
        }
    }

    fn event(
        &self,
        state: &GcState,
        work: StepWork,
        duration: Duration,
        objects: Option<RecordedObjects>,
    ) -> RecordEvent {
        let old = state.old.borrow();
        let large = state.large.borrow();
        let survivors = state.survivors.occupied();
        let settings = self.config.pacer_settings();
        let at_us = self
            .recorder
            .as_ref()
            .map_or(0, |r| r.started.elapsed().as_micros() as u64);
        RecordEvent {
            step: 0,
            at_us,
            phase: state.phase.get(),
            work,
            duration_ns: nanos(duration),
            eden: SpaceBytes {
                used: state.eden.used(),
                capacity: state.eden.capacity(),
            },
            survivor: SpaceBytes {
                used: survivors.used,
                capacity: state.survivors.capacity,
            },
            old: SpaceBytes {
                used: old.bytes_in_use,
                capacity: old.committed(),
            },
            large: SpaceBytes {
                used: large.bytes,
                capacity: large.bytes,
            },
            external_bytes: state.external_bytes.get(),
            heap_bytes: state.heap_bytes(),
            paced_bytes: state.paced_bytes(),
            heap_goal: self.pacer.heap_goal(),
            trigger: self.pacer.trigger(),
            live_bytes: self.pacer.live_bytes(),
            gc_percent: settings.gc_percent,
            memory_limit: settings.memory_limit,
            min_heap: settings.min_heap,
            assist_ratio: self.assist_ratio(state),
            assist_debt: self.assist_debt,
            marked_bytes: self.marker.marked_bytes,
            mark_work: self.marker.work_done,
            gray: self.marker.gray.len(),
            gray_new: state.gray_new.borrow().len(),
            gray_again: state.gray_again.borrow().len(),
            remembered: state.remembered.borrow().len(),
            survived_bytes: self.stats.survived_bytes,
            promoted_bytes: self.stats.promoted_bytes,
            minor_collections: self.stats.minor_collections,
            major_collections: self.stats.major_collections,
            tenuring_threshold: self.tenuring_threshold,
            objects,
        }
    }
}

impl Collector {
    /// Records the step `pay_debt` just pushed.
    pub(crate) fn record_last(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        pauses: &[(crate::telemetry::stats::PauseKind, Duration)],
    ) {
        if let Some(&(kind, duration)) = pauses.last() {
            self.record_step(state, roots, StepWork::of_pause(kind), duration);
        }
    }

    /// Starts recording (replacing a recording in progress) and records the
    /// starting state.
    pub(crate) fn start_recording(
        &mut self,
        state: &mut GcState,
        roots: &mut dyn FnMut(&mut Tracer),
        options: crate::telemetry::record::RecordOptions,
    ) {
        self.recorder = Some(Box::new(crate::telemetry::record::Recorder::new(options)));
        self.record_step(state, roots, StepWork::SafePoint, Duration::ZERO);
    }
}

/// Every reachable object now, for an event: the heap walker's snapshot
/// (`collect/snapshot.rs`) in the recording's terms.
pub(crate) fn object_snapshot(
    state: &mut GcState,
    roots: &mut dyn FnMut(&mut Tracer),
) -> RecordedObjects {
    let mut snapshot = HeapSnapshot::default();
    walk_snapshot(state, roots, &mut snapshot);
    let edge = |edge: &EdgeRecord| RecordedEdge {
        field: edge.field,
        to: edge.to,
        kind: edge.kind.name(),
    };
    RecordedObjects {
        objects: snapshot
            .objects
            .iter()
            .map(|object| RecordedObject {
                id: object.id,
                type_name: object.type_name,
                space: object.space.name(),
                colour: object.colour.name(),
                age: object.age,
                remembered: object.remembered,
                size: object.size,
                edges: object.edges.iter().map(edge).collect(),
            })
            .collect(),
        roots: snapshot.roots.iter().map(|e| e.to).collect(),
        stash: snapshot.stash.iter().map(|s| s.to).collect(),
    }
}
