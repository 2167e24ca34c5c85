//! Layer 5, telemetry: what the collector tells the program about itself.
//!
//! `stats` holds the counters (like Go's `runtime.MemStats`), the pause ring
//! and the one-line cycle report; `minor` describes one minor GC, and `timing` measures each piece of work. The
//! collector writes them; the API reads them.

pub(crate) mod minor;
pub(crate) mod stats;
pub(crate) mod timing;
