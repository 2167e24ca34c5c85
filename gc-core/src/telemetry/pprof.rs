//! The pprof writer: a [`HeapProfile`] as gzipped `profile.proto`.
//!
//! pprof's format (github.com/google/pprof, `proto/profile.proto`) is a
//! protobuf `Profile`: sample types, samples (each a stack of location ids,
//! leaf first, and one value per sample type), locations, functions and a
//! string table that every name is an index into (entry 0 is ""). The
//! messages below declare the fields we use, with their proto numbers, for
//! `prost` to encode; `flate2` gzips the result, as `go tool pprof` expects.
//!
//! Heap profiles use Go's four sample types, `alloc_objects`, `alloc_space`,
//! `inuse_objects` and `inuse_space` (`inuse_space` is the default view).
//! Each sample's stack is its type (the leaf "function", where Go would show
//! the allocating function), then the sampled Rust backtrace if any, then the
//! allocation sites, innermost first; a
//! site written `file:line name` also gives its function's file and line.
//! Every sample carries the label `type`, for `-tagfocus`.

use std::collections::HashMap;
use std::io::{self, Write};

use prost::Message;

use crate::telemetry::heap_profile::HeapProfile;

#[derive(Clone, PartialEq, Message)]
struct Profile {
    #[prost(message, repeated, tag = "1")]
    sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    sample: Vec<Sample>,
    #[prost(message, repeated, tag = "4")]
    location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    function: Vec<Function>,
    #[prost(string, repeated, tag = "6")]
    string_table: Vec<String>,
    #[prost(int64, tag = "9")]
    time_nanos: i64,
    #[prost(message, optional, tag = "11")]
    period_type: Option<ValueType>,
    #[prost(int64, tag = "12")]
    period: i64,
    #[prost(int64, tag = "14")]
    default_sample_type: i64,
}

#[derive(Clone, PartialEq, Message)]
struct ValueType {
    #[prost(int64, tag = "1")]
    r#type: i64,
    #[prost(int64, tag = "2")]
    unit: i64,
}

#[derive(Clone, PartialEq, Message)]
struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    value: Vec<i64>,
    #[prost(message, repeated, tag = "3")]
    label: Vec<Label>,
}

#[derive(Clone, PartialEq, Message)]
struct Label {
    #[prost(int64, tag = "1")]
    key: i64,
    #[prost(int64, tag = "2")]
    str: i64,
}

#[derive(Clone, PartialEq, Message)]
struct Location {
    #[prost(uint64, tag = "1")]
    id: u64,
    #[prost(message, repeated, tag = "4")]
    line: Vec<Line>,
}

#[derive(Clone, PartialEq, Message)]
struct Line {
    #[prost(uint64, tag = "1")]
    function_id: u64,
    #[prost(int64, tag = "2")]
    line: i64,
}

#[derive(Clone, PartialEq, Message)]
struct Function {
    #[prost(uint64, tag = "1")]
    id: u64,
    #[prost(int64, tag = "2")]
    name: i64,
    #[prost(int64, tag = "3")]
    system_name: i64,
    #[prost(int64, tag = "4")]
    filename: i64,
    #[prost(int64, tag = "5")]
    start_line: i64,
}

/// Builds the string table, functions and locations as samples need them.
#[derive(Default)]
struct Builder {
    strings: Vec<String>,
    string_ids: HashMap<String, i64>,
    functions: Vec<Function>,
    locations: Vec<Location>,
    /// One location (and function) per distinct frame name.
    frame_ids: HashMap<String, u64>,
}

impl Builder {
    fn string(&mut self, text: &str) -> i64 {
        if let Some(&id) = self.string_ids.get(text) {
            return id;
        }
        let id = self.strings.len() as i64;
        self.strings.push(text.to_owned());
        self.string_ids.insert(text.to_owned(), id);
        id
    }

    /// The location of frame `name` (a type name or a site).
    fn frame(&mut self, name: &str) -> u64 {
        if let Some(&id) = self.frame_ids.get(name) {
            return id;
        }
        let id = self.locations.len() as u64 + 1;
        let (file, line) = split_site(name);
        let function = Function {
            id,
            name: self.string(name),
            system_name: self.string(name),
            filename: self.string(file),
            start_line: line,
        };
        self.functions.push(function);
        self.locations.push(Location {
            id,
            line: vec![Line {
                function_id: id,
                line,
            }],
        });
        self.frame_ids.insert(name.to_owned(), id);
        id
    }
}

/// `("demo.scm", 12)` for a site `demo.scm:12 make-tree`; `("", 0)` otherwise.
fn split_site(site: &str) -> (&str, i64) {
    let Some((place, _name)) = site.split_once(' ') else {
        return ("", 0);
    };
    match place.rsplit_once(':') {
        Some((file, line)) => match line.parse() {
            Ok(line) if !file.is_empty() => (file, line),
            _ => ("", 0),
        },
        None => ("", 0),
    }
}

/// Encodes `profile` as pprof's protobuf, uncompressed.
fn encode(profile: &HeapProfile, time_nanos: i64) -> Vec<u8> {
    let mut builder = Builder::default();
    builder.string("");
    let count = builder.string("count");
    let bytes = builder.string("bytes");
    let sample_type = [
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ]
    .iter()
    .zip([count, bytes, count, bytes])
    .map(|(name, unit)| ValueType {
        r#type: builder.string(name),
        unit,
    })
    .collect();
    let type_key = builder.string("type");
    let mut samples = Vec::with_capacity(profile.samples.len());
    for row in &profile.samples {
        let mut location_id = vec![builder.frame(row.type_name)];
        for function in &row.backtrace {
            location_id.push(builder.frame(function));
        }
        for site in row.sites.iter().rev() {
            location_id.push(builder.frame(site));
        }
        let value = [
            row.alloc_objects,
            row.alloc_space,
            row.inuse_objects,
            row.inuse_space,
        ];
        let label = vec![Label {
            key: type_key,
            str: builder.string(row.type_name),
        }];
        samples.push(Sample {
            location_id,
            value: value
                .iter()
                .map(|&v| v.min(i64::MAX as u64) as i64)
                .collect(),
            label,
        });
    }
    let space = builder.string("space");
    let default_sample_type = builder.string("inuse_space");
    let message = Profile {
        sample_type,
        sample: samples,
        location: builder.locations,
        function: builder.functions,
        string_table: builder.strings,
        time_nanos,
        period_type: Some(ValueType {
            r#type: space,
            unit: bytes,
        }),
        period: profile.rate as i64,
        default_sample_type,
    };
    message.encode_to_vec()
}

/// Writes `profile` to `out` as gzipped `profile.proto`.
pub(crate) fn write(profile: &HeapProfile, out: &mut dyn Write) -> io::Result<()> {
    let time_nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as i64);
    let encoded = encode(profile, time_nanos);
    let mut gzip = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    gzip.write_all(&encoded)?;
    gzip.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::heap_profile::ProfileSample;

    #[test]
    fn sites_give_file_and_line() {
        assert_eq!(split_site("demo.scm:12 make-tree"), ("demo.scm", 12));
        assert_eq!(split_site("make-tree"), ("", 0));
        assert_eq!(split_site(":3 f"), ("", 0));
    }

    #[test]
    fn encoding_round_trips_through_prost() {
        let profile = HeapProfile {
            samples: vec![ProfileSample {
                sites: vec!["a.scm:1 main".into(), "a.scm:5 leaf".into()],
                backtrace: vec!["app::alloc_pair".into()],
                type_name: "Pair",
                alloc_objects: 3,
                alloc_space: 96,
                inuse_objects: 1,
                inuse_space: 32,
            }],
            rate: 1,
        };
        let decoded = Profile::decode(&encode(&profile, 7)[..]).expect("valid protobuf");
        let name = |id: u64| {
            let function = &decoded.function[id as usize - 1];
            decoded.string_table[function.name as usize].clone()
        };
        let stack: Vec<_> = decoded.sample[0]
            .location_id
            .iter()
            .map(|&id| name(id))
            .collect();
        let expected = ["Pair", "app::alloc_pair", "a.scm:5 leaf", "a.scm:1 main"];
        assert_eq!(stack, expected, "leaf first");
        assert_eq!(decoded.sample[0].value, [3, 96, 1, 32]);
        assert_eq!(decoded.string_table[0], "");
        assert_eq!(decoded.sample_type.len(), 4);
    }
}
