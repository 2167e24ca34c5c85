//! Model-based randomized test: random mutator programs checked against a shadow graph.
//!
//! proptest generates programs of allocations, links, unlinks, root and stash changes,
//! weak references and every kind of collection, manual mark and sweep steps included,
//! so mutations land between incremental steps. The engine (`tenure_test_support::model`,
//! shared with `gc-core/tests/model_miri.rs`) runs each program on
//! a real heap and checks, after every collection, that nothing reachable was freed,
//! moved wrongly or corrupted, that nothing was dropped twice, and after each full
//! collection that everything unreachable is gone (see its module docs for the list).
//!
//! Each property runs one program shape under one heap configuration. General programs
//! (the whole op mix): the young generation on with a tiny (64 KiB) Eden, off, stress
//! mode both ways (with `collect_debt` after every op), fixed tenuring thresholds 1 and
//! 3, a large survivor space with adaptive tenuring, the defaults, and a large-object
//! threshold so low that every object is born old with young pointers. Marking episodes
//! (incremental cycles with mutations between every step, where a missed barrier loses
//! objects): young generation off, on, and tenuring at 1. Directed programs and seeded
//! ones (the Miri test's) follow.
//!
//! Cases per property: 64, or `PROPTEST_CASES`. A failure prints the shrunk program. A
//! failure that crashes the process (a corrupt heap can) stops shrinking; rerun with
//! `MODEL_FORK=1` to run each case in a child process and shrink anyway.

use tenure_test_support::model::{engine, program};

use engine::{run, RunSummary};
use program::{
    AllocSpec, Attach, CollectOp, Kind, Knob, Op, PayloadSpec, RunOptions, Sel, Sizes, SplitMix,
};
use proptest::prelude::*;
use proptest::strategy::Union;
use tenure::config::{Config, Tenuring};

/// Cases per configuration: `PROPTEST_CASES`, or 64 so the suite stays fast in debug.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(64)
}

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        fork: std::env::var_os("MODEL_FORK").is_some(),
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}

const KIB: usize = 1024;

/// Young generation on, Eden at its 64 KiB minimum (survivor 8 KiB), so minor GCs,
/// premature promotion and paced major cycles (64 KiB minimum heap) all happen often.
fn tiny_eden() -> tenure::config::ConfigBuilder {
    Config::builder()
        .eden_size(64 * KIB)
        .min_heap(64 * KIB)
        .gc_percent(Some(50))
        .mark_step_budget(KIB)
        .verify(true)
}

fn build(builder: tenure::config::ConfigBuilder) -> Config {
    builder.build().expect("a valid test configuration")
}

// ---------------------------------------------------------------------------------------
// Strategies, built from the engine's op mix and limits (its seeded generator mirrors them).

const SIZES: Sizes = if cfg!(miri) {
    program::MIRI
} else {
    program::NATIVE
};

fn sel() -> impl Strategy<Value = Sel> {
    any::<u16>().prop_map(Sel)
}

fn edge() -> impl Strategy<Value = u8> {
    0u8..(program::FIELDS as u8 + 2)
}

fn spec() -> impl Strategy<Value = AllocSpec> {
    let len = 0..=SIZES.payload;
    let payload = prop_oneof![
        Just(PayloadSpec::Nothing),
        len.clone().prop_map(PayloadSpec::Bytes),
        len.prop_map(PayloadSpec::Text),
    ];
    let big = prop::bool::weighted(f64::from(SIZES.big_percent) / 100.0);
    (payload, any::<bool>(), prop::bool::weighted(1.0 / 3.0), big).prop_map(
        |(payload, counted, leaf, big)| AllocSpec {
            payload,
            counted,
            leaf,
            big,
        },
    )
}

fn knob() -> impl Strategy<Value = Knob> {
    prop_oneof![
        (10u16..410).prop_map(Knob::GcPercent),
        (64u16..1024).prop_map(Knob::EdenKib),
        (0u8..16).prop_map(Knob::Tenuring),
        (1u16..65).prop_map(Knob::MarkStepKib),
        any::<bool>().prop_map(Knob::Stress),
        (0u8..program::LARGE_THRESHOLDS.len() as u8).prop_map(Knob::LargeThreshold),
        (1u8..65).prop_map(Knob::SurvivorRatio),
        any::<bool>().prop_map(Knob::Incremental),
        (0u16..2000).prop_map(Knob::MinorPauseUs),
        (0u8..8).prop_map(Knob::MemoryLimitMib),
        Just(Knob::GcPercentOff),
    ]
}

/// Ops of one kind, with the same ranges as the engine's `random_op`.
fn op_of(kind: Kind) -> BoxedStrategy<Op> {
    match kind {
        Kind::AllocRoot => spec()
            .prop_map(|spec| Op::Alloc {
                spec,
                attach: Attach::Root,
            })
            .boxed(),
        Kind::AllocEdge => (spec(), sel(), edge())
            .prop_map(|(spec, parent, edge)| Op::Alloc {
                spec,
                attach: Attach::Edge { parent, edge },
            })
            .boxed(),
        Kind::AllocChain => (1..=SIZES.chain, spec())
            .prop_map(|(len, spec)| Op::AllocChain { len, spec })
            .boxed(),
        Kind::AllocGarbage => (1..=SIZES.garbage, spec())
            .prop_map(|(count, spec)| Op::AllocGarbage { count, spec })
            .boxed(),
        Kind::Link => (sel(), sel(), edge())
            .prop_map(|(from, to, edge)| Op::Link { from, to, edge })
            .boxed(),
        Kind::Unlink => (sel(), edge(), sel())
            .prop_map(|(from, edge, index)| Op::Unlink { from, edge, index })
            .boxed(),
        Kind::Move => (sel(), edge(), sel(), edge())
            .prop_map(|(from, edge, to, to_edge)| Op::Move {
                from,
                edge,
                to,
                to_edge,
            })
            .boxed(),
        Kind::PushRoot => sel().prop_map(Op::PushRoot).boxed(),
        Kind::PopRoot => sel().prop_map(Op::PopRoot).boxed(),
        Kind::Stash => sel().prop_map(Op::Stash).boxed(),
        Kind::Unstash => sel().prop_map(Op::Unstash).boxed(),
        Kind::Fetch => (sel(), any::<bool>())
            .prop_map(|(handle, reroot)| Op::Fetch { handle, reroot })
            .boxed(),
        Kind::Downgrade => sel().prop_map(Op::Downgrade).boxed(),
        Kind::Upgrade => (sel(), any::<bool>())
            .prop_map(|(weak, reroot)| Op::Upgrade { weak, reroot })
            .boxed(),
        Kind::DropWeak => sel().prop_map(Op::DropWeak).boxed(),
        Kind::EphemeronInsert => (sel(), sel())
            .prop_map(|(key, value)| Op::EphemeronInsert { key, value })
            .boxed(),
        Kind::EphemeronRemove => sel().prop_map(Op::EphemeronRemove).boxed(),
        Kind::Register => sel().prop_map(Op::Register).boxed(),
        Kind::Knob => knob().prop_map(Op::Knob).boxed(),
        Kind::Debt => Just(Op::Collect(CollectOp::Debt)).boxed(),
        Kind::Minor => Just(Op::Collect(CollectOp::Minor)).boxed(),
        Kind::Full => Just(Op::Collect(CollectOp::Full)).boxed(),
        Kind::StartMarking => Just(Op::Collect(CollectOp::StartMarking)).boxed(),
        Kind::MarkStep => (1..=program::MAX_MARK_SHARE)
            .prop_map(|share| Op::Collect(CollectOp::MarkStep(share)))
            .boxed(),
        Kind::FinishMarking => Just(Op::Collect(CollectOp::FinishMarking)).boxed(),
        Kind::SweepStep => (1u16..=64)
            .prop_map(|cells| Op::Collect(CollectOp::SweepStep(cells)))
            .boxed(),
    }
}

fn op_from(mix: &[(u32, Kind)]) -> impl Strategy<Value = Op> + Clone {
    Union::new_weighted(
        mix.iter()
            .map(|&(weight, kind)| (weight, op_of(kind)))
            .collect(),
    )
}

/// A general program: up to `SIZES.ops` ops drawn from the engine's `MIX`.
fn program() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op_from(&program::MIX), 1..=SIZES.ops)
}

/// One marking episode, as the engine's `random_marking_program` builds them.
fn episode() -> impl Strategy<Value = Vec<Op>> {
    let mutation = op_from(&program::mutation_mix());
    let mutations = move |most: usize| prop::collection::vec(mutation.clone(), 0..=most);
    let settle = prop_oneof![
        Just(CollectOp::Full),
        Just(CollectOp::Minor),
        Just(CollectOp::Debt)
    ];
    let finish = prop_oneof![Just(CollectOp::FinishMarking), Just(CollectOp::Debt)];
    let marks = prop::collection::vec(
        (op_of(Kind::MarkStep), mutations(4)),
        1..=program::EPISODE_MARK_STEPS as usize,
    );
    let sweeps = prop::collection::vec((op_of(Kind::SweepStep), mutations(2)), 0..=3);
    (mutations(11), settle, marks, finish, sweeps).prop_map(
        |(build, settle, marks, finish, sweeps)| {
            let mut ops = build;
            ops.push(Op::Collect(settle));
            ops.push(Op::Collect(CollectOp::StartMarking));
            for (step, between) in marks {
                ops.push(step);
                ops.extend(between);
            }
            ops.push(Op::Collect(finish));
            for (step, between) in sweeps {
                ops.push(step);
                ops.extend(between);
            }
            ops
        },
    )
}

/// A program of marking episodes: mutations between every incremental step.
fn marking_program() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(episode(), 1..=SIZES.episodes).prop_map(|episodes| episodes.concat())
}

const PLAIN: RunOptions = RunOptions {
    debt_after_each_op: false,
};

const EVERY_SAFE_POINT: RunOptions = RunOptions {
    debt_after_each_op: true,
};

// ---------------------------------------------------------------------------------------
// One property per configuration.

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn young_generation_with_tiny_eden(program in program()) {
        run(build(tiny_eden()), PLAIN, &program);
    }

    #[test]
    fn young_generation_off(program in program()) {
        run(build(tiny_eden().generational(false)), PLAIN, &program);
    }

    #[test]
    fn stress_mode_with_young_generation(program in program()) {
        run(build(tiny_eden().stress(true)), EVERY_SAFE_POINT, &program);
    }

    #[test]
    fn stress_mode_without_young_generation(program in program()) {
        run(build(tiny_eden().generational(false).stress(true)), EVERY_SAFE_POINT, &program);
    }

    #[test]
    fn tenuring_threshold_fixed_at_1(program in program()) {
        run(build(tiny_eden().tenuring(Tenuring::Fixed(1))), EVERY_SAFE_POINT, &program);
    }

    #[test]
    fn tenuring_threshold_fixed_at_3(program in program()) {
        run(build(tiny_eden().tenuring(Tenuring::Fixed(3))), PLAIN, &program);
    }

    #[test]
    fn large_survivor_space_adaptive_tenuring(program in program()) {
        run(build(tiny_eden().survivor_ratio(1).tenuring(Tenuring::Adaptive { max: 15 })), PLAIN, &program);
    }

    #[test]
    fn default_configuration(program in program()) {
        run(build(Config::builder().verify(true)), PLAIN, &program);
    }

    #[test]
    fn every_object_born_large_with_young_pointers(program in program()) {
        run(build(tiny_eden().large_object_threshold(256)), PLAIN, &program);
    }

    #[test]
    fn marking_episodes_without_young_generation(program in marking_program()) {
        run(build(tiny_eden().generational(false)), PLAIN, &program);
    }

    #[test]
    fn marking_episodes_with_tiny_eden(program in marking_program()) {
        run(build(tiny_eden()), PLAIN, &program);
    }

    #[test]
    fn marking_episodes_tenuring_at_1(program in marking_program()) {
        run(build(tiny_eden().tenuring(Tenuring::Fixed(1))), PLAIN, &program);
    }
}

// ---------------------------------------------------------------------------------------
// Directed programs: the interleavings the model exists to catch, spelled out, so that
// they run on every configuration regardless of what proptest draws.

const PLAIN_SPEC: AllocSpec = AllocSpec {
    payload: PayloadSpec::Bytes(16),
    counted: true,
    leaf: false,
    big: false,
};

/// Three roots A, B, C (ids 0, 1, 2) promoted to old space; marking starts and scans
/// some of them; then the only pointer to a white object moves from an unscanned object
/// into a scanned one. Without the barrier's re-gray, the moved object would be freed.
fn moved_edge_during_marking(step_between: bool) -> Vec<Op> {
    let mut program = vec![
        Op::AllocChain {
            len: 2,
            spec: PLAIN_SPEC,
        }, // id 1 -> id 0; root slot 0 = 1
        Op::Alloc {
            spec: PLAIN_SPEC,
            attach: Attach::Root,
        }, // id 2; root slot 1
        Op::Collect(CollectOp::Full), // everything old now
        Op::Collect(CollectOp::StartMarking),
    ];
    if step_between {
        program.push(Op::Collect(CollectOp::MarkStep(1)));
    }
    program.extend([
        // Reachable ids are [0, 1, 2]: Sel(2) = id 2, Sel(0) = id 0, Sel(1) = id 1.
        Op::Link {
            from: Sel(2),
            to: Sel(0),
            edge: 1,
        },
        Op::Unlink {
            from: Sel(1),
            edge: 0,
            index: Sel(0),
        },
        Op::Collect(CollectOp::MarkStep(4000)),
        Op::Collect(CollectOp::FinishMarking),
        Op::Collect(CollectOp::SweepStep(1)),
        Op::Collect(CollectOp::SweepStep(4000)),
    ]);
    program
}

fn all_configs() -> Vec<(&'static str, Config, RunOptions)> {
    vec![
        ("tiny eden", build(tiny_eden()), PLAIN),
        ("young off", build(tiny_eden().generational(false)), PLAIN),
        ("stress", build(tiny_eden().stress(true)), EVERY_SAFE_POINT),
        (
            "stress, young off",
            build(tiny_eden().generational(false).stress(true)),
            EVERY_SAFE_POINT,
        ),
        (
            "tenuring 1",
            build(tiny_eden().tenuring(Tenuring::Fixed(1))),
            PLAIN,
        ),
        (
            "tenuring 3",
            build(tiny_eden().tenuring(Tenuring::Fixed(3))),
            PLAIN,
        ),
    ]
}

#[test]
fn an_edge_moved_into_a_scanned_object_during_marking_survives() {
    for (name, config, options) in all_configs() {
        for step_between in [false, true] {
            eprintln!("{name}, step between: {step_between}");
            let summary = run(config, options, &moved_edge_during_marking(step_between));
            assert!(
                summary.major_collections >= 2,
                "{name}: the program ran major cycles"
            );
        }
    }
}

/// A weak reference to an object that became unreachable, upgraded and rooted again
/// while the incremental cycle that would free it is under way: the revived object and
/// everything below it must come back whole.
#[test]
fn a_weak_reference_revives_its_target_during_marking() {
    let program = vec![
        Op::AllocChain {
            len: 4,
            spec: PLAIN_SPEC,
        }, // ids 0..=3, root slot 0 = 3
        Op::Downgrade(Sel(3)),
        Op::Collect(CollectOp::Minor),
        Op::Collect(CollectOp::Minor),
        Op::Collect(CollectOp::StartMarking),
        Op::PopRoot(Sel(0)),
        Op::Collect(CollectOp::MarkStep(100)),
        Op::Upgrade {
            weak: Sel(0),
            reroot: true,
        },
        Op::Collect(CollectOp::MarkStep(4000)),
        Op::Collect(CollectOp::FinishMarking),
        Op::Collect(CollectOp::SweepStep(4000)),
    ];
    for (name, config, options) in all_configs() {
        eprintln!("{name}");
        run(config, options, &program);
    }
}

/// Seeded programs from the engine's own generator (the ones `gc-core`'s Miri test
/// runs, at full size here), on every configuration; also checks that the programs
/// reach what they are for: mutations while marking and sweeping, barrier re-grays.
#[test]
fn seeded_programs() {
    for (name, config, options) in all_configs() {
        let mut total = RunSummary::default();
        for seed in 0..4 {
            let general = program::random_program(&mut SplitMix(seed), SIZES);
            total += run(config, options, &general);
            let episodes = program::random_marking_program(&mut SplitMix(seed), SIZES);
            total += run(config, options, &episodes);
        }
        eprintln!("{name}: {total:?}");
        assert!(
            total.mutations_while_marking > 0,
            "{name}: no mutation ran while marking"
        );
        assert!(
            total.mutations_while_sweeping > 0,
            "{name}: no mutation ran while sweeping"
        );
        assert!(
            total.barrier_regrays > 0,
            "{name}: the barrier never re-grayed an object"
        );
        if config.generational() {
            assert!(total.minor_collections > 0, "{name}: no minor collection");
        }
    }
}
