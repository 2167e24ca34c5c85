// Every misplaced key is reported, each with where it belongs.
use tenure::{Gc, Trace};

#[derive(Trace)]
#[trace(skip)]
enum Value<'gc> {
    #[trace(skip)]
    Int(i64),
    Ref(#[trace(unsafe_drop)] Gc<'gc, u32>),
}

fn main() {}
