//! Table-driven tests of the pacer's decisions (goal, trigger, assists, limiter).

use super::*;

const MIB: usize = 1 << 20;
const MS: Duration = Duration::from_millis(1);

fn facts(live: usize, work: usize) -> CycleFacts {
    CycleFacts {
        live_bytes: live,
        root_scan_bytes: 0,
        heap_bytes_at_mark_end: 2 * live,
        mark_work_done: work,
        bytes_allocated_during_mark: live / 10,
        mark_time: MS,
        mutator_time_during_mark: 3 * MS,
        forced: false,
    }
}

#[test]
fn a_fresh_pacer_aims_at_the_minimum_heap() {
    let p = Pacer::default();
    assert_eq!(p.heap_goal(), 4 * MIB);
    assert_eq!(p.hard_goal(), 4 * MIB + 4 * MIB / 100 * 10);
    assert_eq!(p.trigger(), (4.0 * MIB as f64 * 0.7) as usize);
    assert!(!p.should_start_cycle(MIB));
    assert!(p.should_start_cycle(3 * MIB));
}

#[test]
fn a_cycle_sets_the_next_goal_from_the_live_heap() {
    let mut p = Pacer::default();
    p.start_cycle(10 * MIB, 10 * MIB);
    assert!(matches!(p.mark_state(), MarkState::Marking(_)));
    let summary = p.end_cycle(facts(10 * MIB, 10 * MIB));
    assert_eq!(summary.cycle, 1);
    assert_eq!(p.heap_goal(), 20 * MIB);
    assert_eq!(summary.next_goal, 20 * MIB);
    assert_eq!(p.mark_state(), MarkState::Idle);
    assert_eq!(p.expected_mark_work(), Some(10 * MIB));
    // Sample: (1 MiB / 3 ms) / (10 MiB / 1 ms) = 1/30.
    assert!((p.cons_mark().unwrap() - 1.0 / 30.0).abs() < 1e-12);
    assert!((summary.mark_utilization - 0.25).abs() < 1e-12);
}

#[test]
fn trigger_leaves_room_for_marking_at_a_quarter_of_the_cpu() {
    let mut p = Pacer::default();
    p.start_cycle(10 * MIB, 10 * MIB);
    p.end_cycle(facts(10 * MIB, 10 * MIB));
    // runway = 1/30 * 10 MiB * 3 = 1 MiB below the 20 MiB goal (to rounding).
    assert!(p.trigger().abs_diff(19 * MIB) <= 1, "{}", p.trigger());
}

#[test]
fn forced_cycles_do_not_sample_cons_mark() {
    let mut p = Pacer::default();
    p.start_cycle(10 * MIB, 10 * MIB);
    let summary = p.end_cycle(CycleFacts {
        forced: true,
        ..facts(10 * MIB, 10 * MIB)
    });
    assert_eq!(summary.cons_mark_sample, None);
    assert_eq!(p.cons_mark(), None);
    assert_eq!(p.heap_goal(), 20 * MIB);
}

#[test]
fn assist_ratio_follows_the_targets() {
    let mut p = Pacer::default();
    p.start_cycle(10 * MIB, 10 * MIB);
    p.end_cycle(facts(10 * MIB, 10 * MIB));
    p.start_cycle(19 * MIB, 19 * MIB);
    // 10 MiB of expected work over the 1 MiB runway.
    assert_eq!(p.assist_ratio(19 * MIB, 0), 10.0);
    let t = p.assist_targets();
    assert_eq!(t.regime(19 * MIB, 0), Regime::Soft);
    assert_eq!(t.expected_work, 10 * MIB);
    assert_eq!(t.max_work, 19 * MIB);
}

#[test]
fn setters_return_the_old_value_and_take_effect_mid_cycle() {
    let mut p = Pacer::default();
    p.start_cycle(10 * MIB, 10 * MIB);
    p.end_cycle(facts(10 * MIB, 10 * MIB));
    assert_eq!(p.set_gc_percent(Some(200)), Some(100));
    assert_eq!(p.heap_goal(), 30 * MIB);
    assert_eq!(p.set_memory_limit(Some(16 * MIB)), None);
    assert!(p.heap_goal() < 16 * MIB);
    assert!(p.hard_goal() <= 16 * MIB);
    assert_eq!(p.set_gc_percent(None), Some(200));
    assert_eq!(p.set_memory_limit(None), Some(16 * MIB));
    assert_eq!(p.heap_goal(), NO_GOAL);
    assert_eq!(p.trigger(), NO_GOAL);
    assert!(!p.should_start_cycle(usize::MAX - 1));
    assert_eq!(p.set_min_heap(MIB), 4 * MIB);
    assert_eq!(p.set_cpu_limit(0.25), 0.5);
    assert_eq!(p.set_non_heap_bytes(MIB), 0);
    let s = p.settings();
    assert_eq!(
        (s.gc_percent, s.memory_limit, s.min_heap, s.cpu_limit),
        (None, None, MIB, 0.25)
    );
}

#[test]
fn non_heap_bytes_count_against_the_limit() {
    let mut p = Pacer::new(PacerSettings {
        memory_limit: Some(64 * MIB),
        ..PacerSettings::default()
    });
    p.start_cycle(30 * MIB, 30 * MIB);
    p.end_cycle(facts(30 * MIB, 30 * MIB));
    let before = p.heap_goal();
    p.set_non_heap_bytes(8 * MIB);
    assert!(p.heap_goal() < before);
    assert!(p.hard_goal() <= 56 * MIB);
}

#[test]
fn the_limiter_stops_new_cycles() {
    let mut p = Pacer::default();
    assert!(p.should_start_cycle(8 * MIB));
    p.record_gc_time(Duration::from_secs(2));
    assert!(p.limited());
    assert!(!p.should_start_cycle(8 * MIB));
    p.record_mutator_time(MS);
    assert!(p.should_start_cycle(8 * MIB));
    assert!(p.gc_cpu_fraction() > 0.99);
    assert_eq!(p.limiter().total_gc_time(), Duration::from_secs(2));
}

/// A tiny xorshift generator for the randomized invariant check.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// `live <= trigger <= goal <= hard goal` for random knobs and histories.
#[test]
fn goal_order_holds_for_random_inputs() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..if cfg!(miri) { 20 } else { 2_000 } {
        let gc_percent = [None, Some(1), Some(100), Some(100_000)][rng.below(4) as usize];
        let memory_limit =
            [None, Some(MIB), Some(64 * MIB), Some(usize::MAX)][rng.below(4) as usize];
        let mut p = Pacer::new(PacerSettings {
            gc_percent,
            memory_limit,
            ..PacerSettings::default()
        });
        p.set_non_heap_bytes(rng.below(8 * MIB as u64) as usize);
        let live = rng.below(256 * MIB as u64) as usize;
        p.start_cycle(live, live);
        p.end_cycle(CycleFacts {
            live_bytes: live,
            root_scan_bytes: rng.below(MIB as u64) as usize,
            mark_work_done: rng.below(512 * MIB as u64) as usize,
            bytes_allocated_during_mark: rng.below(64 * MIB as u64) as usize,
            mark_time: Duration::from_nanos(rng.below(1 << 30)),
            mutator_time_during_mark: Duration::from_nanos(rng.below(1 << 30)),
            ..CycleFacts::default()
        });
        let (trigger, goal, hard) = (p.trigger(), p.heap_goal(), p.hard_goal());
        if goal == NO_GOAL {
            assert_eq!((trigger, hard), (NO_GOAL, NO_GOAL));
        } else {
            assert!(
                live <= trigger && trigger <= goal && goal <= hard,
                "{live} {trigger} {goal} {hard}"
            );
        }
    }
}

#[test]
#[should_panic(expected = "under way")]
fn starting_twice_is_a_bug() {
    let mut p = Pacer::default();
    p.start_cycle(MIB, MIB);
    p.start_cycle(MIB, MIB);
}

#[test]
#[should_panic(expected = "end_cycle while idle")]
fn ending_while_idle_is_a_bug() {
    Pacer::default().end_cycle(CycleFacts::default());
}

#[test]
#[should_panic(expected = "assist_targets while idle")]
fn assist_ratio_while_idle_is_a_bug() {
    Pacer::default().assist_ratio(MIB, 0);
}
