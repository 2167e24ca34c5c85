// `Lock::set` exists only on `Write<Lock<T>>`, which `Gc::write` (the write barrier)
// hands out. Through a plain `&Lock` the pointer cannot be stored.
use tenure::{Gc, Heap, Lock, Rootable, Trace};

#[derive(Trace)]
struct Node<'gc> {
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let a = Gc::new(m, Node { next: Lock::new(None) });
        let b = Gc::new(m, Node { next: Lock::new(None) });
        a.next.set(Some(b));
    });
}
