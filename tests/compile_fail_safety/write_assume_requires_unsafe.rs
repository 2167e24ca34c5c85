// `Write::assume` skips the barrier; it is an `unsafe fn`, so safe code cannot call it.
use tenure::{Gc, Heap, Lock, Rootable, Trace, Write};

#[derive(Trace)]
struct Node<'gc> {
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let a = Gc::new(m, Node { next: Lock::new(None) });
        let b = Gc::new(m, Node { next: Lock::new(None) });
        Write::assume(&a.next).set(Some(b));
    });
}
