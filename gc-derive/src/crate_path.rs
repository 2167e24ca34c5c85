//! Which path the generated code uses to name `Trace` and `Tracer`.
//!
//! A proc macro cannot use `$crate`, so it reads the user's `Cargo.toml` (through
//! `proc-macro-crate`) to learn what the collector is called there. In order:
//!
//! 1. `#[trace(crate = "some::path")]` on the type, if given: used as written.
//! 2. A dependency on the facade `tenure` (possibly renamed): `::tenure` (or `::renamed`).
//!    The facade package itself counts too (its examples, doctests and integration tests
//!    name it `::tenure`); the facade's own library code declares no derived types.
//! 3. A dependency on `gc-core`: `::gc_core` (or `::renamed`). When compiling gc-core's own
//!    library (its unit tests included), `crate`; its examples, integration tests and
//!    doctests are other crates and get `::gc_core`. (Doctests are recognised by the
//!    variable rustdoc sets while building them; should that change, a doctest can write
//!    `#[trace(crate = "::gc_core")]`.)
//! 4. Neither found (no manifest, or the collector is re-exported by another crate):
//!    `::tenure`, and the user can say otherwise with rule 1.

use proc_macro_crate::FoundCrate;
use quote::format_ident;
use syn::{parse_quote, Path};

/// The facade package.
const FACADE: &str = "tenure";

/// The runtime package, for users that depend on it directly.
const CORE: &str = "gc-core";

/// `CORE` as a crate (identifier) name.
const CORE_CRATE: &str = "gc_core";

/// Set by rustdoc while it builds a doctest, which is a crate of its own even though
/// `CARGO_CRATE_NAME` still names the documented library.
const RUSTDOC_TEST_VAR: &str = "UNSTABLE_RUSTDOC_TEST_PATH";

/// The path that names the collector crate in the code being expanded.
pub(crate) fn resolve(explicit: Option<&Path>) -> Path {
    if let Some(path) = explicit {
        return path.clone();
    }
    let facade = proc_macro_crate::crate_name(FACADE).ok();
    let core = proc_macro_crate::crate_name(CORE).ok();
    let in_doctest = std::env::var_os(RUSTDOC_TEST_VAR).is_some();
    let compiling = std::env::var("CARGO_CRATE_NAME")
        .ok()
        .filter(|_| !in_doctest);
    choose(facade, core, compiling.as_deref())
}

/// Rules 2 to 4 of the module docs, given what the manifest says.
///
/// `compiling` is the crate being compiled (`CARGO_CRATE_NAME`, `None` in a doctest), which
/// tells gc-core's library apart from its examples and doctests, for which
/// `proc-macro-crate` also says "itself".
fn choose(facade: Option<FoundCrate>, core: Option<FoundCrate>, compiling: Option<&str>) -> Path {
    match (facade, core) {
        (Some(FoundCrate::Name(name)), _) | (None, Some(FoundCrate::Name(name))) => absolute(&name),
        (Some(FoundCrate::Itself), _) | (None, None) => absolute(FACADE),
        (None, Some(FoundCrate::Itself)) if compiling == Some(CORE_CRATE) => parse_quote!(crate),
        (None, Some(FoundCrate::Itself)) => absolute(CORE_CRATE),
    }
}

/// `::name`, for a crate name as `proc-macro-crate` gives it (already `_` for `-`).
fn absolute(name: &str) -> Path {
    let ident = format_ident!("{}", name);
    parse_quote!(::#ident)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn chosen(facade: Option<FoundCrate>, core: Option<FoundCrate>, compiling: &str) -> String {
        choose(facade, core, Some(compiling))
            .to_token_stream()
            .to_string()
    }

    fn named(name: &str) -> Option<FoundCrate> {
        Some(FoundCrate::Name(name.to_owned()))
    }

    #[test]
    fn the_facade_wins_under_any_name() {
        assert_eq!(
            chosen(named("tenure"), named("gc_core"), "app"),
            ":: tenure"
        );
        assert_eq!(chosen(named("gc"), None, "app"), ":: gc");
        assert_eq!(
            chosen(Some(FoundCrate::Itself), None, "interp"),
            ":: tenure"
        );
    }

    #[test]
    fn then_the_core() {
        assert_eq!(chosen(None, named("gc_core"), "app"), ":: gc_core");
        assert_eq!(chosen(None, named("runtime"), "app"), ":: runtime");
        assert_eq!(chosen(None, Some(FoundCrate::Itself), "gc_core"), "crate");
        assert_eq!(
            chosen(None, Some(FoundCrate::Itself), "an_example"),
            ":: gc_core"
        );
    }

    #[test]
    fn falls_back_to_the_facade() {
        assert_eq!(chosen(None, None, "app"), ":: tenure");
    }

    #[test]
    fn an_explicit_path_is_used_as_written() {
        let path: Path = parse_quote!(my::reexport);
        assert_eq!(resolve(Some(&path)), path);
    }
}
