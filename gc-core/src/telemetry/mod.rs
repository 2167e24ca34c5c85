//! Layer 5, telemetry: what the collector tells the program about itself.
//!
//! `stats` holds the counters (like Go's `runtime.MemStats`), the pause ring
//! and the one-line cycle report; `minor` describes one minor GC, and `timing` measures each piece of work;
//! with the `record` feature, `record` logs every step and `record_page`
//! turns the log into a page to step through. The
//! collector writes them; the API reads them.

#[cfg(feature = "record")]
pub(crate) mod json;
pub(crate) mod minor;
#[cfg(feature = "record")]
pub(crate) mod record;
#[cfg(feature = "record")]
pub(crate) mod record_page;
pub(crate) mod stats;
pub(crate) mod timing;
