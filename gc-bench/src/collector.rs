//! The collectors a workload can run on: tenure and its peers.
//!
//! Each peer is used the way its own documentation recommends, so that a
//! ratio against it compares collectors, not misuse:
//!
//! - `gc` (the `gc` crate): `Gc`/`GcCell`, collection triggered inside
//!   allocation by the crate's own threshold; roots are counted handles.
//! - `gc-arena`: an `Arena` whose `collect_debt` is called between `mutate`
//!   calls (its documented incremental mode).
//! - `dumpster`: `dumpster::unsync::Gc` (the single-threaded flavour), with
//!   the crate's default collection condition.
//! - `rc`: `Rc`/`RefCell` (or `Weak` back-pointers), reference counting
//!   without cycle collection: a workload that made cycles would leak, and
//!   says so in its notes.
//! - `box`: manual memory (`Box`, freed when dropped), the malloc baseline.
//! - `bumpalo`: an arena reset after each unit of work (each tree), the
//!   allocation floor; only where a workload's lifetimes allow it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One collector (or memory-management strategy) a workload runs on.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Collector {
    /// This project's collector.
    Tenure,
    /// The `gc` crate (Manishearth's), version 0.5.
    Gc,
    /// `gc-arena` 0.7.
    GcArena,
    /// `dumpster` 2.1, `unsync` flavour.
    Dumpster,
    /// `std::rc::Rc` with `RefCell`.
    Rc,
    /// `Box`: malloc and free.
    Box,
    /// A `bumpalo` arena reset after each unit of work.
    Bumpalo,
}

impl Collector {
    /// Every collector, tenure first, then peers from most to least like it.
    pub const ALL: [Collector; 7] = [
        Collector::Tenure,
        Collector::GcArena,
        Collector::Gc,
        Collector::Dumpster,
        Collector::Rc,
        Collector::Box,
        Collector::Bumpalo,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Collector::Tenure => "tenure",
            Collector::Gc => "gc",
            Collector::GcArena => "gc-arena",
            Collector::Dumpster => "dumpster",
            Collector::Rc => "rc",
            Collector::Box => "box",
            Collector::Bumpalo => "bumpalo",
        }
    }

    /// True for tenure, the only collector the pacing settings apply to.
    pub fn is_tenure(self) -> bool {
        self == Collector::Tenure
    }
}

impl fmt::Display for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Collector {
    type Err = String;

    fn from_str(text: &str) -> Result<Collector, String> {
        Collector::ALL
            .into_iter()
            .find(|c| c.name() == text)
            .ok_or_else(|| {
                let names: Vec<_> = Collector::ALL.iter().map(|c| c.name()).collect();
                format!(
                    "unknown collector `{text}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for collector in Collector::ALL {
            assert_eq!(collector.name().parse::<Collector>(), Ok(collector));
        }
        assert!("java".parse::<Collector>().is_err());
    }
}
