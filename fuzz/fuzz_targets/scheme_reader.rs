//! The Scheme example's reader (`examples/scheme/lang/reader.rs`) on any
//! text: it returns syntax trees or a `ReadError`, never panics, and never
//! overflows the stack on deep nesting.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = tenure_scheme::reader::read_all(text);
});
