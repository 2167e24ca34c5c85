//! The model-based test of `tests/model.rs`, on gc-core directly and small enough for
//! Miri: seeded programs (the engine's own generator; proptest is too slow under Miri)
//! run against the shadow graph under the main configurations. Under Miri this checks
//! that the collector's unsafe code does nothing undefined (use after free, bad
//! provenance, leaks, double drops) while the model checks it loses nothing.
//!
//! The engine is shared with the facade's test: `tenure_test_support::model`.

use gc_core::config::{Config, Tenuring};

use tenure_test_support::model::engine::run;
use tenure_test_support::model::program::{self, RunOptions, SplitMix};

/// Seeds per configuration and program shape.
const SEEDS: u64 = if cfg!(miri) { 1 } else { 6 };

const SIZES: program::Sizes = if cfg!(miri) {
    program::MIRI
} else {
    program::NATIVE
};

fn tiny_eden() -> gc_core::ConfigBuilder {
    Config::builder()
        .eden_size(64 * 1024)
        .min_heap(64 * 1024)
        .gc_percent(Some(50))
        .mark_step_budget(1024)
        .verify(true)
}

/// The two program shapes of the engine.
#[derive(Clone, Copy)]
enum Shape {
    /// `random_program`: the general op mix.
    General,
    /// `random_marking_program`: incremental cycles with mutations between steps.
    Episodes,
}

/// Runs seeded programs of the `miri` shape under Miri; natively, of both shapes.
fn run_seeds(config: Config, options: RunOptions, miri: Shape) {
    let shapes: &[Shape] = if cfg!(miri) {
        &[miri]
    } else {
        &[Shape::General, Shape::Episodes]
    };
    for seed in 0..SEEDS {
        for shape in shapes {
            let rng = &mut SplitMix(seed);
            let program = match shape {
                Shape::General => program::random_program(rng, SIZES),
                Shape::Episodes => program::random_marking_program(rng, SIZES),
            };
            run(config, options, &program);
        }
    }
}

#[test]
fn model_young_generation() {
    run_seeds(
        tiny_eden().build().unwrap(),
        RunOptions::default(),
        Shape::General,
    );
}

#[test]
fn model_young_generation_off() {
    let config = tiny_eden().generational(false).build().unwrap();
    run_seeds(config, RunOptions::default(), Shape::Episodes);
}

#[test]
fn model_stress_mode() {
    let options = RunOptions {
        debt_after_each_op: true,
    };
    run_seeds(
        tiny_eden().stress(true).build().unwrap(),
        options,
        Shape::General,
    );
}

#[test]
fn model_tenuring_at_1() {
    let config = tiny_eden().tenuring(Tenuring::Fixed(1)).build().unwrap();
    run_seeds(config, RunOptions::default(), Shape::Episodes);
}
