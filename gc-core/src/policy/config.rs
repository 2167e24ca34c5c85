//! The collector's knobs: one validated [`Config`], built in code or read from `TENURE_GC`.
//!
//! Every knob has a default, a unit and an accepted range, all listed in one
//! table ([`Config::keys`] and the `FIELDS` table below) that the builder, the
//! run-time setters and the environment parser all go through, so a value is
//! checked the same way however it arrives. Invariant: a `Config` value that
//! exists is valid. The builder validates in `build`, each setter validates the
//! whole config before committing, and the fields are private to the crate
//! (whose code reads them directly and never writes them).
//!
//! Besides each field's range, three relations hold:
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

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use crate::policy::pacer::{
    PacerSettings, DEFAULT_CPU_LIMIT, DEFAULT_GC_PERCENT, DEFAULT_MIN_HEAP,
};
use crate::policy::units::{
    format_bytes_exact, format_duration, parse_duration, parse_size, GIB, KIB, MIB,
};

pub use crate::policy::pacer::young::{Tenuring, MAX_AGE};

/// The environment variable holding the process-wide defaults.
pub const ENV_VAR: &str = "TENURE_GC";

/// One tebibyte in bytes, or the largest `usize` on targets where it does not fit.
const TIB_OR_MAX: usize = {
    let tib = 1u64 << 40;
    if tib <= usize::MAX as u64 {
        tib as usize
    } else {
        usize::MAX
    }
};

// ---------------------------------------------------------------------------
// Defaults, with their units and reasons.
// ---------------------------------------------------------------------------

/// Default Eden size, in bytes. Large enough that the short-lived objects of an
/// interpreter's statement die before a minor GC; small enough that copying a
/// typical 10% of survivors (400 KiB at ~1 byte/ns) keeps a minor pause near 0.4 ms.
pub const DEFAULT_EDEN_SIZE: usize = 4 * MIB;

/// Default Eden size / one survivor space (HotSpot's `SurvivorRatio`): 8 gives
/// each survivor space 1/8 of Eden, room for the 5-15% that typically survive.
pub const DEFAULT_SURVIVOR_RATIO: u32 = 8;

/// Default target fill of a survivor space, in percent (HotSpot's
/// `TargetSurvivorRatio`): 50% leaves room for a burst of survivors.
pub const DEFAULT_TARGET_SURVIVOR_RATIO: u8 = 50;

/// Default large-object threshold, in bytes: objects this big or bigger skip
/// Eden. Copying 8 KiB costs as much as copying ~100 small objects, and two
/// 4 KiB pages is where a dedicated, never-moving allocation starts to pay.
pub const DEFAULT_LARGE_OBJECT_THRESHOLD: usize = 8 * KIB;

/// Default marking budget per incremental step, in work units (bytes scanned).
/// At a scan rate of ~1 byte/ns, 64 KiB is ~65 us: a step stays under Go's
/// 100 us pause target, and the ~1 us fixed cost of a step stays under 2%.
pub const DEFAULT_MARK_STEP_BUDGET: usize = 64 * KIB;

// ---------------------------------------------------------------------------
// Accepted ranges.
// ---------------------------------------------------------------------------

/// Accepted `gc_percent`: growth from 1% (collect almost continuously) to
/// 100000% (Go's effective ceiling; higher is the same as off).
const GC_PERCENT: Bounds<u32> = Bounds {
    min: 1,
    max: 100_000,
};
/// Smallest accepted `memory_limit` and `max_heap`, in bytes: below 1 MiB the
/// fixed structures of the heap alone would exceed it.
const MIN_LIMIT: usize = MIB;
/// Accepted `min_heap`, in bytes.
const MIN_HEAP: Bounds<usize> = Bounds {
    min: 64 * KIB,
    max: TIB_OR_MAX,
};
/// Accepted `eden_size`, in bytes: at least 64 KiB (smaller Edens collect for
/// every few objects), at most 1 GiB (larger Edens make minor pauses long).
const EDEN_SIZE: Bounds<usize> = Bounds {
    min: 64 * KIB,
    max: GIB,
};
/// Accepted `survivor_ratio`.
const SURVIVOR_RATIO: Bounds<u32> = Bounds { min: 1, max: 64 };
/// Accepted tenuring thresholds, in minor GCs survived (four header bits).
const TENURING: Bounds<u8> = Bounds {
    min: 1,
    max: MAX_AGE,
};
/// Accepted `target_survivor_ratio`, in percent.
const TARGET_SURVIVOR_RATIO: Bounds<u8> = Bounds { min: 1, max: 100 };
/// Accepted `minor_pause_target`: below 10 us the fixed cost of scanning roots
/// exceeds it; above 10 s it is not a pause target.
const MINOR_PAUSE_TARGET: Bounds<Duration> = Bounds {
    min: Duration::from_micros(10),
    max: Duration::from_secs(10),
};
/// Accepted `large_object_threshold`, in bytes.
const LARGE_OBJECT_THRESHOLD: Bounds<usize> = Bounds { min: 256, max: MIB };
/// Accepted `mark_step_budget`, in work units: below 1 KiB the per-step overhead
/// dominates; above 1 GiB one step is a stop-the-world mark of most heaps.
const MARK_STEP_BUDGET: Bounds<usize> = Bounds { min: KIB, max: GIB };

/// An inclusive range of accepted values for one field.
#[derive(Clone, Copy)]
struct Bounds<T> {
    min: T,
    max: T,
}

/// Values that have a range and a spelling in messages.
trait Bounded: Copy + PartialOrd {
    fn show(self) -> String;
}

impl Bounded for usize {
    fn show(self) -> String {
        format_bytes_exact(self)
    }
}

impl Bounded for u32 {
    fn show(self) -> String {
        self.to_string()
    }
}

impl Bounded for u8 {
    fn show(self) -> String {
        self.to_string()
    }
}

impl Bounded for Duration {
    fn show(self) -> String {
        format_duration(self)
    }
}

impl<T: Bounded> Bounds<T> {
    fn describe(&self) -> String {
        format!("{} ..= {}", self.min.show(), self.max.show())
    }

    fn check(&self, field: &'static str, value: T) -> Result<(), ConfigError> {
        if self.min <= value && value <= self.max {
            return Ok(());
        }
        Err(ConfigError::OutOfRange {
            field,
            value: value.show(),
            accepted: self.describe(),
        })
    }
}

// ---------------------------------------------------------------------------
// The configuration.
// ---------------------------------------------------------------------------

/// The collector's knobs; always valid (see the module docs for the rules).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// Heap growth per cycle, percent of live + roots; `None` = off. Default 100.
    pub(crate) gc_percent: Option<u32>,
    /// Soft limit on the heap's footprint, bytes; `None` = none. Default none.
    pub(crate) memory_limit: Option<usize>,
    /// Hard cap on the heap's footprint, bytes; allocation past it fails. Default none.
    pub(crate) max_heap: Option<usize>,
    /// Smallest heap goal at `gc_percent = 100`, bytes. Default 4 MiB.
    pub(crate) min_heap: usize,
    /// Whether young objects go to Eden (else straight to the old generation). Default on.
    pub(crate) generational: bool,
    /// Eden size, bytes (the starting size when a pause target is set). Default 4 MiB.
    pub(crate) eden_size: usize,
    /// Eden size / one survivor space. Default 8.
    pub(crate) survivor_ratio: u32,
    /// How the tenuring threshold is chosen. Default adaptive, at most 15.
    pub(crate) tenuring: Tenuring,
    /// Target fill of a survivor space for adaptive tenuring, percent. Default 50.
    pub(crate) target_survivor_ratio: u8,
    /// Minor pause the adaptive Eden sizing aims for; `None` = fixed Eden. Default none.
    pub(crate) minor_pause_target: Option<Duration>,
    /// Objects of at least this many bytes go to the large-object space. Default 8 KiB.
    pub(crate) large_object_threshold: usize,
    /// Largest share of CPU for collection, fraction in (0, 1]. Default 0.5.
    pub(crate) cpu_limit: f64,
    /// Whether old-generation marking is incremental (else one pause). Default on.
    pub(crate) incremental: bool,
    /// Work units (bytes scanned) per incremental mark step. Default 64 KiB.
    pub(crate) mark_step_budget: usize,
    /// Collect at every safe point, verify after each GC, poison freed memory. Default off.
    pub(crate) stress: bool,
    /// Run the heap verifier after each collection. Default off.
    pub(crate) verify: bool,
    /// Print one line per cycle to stderr. Default off.
    pub(crate) gctrace: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            gc_percent: Some(DEFAULT_GC_PERCENT),
            memory_limit: None,
            max_heap: None,
            min_heap: DEFAULT_MIN_HEAP,
            generational: true,
            eden_size: DEFAULT_EDEN_SIZE,
            survivor_ratio: DEFAULT_SURVIVOR_RATIO,
            tenuring: Tenuring::default(),
            target_survivor_ratio: DEFAULT_TARGET_SURVIVOR_RATIO,
            minor_pause_target: None,
            large_object_threshold: DEFAULT_LARGE_OBJECT_THRESHOLD,
            cpu_limit: DEFAULT_CPU_LIMIT,
            incremental: true,
            mark_step_budget: DEFAULT_MARK_STEP_BUDGET,
            stress: false,
            verify: false,
            gctrace: false,
        }
    }
}

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

    /// The process-wide defaults: [`ENV_VAR`] parsed by [`Config::from_env_str`]
    /// on first call (the defaults if it is unset), then the same result on
    /// every later call. The environment is read at most once per process.
    pub fn process_default() -> Result<&'static Config, ConfigError> {
        static PROCESS: OnceLock<Result<Config, ConfigError>> = OnceLock::new();
        PROCESS
            .get_or_init(read_env_var)
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
        check_relations(self)
    }

    /// The pacer's knobs taken from this config.
    pub fn pacer_settings(&self) -> PacerSettings {
        PacerSettings {
            gc_percent: self.gc_percent,
            memory_limit: self.memory_limit,
            min_heap: self.min_heap,
            cpu_limit: self.cpu_limit,
        }
    }

    /// Sets one field through `slot`, validating the result before committing.
    /// Returns the old value. Every setter goes through here.
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

/// Reads [`ENV_VAR`]: the defaults when unset, an error when not Unicode.
fn read_env_var() -> Result<Config, ConfigError> {
    match std::env::var(ENV_VAR) {
        Ok(text) => Config::from_env_str(&text),
        Err(std::env::VarError::NotPresent) => Ok(Config::default()),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::NotUnicode),
    }
}

// ---------------------------------------------------------------------------
// Getters, setters and builder methods, one set per field, in table order.
// ---------------------------------------------------------------------------

/// Generates, for each field: the getter on `Config`, the validating setter on
/// `Config` (returning the old value) and the builder method.
macro_rules! knobs {
    ($( $(#[$doc:meta])* $field:ident, $setter:ident : $ty:ty; )*) => {
        impl Config {
            $(
                $(#[$doc])*
                pub fn $field(&self) -> $ty {
                    self.$field
                }

                /// Sets this knob at run time after checking it like the builder
                /// does; returns the old value, or an error and no change.
                pub fn $setter(&mut self, value: $ty) -> Result<$ty, ConfigError> {
                    self.update(value, |c| &mut c.$field)
                }
            )*
        }

        impl ConfigBuilder {
            $(
                $(#[$doc])*
                pub fn $field(mut self, value: $ty) -> ConfigBuilder {
                    self.draft.$field = value;
                    self
                }
            )*
        }
    };
}

knobs! {
    /// Heap growth per cycle, in percent of live + root bytes; `None` = off
    /// (only the memory limit drives collection). Default 100; 1 ..= 100000.
    gc_percent, set_gc_percent: Option<u32>;
    /// Soft limit on the heap's footprint in bytes (objects, external bytes
    /// reported by `Trace`, heap overhead); `None` = none. Default none; >= 1 MiB.
    memory_limit, set_memory_limit: Option<usize>;
    /// Hard cap on the heap's footprint in bytes: allocation past it is an
    /// error. Default none; >= 1 MiB, >= `memory_limit` and >= `min_heap`.
    max_heap, set_max_heap: Option<usize>;
    /// Smallest heap goal at `gc_percent = 100`, in bytes (scaled by
    /// `gc_percent / 100`). Default 4 MiB; 64 KiB ..= 1 TiB.
    min_heap, set_min_heap: usize;
    /// Whether new objects go to Eden (young generation); off allocates
    /// straight into the old generation. Default on.
    generational, set_generational: bool;
    /// Eden size in bytes (the starting size when `minor_pause_target` is set).
    /// Default 4 MiB; 64 KiB ..= 1 GiB.
    eden_size, set_eden_size: usize;
    /// Eden size divided by the size of one survivor space (HotSpot's
    /// `SurvivorRatio`). Default 8; 1 ..= 64.
    survivor_ratio, set_survivor_ratio: u32;
    /// How the tenuring threshold is chosen. Default `Adaptive { max: 15 }`;
    /// thresholds 1 ..= 15.
    tenuring, set_tenuring: Tenuring;
    /// Target fill of a survivor space for adaptive tenuring, in percent
    /// (HotSpot's `TargetSurvivorRatio`). Default 50; 1 ..= 100.
    target_survivor_ratio, set_target_survivor_ratio: u8;
    /// Minor pause the adaptive Eden sizing aims for; `None` keeps Eden at
    /// `eden_size`. Default none; 10 us ..= 10 s.
    minor_pause_target, set_minor_pause_target: Option<Duration>;
    /// Objects of at least this many bytes are allocated in the large-object
    /// space. Default 8 KiB; 256 B ..= 1 MiB, and at most `eden_size`.
    large_object_threshold, set_large_object_threshold: usize;
    /// Largest share of CPU time for collection, a fraction. Default 0.5;
    /// above 0, at most 1 (1 disables the limiter).
    cpu_limit, set_cpu_limit: f64;
    /// Whether old-generation marking runs in steps paced by allocation (else
    /// in one pause). Default on.
    incremental, set_incremental: bool;
    /// Work units (bytes scanned) per incremental mark step. Default 64 KiB;
    /// 1 KiB ..= 1 GiB.
    mark_step_budget, set_mark_step_budget: usize;
    /// Stress mode: collect at every safe point, verify after every collection,
    /// poison freed memory. Default off.
    stress, set_stress: bool;
    /// Run the heap verifier after each collection. Default off.
    verify, set_verify: bool;
    /// Print one line per cycle to stderr. Default off.
    gctrace, set_gctrace: bool;
}

/// Builds a [`Config`]; nothing is checked until [`ConfigBuilder::build`].
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

// ---------------------------------------------------------------------------
// The field table: name, parser, printer, range and check of every knob.
// ---------------------------------------------------------------------------

/// Everything the parser, the printer and the validator know about one field.
struct Field {
    /// Canonical key, also the name in errors.
    name: &'static str,
    /// Other keys accepted in `TENURE_GC`.
    aliases: &'static [&'static str],
    /// Parses a value into the config; on failure returns what was expected.
    parse: fn(&mut Config, &str) -> Result<(), &'static str>,
    /// Prints the field's value in `TENURE_GC` syntax.
    show: fn(&Config) -> String,
    /// Describes the accepted values.
    accepted: fn() -> String,
    /// Checks the field's range (relations are checked separately).
    check: fn(&Config) -> Result<(), ConfigError>,
}

// Phrases for `ConfigError::BadValue`: the syntax a field's value must have.

/// Syntax of `gc_percent`.
const A_PERCENT: &str = "an integer percent or `off`";
/// Syntax of `memory_limit` and `max_heap`.
const A_LIMIT: &str = "a size such as `512MiB`, or `off`";
/// Syntax of the size fields.
const A_SIZE: &str = "a size such as `8MiB`";
/// Syntax of the on/off fields.
const A_SWITCH: &str = "`on` or `off`";
/// Syntax of the integer fields.
const AN_INTEGER: &str = "an integer";
/// Syntax of `tenuring`.
const A_TENURING: &str = "`adaptive`, `adaptive|MAX`, `fixed|N` or `N`";
/// Syntax of `minor_pause_target`.
const A_DURATION: &str = "a duration such as `500us` or `2ms`, or `off`";
/// Syntax of `cpu_limit`.
const A_FRACTION: &str = "a fraction such as `0.5` or a percent such as `50%`";

/// The fields in declaration order.
const FIELDS: [Field; 17] = [
    Field {
        name: "gc_percent",
        aliases: &["gogc"],
        parse: |c, v| {
            parse_optional(v, |v| v.parse().ok())
                .map(|x| c.gc_percent = x)
                .ok_or(A_PERCENT)
        },
        show: |c| show_optional(c.gc_percent, |p| p.to_string()),
        accepted: || format!("{}, or off", GC_PERCENT.describe()),
        check: |c| {
            c.gc_percent
                .map_or(Ok(()), |p| GC_PERCENT.check("gc_percent", p))
        },
    },
    Field {
        name: "memory_limit",
        aliases: &[],
        parse: |c, v| {
            parse_optional(v, |v| parse_size(v).ok())
                .map(|x| c.memory_limit = x)
                .ok_or(A_LIMIT)
        },
        show: |c| show_optional(c.memory_limit, show_size),
        accepted: describe_limit,
        check: |c| check_limit("memory_limit", c.memory_limit),
    },
    Field {
        name: "max_heap",
        aliases: &[],
        parse: |c, v| {
            parse_optional(v, |v| parse_size(v).ok())
                .map(|x| c.max_heap = x)
                .ok_or(A_LIMIT)
        },
        show: |c| show_optional(c.max_heap, show_size),
        accepted: describe_limit,
        check: |c| check_limit("max_heap", c.max_heap),
    },
    Field {
        name: "min_heap",
        aliases: &[],
        parse: |c, v| parse_size(v).map(|x| c.min_heap = x).map_err(|_| A_SIZE),
        show: |c| show_size(c.min_heap),
        accepted: || MIN_HEAP.describe(),
        check: |c| MIN_HEAP.check("min_heap", c.min_heap),
    },
    Field {
        name: "generational",
        aliases: &[],
        parse: |c, v| parse_switch(v).map(|x| c.generational = x).ok_or(A_SWITCH),
        show: |c| show_switch(c.generational),
        accepted: describe_switch,
        check: |_| Ok(()),
    },
    Field {
        name: "eden_size",
        aliases: &["eden"],
        parse: |c, v| parse_size(v).map(|x| c.eden_size = x).map_err(|_| A_SIZE),
        show: |c| show_size(c.eden_size),
        accepted: || EDEN_SIZE.describe(),
        check: |c| EDEN_SIZE.check("eden_size", c.eden_size),
    },
    Field {
        name: "survivor_ratio",
        aliases: &[],
        parse: |c, v| {
            v.parse()
                .map(|x| c.survivor_ratio = x)
                .map_err(|_| AN_INTEGER)
        },
        show: |c| c.survivor_ratio.to_string(),
        accepted: || SURVIVOR_RATIO.describe(),
        check: |c| SURVIVOR_RATIO.check("survivor_ratio", c.survivor_ratio),
    },
    Field {
        name: "tenuring",
        aliases: &[],
        parse: |c, v| parse_tenuring(v).map(|x| c.tenuring = x).ok_or(A_TENURING),
        show: |c| show_tenuring(c.tenuring),
        accepted: || format!("adaptive|N or fixed|N with N in {}", TENURING.describe()),
        check: |c| check_tenuring(c.tenuring),
    },
    Field {
        name: "target_survivor_ratio",
        aliases: &[],
        parse: |c, v| {
            v.parse()
                .map(|x| c.target_survivor_ratio = x)
                .map_err(|_| AN_INTEGER)
        },
        show: |c| c.target_survivor_ratio.to_string(),
        accepted: || TARGET_SURVIVOR_RATIO.describe(),
        check: |c| TARGET_SURVIVOR_RATIO.check("target_survivor_ratio", c.target_survivor_ratio),
    },
    Field {
        name: "minor_pause_target",
        aliases: &[],
        parse: |c, v| {
            parse_optional(v, |v| parse_duration(v).ok())
                .map(|x| c.minor_pause_target = x)
                .ok_or(A_DURATION)
        },
        show: |c| {
            show_optional(c.minor_pause_target, |d| {
                format_duration(d).replace(' ', "")
            })
        },
        accepted: || format!("{}, or off", MINOR_PAUSE_TARGET.describe()),
        check: |c| {
            c.minor_pause_target.map_or(Ok(()), |d| {
                MINOR_PAUSE_TARGET.check("minor_pause_target", d)
            })
        },
    },
    Field {
        name: "large_object_threshold",
        aliases: &[],
        parse: |c, v| {
            parse_size(v)
                .map(|x| c.large_object_threshold = x)
                .map_err(|_| A_SIZE)
        },
        show: |c| show_size(c.large_object_threshold),
        accepted: || LARGE_OBJECT_THRESHOLD.describe(),
        check: |c| LARGE_OBJECT_THRESHOLD.check("large_object_threshold", c.large_object_threshold),
    },
    Field {
        name: "cpu_limit",
        aliases: &[],
        parse: |c, v| parse_fraction(v).map(|x| c.cpu_limit = x).ok_or(A_FRACTION),
        show: |c| c.cpu_limit.to_string(),
        accepted: describe_cpu_limit,
        check: |c| check_cpu_limit(c.cpu_limit),
    },
    Field {
        name: "incremental",
        aliases: &[],
        parse: |c, v| parse_switch(v).map(|x| c.incremental = x).ok_or(A_SWITCH),
        show: |c| show_switch(c.incremental),
        accepted: describe_switch,
        check: |_| Ok(()),
    },
    Field {
        name: "mark_step_budget",
        aliases: &[],
        parse: |c, v| {
            parse_size(v)
                .map(|x| c.mark_step_budget = x)
                .map_err(|_| A_SIZE)
        },
        show: |c| show_size(c.mark_step_budget),
        accepted: || MARK_STEP_BUDGET.describe(),
        check: |c| MARK_STEP_BUDGET.check("mark_step_budget", c.mark_step_budget),
    },
    Field {
        name: "stress",
        aliases: &[],
        parse: |c, v| parse_switch(v).map(|x| c.stress = x).ok_or(A_SWITCH),
        show: |c| show_switch(c.stress),
        accepted: describe_switch,
        check: |_| Ok(()),
    },
    Field {
        name: "verify",
        aliases: &[],
        parse: |c, v| parse_switch(v).map(|x| c.verify = x).ok_or(A_SWITCH),
        show: |c| show_switch(c.verify),
        accepted: describe_switch,
        check: |_| Ok(()),
    },
    Field {
        name: "gctrace",
        aliases: &[],
        parse: |c, v| parse_switch(v).map(|x| c.gctrace = x).ok_or(A_SWITCH),
        show: |c| show_switch(c.gctrace),
        accepted: describe_switch,
        check: |_| Ok(()),
    },
];

/// Finds the field a `TENURE_GC` key names (case-insensitive, aliases included).
fn field_index(key: &str) -> Result<usize, ConfigError> {
    let key = key.to_ascii_lowercase();
    FIELDS
        .iter()
        .position(|f| f.name == key || f.aliases.contains(&key.as_str()))
        .ok_or(ConfigError::UnknownKey { key })
}

/// The relations between fields (see the module docs).
fn check_relations(c: &Config) -> Result<(), ConfigError> {
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

fn describe_limit() -> String {
    format!("at least {}, or off", format_bytes_exact(MIN_LIMIT))
}

fn check_limit(field: &'static str, value: Option<usize>) -> Result<(), ConfigError> {
    match value {
        Some(bytes) if bytes < MIN_LIMIT => Err(ConfigError::OutOfRange {
            field,
            value: format_bytes_exact(bytes),
            accepted: describe_limit(),
        }),
        _ => Ok(()),
    }
}

fn describe_switch() -> String {
    "on or off".to_owned()
}

fn check_tenuring(tenuring: Tenuring) -> Result<(), ConfigError> {
    let (Tenuring::Fixed(age) | Tenuring::Adaptive { max: age }) = tenuring;
    TENURING
        .check("tenuring", age)
        .map_err(|_| ConfigError::OutOfRange {
            field: "tenuring",
            value: show_tenuring(tenuring),
            accepted: format!("adaptive|N or fixed|N with N in {}", TENURING.describe()),
        })
}

fn describe_cpu_limit() -> String {
    "(0, 1]".to_owned()
}

fn check_cpu_limit(fraction: f64) -> Result<(), ConfigError> {
    if fraction > 0.0 && fraction <= 1.0 {
        return Ok(());
    }
    Err(ConfigError::OutOfRange {
        field: "cpu_limit",
        value: fraction.to_string(),
        accepted: describe_cpu_limit(),
    })
}

// ---------------------------------------------------------------------------
// Value syntax.
// ---------------------------------------------------------------------------

/// `off`/`none` as `Some(None)`, else the inner parse wrapped; `None` on failure.
fn parse_optional<T>(text: &str, parse: impl FnOnce(&str) -> Option<T>) -> Option<Option<T>> {
    if text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none") {
        return Some(None);
    }
    parse(text).map(Some)
}

fn parse_switch(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// `adaptive`, `adaptive|MAX`, `fixed|N` or `N` (ranges are checked later).
fn parse_tenuring(text: &str) -> Option<Tenuring> {
    let lower = text.to_ascii_lowercase();
    let (kind, number) = match lower.split_once('|') {
        Some((kind, number)) => (kind.trim(), Some(number.trim())),
        None => (lower.trim(), None),
    };
    match (kind, number) {
        ("adaptive", None) => Some(Tenuring::default()),
        ("adaptive", Some(n)) => n.parse().ok().map(|max| Tenuring::Adaptive { max }),
        ("fixed", Some(n)) => n.parse().ok().map(Tenuring::Fixed),
        (n, None) => n.parse().ok().map(Tenuring::Fixed),
        _ => None,
    }
}

/// `0.5` or `50%` as a fraction (ranges are checked later).
fn parse_fraction(text: &str) -> Option<f64> {
    let (number, scale) = match text.strip_suffix('%') {
        Some(number) => (number.trim_end(), 100.0),
        None => (text, 1.0),
    };
    // Accept only plain decimals: `f64::from_str` would also take `inf` and `NaN`.
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    number.parse::<f64>().ok().map(|value| value / scale)
}

fn show_optional<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| "off".to_owned(), show)
}

fn show_size(bytes: usize) -> String {
    format_bytes_exact(bytes).replace(' ', "")
}

fn show_switch(on: bool) -> String {
    let text = if on { "on" } else { "off" };
    text.to_owned()
}

fn show_tenuring(tenuring: Tenuring) -> String {
    match tenuring {
        Tenuring::Fixed(age) => format!("fixed|{age}"),
        Tenuring::Adaptive { max } => format!("adaptive|{max}"),
    }
}

// ---------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    fn env(text: &str) -> Result<Config, ConfigError> {
        Config::from_env_str(text)
    }

    fn field_of(result: Result<Config, ConfigError>) -> String {
        result
            .expect_err("should be rejected")
            .field()
            .unwrap_or("")
            .to_owned()
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::default();
        assert_eq!(c.gc_percent(), Some(100));
        assert_eq!(c.memory_limit(), None);
        assert_eq!(c.max_heap(), None);
        assert_eq!(c.min_heap(), 4 * MIB);
        assert!(c.generational());
        assert_eq!(c.eden_size(), 4 * MIB);
        assert_eq!(c.survivor_ratio(), 8);
        assert_eq!(c.tenuring(), Tenuring::Adaptive { max: 15 });
        assert_eq!(c.target_survivor_ratio(), 50);
        assert_eq!(c.minor_pause_target(), None);
        assert_eq!(c.large_object_threshold(), 8 * KIB);
        assert_eq!(c.cpu_limit(), 0.5);
        assert!(c.incremental());
        assert_eq!(c.mark_step_budget(), 64 * KIB);
        assert!(!c.stress() && !c.verify() && !c.gctrace());
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(Config::builder().build(), Ok(c));
        assert_eq!(env(""), Ok(c));
        assert_eq!(env(" , ,"), Ok(c));
    }

    #[test]
    fn the_error_names_the_field_and_the_range() {
        let err = Config::builder().eden_size(100).build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid eden_size = 100 B: accepted range is 64 KiB ..= 1 GiB"
        );
        assert_eq!(err.field(), Some("eden_size"));
    }

    /// For each field: a builder change just inside each bound (accepted) and
    /// just outside (rejected, naming the field).
    #[test]
    fn every_field_is_checked_at_both_bounds() {
        type Edit = fn(ConfigBuilder) -> ConfigBuilder;
        let cases: [(&str, Edit, Edit); 20] = [
            (
                "gc_percent",
                |b| b.gc_percent(Some(1)),
                |b| b.gc_percent(Some(0)),
            ),
            (
                "gc_percent",
                |b| b.gc_percent(Some(100_000)),
                |b| b.gc_percent(Some(100_001)),
            ),
            (
                "memory_limit",
                |b| b.memory_limit(Some(MIB)),
                |b| b.memory_limit(Some(MIB - 1)),
            ),
            (
                "max_heap",
                |b| b.min_heap(MIB).max_heap(Some(MIB)),
                |b| b.min_heap(MIB).max_heap(Some(MIB - 1)),
            ),
            (
                "min_heap",
                |b| b.min_heap(64 * KIB),
                |b| b.min_heap(64 * KIB - 1),
            ),
            (
                "min_heap",
                |b| b.min_heap(TIB_OR_MAX),
                |b| b.min_heap(TIB_OR_MAX.saturating_add(1)),
            ),
            (
                "eden_size",
                |b| b.eden_size(64 * KIB),
                |b| b.eden_size(64 * KIB - 1),
            ),
            ("eden_size", |b| b.eden_size(GIB), |b| b.eden_size(GIB + 1)),
            (
                "survivor_ratio",
                |b| b.survivor_ratio(1),
                |b| b.survivor_ratio(0),
            ),
            (
                "survivor_ratio",
                |b| b.survivor_ratio(64),
                |b| b.survivor_ratio(65),
            ),
            (
                "tenuring",
                |b| b.tenuring(Tenuring::Fixed(1)),
                |b| b.tenuring(Tenuring::Fixed(0)),
            ),
            (
                "tenuring",
                |b| b.tenuring(Tenuring::Adaptive { max: 15 }),
                |b| b.tenuring(Tenuring::Adaptive { max: 16 }),
            ),
            (
                "target_survivor_ratio",
                |b| b.target_survivor_ratio(100),
                |b| b.target_survivor_ratio(101),
            ),
            (
                "target_survivor_ratio",
                |b| b.target_survivor_ratio(1),
                |b| b.target_survivor_ratio(0),
            ),
            (
                "minor_pause_target",
                |b| b.minor_pause_target(Some(Duration::from_micros(10))),
                |b| b.minor_pause_target(Some(Duration::from_micros(9))),
            ),
            (
                "minor_pause_target",
                |b| b.minor_pause_target(Some(Duration::from_secs(10))),
                |b| b.minor_pause_target(Some(Duration::from_millis(10_001))),
            ),
            (
                "large_object_threshold",
                |b| b.large_object_threshold(256),
                |b| b.large_object_threshold(255),
            ),
            (
                "large_object_threshold",
                |b| b.large_object_threshold(MIB),
                |b| b.large_object_threshold(MIB + 1),
            ),
            ("cpu_limit", |b| b.cpu_limit(1.0), |b| b.cpu_limit(1.0001)),
            (
                "mark_step_budget",
                |b| b.mark_step_budget(KIB),
                |b| b.mark_step_budget(KIB - 1),
            ),
        ];
        for (field, inside, outside) in cases {
            assert!(inside(Config::builder()).build().is_ok(), "{field} inside");
            assert_eq!(
                field_of(outside(Config::builder()).build()),
                field,
                "{field} outside"
            );
        }
        assert!(Config::builder().mark_step_budget(GIB).build().is_ok());
        assert!(Config::builder().mark_step_budget(GIB + 1).build().is_err());
    }

    #[test]
    fn cpu_limit_rejects_zero_negative_and_nan() {
        for bad in [0.0, -0.5, f64::NAN, f64::INFINITY] {
            let err = Config::builder().cpu_limit(bad).build().unwrap_err();
            assert_eq!(err.field(), Some("cpu_limit"), "{bad}");
        }
        assert!(Config::builder().cpu_limit(1e-6).build().is_ok());
    }

    #[test]
    fn optional_fields_accept_off() {
        let c = Config::builder()
            .gc_percent(None)
            .minor_pause_target(None)
            .build()
            .unwrap();
        assert_eq!((c.gc_percent(), c.minor_pause_target()), (None, None));
    }

    #[test]
    fn relations_between_fields() {
        let err = Config::builder()
            .memory_limit(Some(512 * MIB))
            .max_heap(Some(256 * MIB))
            .build();
        assert_eq!(
            err.unwrap_err().to_string(),
            "invalid max_heap = 256 MiB: must be at least memory_limit = 512 MiB"
        );
        let err = Config::builder()
            .min_heap(8 * MIB)
            .max_heap(Some(4 * MIB))
            .build();
        assert_eq!(field_of(err), "max_heap");
        let err = Config::builder()
            .eden_size(64 * KIB)
            .large_object_threshold(128 * KIB)
            .build();
        assert_eq!(
            err.unwrap_err().to_string(),
            "invalid large_object_threshold = 128 KiB: must be at most eden_size = 64 KiB"
        );
        let ok = Config::builder()
            .memory_limit(Some(GIB))
            .max_heap(Some(GIB))
            .build();
        assert!(ok.is_ok());
    }

    #[test]
    fn setters_validate_and_return_the_old_value() {
        let mut c = Config::default();
        assert_eq!(c.set_gc_percent(Some(200)), Ok(Some(100)));
        assert_eq!(c.set_eden_size(8 * MIB), Ok(4 * MIB));
        assert_eq!(c.set_memory_limit(Some(GIB)), Ok(None));
        assert_eq!(c.set_tenuring(Tenuring::Fixed(3)), Ok(Tenuring::default()));
        assert_eq!(c.set_cpu_limit(0.25), Ok(0.5));
        assert_eq!(c.set_gctrace(true), Ok(false));
        let before = c;
        assert_eq!(field_of(c.set_eden_size(1).map(|_| c)), "eden_size");
        assert_eq!(
            field_of(c.set_max_heap(Some(GIB / 2)).map(|_| c)),
            "max_heap"
        );
        assert_eq!(c, before, "a rejected change leaves the config as it was");
    }

    #[test]
    fn to_builder_starts_from_the_config() {
        let c = Config::builder().gc_percent(Some(300)).build().unwrap();
        let d = c.to_builder().verify(true).build().unwrap();
        assert_eq!((d.gc_percent(), d.verify()), (Some(300), true));
    }

    #[test]
    fn env_example_from_the_docs() {
        let c = env("gc_percent=200,memory_limit=512MiB,eden=8MiB,generational=off,gctrace=1,stress=1,tenuring=adaptive|4")
            .unwrap();
        assert_eq!(c.gc_percent(), Some(200));
        assert_eq!(c.memory_limit(), Some(512 * MIB));
        assert_eq!(c.eden_size(), 8 * MIB);
        assert!(!c.generational());
        assert!(c.gctrace() && c.stress());
        assert_eq!(c.tenuring(), Tenuring::Adaptive { max: 4 });
    }

    #[test]
    fn env_every_key_and_syntax() {
        let c = env(concat!(
            " GC_PERCENT = off , memory_limit=1GB, max_heap=2 GiB, min_heap=1MiB,",
            "generational=no, eden_size=16mib, survivor_ratio=6, tenuring=fixed|7,",
            "target_survivor_ratio=90, minor_pause_target=500us, large_object_threshold=4KiB,",
            "cpu_limit=25%, incremental=false, mark_step_budget=128KiB, stress=yes, verify=true, gctrace=on"
        ))
        .unwrap();
        assert_eq!(c.gc_percent(), None);
        assert_eq!(c.memory_limit(), Some(1_000_000_000));
        assert_eq!(c.max_heap(), Some(2 * GIB));
        assert_eq!(c.min_heap(), MIB);
        assert!(!c.generational());
        assert_eq!(c.eden_size(), 16 * MIB);
        assert_eq!(c.survivor_ratio(), 6);
        assert_eq!(c.tenuring(), Tenuring::Fixed(7));
        assert_eq!(c.target_survivor_ratio(), 90);
        assert_eq!(c.minor_pause_target(), Some(Duration::from_micros(500)));
        assert_eq!(c.large_object_threshold(), 4 * KIB);
        assert_eq!(c.cpu_limit(), 0.25);
        assert!(!c.incremental());
        assert_eq!(c.mark_step_budget(), 128 * KIB);
        assert!(c.stress() && c.verify() && c.gctrace());
    }

    #[test]
    fn env_tenuring_forms() {
        let t = |text: &str| env(&format!("tenuring={text}")).map(|c| c.tenuring());
        assert_eq!(t("adaptive"), Ok(Tenuring::Adaptive { max: 15 }));
        assert_eq!(t("Adaptive|3"), Ok(Tenuring::Adaptive { max: 3 }));
        assert_eq!(t("fixed|2"), Ok(Tenuring::Fixed(2)));
        assert_eq!(t("9"), Ok(Tenuring::Fixed(9)));
        for bad in [
            "fixed",
            "adaptive|",
            "sometimes|3",
            "fixed|300",
            "3|3",
            "adaptive|0",
            "16",
        ] {
            assert_eq!(t(bad).unwrap_err().field(), Some("tenuring"), "{bad}");
        }
    }

    #[test]
    fn env_cpu_limit_forms() {
        let f = |text: &str| env(&format!("cpu_limit={text}")).map(|c| c.cpu_limit());
        assert_eq!(f("0.75"), Ok(0.75));
        assert_eq!(f("50%"), Ok(0.5));
        assert_eq!(f("100 %"), Ok(1.0));
        for bad in [
            "0", "0%", "101%", "1.5", "nan", "inf", "-0.5", "", "%", "half",
        ] {
            assert_eq!(f(bad).unwrap_err().field(), Some("cpu_limit"), "{bad}");
        }
    }

    #[test]
    fn env_errors_name_the_key_and_the_range() {
        let err = env("gc_percent=lots").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid gc_percent = `lots` in TENURE_GC: expected an integer percent or `off`; \
             accepted range is 1 ..= 100000, or off"
        );
        let err = env("eden=8M").unwrap_err();
        assert!(err.to_string().contains("64 KiB ..= 1 GiB"), "{err}");
        let err = env("target_survivor_ratio=300").unwrap_err();
        assert!(
            err.to_string().contains("target_survivor_ratio")
                && err.to_string().contains("1 ..= 100")
        );
        let err = env("memory_limit=10KiB").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid memory_limit = 10 KiB: accepted range is at least 1 MiB, or off"
        );
        let err = env("verbose=1").unwrap_err();
        assert_eq!(
            err,
            ConfigError::UnknownKey {
                key: "verbose".to_owned()
            }
        );
        assert!(err
            .to_string()
            .starts_with("unknown key `verbose` in TENURE_GC: known keys are gc_percent,"));
        assert_eq!(
            env("gctrace").unwrap_err(),
            ConfigError::Malformed {
                item: "gctrace".to_owned()
            }
        );
        let err = env(" =1").unwrap_err();
        assert_eq!(
            err,
            ConfigError::Malformed {
                item: "=1".to_owned()
            }
        );
        let err = env("cpu_limit=1.5").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid cpu_limit = 1.5: accepted range is (0, 1]"
        );
        assert_eq!(
            env("eden=8MiB,eden_size=8MiB").unwrap_err(),
            ConfigError::Duplicate { field: "eden_size" }
        );
        assert_eq!(field_of(env("stress=maybe")), "stress");
        assert_eq!(field_of(env("survivor_ratio=-1")), "survivor_ratio");
        assert_eq!(field_of(env("minor_pause_target=5")), "minor_pause_target");
        assert_eq!(
            field_of(env("minor_pause_target=1us")),
            "minor_pause_target"
        );
        assert_eq!(
            field_of(env("memory_limit=1GiB,max_heap=512MiB")),
            "max_heap"
        );
    }

    #[test]
    fn env_strings_round_trip() {
        let configs = [
            Config::default(),
            env("gc_percent=off,memory_limit=1000000001,minor_pause_target=1.5ms,cpu_limit=0.3").unwrap(),
            env("tenuring=fixed|1,eden=64KiB,large_object_threshold=256,max_heap=3GiB,generational=0").unwrap(),
        ];
        for c in configs {
            let text = c.to_env_string();
            assert_eq!(env(&text), Ok(c), "{text}");
        }
    }

    #[test]
    fn keys_list_every_field_once() {
        let keys = Config::keys();
        assert_eq!(keys.len(), 17);
        assert_eq!(keys[5], ("eden_size", "64 KiB ..= 1 GiB".to_owned()));
        let mut names: Vec<_> = keys.iter().map(|(name, _)| *name).collect();
        names.dedup();
        assert_eq!(names.len(), 17);
    }

    #[test]
    fn pacer_settings_come_from_the_config() {
        let c = env("gc_percent=150,memory_limit=64MiB,min_heap=2MiB,cpu_limit=40%").unwrap();
        let s = c.pacer_settings();
        assert_eq!(
            (s.gc_percent, s.memory_limit, s.min_heap),
            (Some(150), Some(64 * MIB), 2 * MIB)
        );
        assert!((s.cpu_limit - 0.4).abs() < 1e-12);
    }

    #[test]
    fn process_default_is_read_once() {
        let first = Config::process_default();
        let second = Config::process_default();
        match (first, second) {
            (Ok(a), Ok(b)) => assert!(std::ptr::eq(a, b)),
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("the two reads disagree"),
        }
        if std::env::var_os(ENV_VAR).is_none() {
            assert_eq!(Config::process_default(), Ok(&Config::default()));
        }
    }

    #[test]
    fn error_messages_for_every_variant() {
        assert_eq!(
            ConfigError::NotUnicode.to_string(),
            "TENURE_GC is not valid Unicode"
        );
        assert_eq!(ConfigError::NotUnicode.field(), None);
        assert_eq!(
            ConfigError::Duplicate { field: "verify" }.to_string(),
            "verify is given twice in TENURE_GC"
        );
    }

    /// A tiny xorshift generator: deterministic, no dependencies.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    /// Random strings built from plausible and hostile pieces never panic, and
    /// whatever parses is valid and round-trips.
    #[test]
    fn fuzzed_env_strings_never_panic() {
        let keys: Vec<&str> = FIELDS
            .iter()
            .map(|f| f.name)
            .chain(["eden", "gogc", "", "x", "=", "GC_percent"])
            .collect();
        let values = [
            "",
            "0",
            "1",
            "15",
            "50",
            "100",
            "255",
            "256",
            "65536",
            "99999999999999999999",
            "-1",
            "off",
            "on",
            "none",
            "adaptive",
            "adaptive|4",
            "fixed|16",
            "|",
            "4MiB",
            "64KiB",
            "1GiB",
            "2GiB",
            "1.5MiB",
            "0.5",
            "50%",
            "1e9",
            "NaN",
            "500us",
            "2ms",
            "10s",
            "µs",
            "=",
            "é",
            "\u{0}",
            " ",
            "1TiB",
            "18446744073709551615B",
        ];
        let separators = [",", ",", "=", ",,", " , "];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..if cfg!(miri) { 50 } else { 5_000 } {
            let mut text = String::new();
            for _ in 0..(rng.next() % 5) {
                text.push_str(rng.pick(&keys));
                text.push('=');
                text.push_str(rng.pick(&values));
                text.push_str(rng.pick(&separators));
            }
            if let Ok(c) = Config::from_env_str(&text) {
                assert_eq!(c.validate(), Ok(()), "{text}");
                assert_eq!(Config::from_env_str(&c.to_env_string()), Ok(c), "{text}");
            }
        }
    }
}
