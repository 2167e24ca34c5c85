//! gc-bench: see `--help`.

fn main() {
    println!("gc-bench");
}
