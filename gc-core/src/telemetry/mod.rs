//! Layer 5, telemetry: what the collector tells the program about itself.
//!
//! `stats` holds the counters (like Go's `runtime.MemStats`), the pause ring
//! and the one-line cycle report; `minor` describes one minor GC, and `timing` measures each piece of work. The
//! collector writes them; the API reads them. `heap_profile` is a heap
//! profile's rows (by site and type) and `pprof` writes them in pprof's
//! format (feature `pprof`); `pause_histogram` keeps every pause by kind.

pub(crate) mod heap_profile;
pub(crate) mod minor;
pub(crate) mod pause_histogram;
#[cfg(feature = "pprof")]
pub(crate) mod pprof;
pub(crate) mod stats;
pub(crate) mod timing;
