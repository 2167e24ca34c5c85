//! The knob reference in `docs/tuning.md`, generated from the knob table and
//! checked against the doc.
//!
//! [`markdown_table`] prints one row per knob: its `TENURE_GC` key and
//! aliases, its default in `TENURE_GC` syntax, the accepted values in exactly
//! the words errors use, its unit, and the first paragraph of its doc comment.
//! The test below fails when the doc's table, between the lines
//! [`BEGIN`] and [`END`], differs from it; run it with `TENURE_BLESS=1` to
//! rewrite the doc instead:
//!
//! ```text
//! TENURE_BLESS=1 cargo test -p gc-core --lib config::reference
//! ```

use super::table::FIELDS;
use super::Config;

/// The line before the generated table in `docs/tuning.md`.
const BEGIN: &str = "<!-- knobs:begin -->";
/// The line after it.
const END: &str = "<!-- knobs:end -->";
/// The variable that rewrites the doc when set to `1`.
const BLESS: &str = "TENURE_BLESS";

/// `text` safe in a markdown table cell (`|` would split the cell).
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The first paragraph of a doc comment, on one line.
fn summary(doc: &str) -> String {
    let lines: Vec<&str> = doc
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect();
    lines.join(" ")
}

/// The knob reference: a header and one row per knob, in table order, each
/// line ending in a newline.
pub(crate) fn markdown_table() -> String {
    let defaults = Config::default();
    let mut out = String::from(
        "| key (`TENURE_GC`) | default | accepted | unit / syntax | what it does |\n\
         |---|---|---|---|---|\n",
    );
    for field in FIELDS {
        let mut key = format!("`{}`", field.name);
        if !field.aliases.is_empty() {
            let aliases: Vec<String> = field.aliases.iter().map(|a| format!("`{a}`")).collect();
            let noun = if aliases.len() == 1 {
                "alias"
            } else {
                "aliases"
            };
            key = format!("{key} ({noun} {})", aliases.join(", "));
        }
        out.push_str(&format!(
            "| {key} | `{}` | {} | {} | {} |\n",
            cell(&(field.show)(&defaults)),
            cell(&(field.accepted)()),
            cell(field.unit),
            cell(&summary(field.doc)),
        ));
    }
    out
}

#[test]
fn every_knob_has_a_row_with_its_range() {
    let table = markdown_table();
    assert_eq!(table.lines().count(), FIELDS.len() + 2);
    for (name, accepted) in Config::keys() {
        let row = table
            .lines()
            .find(|line| line.starts_with(&format!("| `{name}`")))
            .unwrap_or_else(|| panic!("a row for {name}"));
        assert!(row.contains(&cell(&accepted)), "{row}");
    }
    assert!(table.contains("| `eden_size` (alias `eden`) | `4MiB` | 64 KiB ..= 1 GiB | size |"));
}

#[test]
#[cfg_attr(miri, ignore = "reads docs/tuning.md")]
fn the_tuning_guide_shows_the_generated_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/tuning.md");
    let doc = std::fs::read_to_string(path).expect("docs/tuning.md is readable");
    let (before, rest) = doc
        .split_once(BEGIN)
        .unwrap_or_else(|| panic!("docs/tuning.md has a line {BEGIN}"));
    let (current, after) = rest
        .split_once(END)
        .unwrap_or_else(|| panic!("docs/tuning.md has a line {END} after {BEGIN}"));
    let generated = format!("\n{}", markdown_table());
    if current == generated {
        return;
    }
    if std::env::var_os(BLESS).is_some_and(|v| v == "1") {
        let blessed = format!("{before}{BEGIN}{generated}{END}{after}");
        std::fs::write(path, blessed).expect("docs/tuning.md is writable");
        return;
    }
    panic!(
        "the knob table in docs/tuning.md is not the one the knob table generates; \
         run `{BLESS}=1 cargo test -p gc-core --lib config::reference` to rewrite it.\n\
         generated:\n{generated}\nfound:\n{current}"
    );
}
