//! Recording the interpreter's run for a page (`--record FILE.html`, and the
//! demo by default). It lives beside `main.rs`, not in `lang/`, because the
//! recorder is a cargo feature the example turns on and gc-bench (which
//! includes `lang/` to benchmark the interpreter) leaves off.

use tenure::{ObjectDetail, RecordOptions, Recording};

use crate::lang::interp::Interp;

impl Interp {
    /// Starts recording the collector's steps for a page of the run (no
    /// object view: an interpreter's heap is too large for one).
    pub fn start_recording(&mut self) {
        self.heap.start_recording(RecordOptions {
            objects: ObjectDetail::Never,
            ..RecordOptions::default()
        });
    }

    /// Stops recording and returns the recording, if one was started.
    pub fn stop_recording(&mut self) -> Option<Recording> {
        self.heap.stop_recording()
    }
}
