//! The recorder's format (`record` feature, `docs/recording.md`): a recording
//! written as JSON lines parses back with serde_json to the same events, and
//! every event agrees with `Heap::stats` taken at the same moment.
#![cfg(feature = "record")]

use gc_core::{
    unlock, Config, Gc, Heap, Lock, ObjectDetail, Phase, RecordEvent, RecordOptions, Recording,
    Rootable, Stats, StepWork, RECORDING_VERSION,
};
use gc_derive::Trace;
use serde_json::Value;

#[derive(Trace)]
struct Node<'gc> {
    payload: [u64; 4],
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

#[derive(Trace)]
struct Root<'gc> {
    head: Option<Gc<'gc, Node<'gc>>>,
}

type R = Rootable!['gc => Root<'gc>];

const ROUNDS: usize = if cfg!(miri) { 3 } else { 40 };
const NODES: usize = if cfg!(miri) { 20 } else { 200 };

fn heap() -> Heap<R> {
    let config = Config::builder()
        .eden_size(64 << 10)
        .min_heap(64 << 10)
        .build()
        .expect("valid config");
    Heap::with_config(config, |_| Root { head: None }).expect("valid config")
}

/// One round: a list of `NODES` (the first half kept on the root), then a
/// safe point.
fn round(heap: &mut Heap<R>) {
    heap.mutate_root(|m, root| {
        for i in 0..NODES {
            let node = Gc::new(
                m,
                Node {
                    payload: [i as u64; 4],
                    next: Lock::new(None),
                },
            );
            if i < NODES / 2 {
                if let Some(head) = root.head {
                    unlock!(Gc::write(m, node), Node, next).set(Some(head));
                }
                root.head = Some(node);
            }
        }
        if root.head.is_some() && NODES > 0 {
            // Drop most of the list now and then, so major cycles free something.
            let keep_all = m.allocated_since_safe_point() % 3 != 0;
            if !keep_all {
                root.head = None;
            }
        }
    });
    heap.collect_debt();
}

/// Checks the last event against the stats taken right after it.
fn agrees(event: &RecordEvent, stats: &Stats) {
    assert_eq!(event.phase, stats.phase, "phase at step {}", event.step);
    assert_eq!(
        event.eden.used, stats.eden_bytes,
        "eden at step {}",
        event.step
    );
    assert_eq!(event.eden.capacity, stats.eden_capacity);
    assert_eq!(event.survivor.used, stats.survivor_bytes);
    assert_eq!(event.survivor.capacity, stats.survivor_capacity);
    assert_eq!(event.old.used, stats.old_bytes);
    assert_eq!(event.old.capacity, stats.old_committed);
    assert_eq!(event.large.used, stats.large_bytes);
    assert_eq!(event.external_bytes, stats.external_bytes);
    assert_eq!(event.heap_bytes, stats.heap_bytes);
    assert_eq!(event.heap_goal, stats.heap_goal);
    assert_eq!(event.trigger, stats.next_trigger);
    assert_eq!(event.minor_collections, stats.minor_collections);
    assert_eq!(event.major_collections, stats.major_collections);
    assert_eq!(event.survived_bytes, stats.survived_bytes);
    assert_eq!(event.promoted_bytes, stats.promoted_bytes);
    assert_eq!(event.tenuring_threshold, stats.tenuring_threshold);
}

#[test]
fn events_agree_with_stats() {
    let mut heap = heap();
    heap.start_recording(RecordOptions {
        objects: ObjectDetail::Never,
        ..RecordOptions::default()
    });
    let pauses_at_start = heap.stats().pause_count;
    for _ in 0..ROUNDS {
        round(&mut heap);
        let stats = heap.stats();
        let recording = heap.recording().expect("recording");
        agrees(recording.events.last().expect("an event"), &stats);
    }
    // Manual steps are recorded too, one event each.
    heap.collect_minor();
    agrees(
        heap.recording().unwrap().events.last().unwrap(),
        &heap.stats(),
    );
    assert_eq!(
        heap.recording().unwrap().events.last().unwrap().work,
        StepWork::Minor
    );
    heap.collect_full();
    let stats = heap.stats();
    let recording = heap.stop_recording().expect("recording");
    let last = recording.events.last().unwrap();
    assert_eq!(last.work, StepWork::Full);
    assert_eq!(last.phase, Phase::Idle);
    agrees(last, &stats);
    // Every pause is one event: the events that did work are the pauses.
    let working = recording
        .events
        .iter()
        .filter(|e| e.work != StepWork::SafePoint)
        .count() as u64;
    assert_eq!(working, stats.pause_count - pauses_at_start);
    let recorded: std::time::Duration = recording
        .events
        .iter()
        .map(|e| std::time::Duration::from_nanos(e.duration_ns))
        .sum();
    assert!(
        recorded <= stats.pause_total,
        "recorded pauses are the heap's pauses"
    );
    // Steps are numbered in order, and time does not go backwards.
    for (i, pair) in recording.events.windows(2).enumerate() {
        assert_eq!(pair[0].step, i as u64);
        assert!(pair[0].at_us <= pair[1].at_us);
    }
    assert!(stats.minor_collections > 0 && stats.major_collections > 0);
}

fn number(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is a number in {value}"))
}

#[test]
fn the_jsonl_form_parses_back_to_the_same_events() {
    let mut heap = heap();
    heap.start_recording(RecordOptions {
        objects: ObjectDetail::Always,
        ..RecordOptions::default()
    });
    for _ in 0..ROUNDS.min(12) {
        round(&mut heap);
    }
    heap.start_marking();
    heap.mark_step(64);
    let mut recording: Recording = heap.stop_recording().expect("recording");
    recording.title = String::from("a \"quoted\" <title>\n");
    let text = recording.to_jsonl();
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().expect("a header")).expect("JSON header");
    assert_eq!(header["format"], "tenure-recording");
    assert_eq!(number(&header, "version"), u64::from(RECORDING_VERSION));
    assert_eq!(header["title"], recording.title.as_str());
    assert_eq!(number(&header, "events"), recording.events.len() as u64);
    let parsed: Vec<Value> = lines
        .map(|line| serde_json::from_str(line).expect("each event line is JSON"))
        .collect();
    assert_eq!(parsed.len(), recording.events.len());
    let mut objects_seen = 0;
    for (event, json) in recording.events.iter().zip(&parsed) {
        assert_eq!(number(json, "step"), event.step);
        assert_eq!(number(json, "at_us"), event.at_us);
        assert_eq!(json["work"], event.work.name());
        assert_eq!(number(json, "duration_ns"), event.duration_ns);
        assert_eq!(number(&json["eden"], "used"), event.eden.used as u64);
        assert_eq!(number(&json["old"], "capacity"), event.old.capacity as u64);
        assert_eq!(number(json, "heap_goal"), event.heap_goal as u64);
        assert_eq!(number(json, "trigger"), event.trigger as u64);
        assert_eq!(
            json["gc_percent"].as_u64().map(|p| p as u32),
            event.gc_percent
        );
        assert!(
            (json["assist_ratio"].as_f64().unwrap() - event.assist_ratio).abs()
                <= 1e-9 * event.assist_ratio.abs().max(1.0)
        );
        assert_eq!(number(json, "gray"), event.gray as u64);
        assert_eq!(number(json, "promoted_bytes"), event.promoted_bytes);
        assert_eq!(
            number(json, "tenuring_threshold"),
            u64::from(event.tenuring_threshold)
        );
        let snapshot = event
            .objects
            .as_ref()
            .expect("ObjectDetail::Always snapshots every event");
        let list = json["objects"]["list"].as_array().expect("an object list");
        assert_eq!(list.len(), snapshot.objects.len());
        for (object, json) in snapshot.objects.iter().zip(list) {
            assert_eq!(number(json, "id"), object.id);
            assert_eq!(json["type"], object.type_name);
            assert_eq!(json["space"], object.space);
            assert_eq!(json["colour"], object.colour);
            assert_eq!(number(json, "age"), u64::from(object.age));
            assert_eq!(json["remembered"], object.remembered);
            assert_eq!(number(json, "size"), object.size as u64);
            let edges = json["edges"].as_array().expect("edges");
            assert_eq!(edges.len(), object.edges.len());
            for (edge, json) in object.edges.iter().zip(edges) {
                assert_eq!(number(json, "to"), edge.to);
                assert_eq!(json["field"].as_str(), edge.field);
                assert_eq!(json["kind"], edge.kind);
            }
            objects_seen += 1;
        }
        let roots: Vec<u64> = json["objects"]["roots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(roots, snapshot.roots);
    }
    assert!(objects_seen > 0, "the snapshots hold objects");
    // The derive names the fields: the list's edges are `next`.
    let named = recording
        .events
        .iter()
        .flat_map(|e| e.objects.iter().flat_map(|s| s.objects.iter()))
        .flat_map(|o| o.edges.iter())
        .any(|edge| edge.field == Some("next"));
    assert!(named, "edges carry the derive's field names");
}

#[test]
fn auto_detail_stops_snapshotting_a_large_heap() {
    let mut heap = heap();
    heap.start_recording(RecordOptions::default());
    heap.mutate_root(|m, root| {
        for _ in 0..gc_core::AUTO_OBJECT_LIMIT + 100 {
            let node = Gc::new(
                m,
                Node {
                    payload: [0; 4],
                    next: Lock::new(root.head),
                },
            );
            root.head = Some(node);
        }
    });
    heap.collect_full();
    let recording = heap.stop_recording().unwrap();
    assert!(
        recording.events[0].objects.is_some(),
        "the empty heap is small"
    );
    assert!(
        recording.events.last().unwrap().objects.is_none(),
        "a heap of more than AUTO_OBJECT_LIMIT objects is not snapshotted"
    );
}

#[test]
fn max_events_drops_bare_safe_points_only() {
    let mut heap = heap();
    heap.start_recording(RecordOptions {
        objects: ObjectDetail::Never,
        max_events: 3,
    });
    for _ in 0..10 {
        heap.collect_debt();
    }
    heap.collect_minor();
    let recording = heap.stop_recording().unwrap();
    assert_eq!(recording.events.len(), 4, "3 events, then the minor GC");
    assert_eq!(recording.events[3].work, StepWork::Minor);
    assert_eq!(recording.dropped_safe_points, 8);
}
