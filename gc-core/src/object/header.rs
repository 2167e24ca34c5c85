//! The object header and the static type descriptor.
//!
//! Every managed object is a [`GcBox<T>`]: a 16-byte [`Header`] followed by the
//! value. The header is what lets the collector treat objects of any type
//! uniformly:
//!
//! - `info` points at a static [`TypeInfo`] (size, alignment, trace fn,
//!   drop fn, name, and for weak containers their `WeakOps`).
//!   While a minor GC evacuates a young object, the *old copy's* `info` word is
//!   overwritten with the forwarding address and [`FORWARDED`] is set.
//! - `flags` packs the object's gray bit (see [`Colour`]: the mark itself is
//!   in the old-space block's side bitmap), a large object's own mark bit,
//!   its [`Space`], age and the remembered, forwarded and rescan bits. Spaces
//!   are an enum whose meaning is defined by where the object is; they change
//!   only through the setters here, which `debug_assert!` the legal transitions.
//! - `hash` is the identity hash, assigned on first use and copied with the
//!   object, so `Hash` on `Gc` survives moves (invariant I6). It is not taken
//!   from the address (Eden reuses addresses after every minor GC, so objects
//!   made one per `mutate` call would share hashes) but from a counter of
//!   hashes handed out, put through a bijective mixer: distinct among the
//!   first 2^32 - 1 objects hashed on a thread, and well spread.
//!
//! Header layout (64-bit): `[ info: 8 bytes | flags: 4 bytes | hash: 4 bytes ]`.

use std::cell::Cell;
use std::ptr::NonNull;

pub(crate) use crate::object::shape::Shape;
use crate::object::trace::{Trace, Tracer};
use crate::object::weak_ops::WeakOps;
pub(crate) use crate::policy::pacer::young::MAX_AGE;

/// Static description of one managed type: everything the collector must
/// know to copy, scan, drop and profile an object without knowing its type.
pub(crate) struct TypeInfo {
    /// For [`Shape::Fixed`], the size in bytes of the whole `GcBox<T>`
    /// (header included); for [`Shape::Tail`], the bytes before the first
    /// element. Use [`TypeInfo::size_of`] for one object's size.
    pub size: usize,
    /// Alignment in bytes of the object (`GcBox<T>`'s, or the tail layout's).
    pub align: usize,
    /// Whether every object of the type has the same size (see `object/shape`).
    pub shape: Shape,
    /// Scans the object's pointers; `None` when `T::NEEDS_TRACE` is false, so
    /// the collector never even enqueues such objects for scanning.
    pub trace: Option<unsafe fn(NonNull<Header>, &mut Tracer)>,
    /// Drops the value in place; `None` when `T` needs no drop, so dead objects
    /// of the type cost nothing to free.
    pub drop: Option<unsafe fn(NonNull<Header>)>,
    /// Scans the object's pointers announcing field names
    /// (`Trace::trace_named`); used only by heap snapshots, so ordinary
    /// traversals keep calling `trace`. `None` exactly when `trace` is.
    pub trace_named: Option<unsafe fn(NonNull<Header>, &mut Tracer)>,
    /// The type's name, for heap profiles (`std::any::type_name`).
    pub name: fn() -> &'static str,
    /// For weak containers (weak cells, ephemeron tables, finalization
    /// queues), how the collector handles their weak slots (see `weak`).
    pub(crate) weak: Option<&'static WeakOps>,
    /// For objects allocated as a `dyn Trait` (`api/erased.rs`): how to
    /// view the value as that trait object, and the type's identity.
    pub(crate) erased: Option<&'static ErasedInfo>,
}

/// The part of a type descriptor only erased (`Gc<dyn Trait>`) objects have.
pub(crate) struct ErasedInfo {
    /// The function that views the value as the trait object, of type
    /// `unsafe fn(NonNull<u8>) -> NonNull<D>` for the object's `D`, stored
    /// with its signature erased (it is transmuted back to exactly that type
    /// before it is called, by `Gc<D>`, the only type that can call it).
    pub(crate) view: unsafe fn(),
    /// The `TypeId` of the `Rootable` marker naming the value's type family,
    /// which `Gc::downcast` compares.
    pub(crate) type_id: fn() -> std::any::TypeId,
}

/// A managed object: the header, then the value. `repr(C)` fixes the header at
/// offset 0, so a `NonNull<GcBox<T>>` and a `NonNull<Header>` are the same address.
#[repr(C)]
pub(crate) struct GcBox<T> {
    /// The object header.
    pub header: Header,
    /// The user's value.
    pub value: T,
}

/// Supplies the `&'static TypeInfo` for `GcBox<T>` (a constant promoted to a static).
pub(crate) struct InfoOf<T>(std::marker::PhantomData<T>);

impl<T: Trace> InfoOf<T> {
    pub(crate) const INFO: TypeInfo = TypeInfo {
        size: std::mem::size_of::<GcBox<T>>(),
        align: std::mem::align_of::<GcBox<T>>(),
        shape: Shape::Fixed,
        trace: if T::NEEDS_TRACE {
            Some(trace_erased::<T>)
        } else {
            None
        },
        trace_named: if T::NEEDS_TRACE {
            Some(trace_named_erased::<T>)
        } else {
            None
        },
        drop: if std::mem::needs_drop::<T>() {
            Some(drop_erased::<T>)
        } else {
            None
        },
        name: std::any::type_name::<T>,
        weak: None,
        erased: None,
    };
}

/// Scans the `T` behind an erased header pointer.
///
/// # Safety
/// `header` must head a live, initialised `GcBox<T>` to which the caller has
/// exclusive access (the collector at a safe point).
unsafe fn trace_erased<T: Trace>(header: NonNull<Header>, tracer: &mut Tracer) {
    // SAFETY: the caller guarantees a live GcBox<T> with exclusive access; the
    // header sits at offset 0 of the repr(C) box. Only the value is borrowed
    // mutably: the collector keeps using the header through raw pointers.
    let value = unsafe { &mut (*header.cast::<GcBox<T>>().as_ptr()).value };
    value.trace(tracer);
}

/// Scans the `T` behind an erased header pointer, naming its fields.
///
/// # Safety
/// As for `trace_erased`.
unsafe fn trace_named_erased<T: Trace>(header: NonNull<Header>, tracer: &mut Tracer) {
    // SAFETY: as in `trace_erased`.
    let value = unsafe { &mut (*header.cast::<GcBox<T>>().as_ptr()).value };
    value.trace_named(tracer);
}

/// Drops the `T` behind an erased header pointer.
///
/// # Safety
/// `header` must head a live `GcBox<T>` that is dead to the program and is never
/// used again as a `T` (the sweeper or minor GC freeing it).
unsafe fn drop_erased<T>(header: NonNull<Header>) {
    // SAFETY: the caller guarantees the value is initialised and unreachable.
    unsafe { std::ptr::drop_in_place(&mut (*header.cast::<GcBox<T>>().as_ptr()).value) }
}

/// The tri-colour abstraction (invariant I1, `docs/invariants.md`), defined by
/// where an old-generation object stands in the current marking cycle.
///
/// The colour is not stored as such. *Marked* (gray or black) is a bit in the
/// side mark bitmap of the object's old-space block, or the [`MARKED`] bit
/// of a large object's own header; *gray* is the header's [`GRAY`] bit,
/// which is set exactly while the object is on one of the gray lists. So
/// white = unmarked, gray = marked with `GRAY`, black = marked without it
/// (`space::marks` computes it). Because no object is gray once marking has
/// drained, and the sweeper clears the mark bitmaps block by block, no white
/// flip repaints any header.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Colour {
    /// Not reached yet this cycle (or no cycle is marking).
    White,
    /// Reached and on a gray list: its fields are still to be scanned.
    Gray,
    /// Reached and scanned: every field has been shaded.
    Black,
}

impl Colour {
    /// True for white.
    pub(crate) fn is_white(self) -> bool {
        self == Colour::White
    }
}

/// Which space an object lives in. Young spaces have bit 2 clear, old ones set,
/// so "is this object old?" is one AND in the write barrier's fast path.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u32)]
pub(crate) enum Space {
    /// The bump-allocated nursery: every new young object starts here.
    Eden = 0,
    /// Survivor semispace A.
    SurvivorA = 1,
    /// Survivor semispace B.
    SurvivorB = 2,
    /// A cell of an old-space block (non-moving, swept).
    Old = 4,
    /// A large object in its own allocation (non-moving, swept).
    Large = 5,
}

impl Space {
    /// True for the old generation (old cells and large objects).
    pub(crate) fn is_old(self) -> bool {
        (self as u32) & OLD_SPACE_BIT != 0
    }

    fn from_bits(bits: u32) -> Space {
        match (bits >> SPACE_SHIFT) & SPACE_MASK {
            0 => Space::Eden,
            1 => Space::SurvivorA,
            2 => Space::SurvivorB,
            4 => Space::Old,
            _ => Space::Large,
        }
    }
}

/// `flags` bit: the object is on a gray list (see [`Colour`]). It is the only
/// colour bit of an old cell's header; the mark itself is in the side bitmap.
pub(crate) const GRAY: u32 = 1 << 0;
/// `flags` bit: this large object is marked (large objects have no block
/// and so no side bitmap; the sweeper clears the bit on survivors).
pub(crate) const MARKED: u32 = 1 << 1;
const SPACE_SHIFT: u32 = 2;
const SPACE_MASK: u32 = 0b111;
/// Bit of the `Space` value that marks the old generation.
const OLD_SPACE_BIT: u32 = 0b100;
/// `flags` bit set for every old-generation object: `Space::is_old` in place.
pub(crate) const OLD: u32 = OLD_SPACE_BIT << SPACE_SHIFT;
const AGE_SHIFT: u32 = 5;
const AGE_MASK: u32 = 0b1111;
// The age field holds every age up to the one tenuring policy's `MAX_AGE`
// (HotSpot's MaxTenuringThreshold, 4 bits).
const _: () = assert!(MAX_AGE as u32 <= AGE_MASK);
/// `flags` bit: this old object is in the remembered set (invariant I2).
pub(crate) const REMEMBERED: u32 = 1 << 9;
/// `flags` bit: this is the stale copy of an evacuated object; `info` holds the
/// forwarding address.
pub(crate) const FORWARDED: u32 = 1 << 10;
/// `flags` bit: this black object was re-grayed by the write barrier, so the
/// marker's next scan of it is a rescan (its bytes are already counted).
pub(crate) const RESCAN: u32 = 1 << 11;
/// `flags` bit: this old managed array is in the card remembered set
/// (`collect/cards.rs`, invariant I2 for arrays).
pub(crate) const CARDED: u32 = 1 << 12;
/// `flags` bit: marking has scanned the first pieces of this big object and
/// queued the rest as an *oblet* (`collect/oblet.rs`): it is black, yet its
/// unscanned pieces may still point to white objects (I1's one exception).
pub(crate) const SCANNING: u32 = 1 << 13;

/// The object header. See the module documentation for the layout.
#[repr(C)]
pub(crate) struct Header {
    /// The type descriptor, or the forwarding address when `FORWARDED` is set.
    info: Cell<*const TypeInfo>,
    /// Gray, large-mark, space, age, remembered, forwarded and rescan bits.
    flags: Cell<u32>,
    /// Identity hash, 0 until first requested.
    hash: Cell<u32>,
}

impl Header {
    /// A fresh, white header for an object of `info`'s type in `space` (an
    /// old object's mark, if it is born marked, is set by `space::marks`).
    pub(crate) fn new(info: &'static TypeInfo, space: Space) -> Header {
        Header {
            info: Cell::new(info),
            flags: Cell::new((space as u32) << SPACE_SHIFT),
            hash: Cell::new(0),
        }
    }

    /// The type descriptor.
    ///
    /// # Requires
    /// The object is not forwarded and not a free cell.
    #[inline]
    pub(crate) fn info(&self) -> &'static TypeInfo {
        debug_assert!(!self.is_forwarded(), "info() of a forwarded object");
        let info = self.info.get();
        // SAFETY: a live, unforwarded header always holds a pointer obtained
        // from a `&'static TypeInfo` (Header::new / set_forwarded is the only
        // other writer, and it sets FORWARDED).
        unsafe { &*info }
    }

    /// Raw flag bits (for the barrier's fast path).
    #[inline]
    pub(crate) fn flags(&self) -> u32 {
        self.flags.get()
    }

    /// True if the object is on a gray list (see [`Colour`]).
    #[inline]
    pub(crate) fn is_gray(&self) -> bool {
        self.flags.get() & GRAY != 0
    }

    /// Sets or clears the gray bit (only `space::marks`, which checks the
    /// colour transition).
    #[inline]
    pub(crate) fn set_gray(&self, gray: bool) {
        self.set_flag(GRAY, gray);
    }

    /// True if this large object's own mark bit is set.
    #[inline]
    pub(crate) fn is_marked_bit(&self) -> bool {
        self.flags.get() & MARKED != 0
    }

    /// Sets or clears a large object's own mark bit (only `space::marks`
    /// and the large-object sweeper).
    #[inline]
    pub(crate) fn set_marked_bit(&self, marked: bool) {
        self.set_flag(MARKED, marked);
    }

    /// The space this object is in.
    #[inline]
    pub(crate) fn space(&self) -> Space {
        Space::from_bits(self.flags.get())
    }

    /// True for old-generation objects.
    #[inline]
    pub(crate) fn is_old(&self) -> bool {
        self.flags.get() & OLD != 0
    }

    /// Number of minor collections this young object has survived.
    #[inline]
    pub(crate) fn age(&self) -> u8 {
        ((self.flags.get() >> AGE_SHIFT) & AGE_MASK) as u8
    }

    /// Makes the fresh copy of an evacuated object a member of `space`
    /// with age `age` and the remembered bit clear: `set_space`, `set_age`
    /// and `set_remembered(false)` as one write of the flags word (a minor
    /// GC does this once per surviving object). The other bits are copied.
    #[inline]
    pub(crate) fn set_copied(&self, space: Space, age: u8) {
        debug_assert!(
            space.is_old() || !self.space().is_old(),
            "an old object never becomes young"
        );
        let age = u32::from(age.min(MAX_AGE));
        let cleared = self.flags.get()
            & !((SPACE_MASK << SPACE_SHIFT) | (AGE_MASK << AGE_SHIFT) | REMEMBERED);
        self.flags
            .set(cleared | ((space as u32) << SPACE_SHIFT) | (age << AGE_SHIFT));
    }

    /// True if the remembered bit is set.
    #[inline]
    pub(crate) fn is_remembered(&self) -> bool {
        self.flags.get() & REMEMBERED != 0
    }

    /// Sets or clears the remembered bit.
    pub(crate) fn set_remembered(&self, remembered: bool) {
        self.set_flag(REMEMBERED, remembered);
    }

    /// Sets or clears one flag bit.
    fn set_flag(&self, bit: u32, on: bool) {
        let flags = self.flags.get();
        self.flags.set(if on { flags | bit } else { flags & !bit });
    }

    /// True if this array is in the card remembered set (see `CARDED`).
    #[inline]
    pub(crate) fn is_carded(&self) -> bool {
        self.flags.get() & CARDED != 0
    }

    /// Sets or clears the card-set bit.
    pub(crate) fn set_carded(&self, carded: bool) {
        self.set_flag(CARDED, carded);
    }

    /// True if the barrier re-grayed this object (see `RESCAN`).
    #[inline]
    pub(crate) fn is_rescan(&self) -> bool {
        self.flags.get() & RESCAN != 0
    }

    /// Sets or clears the rescan bit.
    pub(crate) fn set_rescan(&self, rescan: bool) {
        self.set_flag(RESCAN, rescan);
    }

    /// True while an oblet of this object is queued (see `SCANNING`).
    #[inline]
    pub(crate) fn is_scanning(&self) -> bool {
        self.flags.get() & SCANNING != 0
    }

    /// Sets or clears the oblet bit (only `collect/oblet.rs`).
    pub(crate) fn set_scanning(&self, scanning: bool) {
        self.set_flag(SCANNING, scanning);
    }

    /// True for the stale copy of an evacuated object.
    #[inline]
    pub(crate) fn is_forwarded(&self) -> bool {
        self.flags.get() & FORWARDED != 0
    }

    /// The forwarding address.
    ///
    /// # Requires
    /// The object is forwarded.
    #[inline]
    pub(crate) fn forwarded_to(&self) -> NonNull<Header> {
        debug_assert!(self.is_forwarded());
        // SAFETY: set_forwarded stored a non-null header pointer here.
        unsafe { NonNull::new_unchecked(self.info.get() as *mut Header) }
    }

    /// Turns this (old copy of an evacuated object) into a forwarding pointer.
    ///
    /// # Requires
    /// The object is young and not yet forwarded.
    pub(crate) fn set_forwarded(&self, to: NonNull<Header>) {
        debug_assert!(!self.is_forwarded() && !self.is_old());
        self.info.set(to.as_ptr() as *const TypeInfo);
        self.flags.set(self.flags.get() | FORWARDED);
    }

    /// The identity hash: assigned once, at first request, from the thread's
    /// counter of hashes (see the module docs), and kept in the header so it
    /// survives every move (invariant I6).
    #[inline]
    pub(crate) fn identity_hash(&self) -> u32 {
        let hash = self.hash.get();
        if hash != 0 {
            return hash;
        }
        self.assign_identity_hash()
    }

    #[cold]
    #[inline(never)]
    fn assign_identity_hash(&self) -> u32 {
        let fresh = fresh_identity_hash();
        self.hash.set(fresh);
        fresh
    }
}

thread_local! {
    /// Identity hashes handed out on this thread so far (mod 2^32, skipping
    /// 0). Per thread rather than per heap: `Gc::identity_hash` and `Hash`
    /// on `Gc` get no `Mutation`, so the header cannot reach its heap; and a
    /// heap never leaves its thread, so its hashes all come from one counter.
    static HASHES_GIVEN: Cell<u32> = const { Cell::new(0) };
}

/// The next identity hash: the thread's count of hashes, mixed. Never 0 (0
/// means "not assigned"): the count skips 0 and the mixer maps only 0 to 0.
fn fresh_identity_hash() -> u32 {
    HASHES_GIVEN.with(|given| {
        let count = given.get().wrapping_add(1).max(1);
        given.set(count);
        mix32(count)
    })
}

/// MurmurHash3's 32-bit finalizer (`fmix32`): a bijection on `u32` (each
/// step, xor-shift or multiplication by an odd constant, is invertible) that
/// sends consecutive counts to values that look random in every bit.
fn mix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    static INFO: TypeInfo = TypeInfo {
        size: 16,
        align: 8,
        shape: Shape::Fixed,
        trace: None,
        trace_named: None,
        drop: None,
        name: || "test",
        weak: None,
        erased: None,
    };

    #[test]
    fn header_is_two_words() {
        assert_eq!(std::mem::size_of::<Header>(), 16);
    }

    #[test]
    fn space_and_age_bits_do_not_overlap() {
        let header = Header::new(&INFO, Space::SurvivorB);
        header.set_copied(Space::SurvivorB, MAX_AGE);
        header.set_remembered(true);
        header.set_gray(true);
        header.set_marked_bit(true);
        assert_eq!(header.space(), Space::SurvivorB);
        assert!(header.is_gray() && header.is_marked_bit());
        assert_eq!(header.age(), MAX_AGE);
        assert!(header.is_remembered());
        assert!(!header.is_old());
        header.set_copied(Space::Old, 3);
        assert!(header.is_old());
        assert_eq!(header.age(), 3);
        assert!(!header.is_remembered(), "a copy starts unremembered");
        assert!(
            header.is_gray() && header.is_marked_bit(),
            "other bits are kept"
        );
    }

    #[test]
    fn identity_hash_is_stable_and_nonzero() {
        let header = Header::new(&INFO, Space::Eden);
        let first = header.identity_hash();
        assert_ne!(first, 0);
        assert_eq!(first, header.identity_hash());
    }

    #[test]
    fn identity_hashes_of_headers_at_one_address_differ() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..100 {
            // A header at the same stack slot each time, like an Eden slot
            // reused after a minor GC.
            let header = Header::new(&INFO, Space::Eden);
            assert!(seen.insert(header.identity_hash()));
        }
    }

    #[test]
    fn the_mixer_is_a_bijection_that_spreads_bits() {
        let n: u32 = if cfg!(miri) { 256 } else { 4096 };
        assert_eq!(mix32(0), 0);
        let hashes: Vec<u32> = (1..=n).map(mix32).collect();
        let distinct: std::collections::HashSet<u32> = hashes.iter().copied().collect();
        assert_eq!(distinct.len(), n as usize);
        // Consecutive counts: every bit is set in about half of the hashes.
        for bit in 0..32 {
            let ones = hashes.iter().filter(|h| *h >> bit & 1 == 1).count() as u32;
            assert!(
                (n * 2 / 5..n * 3 / 5).contains(&ones),
                "bit {bit}: {ones} of {n}"
            );
        }
    }

    #[test]
    fn the_gray_and_mark_bits_clear_independently() {
        let header = Header::new(&INFO, Space::Large);
        assert!(!header.is_gray() && !header.is_marked_bit());
        header.set_marked_bit(true);
        header.set_gray(true);
        header.set_gray(false);
        assert!(header.is_marked_bit() && !header.is_gray());
        assert_eq!(header.space(), Space::Large);
        assert!(Space::Large.is_old() && !Space::Eden.is_old());
    }
}
