//! The model-based test of `tests/model.rs`, on gc-core directly and small enough for
//! Miri: seeded programs (the engine's own generator; proptest is too slow under Miri)
//! run against the shadow graph under the main configurations. Under Miri this checks
//! that the collector's unsafe code does nothing undefined (use after free, bad
//! provenance, leaks, double drops) while the model checks it loses nothing.
//!
//! The engine is shared with the facade's test: `../../tests/model/engine.rs`.

mod gc {
    pub use gc_core::*;
    pub use gc_derive::Trace;
}

#[path = "../../tests/model/engine.rs"]
mod engine;

use gc_core::config::{Config, Tenuring};

use engine::{run, RunOptions, SplitMix};

/// Seeds per configuration and program shape.
const SEEDS: u64 = if cfg!(miri) { 1 } else { 6 };

const SIZES: engine::Sizes = if cfg!(miri) {
    engine::MIRI
} else {
    engine::NATIVE
};

fn tiny_eden() -> gc_core::ConfigBuilder {
    Config::builder()
        .eden_size(64 * 1024)
        .min_heap(64 * 1024)
        .gc_percent(Some(50))
        .mark_step_budget(1024)
        .verify(true)
}

fn run_seeds(config: Config, options: RunOptions) {
    for seed in 0..SEEDS {
        run(
            config,
            options,
            &engine::random_program(&mut SplitMix(seed), SIZES),
        );
        run(
            config,
            options,
            &engine::random_marking_program(&mut SplitMix(seed), SIZES),
        );
    }
}

#[test]
fn model_young_generation() {
    run_seeds(tiny_eden().build().unwrap(), RunOptions::default());
}

#[test]
fn model_young_generation_off() {
    run_seeds(
        tiny_eden().generational(false).build().unwrap(),
        RunOptions::default(),
    );
}

#[test]
fn model_stress_mode() {
    let options = RunOptions {
        debt_after_each_op: true,
    };
    run_seeds(tiny_eden().stress(true).build().unwrap(), options);
}

#[test]
fn model_tenuring_at_1() {
    run_seeds(
        tiny_eden().tenuring(Tenuring::Fixed(1)).build().unwrap(),
        RunOptions::default(),
    );
}
