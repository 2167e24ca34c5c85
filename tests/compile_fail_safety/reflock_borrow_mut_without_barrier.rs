// `RefLock::borrow_mut` exists only on `Write<RefLock<T>>`: no barrier, no mutable borrow.
use tenure::{Gc, Heap, RefLock, Rootable, Trace};

#[derive(Trace)]
struct Node<'gc> {
    children: RefLock<Vec<Gc<'gc, Node<'gc>>>>,
}

fn main() {
    let heap = Heap::<Rootable![()]>::new(|_| ());
    heap.mutate(|m, _| {
        let a = Gc::new(m, Node { children: RefLock::new(Vec::new()) });
        let b = Gc::new(m, Node { children: RefLock::new(Vec::new()) });
        a.children.borrow_mut().push(b);
    });
}
