#![allow(dead_code)]
//! Test helpers: hand-built snapshots (`Snapshot::from_flat`) and committed testdata with DevTools' references.

use heapsnap_core::{Snapshot, StringTable};

/// Parses snapshot JSON text with the real parser.
pub fn from_json(text: &str) -> Snapshot {
    heapsnap_core::parse::parse_bytes(std::sync::Arc::new(text.as_bytes().to_vec()), &Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

pub const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],"location_fields":["object_index","script_id","line","column"]}"#;

/// (type, name, id, self size, detachedness, edges as (type, name or index, target)).
pub type BuilderNode = (u64, String, u64, u64, u64, Vec<(u64, String, u64)>);

/// A tiny builder for hand-made graphs in V8's current layout.
#[derive(Default)]
pub struct Builder {
    pub strings: Vec<String>,
    pub nodes: Vec<BuilderNode>,
}

pub fn node_type(t: &str) -> u64 {
    ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native", "synthetic"]
        .iter()
        .position(|x| *x == t)
        .unwrap() as u64
}
pub fn edge_type(t: &str) -> u64 {
    ["context", "element", "property", "internal", "hidden", "shortcut", "weak"].iter().position(|x| *x == t).unwrap()
        as u64
}

impl Builder {
    /// Adds a node; returns its ordinal.
    pub fn node(&mut self, ty: &str, name: &str, id: u64, size: u64) -> usize {
        self.nodes.push((node_type(ty), name.to_owned(), id, size, 0, Vec::new()));
        self.nodes.len() - 1
    }
    pub fn edge(&mut self, from: usize, ty: &str, name: &str, to: usize) {
        self.nodes[from].5.push((edge_type(ty), name.to_owned(), to as u64));
    }
    pub fn build(&self) -> Snapshot {
        let mut strings: Vec<String> = vec![String::new()];
        let idx = |s: &str, strings: &mut Vec<String>| -> u64 {
            match strings.iter().position(|x| x == s) {
                Some(i) => i as u64,
                None => {
                    strings.push(s.to_owned());
                    strings.len() as u64 - 1
                }
            }
        };
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        for (t, name, id, size, det, es) in &self.nodes {
            let ni = idx(name, &mut strings);
            nodes.extend_from_slice(&[*t, ni, *id, *size, es.len() as u64, *det]);
            for (et, en, to) in es {
                let n = if *et == 1 || *et == 4 { en.parse().unwrap() } else { idx(en, &mut strings) };
                edges.extend_from_slice(&[*et, n, to * 6]);
            }
        }
        let header: heapsnap_core::Header = serde_json::from_str(&format!(
            r#"{{"meta":{META},"node_count":{},"edge_count":{},"trace_function_count":0}}"#,
            nodes.len() / 6,
            edges.len() / 3
        ))
        .unwrap();
        Snapshot::from_flat(header, &nodes, &edges, StringTable::from_strings(&strings)).unwrap()
    }
}

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{parse_bytes, ParseOptions};

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
