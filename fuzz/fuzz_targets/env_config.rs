//! The `TENURE_GC` parser (`Config::from_env_str`) on any text: it never
//! panics; an error names a key or the malformed item; a config it accepts
//! is valid and round-trips through `to_env_string`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tenure::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::from_env_str(text) {
        Ok(config) => {
            config.validate().expect("an accepted config is valid");
            let again = Config::from_env_str(&config.to_env_string())
                .expect("to_env_string parses back");
            assert_eq!(again, config, "round trip of {text:?}");
        }
        Err(error) => {
            assert!(!error.to_string().is_empty());
        }
    }
});
