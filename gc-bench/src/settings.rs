//! tenure's pacing settings, one matrix cell at a time.
//!
//! The command line gives a list of values per knob (`--gc-percent 50,100`,
//! `--eden 1MiB,8MiB`, ...); [`Matrix::cells`] takes their cross product. Each
//! cell is a [`TenureSettings`], which is turned into a `tenure::Config` in
//! the child process that runs it. Knobs left off the command line keep
//! tenure's defaults (`None` here), so a report shows only what was chosen.
//!
//! Sizes use tenure's own spelling (`tenure::units`: `64KiB`, `8MiB`, `1GiB`).

use std::fmt;

use serde::{Deserialize, Serialize};
use tenure::config::Tenuring;
use tenure::units::{format_bytes, parse_size};
use tenure::Config;

/// The tenuring policy as written on the command line.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TenuringSpec {
    /// Promote survivors after this many minor GCs.
    Fixed(u8),
    /// HotSpot-style adaptive threshold, capped at `max`.
    Adaptive {
        /// The largest threshold the policy may pick.
        max: u8,
    },
}

impl TenuringSpec {
    /// Parses `4`, `adaptive` (max 15) or `adaptive:8`.
    pub fn parse(text: &str) -> Result<TenuringSpec, String> {
        let age = |t: &str| {
            t.parse::<u8>()
                .ok()
                .filter(|age| (1..=15).contains(age))
                .ok_or_else(|| format!("bad tenuring age `{t}`: expected 1..=15"))
        };
        match text.split_once(':') {
            None if text == "adaptive" => Ok(TenuringSpec::Adaptive { max: 15 }),
            Some(("adaptive", max)) => Ok(TenuringSpec::Adaptive { max: age(max)? }),
            None => Ok(TenuringSpec::Fixed(age(text)?)),
            Some(_) => Err(format!(
                "bad tenuring `{text}`: expected N, adaptive or adaptive:N"
            )),
        }
    }

    fn to_tenuring(self) -> Tenuring {
        match self {
            TenuringSpec::Fixed(age) => Tenuring::Fixed(age),
            TenuringSpec::Adaptive { max } => Tenuring::Adaptive { max },
        }
    }
}

impl fmt::Display for TenuringSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TenuringSpec::Fixed(age) => write!(f, "{age}"),
            TenuringSpec::Adaptive { max: 15 } => f.write_str("adaptive"),
            TenuringSpec::Adaptive { max } => write!(f, "adaptive:{max}"),
        }
    }
}

/// One setting of tenure's knobs. `None` means "tenure's default".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TenureSettings {
    /// `Some(Some(p))`: gc_percent = p; `Some(None)`: proportional pacing off.
    pub gc_percent: Option<Option<u32>>,
    /// Soft memory limit in bytes; `Some(None)` means explicitly none.
    pub memory_limit: Option<Option<usize>>,
    /// Eden size in bytes.
    pub eden: Option<usize>,
    /// Tenuring policy.
    pub tenuring: Option<TenuringSpec>,
    /// Young generation on (true) or off.
    pub young: Option<bool>,
}

impl TenureSettings {
    /// The configuration for this cell: tenure's process defaults (the
    /// defaults, or `TENURE_GC` when it is set, so that any knob can be tried
    /// from the shell) with the chosen knobs overridden (`gctrace` as asked),
    /// validated by tenure's builder.
    pub fn to_config(&self, gctrace: bool) -> Result<Config, String> {
        let base =
            Config::process_default().map_err(|e| format!("{}: {e}", tenure::config::ENV_VAR))?;
        let mut builder = base.to_builder().gctrace(gctrace);
        if let Some(gc_percent) = self.gc_percent {
            builder = builder.gc_percent(gc_percent);
        }
        if let Some(limit) = self.memory_limit {
            builder = builder.memory_limit(limit);
        }
        if let Some(eden) = self.eden {
            builder = builder.eden_size(eden);
        }
        if let Some(tenuring) = self.tenuring {
            builder = builder.tenuring(tenuring.to_tenuring());
        }
        if let Some(young) = self.young {
            builder = builder.generational(young);
        }
        builder
            .build()
            .map_err(|e| format!("invalid settings `{}`: {e}", self.label()))
    }

    /// The effective gc_percent (tenure's default if not chosen).
    pub fn effective_gc_percent(&self) -> Option<u32> {
        self.gc_percent.unwrap_or(Config::default().gc_percent())
    }

    /// A short label naming only the knobs that were chosen (`default` if none).
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.gc_percent {
            parts.push(match p {
                Some(p) => format!("gc={p}"),
                None => "gc=off".to_owned(),
            });
        }
        if let Some(limit) = self.memory_limit {
            parts.push(match limit {
                Some(bytes) => format!("limit={}", compact_bytes(bytes)),
                None => "limit=none".to_owned(),
            });
        }
        if let Some(eden) = self.eden {
            parts.push(format!("eden={}", compact_bytes(eden)));
        }
        if let Some(t) = self.tenuring {
            parts.push(format!("tenure={t}"));
        }
        if let Some(young) = self.young {
            parts.push(format!("young={}", if young { "on" } else { "off" }));
        }
        if parts.is_empty() {
            "default".to_owned()
        } else {
            parts.join(" ")
        }
    }
}

/// `4.0 MiB` -> `4MiB`, for labels.
fn compact_bytes(bytes: usize) -> String {
    format_bytes(bytes).replace(".0 ", "").replace(' ', "")
}

/// Lists of values per knob, as given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Matrix {
    /// `--gc-percent` values.
    pub gc_percent: Vec<Option<u32>>,
    /// `--memory-limit` values.
    pub memory_limit: Vec<Option<usize>>,
    /// `--eden` values.
    pub eden: Vec<usize>,
    /// `--tenuring` values.
    pub tenuring: Vec<TenuringSpec>,
    /// `--young` values.
    pub young: Vec<bool>,
}

impl Matrix {
    /// The cross product of every list; one default cell if all are empty.
    pub fn cells(&self) -> Vec<TenureSettings> {
        fn axis<T: Clone>(values: &[T]) -> Vec<Option<T>> {
            if values.is_empty() {
                vec![None]
            } else {
                values.iter().cloned().map(Some).collect()
            }
        }
        let mut cells = Vec::new();
        for gc_percent in axis(&self.gc_percent) {
            for memory_limit in axis(&self.memory_limit) {
                for eden in axis(&self.eden) {
                    for tenuring in axis(&self.tenuring) {
                        for young in axis(&self.young) {
                            cells.push(TenureSettings {
                                gc_percent,
                                memory_limit,
                                eden,
                                tenuring,
                                young,
                            });
                        }
                    }
                }
            }
        }
        cells
    }
}

/// Parses `off` or a percentage.
pub fn parse_gc_percent(text: &str) -> Result<Option<u32>, String> {
    match text {
        "off" | "none" => Ok(None),
        _ => text
            .parse()
            .map(Some)
            .map_err(|_| format!("bad gc_percent `{text}`: expected a number or `off`")),
    }
}

/// Parses `none` or a size.
pub fn parse_limit(text: &str) -> Result<Option<usize>, String> {
    match text {
        "none" | "off" => Ok(None),
        _ => parse_size(text).map(Some).map_err(|e| e.to_string()),
    }
}

/// Parses a size (`8MiB`).
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    parse_size(text).map_err(|e| e.to_string())
}

/// Parses `on` / `off`.
pub fn parse_on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("expected on or off, got `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenuring_parses_and_prints_back() {
        for text in ["4", "adaptive", "adaptive:8"] {
            assert_eq!(TenuringSpec::parse(text).unwrap().to_string(), text);
        }
        assert!(TenuringSpec::parse("0").is_err());
        assert!(TenuringSpec::parse("adaptive:99").is_err());
        assert!(TenuringSpec::parse("sometimes").is_err());
    }

    #[test]
    fn matrix_is_a_cross_product() {
        let matrix = Matrix {
            gc_percent: vec![Some(50), Some(100), None],
            eden: vec![1 << 20, 8 << 20],
            ..Matrix::default()
        };
        let cells = matrix.cells();
        assert_eq!(cells.len(), 6);
        assert_eq!(cells[0].label(), "gc=50 eden=1MiB");
        assert_eq!(cells[5].label(), "gc=off eden=8MiB");
        assert_eq!(Matrix::default().cells(), vec![TenureSettings::default()]);
        assert_eq!(TenureSettings::default().label(), "default");
    }

    #[test]
    fn settings_reach_the_config() {
        let cell = TenureSettings {
            gc_percent: Some(Some(200)),
            eden: Some(1 << 20),
            young: Some(false),
            tenuring: Some(TenuringSpec::Fixed(3)),
            memory_limit: Some(Some(64 << 20)),
        };
        let config = cell.to_config(false).unwrap();
        assert_eq!(config.gc_percent(), Some(200));
        assert_eq!(config.eden_size(), 1 << 20);
        assert!(!config.generational());
        assert_eq!(config.memory_limit(), Some(64 << 20));
        let bad = TenureSettings {
            eden: Some(1),
            ..TenureSettings::default()
        };
        assert!(bad.to_config(false).is_err());
    }
}
