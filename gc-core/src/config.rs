//! TEMPORARY minimal configuration (replaced by the full module).
use std::time::Duration;

use crate::pacer::Tenuring;

/// Heap configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// gc_percent
    pub gc_percent: Option<u32>,
    /// memory_limit
    pub memory_limit: Option<usize>,
    /// max_heap
    pub max_heap: Option<usize>,
    /// min_heap
    pub min_heap: usize,
    /// generational
    pub generational: bool,
    /// eden_size
    pub eden_size: usize,
    /// survivor_ratio
    pub survivor_ratio: u32,
    /// tenuring
    pub tenuring: Tenuring,
    /// target_survivor_ratio
    pub target_survivor_ratio: u8,
    /// minor_pause_target
    pub minor_pause_target: Option<Duration>,
    /// large_object_threshold
    pub large_object_threshold: usize,
    /// cpu_limit
    pub cpu_limit: f64,
    /// incremental
    pub incremental: bool,
    /// mark_step_budget
    pub mark_step_budget: usize,
    /// stress
    pub stress: bool,
    /// verify
    pub verify: bool,
    /// gctrace
    pub gctrace: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            gc_percent: Some(100),
            memory_limit: None,
            max_heap: None,
            min_heap: 4 << 20,
            generational: true,
            eden_size: 4 << 20,
            survivor_ratio: 8,
            tenuring: Tenuring::Adaptive { max: 15 },
            target_survivor_ratio: 50,
            minor_pause_target: None,
            large_object_threshold: 8 << 10,
            cpu_limit: 0.5,
            incremental: true,
            mark_step_budget: 64 << 10,
            stress: false,
            verify: false,
            gctrace: false,
        }
    }
}

/// Config error.
#[derive(Debug, Clone)]
pub struct ConfigError(String);

impl Config {
    /// validate
    pub fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
    /// process default
    pub fn process_default() -> Result<&'static Config, ConfigError> {
        static C: once_cell::sync::OnceCell<Config> = once_cell::sync::OnceCell::new();
        Ok(C.get_or_init(Config::default))
    }
}
