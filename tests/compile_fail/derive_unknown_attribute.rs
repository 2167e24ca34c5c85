use tenure::{Gc, Trace};

#[derive(Trace)]
struct Node<'gc> {
    #[trace(skipp)]
    next: Option<Gc<'gc, u32>>,
}

fn main() {}
