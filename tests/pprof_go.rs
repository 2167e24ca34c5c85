//! Heap profiles read back by the real `go tool pprof`: a known program
//! allocates under two sites, keeps part of it, and the profile's `-top`
//! view must show the expected types and sites with the expected counts.
//!
//! Needs Go (`apt-get install golang-go`, as `.ci/run` does); without it the
//! test is skipped with a message, unless `CI` is set, where it fails.

use std::path::PathBuf;
use std::process::Command;

use tenure::{Gc, Heap, Lock, Rootable, Trace};

#[derive(Trace)]
struct Node<'gc> {
    value: u64,
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
}

#[derive(Trace)]
struct Scratch {
    bytes: [u64; 8],
}

#[derive(Trace)]
struct Root<'gc> {
    kept: Vec<Gc<'gc, Node<'gc>>>,
}

const KEPT: usize = 120;
const CHURN: usize = 300;

/// Runs the known program and writes its profile; returns the path.
fn write_profile() -> PathBuf {
    let mut heap = Heap::<Rootable!['gc => Root<'gc>]>::new(|_| Root { kept: Vec::new() });
    heap.set_profile_rate(1);
    heap.mutate_root(|m, root| {
        m.site("prog.scm:3 main", |m| {
            m.site("prog.scm:10 build-list", |m| {
                let mut kept = Vec::new();
                for value in 0..KEPT as u64 {
                    let next = Lock::new(kept.last().copied());
                    kept.push(Gc::new(m, Node { value, next }));
                }
                root.kept = kept;
            });
            m.site("prog.scm:20 churn", |m| {
                for i in 0..CHURN as u64 {
                    let scratch = Gc::new(m, Scratch { bytes: [i; 8] });
                    assert_eq!(scratch.bytes[7], i);
                }
            });
        });
    });
    heap.collect_full();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("pprof_go.pb.gz");
    let mut file = std::fs::File::create(&path).expect("create the profile");
    heap.write_pprof(&mut file).expect("write the profile");
    path
}

/// `go tool pprof -top` of `path` for `index`, or None if Go is missing.
fn top(path: &PathBuf, index: &str) -> Option<String> {
    let output = Command::new("go")
        .args(["tool", "pprof", "-top", &format!("-sample_index={index}")])
        .arg(path)
        .env("PPROF_TMPDIR", env!("CARGO_TARGET_TMPDIR"))
        .output();
    let output = match output {
        Ok(output) => output,
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: `go` is not installed ({error}); apt-get install golang-go");
            return None;
        }
        Err(error) => panic!("CI is set but `go tool pprof` cannot run: {error}"),
    };
    assert!(
        output.status.success(),
        "go tool pprof failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("utf-8 output"))
}

/// The (flat, cum) columns of the `-top` row naming `name` exactly.
fn row(top: &str, name: &str) -> (String, String) {
    let line = top
        .lines()
        .find(|line| line.trim_end().ends_with(name))
        .unwrap_or_else(|| panic!("no row for {name} in:\n{top}"));
    let columns: Vec<&str> = line.split_whitespace().collect();
    (columns[0].to_owned(), columns[3].to_owned())
}

#[test]
#[cfg_attr(miri, ignore = "spawns go")]
fn go_tool_pprof_reads_types_and_sites() {
    let path = write_profile();
    let Some(space) = top(&path, "inuse_space") else {
        return;
    };
    assert!(space.contains("Type: inuse_space"), "{space}");
    assert!(space.contains("pprof_go::Node"), "{space}");
    assert!(space.contains("prog.scm:10 build-list"), "{space}");
    assert!(
        !space.contains("Scratch"),
        "garbage is not in use:\n{space}"
    );

    let objects = top(&path, "inuse_objects").expect("go ran once already");
    let kept = KEPT.to_string();
    assert_eq!(
        row(&objects, "pprof_go::Node"),
        (kept.clone(), kept.clone())
    );
    assert_eq!(
        row(&objects, "prog.scm:10 build-list"),
        ("0".into(), kept.clone())
    );
    assert_eq!(row(&objects, "prog.scm:3 main"), ("0".into(), kept));

    let allocated = top(&path, "alloc_objects").expect("go ran");
    let churn = CHURN.to_string();
    assert_eq!(
        row(&allocated, "pprof_go::Scratch"),
        (churn.clone(), churn.clone())
    );
    assert_eq!(row(&allocated, "prog.scm:20 churn"), ("0".into(), churn));
    let total = (KEPT + CHURN).to_string();
    assert_eq!(row(&allocated, "prog.scm:3 main").1, total);
}

#[inline(never)]
fn allocate_scratch<'gc>(m: &tenure::Mutation<'gc>, i: u64) -> Gc<'gc, Scratch> {
    Gc::new(m, Scratch { bytes: [i; 8] })
}

#[test]
#[cfg_attr(miri, ignore = "walks the native stack")]
fn sampled_backtraces_name_the_allocating_function() {
    let mut heap = Heap::<Rootable!['gc => Root<'gc>]>::new(|_| Root { kept: Vec::new() });
    heap.set_profile_rate(1);
    heap.set_profile_backtraces(true);
    heap.mutate(|m, _| {
        for i in 0..10 {
            assert_eq!(allocate_scratch(m, i).bytes[0], i);
        }
    });
    let profile = heap.heap_samples();
    let row = profile
        .samples
        .iter()
        .find(|row| row.type_name.ends_with("Scratch"))
        .expect("a Scratch row");
    assert_eq!(row.alloc_objects, 10);
    assert!(
        row.backtrace.iter().any(|f| f.contains("allocate_scratch")),
        "{:?}",
        row.backtrace
    );
    assert!(
        !row.backtrace[0].starts_with("gc_core::"),
        "collector frames are trimmed: {:?}",
        row.backtrace
    );
}
