//! The bounds test every knob gets, generated from the table
//! (`table::bounds::NAME` calls [`check_bounds`] with the knob's rule).
//!
//! For one knob it checks: the default is accepted; and at each edge of the
//! rule, the bound itself is accepted and the nearest value past it rejected,
//! through all three ways in (the builder, the run-time setter and
//! `TENURE_GC`), with the same [`ConfigError::OutOfRange`] that names the field
//! and quotes the accepted range. A rejected setter leaves the config as it was.

use super::rule::Rule;
use super::syntax::Value;
use super::table::FIELDS;
use super::{Config, ConfigBuilder, ConfigError};

/// The defaults with `min_heap` and `large_object_threshold` at their lower
/// bounds: then no relation binds when any one knob moves to one of its
/// bounds (`max_heap` at 1 MiB is above `min_heap`, `eden_size` at 64 KiB
/// above `large_object_threshold`, `large_object_threshold` at 1 MiB below the
/// default Eden), so a rejection can only come from the range under test.
fn relaxed() -> Config {
    Config {
        min_heap: 64 << 10,
        large_object_threshold: 256,
        ..Config::DEFAULT
    }
}

/// `base` in `TENURE_GC` syntax without the key `name`, ready for one more item.
fn env_without(base: &Config, name: &str) -> String {
    FIELDS
        .iter()
        .filter(|f| f.name != name)
        .map(|f| format!("{}={},", f.name, (f.show)(base)))
        .collect()
}

/// Checks one knob's range; see the module docs.
pub(crate) fn check_bounds<T: Value>(
    name: &'static str,
    rule: &impl Rule<T>,
    build: fn(ConfigBuilder, T) -> ConfigBuilder,
    set: fn(&mut Config, T) -> Result<T, ConfigError>,
    get: fn(&Config) -> T,
) {
    let default = get(&Config::default());
    assert!(rule.accepts(default), "{name}: the default is in range");
    assert_eq!(Config::default().validate(), Ok(()));

    let base = relaxed();
    assert_eq!(base.validate(), Ok(()), "the relaxed base is valid");
    let env_base = env_without(&base, name);
    let edges = rule.edges();
    assert!(!edges.is_empty(), "{name}: the rule has edges");

    for edge in edges {
        let inside = edge.inside;
        // The builder.
        let built = build(base.to_builder(), inside).build();
        assert_eq!(built.map(|c| get(&c)), Ok(inside), "{name} = {inside:?}");
        // The setter, which returns the old value.
        let mut config = base;
        assert_eq!(set(&mut config, inside), Ok(get(&base)), "{name}");
        assert_eq!(get(&config), inside, "{name}");
        // TENURE_GC, through the value's own spelling.
        let text = format!("{env_base}{name}={}", inside.env());
        let parsed = Config::from_env_str(&text);
        assert_eq!(parsed.map(|c| get(&c)), Ok(inside), "{text}");

        let Some(outside) = edge.outside else {
            continue;
        };
        let expected = ConfigError::OutOfRange {
            field: name,
            value: outside.human(),
            accepted: rule.describe(),
        };
        let message = format!(
            "invalid {name} = {}: accepted range is {}",
            outside.human(),
            rule.describe()
        );
        let built = build(base.to_builder(), outside).build();
        assert_eq!(
            built.as_ref().err(),
            Some(&expected),
            "{name} = {outside:?}"
        );
        assert_eq!(expected.to_string(), message);
        assert_eq!(expected.field(), Some(name));
        let mut config = base;
        assert_eq!(set(&mut config, outside).err(), Some(expected.clone()));
        assert_eq!(config, base, "{name}: a rejected setter changes nothing");
        let text = format!("{env_base}{name}={}", outside.env());
        assert_eq!(Config::from_env_str(&text).err(), Some(expected), "{text}");
    }
}
