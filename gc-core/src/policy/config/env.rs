//! The `TENURE_GC` parser: a string of `key=value` items on top of the
//! defaults, every key looked up in the knob table.
//!
//! The syntax is in the [module docs of `config`](super). The parser only
//! splits items and finds keys; each value is parsed by its knob's
//! [`super::declare::Field::parse`] (the type's syntax) and checked by its
//! `check` (the knob's rule), both generated from the table, so a value read
//! here is checked exactly as the builder checks it. Invariant: parsing never
//! panics; every rejected string is a [`ConfigError`] naming the key.

use super::error::ConfigError;
use super::table::FIELDS;
use super::{Config, ENV_VAR};

/// Parses `text` (see [`Config::from_env_str`]).
pub(crate) fn parse(text: &str) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    let mut seen = [false; FIELDS.len()];
    for item in text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let (key, value) = item
            .split_once('=')
            .filter(|(key, _)| !key.trim().is_empty())
            .ok_or_else(|| ConfigError::Malformed {
                item: item.to_owned(),
            })?;
        let index = field_index(key.trim())?;
        let field = &FIELDS[index];
        if std::mem::replace(&mut seen[index], true) {
            return Err(ConfigError::Duplicate { field: field.name });
        }
        (field.parse)(&mut config, value.trim()).map_err(|expected| ConfigError::BadValue {
            field: field.name,
            value: value.trim().to_owned(),
            expected,
            accepted: (field.accepted)(),
        })?;
        (field.check)(&config)?;
    }
    config.validate()?;
    Ok(config)
}

/// Finds the field a `TENURE_GC` key names (case-insensitive, aliases included).
fn field_index(key: &str) -> Result<usize, ConfigError> {
    let key = key.to_ascii_lowercase();
    FIELDS
        .iter()
        .position(|f| f.name == key || f.aliases.contains(&key.as_str()))
        .ok_or(ConfigError::UnknownKey { key })
}

/// Reads [`ENV_VAR`]: the defaults when unset, an error when not Unicode.
pub(crate) fn read_env_var() -> Result<Config, ConfigError> {
    match std::env::var(ENV_VAR) {
        Ok(text) => parse(&text),
        Err(std::env::VarError::NotPresent) => Ok(Config::default()),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::NotUnicode),
    }
}
