//! The model-based test: random mutator programs run on a real heap and checked against
//! a shadow graph. [`engine`] runs a program and says what it checks; [`program`] holds
//! the ops and a seeded generator, [`objects`] the managed types, [`shadow`] the shadow
//! graph.

pub mod engine;
pub mod objects;
pub mod program;
pub mod shadow;
