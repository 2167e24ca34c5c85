// A `RefCell` is found inside generic arguments too.
use std::cell::RefCell;
use tenure::{Gc, Trace};

#[derive(Trace)]
enum Value<'gc> {
    Nil,
    Table { entries: Vec<RefCell<Gc<'gc, u8>>> },
}

fn main() {}
