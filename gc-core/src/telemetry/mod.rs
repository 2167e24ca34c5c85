//! Layer 5, telemetry: what the collector tells the program about itself.
//!
//! `stats` holds the counters (like Go's `runtime.MemStats`), the pause ring
//! and the one-line cycle report; `minor` describes one minor GC, and `timing`
//! measures each piece of work. The collector writes them; the API reads them.
//! `heap_profile` is a heap profile's rows (by site and type) and `pprof`
//! writes them in pprof's format (feature `pprof`); `pause_histogram` keeps
//! every pause by kind; `publish` emits each cycle's report. With the `record` feature, `record` logs every step
//! and `record_page` turns the log into a page to step through.

pub(crate) mod heap_profile;
#[cfg(feature = "record")]
pub(crate) mod json;
pub(crate) mod minor;
pub(crate) mod pause_histogram;
#[cfg(feature = "pprof")]
pub(crate) mod pprof;
pub(crate) mod publish;
#[cfg(feature = "record")]
pub(crate) mod record;
#[cfg(feature = "record")]
pub(crate) mod record_page;
pub(crate) mod stats;
pub(crate) mod timing;
