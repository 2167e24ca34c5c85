//! The collector's knobs: one validated [`Config`], built in code or read from `TENURE_GC`.
//!
//! Every knob is declared once, in the knob table (`table.rs`): name,
//! `TENURE_GC` key and aliases, type, default, accepted range, unit and doc.
//! A macro (`declare.rs`) generates from it the field, the default, the
//! getter, the validating setter, the builder method, the parser's entry, the
//! error text, a bounds test per knob and the reference table in
//! `docs/tuning.md`; so the builder, the run-time setters and the environment
//! parser check a value the same way however it arrives. Invariant: a
//! `Config` value that exists is valid. The builder validates in `build`, each
//! setter validates the whole config before committing, and the fields are
//! private to the crate (whose code reads them directly and never writes them).
//!
//! Besides each field's range, three relations hold (`relations.rs`):
//! - `max_heap >= memory_limit`: the hard cap cannot be below the soft limit;
//! - `max_heap >= min_heap`: otherwise allocation fails before the first GC;
//! - `large_object_threshold <= eden_size`: every small object fits in an empty
//!   Eden (checked even with `generational` off, so turning it on cannot fail).
//!
//! **Environment.** The process-wide defaults come from one variable,
//! [`ENV_VAR`] (`TENURE_GC`), read once by [`Config::process_default`]:
//!
//! ```text
//! TENURE_GC=gc_percent=200,memory_limit=512MiB,eden=8MiB,generational=off,tenuring=adaptive|4
//! ```
//!
//! Items are `key=value` separated by commas; spaces around keys and values
//! are ignored, empty items skipped, keys matched without regard to case (and
//! `eden` = `eden_size`, `gogc` = `gc_percent`). Sizes
//! use [`crate::units`] (`KiB`/`MiB`/`GiB` are powers of 1024, `KB`/`MB`/`GB`
//! powers of 1000), durations `ns`/`us`/`ms`/`s`, switches `on`/`off`,
//! `true`/`false`, `yes`/`no` or `1`/`0`; optional knobs take `off` (or `none`).
//! `cpu_limit` is a fraction (`0.5`) or a percent (`50%`). `tenuring` is
//! `adaptive`, `adaptive|MAX`, `fixed|N` or just `N`. Unknown keys, repeated
//! keys, unparsable values and values out of range are errors naming the key
//! and the accepted range; parsing never panics.
//!
//! Files: `table.rs` (the knobs), `declare.rs` (the macro), `rule.rs` (accepted
//! ranges), `syntax.rs` (value syntax), `env.rs` (the `TENURE_GC` parser),
//! `relations.rs`, `error.rs`, and, for tests, `reference.rs` (the docs'
//! table) and `tests.rs`.

#[cfg(test)]
mod bounds;
mod declare;
mod env;
mod error;
#[cfg(test)]
mod reference;
mod relations;
mod rule;
mod syntax;
mod table;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use crate::policy::pacer::PacerSettings;

use self::table::FIELDS;

pub use self::error::ConfigError;
pub use self::table::Config;
pub use crate::policy::pacer::young::{Tenuring, MAX_AGE};

/// The environment variable holding the process-wide defaults.
pub const ENV_VAR: &str = "TENURE_GC";

// Names for some of the table's defaults, kept for code that used them before
// the table existed. The values and their reasons are in the table.

/// Default [`Config::eden_size`], in bytes.
pub const DEFAULT_EDEN_SIZE: usize = Config::DEFAULT.eden_size;
/// Default [`Config::survivor_ratio`].
pub const DEFAULT_SURVIVOR_RATIO: u32 = Config::DEFAULT.survivor_ratio;
/// Default [`Config::target_survivor_ratio`], in percent.
pub const DEFAULT_TARGET_SURVIVOR_RATIO: u8 = Config::DEFAULT.target_survivor_ratio;
/// Default [`Config::large_object_threshold`], in bytes.
pub const DEFAULT_LARGE_OBJECT_THRESHOLD: usize = Config::DEFAULT.large_object_threshold;
/// Default [`Config::mark_step_budget`], in work units (bytes scanned).
pub const DEFAULT_MARK_STEP_BUDGET: usize = Config::DEFAULT.mark_step_budget;

impl Config {
    /// A builder starting from the defaults.
    ///
    /// ```
    /// use gc_core::config::Config;
    /// let config = Config::builder().gc_percent(Some(200)).eden_size(8 << 20).build().unwrap();
    /// assert_eq!(config.eden_size(), 8 << 20);
    /// assert!(Config::builder().eden_size(100).build().is_err());
    /// ```
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            draft: Config::default(),
        }
    }

    /// A builder starting from this config.
    pub fn to_builder(&self) -> ConfigBuilder {
        ConfigBuilder { draft: *self }
    }

    /// Parses a `TENURE_GC`-style string (see the module docs) on top of the
    /// defaults. Pure: does not read the environment.
    ///
    /// ```
    /// use gc_core::config::Config;
    /// let config = Config::from_env_str("gc_percent=off,memory_limit=512MiB,eden=8MiB").unwrap();
    /// assert_eq!(config.gc_percent(), None);
    /// assert_eq!(config.memory_limit(), Some(512 << 20));
    /// let err = Config::from_env_str("eden=100").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid eden_size = 100 B: accepted range is 64 KiB ..= 1 GiB");
    /// ```
    pub fn from_env_str(text: &str) -> Result<Config, ConfigError> {
        env::parse(text)
    }

    /// The process-wide defaults: [`ENV_VAR`] parsed by [`Config::from_env_str`]
    /// on first call (the defaults if it is unset), then the same result on
    /// every later call. The environment is read at most once per process.
    pub fn process_default() -> Result<&'static Config, ConfigError> {
        static PROCESS: OnceLock<Result<Config, ConfigError>> = OnceLock::new();
        PROCESS
            .get_or_init(env::read_env_var)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// This config in `TENURE_GC` syntax, every key present; parses back to an
    /// equal config.
    pub fn to_env_string(&self) -> String {
        let items: Vec<String> = FIELDS
            .iter()
            .map(|f| format!("{}={}", f.name, (f.show)(self)))
            .collect();
        items.join(",")
    }

    /// The `TENURE_GC` keys, in order, with the accepted values of each.
    pub fn keys() -> Vec<(&'static str, String)> {
        FIELDS.iter().map(|f| (f.name, (f.accepted)())).collect()
    }

    /// Checks every field's range and the relations between fields.
    pub fn validate(&self) -> Result<(), ConfigError> {
        FIELDS.iter().try_for_each(|field| (field.check)(self))?;
        relations::check_relations(self)
    }

    /// The pacer's knobs taken from this config.
    pub const fn pacer_settings(&self) -> PacerSettings {
        PacerSettings {
            gc_percent: self.gc_percent,
            memory_limit: self.memory_limit,
            min_heap: self.min_heap,
            // Deterministic collection does not measure CPU time.
            cpu_limit: if self.deterministic {
                1.0
            } else {
                self.cpu_limit
            },
        }
    }

    /// Sets one field through `slot`, validating the result before committing.
    /// Returns the old value. Every generated setter goes through here.
    fn update<T: Copy>(
        &mut self,
        value: T,
        slot: fn(&mut Config) -> &mut T,
    ) -> Result<T, ConfigError> {
        let mut next = *self;
        let old = std::mem::replace(slot(&mut next), value);
        next.validate()?;
        *self = next;
        Ok(old)
    }
}

/// Builds a [`Config`]; nothing is checked until [`ConfigBuilder::build`].
/// One method per knob, generated from the knob table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfigBuilder {
    /// The config being built, possibly invalid until `build`.
    draft: Config,
}

impl ConfigBuilder {
    /// Checks every field and relation; returns the config or the first error.
    pub fn build(self) -> Result<Config, ConfigError> {
        self.draft.validate()?;
        Ok(self.draft)
    }
}
