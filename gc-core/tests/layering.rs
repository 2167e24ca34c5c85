//! The layering check: gc-core's folders are layers, and a lower layer never
//! imports a higher one (STYLE.md rule 11, `docs/architecture.md` chapter 1).
//!
//! The layers, from the bottom up: policy < object < space < state <
//! telemetry < collect < api. Every `crate::` path in a module's code (a `use`
//! or an inline path) must name its own layer or a lower one. A path through a
//! re-export at the crate root (`crate::Gc`) or a `#[macro_export]` macro
//! (`crate::unlock!`) counts as the layer that defines it. `lib.rs` declares the
//! layers and is exempt. A second check keeps every file short enough to read.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The longest a gc-core source file may be, tests included (issue 9).
const MAX_FILE_LINES: usize = 600;

/// The layers, bottom first. A module may import from its own index or lower.
const LAYERS: [&str; 7] = [
    "policy",
    "object",
    "space",
    "state",
    "telemetry",
    "collect",
    "api",
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("gc-core/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer index of a file, from its first folder under `src/`.
fn layer_of_file(path: &Path) -> Option<usize> {
    let relative = path.strip_prefix(src_dir()).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    LAYERS.iter().position(|layer| *layer == first)
}

/// The code of a line, without its `//` comment (doc comments included).
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(at) => &line[..at],
        None => line,
    }
}

/// The first segment of every `crate::` path in `code`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let is_dollar_crate = at > 0 && rest[..at].ends_with('$');
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !is_dollar_crate && !name.is_empty() {
            found.push(name);
        }
        rest = after;
    }
    found
}

/// Names reachable at the crate root (re-exports and exported macros), with
/// the layer that defines each.
fn root_names(files: &[PathBuf]) -> HashMap<String, usize> {
    let mut names = HashMap::new();
    let lib = fs::read_to_string(src_dir().join("lib.rs")).expect("lib.rs");
    for line in lib.lines().map(str::trim) {
        let Some(path) = line.strip_prefix("pub use ") else {
            continue;
        };
        let layer = path.split("::").next().unwrap_or("");
        let Some(index) = LAYERS.iter().position(|l| *l == layer) else {
            continue;
        };
        let items = path.rsplit("::").next().unwrap_or("");
        for item in items.trim_matches(|c| "{};".contains(c)).split(',') {
            names.insert(item.trim().to_string(), index);
        }
    }
    for file in files {
        let Some(layer) = layer_of_file(file) else {
            continue;
        };
        let text = fs::read_to_string(file).expect("a source file");
        let mut exported = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[macro_export]") {
                exported = true;
            } else if let Some(rest) = line.strip_prefix("macro_rules! ") {
                if exported {
                    let name = rest.trim_end_matches(['{', ' ']);
                    names.insert(name.to_string(), layer);
                }
                exported = false;
            }
        }
    }
    names
}

#[test]
#[cfg_attr(miri, ignore = "reads the source tree")]
fn no_layer_imports_a_higher_one() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    files.sort();
    let root = root_names(&files);
    let mut violations = Vec::new();
    for file in &files {
        let Some(own) = layer_of_file(file) else {
            continue;
        };
        let text = fs::read_to_string(file).expect("a source file");
        for (number, line) in text.lines().enumerate() {
            for name in crate_paths(code_of(line)) {
                let target = LAYERS
                    .iter()
                    .position(|layer| *layer == name)
                    .or_else(|| root.get(&name).copied());
                match target {
                    Some(target) if target <= own => {}
                    Some(target) => violations.push(format!(
                        "{}:{}: the {} layer imports the higher {} layer: {}",
                        file.display(),
                        number + 1,
                        LAYERS[own],
                        LAYERS[target],
                        line.trim()
                    )),
                    None => violations.push(format!(
                        "{}:{}: `crate::{name}` is not a layer nor a root re-export: {}",
                        file.display(),
                        number + 1,
                        line.trim()
                    )),
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations (policy < object < space < state < telemetry < collect < api):\n{}",
        violations.join("\n")
    );
}

#[test]
#[cfg_attr(miri, ignore = "reads the source tree")]
fn every_layer_folder_is_known() {
    for entry in fs::read_dir(src_dir()).expect("gc-core/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            assert!(
                layer_of_file(&path.join("mod.rs")).is_some(),
                "{} is a folder under gc-core/src that is not a layer in {LAYERS:?}",
                path.display()
            );
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "reads the source tree")]
fn no_source_file_is_longer_than_a_reader_can_hold() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
        &mut files,
    );
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = fs::read_to_string(file)
                .expect("a source file")
                .lines()
                .count();
            (lines > MAX_FILE_LINES).then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines; split them by concept:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checker_finds_paths_and_skips_comments() {
    assert_eq!(
        crate_paths("use crate::state::GcState; crate::api::gc::Gc::new"),
        ["state", "api"]
    );
    assert_eq!(
        crate_paths(code_of("let x = 1; // see crate::api")),
        Vec::<String>::new()
    );
    assert_eq!(crate_paths("$crate::Write::assume"), Vec::<String>::new());
}
