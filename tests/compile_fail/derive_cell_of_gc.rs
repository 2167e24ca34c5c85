// A `Cell` in a traced field would let code store a `Gc` without the write barrier.
use std::cell::Cell;
use tenure::{Gc, Trace};

#[derive(Trace)]
struct Node<'gc> {
    value: i64,
    next: Cell<Option<Gc<'gc, Node<'gc>>>>,
}

fn main() {}
