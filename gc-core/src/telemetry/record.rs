//! The recorder: a step-by-step log of the collector at work, for people to
//! watch (the `record` cargo feature; absent from the build without it).
//!
//! At every safe point and every collection step (a *pause*: minor GC, mark
//! start, mark step, mark termination, sweep step, full collection) the
//! collector appends one [`RecordEvent`]: the phase, what work ran and how long it
//! took, the spaces' sizes, the pacer's goal, trigger and assist ratio, the
//! marker's progress and the young generation's counters. On a small heap, or
//! when asked, an event also carries an [`RecordedObjects`]: every object with
//! its stable id, colour (the tri-colour abstraction: white = not reached yet,
//! gray = reached but not scanned, black = scanned), age and space.
//!
//! A [`Recording`] is written as JSON lines (`docs/recording.md` documents the
//! format, version [`RECORDING_VERSION`]) or as a self-contained HTML page
//! (`record_page`). This module only holds data: the collector fills it in.

use std::time::Duration;

use crate::state::phase::Phase;
use crate::telemetry::json::JsonLine;
use crate::telemetry::stats::PauseKind;

/// The version of the JSON-lines format written by [`Recording::to_jsonl`].
pub const RECORDING_VERSION: u32 = 1;

/// By default (`ObjectDetail::Auto`) objects are snapshotted while the heap
/// holds at most this many objects: a few thousand nodes is what a graph on
/// a page can still show.
pub const AUTO_OBJECT_LIMIT: usize = 4096;

/// What work an event records.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StepWork {
    /// A safe point that did no collection work (or the recording's start).
    SafePoint,
    /// A minor (young-generation) collection.
    Minor,
    /// A major cycle started: the roots were shaded.
    MarkStart,
    /// An incremental mark step.
    MarkStep,
    /// The end of marking.
    MarkTermination,
    /// An incremental sweep step.
    SweepStep,
    /// A whole stop-the-world collection.
    Full,
}

impl StepWork {
    /// The name used in the recording format.
    pub fn name(self) -> &'static str {
        match self {
            StepWork::SafePoint => "safe_point",
            StepWork::Minor => "minor",
            StepWork::MarkStart => "mark_start",
            StepWork::MarkStep => "mark_step",
            StepWork::MarkTermination => "mark_termination",
            StepWork::SweepStep => "sweep_step",
            StepWork::Full => "full",
        }
    }

    /// The work a pause of this kind did.
    pub fn of_pause(kind: PauseKind) -> StepWork {
        match kind {
            PauseKind::Minor => StepWork::Minor,
            PauseKind::MarkStart => StepWork::MarkStart,
            PauseKind::MarkStep => StepWork::MarkStep,
            PauseKind::MarkTermination => StepWork::MarkTermination,
            PauseKind::SweepStep => StepWork::SweepStep,
            PauseKind::Full => StepWork::Full,
        }
    }
}

/// The name of a phase in the recording format.
pub(crate) fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Idle => "idle",
        Phase::Marking => "marking",
        Phase::Sweeping => "sweeping",
    }
}

/// Bytes in use in a space and the space's capacity.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SpaceBytes {
    /// Bytes in use.
    pub used: usize,
    /// Bytes the space can hold before it must be collected or grown
    /// (Eden, survivor: the nominal size; old: the blocks held; large: the
    /// objects themselves).
    pub capacity: usize,
}

/// One outgoing edge of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedEdge {
    /// The field holding the pointer, when the type's `Trace` impl names it.
    pub field: Option<&'static str>,
    /// The target's stable id.
    pub to: u64,
    /// `strong`, `weak` (a `GcWeak`, a finalization queue's watched object)
    /// or `ephemeron` (a weak map's value: strong while its key lives).
    pub kind: &'static str,
}

/// One object in a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedObject {
    /// Stable for the object's whole life, across copies.
    pub id: u64,
    /// The Rust type's name.
    pub type_name: &'static str,
    /// `eden`, `survivor`, `old` or `large`.
    pub space: &'static str,
    /// `white`, `gray` or `black`.
    pub colour: &'static str,
    /// Minor GCs survived.
    pub age: u8,
    /// In the remembered set (an old object that may point at young ones).
    pub remembered: bool,
    /// Bytes, header included.
    pub size: usize,
    /// Outgoing edges.
    pub edges: Vec<RecordedEdge>,
}

/// Every object of the heap at one step, with the roots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedObjects {
    /// The objects, by id.
    pub objects: Vec<RecordedObject>,
    /// Ids the root object points at.
    pub roots: Vec<u64>,
    /// Ids of stashed handles.
    pub stash: Vec<u64>,
}

/// The collector's state after one safe point or collection step.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordEvent {
    /// The event's index in the recording (0, 1, 2, ...).
    pub step: u64,
    /// Microseconds since the recording started.
    pub at_us: u64,
    /// The phase after this step.
    pub phase: Phase,
    /// The work this step did.
    pub work: StepWork,
    /// How long the work took, nanoseconds (0 for a bare safe point).
    pub duration_ns: u64,
    /// Eden.
    pub eden: SpaceBytes,
    /// The survivor from-space, with one semispace's capacity.
    pub survivor: SpaceBytes,
    /// Old-space cells in use (unswept garbage included) and blocks held.
    pub old: SpaceBytes,
    /// Large objects.
    pub large: SpaceBytes,
    /// Outside-heap bytes reported by `Trace` impls.
    pub external_bytes: usize,
    /// All bytes: young, old, large and outside.
    pub heap_bytes: usize,
    /// The bytes the pacer steers: old, large, survivors, outside.
    pub paced_bytes: usize,
    /// Where the current or next cycle should end, paced bytes.
    pub heap_goal: usize,
    /// Where the next major cycle starts, paced bytes.
    pub trigger: usize,
    /// Live bytes found by the last completed mark (the goal's base).
    pub live_bytes: usize,
    /// `gc_percent` in force (`None`: proportional pacing off).
    pub gc_percent: Option<u32>,
    /// The soft memory limit in force.
    pub memory_limit: Option<usize>,
    /// The smallest goal the pacer allows.
    pub min_heap: usize,
    /// Mark work owed per allocated byte (0 unless marking).
    pub assist_ratio: f64,
    /// Mark work owed and not yet done.
    pub assist_debt: f64,
    /// Bytes the marker has blackened this cycle.
    pub marked_bytes: usize,
    /// Mark work done this cycle.
    pub mark_work: usize,
    /// Objects on the gray stack.
    pub gray: usize,
    /// Old objects born gray, waiting for the next mark step.
    pub gray_new: usize,
    /// Objects the barrier re-grayed, waiting for termination.
    pub gray_again: usize,
    /// Objects in the remembered set.
    pub remembered: usize,
    /// Bytes copied into survivor space, all minor GCs so far.
    pub survived_bytes: u64,
    /// Bytes promoted into the old generation, all minor GCs so far.
    pub promoted_bytes: u64,
    /// Minor GCs so far.
    pub minor_collections: u64,
    /// Major cycles completed so far.
    pub major_collections: u64,
    /// The tenuring threshold in force.
    pub tenuring_threshold: u8,
    /// The objects, when snapshotted at this step.
    pub objects: Option<RecordedObjects>,
}

/// When events carry object snapshots.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ObjectDetail {
    /// While the heap holds at most [`AUTO_OBJECT_LIMIT`] objects.
    #[default]
    Auto,
    /// At every event, however large the heap.
    Always,
    /// Never (events only).
    Never,
}

/// How to record.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RecordOptions {
    /// When to snapshot objects.
    pub objects: ObjectDetail,
    /// Keep at most this many events; later bare safe points (no work) are
    /// then dropped, later collection steps are still kept.
    pub max_events: usize,
}

impl Default for RecordOptions {
    fn default() -> RecordOptions {
        RecordOptions {
            objects: ObjectDetail::Auto,
            max_events: 100_000,
        }
    }
}

/// A finished (or ongoing) recording.
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    /// A title for the page (the program's name, say).
    pub title: String,
    /// How it was recorded.
    pub options: RecordOptions,
    /// The events, in order.
    pub events: Vec<RecordEvent>,
    /// Bare safe points dropped because `max_events` was reached.
    pub dropped_safe_points: u64,
}

impl Recording {
    /// An empty recording.
    pub fn new(options: RecordOptions) -> Recording {
        Recording {
            title: String::from("tenure recording"),
            options,
            events: Vec::new(),
            dropped_safe_points: 0,
        }
    }

    /// Appends an event (numbering it), unless it is a bare safe point past
    /// `max_events`.
    pub(crate) fn push(&mut self, mut event: RecordEvent) {
        if self.events.len() >= self.options.max_events && event.work == StepWork::SafePoint {
            self.dropped_safe_points += 1;
            return;
        }
        event.step = self.events.len() as u64;
        self.events.push(event);
    }

    /// The header line of the JSON-lines form.
    pub fn header_json(&self) -> String {
        let mut line = JsonLine::new();
        line.str("format", "tenure-recording");
        line.num("version", RECORDING_VERSION);
        line.str("title", &self.title);
        line.num("events", self.events.len());
        line.num("dropped_safe_points", self.dropped_safe_points);
        line.num("auto_object_limit", AUTO_OBJECT_LIMIT);
        line.finish()
    }

    /// The recording as JSON lines: a header line, then one line per event.
    pub fn to_jsonl(&self) -> String {
        let mut out = self.header_json();
        out.push('\n');
        for event in &self.events {
            out.push_str(&event.to_json());
            out.push('\n');
        }
        out
    }

    /// Writes the JSON-lines form.
    pub fn write_jsonl(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.header_json())?;
        for event in &self.events {
            writeln!(out, "{}", event.to_json())?;
        }
        Ok(())
    }
}

impl RecordEvent {
    /// The event as one JSON object (one line of the recording).
    pub fn to_json(&self) -> String {
        let mut line = JsonLine::new();
        line.num("step", self.step);
        line.num("at_us", self.at_us);
        line.str("phase", phase_name(self.phase));
        line.str("work", self.work.name());
        line.num("duration_ns", self.duration_ns);
        for (name, space) in [
            ("eden", self.eden),
            ("survivor", self.survivor),
            ("old", self.old),
            ("large", self.large),
        ] {
            line.raw(
                name,
                &format!(
                    "{{\"used\":{},\"capacity\":{}}}",
                    space.used, space.capacity
                ),
            );
        }
        line.num("external_bytes", self.external_bytes);
        line.num("heap_bytes", self.heap_bytes);
        line.num("paced_bytes", self.paced_bytes);
        line.num("heap_goal", self.heap_goal);
        line.num("trigger", self.trigger);
        line.num("live_bytes", self.live_bytes);
        line.opt("gc_percent", self.gc_percent);
        line.opt("memory_limit", self.memory_limit);
        line.num("min_heap", self.min_heap);
        line.float("assist_ratio", self.assist_ratio);
        line.float("assist_debt", self.assist_debt);
        line.num("marked_bytes", self.marked_bytes);
        line.num("mark_work", self.mark_work);
        line.num("gray", self.gray);
        line.num("gray_new", self.gray_new);
        line.num("gray_again", self.gray_again);
        line.num("remembered", self.remembered);
        line.num("survived_bytes", self.survived_bytes);
        line.num("promoted_bytes", self.promoted_bytes);
        line.num("minor_collections", self.minor_collections);
        line.num("major_collections", self.major_collections);
        line.num("tenuring_threshold", self.tenuring_threshold);
        if let Some(snapshot) = &self.objects {
            line.raw("objects", &snapshot_json(snapshot));
        }
        line.finish()
    }
}

/// The `objects` member: `{"list":[...],"roots":[...],"stash":[...]}`.
fn snapshot_json(snapshot: &RecordedObjects) -> String {
    let list: Vec<String> = snapshot.objects.iter().map(object_json).collect();
    format!(
        "{{\"list\":[{}],\"roots\":{},\"stash\":{}}}",
        list.join(","),
        id_list(&snapshot.roots),
        id_list(&snapshot.stash)
    )
}

fn id_list(ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    format!("[{}]", ids.join(","))
}

fn object_json(object: &RecordedObject) -> String {
    let mut line = JsonLine::new();
    line.num("id", object.id);
    line.str("type", object.type_name);
    line.str("space", object.space);
    line.str("colour", object.colour);
    line.num("age", object.age);
    line.bool("remembered", object.remembered);
    line.num("size", object.size);
    let edges: Vec<String> = object
        .edges
        .iter()
        .map(|edge| {
            let mut e = JsonLine::new();
            match edge.field {
                Some(field) => e.str("field", field),
                None => e.raw("field", "null"),
            }
            e.num("to", edge.to);
            e.str("kind", edge.kind);
            e.finish()
        })
        .collect();
    line.raw("edges", &format!("[{}]", edges.join(",")));
    line.finish()
}

/// Converts a duration to whole nanoseconds for an event.
pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// A recording in progress, owned by the collector while it records.
pub(crate) struct Recorder {
    /// What has been recorded so far.
    pub(crate) recording: Recording,
    /// When recording started (events' `at_us` count from here).
    pub(crate) started: std::time::Instant,
}

impl Recorder {
    pub(crate) fn new(options: RecordOptions) -> Recorder {
        Recorder {
            recording: Recording::new(options),
            started: std::time::Instant::now(),
        }
    }

    /// Whether this event should carry objects, given an estimate of how
    /// many the heap holds.
    pub(crate) fn wants_objects(&self, estimated_objects: usize) -> bool {
        match self.recording.options.objects {
            ObjectDetail::Always => true,
            ObjectDetail::Never => false,
            ObjectDetail::Auto => estimated_objects <= AUTO_OBJECT_LIMIT,
        }
    }
}
