//! The process-wide configuration comes from `TENURE_GC`, read once. An
//! invalid value is an error naming the key and the accepted range from
//! `Heap::try_new`, and a reported fallback to the defaults from `Heap::new`.
//! (One test per binary: the variable is read once per process.)

use gc_core::{Config, Heap, Rootable};

#[test]
fn an_invalid_environment_variable_is_a_clear_error_not_a_panic() {
    // Set before anything reads it; this binary has no other test.
    std::env::set_var(gc_core::config::ENV_VAR, "gc_percent=200,eden=1KiB");
    let error = match Heap::<Rootable![()]>::try_new(|_| ()) {
        Err(error) => error,
        Ok(_) => panic!("an Eden of 1 KiB must be refused"),
    };
    let message = error.to_string();
    assert!(
        message.contains("eden"),
        "the message names the key: {message}"
    );
    assert!(
        message.contains("64 KiB"),
        "the message gives the accepted range: {message}"
    );
    assert_eq!(
        Config::process_default().unwrap_err(),
        error,
        "read once, same answer"
    );
    // `Heap::new` falls back to the defaults (and reports the error on stderr).
    let heap = Heap::<Rootable![()]>::new(|_| ());
    assert_eq!(heap.config().eden_size(), Config::default().eden_size());
}

/// Found by the `env_config` fuzz target: `to_env_string` printed durations
/// rounded to three decimals, so `minor_pause_target=1.7991s` came back as
/// `1.799s`. Every accepted configuration must round-trip exactly.
#[test]
fn durations_round_trip_exactly_through_to_env_string() {
    for text in [
        "minor_pause_target\n=1.799100s,",
        "minor_pause_target=1.000001ms",
    ] {
        let config = Config::from_env_str(text).expect("a valid setting");
        let again = Config::from_env_str(&config.to_env_string()).expect("parses back");
        assert_eq!(again, config, "round trip of {text:?}");
    }
}
