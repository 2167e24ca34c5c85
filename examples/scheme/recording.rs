//! Recording the interpreter's run for a page (`--record FILE.html`, and the
//! demo by default). It lives beside `main.rs`, not in the `tenure-scheme`
//! library, because the recorder is a cargo feature the example turns on and
//! gc-bench (which links the library to benchmark the interpreter) leaves off.

use tenure::{ObjectDetail, RecordOptions, Recording};

use tenure_scheme::interp::Interp;

/// Starts recording the collector's steps for a page of the run (no object
/// view: an interpreter's heap is too large for one).
pub(crate) fn start(interp: &mut Interp) {
    interp.heap_mut().start_recording(RecordOptions {
        objects: ObjectDetail::Never,
        ..RecordOptions::default()
    });
}

/// Stops recording and returns the recording, if one was started.
pub(crate) fn stop(interp: &mut Interp) -> Option<Recording> {
    interp.heap_mut().stop_recording()
}
