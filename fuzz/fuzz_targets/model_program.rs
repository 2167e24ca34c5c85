//! Model-test programs from bytes: the shadow-graph model of `tenure-test-support`
//! runs a program decoded from the input, and checks after every collection
//! that nothing reachable was freed or corrupted, nothing dropped twice, the
//! verifier is clean, and the counters are exact.
//!
//! Decoding: the first byte picks the heap configuration; then each 8-byte
//! chunk is one op, drawn by the model's own generator (`random_program` with
//! one op) from a generator seeded with the chunk. A mutation of a chunk
//! changes one op; inserting or removing chunks inserts or removes ops.

#![no_main]

use libfuzzer_sys::fuzz_target;

use tenure_test_support::model::{engine, program};
use program::{random_program, Op, RunOptions, SplitMix, Sizes};
use tenure::config::Config;

/// Most ops per program: longer inputs are cut, so one run stays short.
const MAX_OPS: usize = 200;

/// Op sizes: the native limits, with smaller garbage so a run stays fast.
const SIZES: Sizes = Sizes {
    ops: 1,
    garbage: 40,
    ..program::NATIVE
};

/// The configuration and options the first byte picks.
fn setup(byte: u8) -> (Config, RunOptions) {
    let builder = Config::builder()
        .eden_size(64 * 1024)
        .min_heap(64 * 1024)
        .mark_step_budget(1024)
        .generational(byte & 1 == 0)
        .stress(byte & 2 != 0)
        .verify(true);
    let options = RunOptions {
        debt_after_each_op: byte & 4 != 0,
    };
    (builder.build().expect("a valid config"), options)
}

fn decode(data: &[u8]) -> Vec<Op> {
    data.chunks_exact(8)
        .take(MAX_OPS)
        .map(|chunk| {
            let seed = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            random_program(&mut SplitMix(seed), SIZES)[0]
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (config, options) = setup(first);
    engine::run(config, options, &decode(rest));
});
