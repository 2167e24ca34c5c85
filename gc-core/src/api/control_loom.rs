//! The `GcControl` protocol under loom: every interleaving of two handle
//! threads and the heap's thread (heap-side setter, safe points that apply
//! requests, publishing), checked against the semantics in the parent
//! module's docs: per-knob last-writer-wins by version, no write lost.

use super::*;

use loom::sync::Mutex as LoomMutex;

/// A knob a write set, with the value written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Knob {
    GcPercent(Option<u32>),
    MemoryLimit(Option<usize>),
}

/// One write: its version and what it set.
type Write = (u64, Knob);

/// The value a knob must have in a configuration that includes exactly the
/// writes up to `version`: the latest such write to it, or the default.
fn expected(writes: &[Write], version: u64) -> (Option<u32>, Option<usize>) {
    let mut gc_percent = (0, Config::default().gc_percent());
    let mut memory_limit = (0, Config::default().memory_limit());
    for &(v, knob) in writes.iter().filter(|(v, _)| *v <= version) {
        match knob {
            Knob::GcPercent(value) if v > gc_percent.0 => gc_percent = (v, value),
            Knob::MemoryLimit(value) if v > memory_limit.0 => memory_limit = (v, value),
            _ => {}
        }
    }
    (gc_percent.1, memory_limit.1)
}

fn knobs(config: &Config) -> (Option<u32>, Option<usize>) {
    (config.gc_percent(), config.memory_limit())
}

/// Two handles turn two knobs (one of them also set by the heap) while the
/// heap writes, applies at two safe points and publishes. Every configuration
/// the heap put in force is exactly the writes up to the version it applied;
/// versions applied only grow; after the threads finish, one more safe point
/// brings every knob to its last write; a snapshot read is one published.
#[test]
fn no_write_is_lost_and_the_last_writer_wins_per_knob() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        let control = GcControl::new(Config::default());
        let writes = Arc::new(LoomMutex::new(Vec::<Write>::new()));

        let (admin, log) = (control.clone(), writes.clone());
        let first = loom::thread::spawn(move || {
            let (_, v) = admin.request(|c| c.set_gc_percent(Some(200))).unwrap();
            log.lock().unwrap().push((v, Knob::GcPercent(Some(200))));
            admin.stats().map(|stats| stats.minor_collections)
        });
        let (admin, log) = (control.clone(), writes.clone());
        let second = loom::thread::spawn(move || {
            let limit = Some(64 << 20);
            let (_, v) = admin.request(|c| c.set_memory_limit(limit)).unwrap();
            log.lock().unwrap().push((v, Knob::MemoryLimit(limit)));
            let (_, v) = admin.request(|c| c.set_gc_percent(Some(300))).unwrap();
            log.lock().unwrap().push((v, Knob::GcPercent(Some(300))));
        });

        // The heap's thread: a heap-side setter and two safe points.
        let mut applied: Vec<(u64, Config)> = Vec::new();
        let (_, now) = control.write_now(|c| c.set_gc_percent(Some(150))).unwrap();
        writes
            .lock()
            .unwrap()
            .push((now.version, Knob::GcPercent(Some(150))));
        applied.push((now.version, now.config));
        for round in 0..2u64 {
            if let Some(request) = control.take_request() {
                applied.push((request.version, request.config));
            }
            control.publish(Stats {
                minor_collections: round,
                ..Stats::default()
            });
        }
        let seen = first.join().unwrap();
        second.join().unwrap();
        assert!(seen.is_none_or(|minor| minor < 2), "a published snapshot");
        if let Some(request) = control.take_request() {
            applied.push((request.version, request.config));
        }

        let writes = writes.lock().unwrap().clone();
        assert_eq!(writes.len(), 4);
        for pair in applied.windows(2) {
            assert!(pair[0].0 <= pair[1].0, "applied versions only grow");
        }
        for (version, config) in &applied {
            assert_eq!(knobs(config), expected(&writes, *version));
        }
        let (last_version, in_force) = applied.last().copied().unwrap();
        assert_eq!(last_version, 4, "the last safe point applied every write");
        assert_eq!(knobs(&in_force), expected(&writes, u64::MAX));
        assert_eq!(in_force, control.config());
    });
}

/// A request made while the heap applies an earlier one is not lost: the
/// heap's next safe point applies it.
#[test]
fn a_request_during_an_apply_is_applied_next() {
    loom::model(|| {
        let control = GcControl::new(Config::default());
        let admin = control.clone();
        let thread = loom::thread::spawn(move || {
            admin.set_gc_percent(Some(250)).unwrap();
            admin.set_memory_limit(Some(32 << 20)).unwrap();
        });
        let mut in_force = Config::default();
        if let Some(request) = control.take_request() {
            in_force = request.config;
        }
        thread.join().unwrap();
        if let Some(request) = control.take_request() {
            in_force = request.config;
        }
        assert_eq!(in_force.gc_percent(), Some(250));
        assert_eq!(in_force.memory_limit(), Some(32 << 20));
    });
}
