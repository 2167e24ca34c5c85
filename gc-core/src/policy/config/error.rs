//! Why a configuration was rejected: [`ConfigError`], whose every variant
//! names the field (or `TENURE_GC` key) and, where there is one, the accepted
//! range.
//!
//! The range text comes from the knob's rule in the table
//! ([`super::rule::Rule::describe`]), the same text the docs print, and the
//! list of known keys from the table itself, so a message cannot fall behind
//! the knobs.

use std::fmt;

use super::table::FIELDS;
use super::ENV_VAR;

/// Why a configuration was rejected. Every variant names the field or key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value outside its field's accepted range.
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The value given, as shown to people (for example `100 B`).
        value: String,
        /// The accepted values (for example `64 KiB ..= 1 GiB`).
        accepted: String,
    },
    /// A value in range that contradicts another field.
    Conflict {
        /// The field.
        field: &'static str,
        /// The value given.
        value: String,
        /// The rule it breaks (for example `must be at least memory_limit = 1 GiB`).
        requirement: String,
    },
    /// A `TENURE_GC` value that does not parse.
    BadValue {
        /// The field.
        field: &'static str,
        /// The text given.
        value: String,
        /// The syntax expected (for example "a size such as `8MiB`").
        expected: &'static str,
        /// The accepted values.
        accepted: String,
    },
    /// A `TENURE_GC` key that names no field.
    UnknownKey {
        /// The key given (lower-cased).
        key: String,
    },
    /// A `TENURE_GC` item without `=`.
    Malformed {
        /// The item given.
        item: String,
    },
    /// A field given twice in `TENURE_GC` (perhaps once under an alias).
    Duplicate {
        /// The field.
        field: &'static str,
    },
    /// `TENURE_GC` is set but is not valid Unicode.
    NotUnicode,
}

impl ConfigError {
    /// The field the error is about, if it names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ConfigError::OutOfRange { field, .. }
            | ConfigError::Conflict { field, .. }
            | ConfigError::BadValue { field, .. }
            | ConfigError::Duplicate { field } => Some(field),
            ConfigError::UnknownKey { key } => Some(key),
            ConfigError::Malformed { .. } | ConfigError::NotUnicode => None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::OutOfRange {
                field,
                value,
                accepted,
            } => {
                write!(f, "invalid {field} = {value}: accepted range is {accepted}")
            }
            ConfigError::Conflict {
                field,
                value,
                requirement,
            } => {
                write!(f, "invalid {field} = {value}: {requirement}")
            }
            ConfigError::BadValue {
                field,
                value,
                expected,
                accepted,
            } => write!(
                f,
                "invalid {field} = `{value}` in {ENV_VAR}: expected {expected}; \
                 accepted range is {accepted}"
            ),
            ConfigError::UnknownKey { key } => {
                let known: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
                write!(
                    f,
                    "unknown key `{key}` in {ENV_VAR}: known keys are {}",
                    known.join(", ")
                )
            }
            ConfigError::Malformed { item } => {
                write!(
                    f,
                    "malformed item `{item}` in {ENV_VAR}: expected key=value"
                )
            }
            ConfigError::Duplicate { field } => write!(f, "{field} is given twice in {ENV_VAR}"),
            ConfigError::NotUnicode => write!(f, "{ENV_VAR} is not valid Unicode"),
        }
    }
}

impl std::error::Error for ConfigError {}
