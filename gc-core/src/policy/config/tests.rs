//! Unit tests of the configuration as a whole: defaults, errors, relations,
//! setters, the `TENURE_GC` syntax and a fuzz of it. Each knob's bounds are
//! tested by the tests the table generates (`table::bounds::*`, through
//! `bounds.rs`); the docs' table by `reference.rs`.

use std::time::Duration;

use super::table::FIELDS;
use super::*;
use crate::policy::pacer::{DEFAULT_CPU_LIMIT, DEFAULT_GC_PERCENT, DEFAULT_MIN_HEAP};
use crate::policy::units::{GIB, KIB, MIB};

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
    assert_eq!(c.minor_pause_target(), Some(Duration::from_micros(600)));
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
    // Out of range, an optional knob's range says that `off` is accepted too
    // (as `keys()` and the docs do; before the table only `memory_limit` and
    // `max_heap` said so).
    assert_eq!(
        env("gc_percent=0").unwrap_err().to_string(),
        "invalid gc_percent = 0: accepted range is 1 ..= 100000, or off"
    );
    assert_eq!(
        env("minor_pause_target=11s").unwrap_err().to_string(),
        "invalid minor_pause_target = 11 s: accepted range is 10 us ..= 10 s, or off"
    );
    let err = env("eden=8M").unwrap_err();
    assert!(err.to_string().contains("64 KiB ..= 1 GiB"), "{err}");
    let err = env("target_survivor_ratio=300").unwrap_err();
    assert!(
        err.to_string().contains("target_survivor_ratio") && err.to_string().contains("1 ..= 100")
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
        env("gc_percent=off,memory_limit=1000000001,minor_pause_target=1.5ms,cpu_limit=0.3")
            .unwrap(),
        env("tenuring=fixed|1,eden=64KiB,large_object_threshold=256,max_heap=3GiB,generational=0")
            .unwrap(),
    ];
    for c in configs {
        let text = c.to_env_string();
        assert_eq!(env(&text), Ok(c), "{text}");
    }
}

#[test]
fn keys_list_every_field_once() {
    let keys = Config::keys();
    assert_eq!(keys.len(), 19);
    assert_eq!(keys[5], ("eden_size", "64 KiB ..= 1 GiB".to_owned()));
    let mut names: Vec<_> = keys.iter().map(|(name, _)| *name).collect();
    names.dedup();
    assert_eq!(names.len(), 19);
}

/// The accepted ranges, spelled out once more on purpose: the generated
/// bounds tests check each knob against its own rule, and this pins the rules
/// themselves (a changed range must change this test and the docs).
#[test]
fn the_accepted_ranges_are_the_documented_ones() {
    let expected = [
        ("gc_percent", "1 ..= 100000, or off"),
        ("memory_limit", "at least 1 MiB, or off"),
        ("max_heap", "at least 1 MiB, or off"),
        ("min_heap", "64 KiB ..= 1 TiB"),
        ("generational", "on or off"),
        ("eden_size", "64 KiB ..= 1 GiB"),
        ("survivor_ratio", "1 ..= 64"),
        ("tenuring", "adaptive|N or fixed|N with N in 1 ..= 15"),
        ("target_survivor_ratio", "1 ..= 100"),
        ("minor_pause_target", "10 us ..= 10 s, or off"),
        ("large_object_threshold", "256 B ..= 1 MiB"),
        ("cpu_limit", "(0, 1]"),
        ("pretenuring", "on or off"),
        ("incremental", "on or off"),
        ("mark_step_budget", "1 KiB ..= 1 GiB"),
        ("deterministic", "on or off"),
        ("stress", "on or off"),
        ("verify", "on or off"),
        ("gctrace", "on or off"),
    ];
    let keys = Config::keys();
    let keys: Vec<(&str, &str)> = keys.iter().map(|(k, a)| (*k, a.as_str())).collect();
    if usize::BITS >= 64 {
        assert_eq!(keys, expected);
    }
    assert_eq!(
        (
            DEFAULT_EDEN_SIZE,
            DEFAULT_SURVIVOR_RATIO,
            DEFAULT_TARGET_SURVIVOR_RATIO
        ),
        (4 * MIB, 8, 50)
    );
    assert_eq!(
        (DEFAULT_LARGE_OBJECT_THRESHOLD, DEFAULT_MARK_STEP_BUDGET),
        (8 * KIB, 64 * KIB)
    );
    assert_eq!((DEFAULT_GC_PERCENT, DEFAULT_MIN_HEAP), (100, 4 * MIB));
    assert_eq!(DEFAULT_CPU_LIMIT, 0.5);
    assert_eq!(PacerSettings::default(), Config::default().pacer_settings());
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
