//! Layer 1, policy: decisions made from numbers, with no access to the heap.
//!
//! The pacer ([`pacer`]) turns counters into a heap goal, a trigger and an
//! assist ratio; the knob table ([`config`]) declares every setting once, with
//! its default and accepted range; [`units`] parses and prints sizes and
//! durations. Nothing here allocates managed objects or reads a clock, so every
//! module is unit-tested and simulated on its own.

pub mod config;
pub mod pacer;
pub mod units;
