// A skipped field is never traced, so it must not be able to hold a `Gc`.
use tenure::{Gc, Trace};

#[derive(Trace)]
struct Hidden<'gc> {
    seen: Gc<'gc, u32>,
    #[trace(skip)]
    hidden: Option<Gc<'gc, u32>>,
}

fn main() {}
