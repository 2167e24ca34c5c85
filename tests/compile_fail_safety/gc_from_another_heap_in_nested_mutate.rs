// Two heaps, nested `mutate` calls: a `Gc` of the outer heap stored into an object of the
// inner one would dangle once the outer heap collects. The two brands never unify.
use tenure::{unlock, Gc, Heap, Lock, Rootable, Trace};

#[derive(Trace)]
struct Slot<'gc> {
    value: Lock<Option<Gc<'gc, u32>>>,
}

fn main() {
    let a = Heap::<Rootable!['gc => Gc<'gc, Slot<'gc>>]>::new(|m| {
        Gc::new(m, Slot { value: Lock::new(None) })
    });
    let b = Heap::<Rootable!['gc => Gc<'gc, Slot<'gc>>]>::new(|m| {
        Gc::new(m, Slot { value: Lock::new(None) })
    });
    a.mutate(|ma, _| {
        let from_a = Gc::new(ma, 1u32);
        b.mutate(|mb, slot_in_b| {
            unlock!(Gc::write(mb, *slot_in_b), Slot, value).set(Some(from_a));
        });
    });
}
