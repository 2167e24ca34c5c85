//! Errors the runtime reports to the program.

use std::fmt;

/// Allocation failed: the heap's hard cap would be exceeded, or the system
/// allocator is out of memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocError {
    /// The allocation would take the heap past `Config::max_heap`.
    HeapLimit {
        /// Bytes requested.
        requested: usize,
        /// Bytes the heap holds now.
        heap_bytes: usize,
        /// The configured hard cap.
        max_heap: usize,
    },
    /// The system allocator refused the request.
    OutOfMemory {
        /// Bytes requested.
        requested: usize,
    },
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::HeapLimit {
                requested,
                heap_bytes,
                max_heap,
            } => write!(
                f,
                "out of memory: allocating {requested} B would take the heap from {heap_bytes} B \
                 past its hard cap max_heap = {max_heap} B (raise max_heap, or collect between mutate calls)"
            ),
            AllocError::OutOfMemory { requested } => {
                write!(f, "out of memory: the system allocator refused {requested} B")
            }
        }
    }
}

impl std::error::Error for AllocError {}
