//! The relations between knobs, checked after every field's own range.
//!
//! A range is one knob's business and lives in the table; a relation ties
//! two knobs together and is written out here (see the module docs of
//! [`super`] for why each holds). Each broken relation is a
//! [`ConfigError::Conflict`] naming the field, its value and the rule.

use super::error::ConfigError;
use super::Config;
use crate::policy::units::format_bytes_exact;

/// The relations between fields (see the module docs).
pub(crate) fn check_relations(c: &Config) -> Result<(), ConfigError> {
    if let Some(max_heap) = c.max_heap {
        if let Some(limit) = c.memory_limit.filter(|&limit| max_heap < limit) {
            return Err(conflict(
                "max_heap",
                max_heap,
                "at least",
                "memory_limit",
                limit,
            ));
        }
        if max_heap < c.min_heap {
            return Err(conflict(
                "max_heap", max_heap, "at least", "min_heap", c.min_heap,
            ));
        }
    }
    if c.large_object_threshold > c.eden_size {
        let lot = c.large_object_threshold;
        return Err(conflict(
            "large_object_threshold",
            lot,
            "at most",
            "eden_size",
            c.eden_size,
        ));
    }
    Ok(())
}

/// A [`ConfigError::Conflict`] between two size fields.
fn conflict(
    field: &'static str,
    value: usize,
    relation: &str,
    other: &str,
    other_value: usize,
) -> ConfigError {
    ConfigError::Conflict {
        field,
        value: format_bytes_exact(value),
        requirement: format!(
            "must be {relation} {other} = {}",
            format_bytes_exact(other_value)
        ),
    }
}
