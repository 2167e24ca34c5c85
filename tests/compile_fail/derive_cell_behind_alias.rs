// The derive's cell check is syntactic; a cell it cannot see still fails to compile,
// because the cells do not implement `Trace`.
use tenure::{Gc, Trace};

type Slot<T> = std::cell::Cell<T>;

#[derive(Trace)]
struct Node<'gc> {
    next: Slot<Option<Gc<'gc, u8>>>,
}

fn main() {}
