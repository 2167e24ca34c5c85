//! A value that counts its own drops: the tests' probe for "`Drop` ran
//! exactly once" on managed objects of every shape (sized, unsized, erased).

use std::cell::Cell;
use std::rc::Rc;

use crate::gc::{Trace, Tracer};

/// Adds one to the shared counter when dropped.
pub struct DropCount(pub Rc<Cell<usize>>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

// SAFETY: holds no managed pointers.
unsafe impl Trace for DropCount {
    const NEEDS_TRACE: bool = false;
    fn trace(&mut self, _: &mut Tracer) {}
}
