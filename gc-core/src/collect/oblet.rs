//! Oblets: big objects are marked in pieces (step 6 of the hub).
//!
//! A mark step is bounded by its budget, but scanning one object cannot be
//! cut short, so before this module the largest object set the largest step:
//! a `Gc<[T]>` or `Array<T>` of 100 MB was one indivisible 100 MB scan. As Go
//! does (`mgcmark.go`, "oblets"), the marker scans an object whose elements
//! span more than [`OBLET_BYTES`] one piece at a time:
//!
//! 1. `blacken` (in `mark`) scans the fixed part and the first piece of
//!    elements, paints the object black, sets its `SCANNING` header bit and
//!    queues an [`Oblet`] (object, first element not yet scanned) on the
//!    marker's oblet list, a fourth gray list.
//! 2. Each later pop of the oblet scans one more piece and re-queues the rest;
//!    each piece is charged to the step's budget like an object of its size.
//!    The last piece clears `SCANNING`.
//!
//! Invariant I1 with oblets: a black object with `SCANNING` set may point to
//! white objects, only from its pieces not scanned yet, and its oblet is
//! queued, so marking cannot end before they are scanned (`is_drained`
//! counts the oblet list). `SCANNING` holds exactly while one oblet of the
//! object is queued: a rescan (the barrier re-grayed it) starts again at
//! piece 0 and first takes the old oblet off the list.
//!
//! A store into a piece already scanned re-grays the object as before (the
//! barrier sees it black); a store into a piece not yet scanned does too,
//! which costs a rescan but is sound. Fixed-size objects (a struct with a
//! huge inline array) and outside-heap containers (`Vec` fields) have no
//! element ranges and stay one unit.

use std::ptr::NonNull;

use crate::object::header::{Header, TypeInfo};
use crate::object::shape::{len_of, Shape, TraceRange};
use crate::object::trace::Tracer;

/// Bytes of elements per piece: 32 KiB, a quarter of Go's `maxObletBytes`.
/// A piece is the unit a mark step cannot cut, and scanning slots whose
/// targets must be shaded costs a cache miss per slot: one 128 KiB piece of
/// gc-latency-array's window took 2.3 ms (16,384 slots at ~140 ns). At 32
/// KiB a piece is ~0.1-0.6 ms, inside a step. Under Miri, 1 KiB, so that
/// tests exercise several pieces with small arrays.
pub(crate) const OBLET_BYTES: usize = if cfg!(miri) { 1024 } else { 32 * 1024 };

/// The rest of a big object still to be scanned this cycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Oblet {
    /// The object (live and black, with `SCANNING` set).
    pub(crate) object: NonNull<Header>,
    /// The first element not scanned yet.
    pub(crate) start: usize,
    /// True if outside bytes the pieces report count toward the live heap
    /// (the object's first scan this cycle, not a rescan).
    pub(crate) counted: bool,
}

/// How one object splits into pieces.
struct Pieces {
    /// Elements.
    len: usize,
    /// Bytes per element.
    elem: usize,
    /// Elements per piece.
    per_piece: usize,
    /// Traces a piece (the fixed part with the piece that starts at 0).
    trace_range: TraceRange,
}

/// The pieces of `object`, or `None` if it is scanned whole: it is not an
/// unsized object with a piece tracer, or its elements fit in one piece.
///
/// # Safety
/// `object` heads a live object described by `info`.
unsafe fn pieces_of(object: NonNull<Header>, info: &TypeInfo) -> Option<Pieces> {
    let (elem, trace_range) = match info.shape {
        Shape::Fixed => return None,
        Shape::Tail { elem, trace_range } | Shape::Array { elem, trace_range } => {
            (elem, trace_range?)
        }
    };
    if info.weak.is_some() || elem == 0 {
        return None;
    }
    // SAFETY: an unsized object, as the caller guarantees.
    let len = unsafe { len_of(object) };
    let per_piece = (OBLET_BYTES / elem).max(1);
    (len > per_piece).then_some(Pieces {
        len,
        elem,
        per_piece,
        trace_range,
    })
}

/// Marking's scan of a gray object that may be big: if it has pieces, scans
/// the fixed part and the first piece, queues the rest on `oblets` (taking
/// off any oblet a previous scan left) and returns the work done, the
/// object's size less its unscanned elements. Returns `None` if the object
/// is to be scanned whole.
///
/// # Safety
/// `object` heads a live old object, gray, to which the collector has
/// exclusive access; `size` is its size.
pub(crate) unsafe fn scan_first_piece(
    tracer: &mut Tracer,
    oblets: &mut Vec<Oblet>,
    object: NonNull<Header>,
    size: usize,
    counted: bool,
) -> Option<usize> {
    // SAFETY: a live object, as the caller guarantees.
    let header = unsafe { object.as_ref() };
    // SAFETY: as above.
    let pieces = unsafe { pieces_of(object, header.info()) }?;
    if header.is_scanning() {
        // A rescan: it covers what the old oblet had left.
        oblets.retain(|oblet| oblet.object != object);
    }
    let end = pieces.per_piece;
    // SAFETY: a live piece-traceable object; `0..end` lies within `0..len`.
    unsafe { (pieces.trace_range)(object, 0..end, tracer) };
    header.set_scanning(true);
    oblets.push(Oblet {
        object,
        start: end,
        counted,
    });
    Some(size - (pieces.len - end) * pieces.elem)
}

/// Scans the next piece of `oblet`; returns the work done (the piece's
/// bytes), and re-queues the rest on `oblets` (or clears `SCANNING` after
/// the last piece).
pub(crate) fn scan_oblet(tracer: &mut Tracer, oblets: &mut Vec<Oblet>, oblet: Oblet) -> usize {
    // SAFETY: a queued oblet's object is live (nothing is freed while
    // marking) and the collector has exclusive access at a safe point.
    let header = unsafe { oblet.object.as_ref() };
    debug_assert!(header.is_scanning(), "an oblet of an object not scanning");
    // SAFETY: as above; it had pieces when the oblet was queued, and its
    // length has not changed (an object's length is fixed at birth).
    let pieces = unsafe { pieces_of(oblet.object, header.info()) }
        .expect("a queued oblet's object has pieces");
    let end = pieces.len.min(oblet.start + pieces.per_piece);
    // SAFETY: `start..end` lies within `0..len` and does not start at 0.
    unsafe { (pieces.trace_range)(oblet.object, oblet.start..end, tracer) };
    if end < pieces.len {
        oblets.push(Oblet {
            start: end,
            ..oblet
        });
    } else {
        header.set_scanning(false);
    }
    (end - oblet.start) * pieces.elem
}
