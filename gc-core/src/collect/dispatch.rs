//! Edge dispatch: what visiting one edge means in the traversal under way.
//!
//! `Trace` impls hand every pointer they hold to [`Tracer::visit`]. The
//! `Tracer` type lives in the object layer and knows nothing of collectors;
//! this file, in the collector layer that builds every tracer, gives `visit`
//! its meaning by the tracer's mode. A `match` on the mode with direct calls
//! (rather than a visitor behind a function pointer) lets each traversal's
//! edge handler inline into the loop that scans objects.

use std::ptr::NonNull;

use crate::object::header::Header;
use crate::object::trace::{TraceMode, Tracer};

impl Tracer {
    /// Visits one strong edge: `slot` holds a pointer to a managed object.
    #[inline]
    pub(crate) fn visit(&mut self, slot: &mut NonNull<Header>) {
        match self.mode {
            TraceMode::Evacuate => crate::collect::evacuate::visit_edge(self, slot),
            TraceMode::Mark => crate::collect::mark::visit_edge(self, *slot),
            TraceMode::Verify => crate::collect::verify::visit_edge(self, *slot),
            TraceMode::Snapshot => crate::collect::snapshot::visit_edge(self, *slot),
            TraceMode::FixWeak => crate::object::weak_ops::fix_edge(self, slot),
        }
    }
}
