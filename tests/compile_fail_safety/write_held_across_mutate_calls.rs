// A `Write` is proof that the barrier ran during this `mutate` call; a collection between
// calls may change the object's colour or generation, so the proof cannot be kept.
use tenure::{unlock, Gc, Heap, Lock, Rootable, Trace};

#[derive(Trace)]
struct Node<'gc> {
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

fn main() {
    let mut heap = Heap::<Rootable!['gc => Gc<'gc, Node<'gc>>]>::new(|m| {
        Gc::new(m, Node { next: Lock::new(None) })
    });
    let write = heap.mutate(|m, root| Gc::write(m, *root));
    heap.collect_full();
    heap.mutate(|m, _| {
        unlock!(write, Node, next).set(Some(Gc::new(m, Node { next: Lock::new(None) })));
    });
}
