//! Shared by the integration tests: loading committed testdata and DevTools' references.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{parse_bytes, ParseOptions};
use heapsnap_core::Snapshot;

pub fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata").join(name)
}

pub fn gunzip(name: &str) -> Vec<u8> {
    let file = std::fs::File::open(testdata(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut out).unwrap();
    out
}

/// Parses `testdata/NAME.heapsnapshot.gz`.
pub fn snapshot(name: &str) -> Snapshot {
    let bytes = gunzip(&format!("{name}.heapsnapshot.gz"));
    parse_bytes(Arc::new(bytes), &ParseOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn heap(name: &str) -> Heap {
    Heap::analyze(snapshot(name))
}

/// DevTools' numbers for a snapshot (`testdata/reference/NAME.devtools.json.gz`).
pub fn reference(name: &str) -> serde_json::Value {
    serde_json::from_slice(&gunzip(&format!("reference/{name}.devtools.json.gz"))).unwrap()
}

pub fn comparison_reference(pair: &str) -> serde_json::Value {
    serde_json::from_slice(&gunzip(&format!("reference/{pair}.comparison.devtools.json.gz"))).unwrap()
}
