//! Damaged real files: every testdata snapshot cut at each section boundary (and around it)
//! and at spread offsets, and with bytes replaced at many positions. The parser must answer
//! with an error naming a section and an offset inside the input, or with a snapshot that the
//! analysis then handles; never a panic.

mod common;

use std::sync::Arc;

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{parse_bytes, ChunkedParser, ParseOptions};
use heapsnap_core::{ErrorKind, Section};

const SNAPSHOTS: [&str; 9] = [
    "node-service",
    "stampede-a",
    "stampede-b",
    "query-a",
    "query-b",
    "restart-a",
    "restart-b",
    "chromium-detached-a",
    "chromium-detached-b",
];

fn bytes(name: &str) -> Vec<u8> {
    common::gunzip(&format!("{name}.heapsnapshot.gz"))
}

/// Offsets where sections start, and a few bytes either side.
fn boundaries(data: &[u8]) -> Vec<usize> {
    let mut cuts = Vec::new();
    for key in [
        "\"snapshot\"",
        "\"meta\"",
        "\"nodes\"",
        "\"edges\"",
        "\"trace_function_infos\"",
        "\"samples\"",
        "\"locations\"",
        "\"strings\"",
    ] {
        if let Some(at) = data.windows(key.len()).position(|w| w == key.as_bytes()) {
            for d in -3i64..=12 {
                let c = at as i64 + d;
                if c > 0 && (c as usize) < data.len() {
                    cuts.push(c as usize);
                }
            }
        }
    }
    cuts
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn every_file_cut_anywhere_is_diagnosed() {
    for name in SNAPSHOTS {
        let data = bytes(name);
        let end = data.iter().rposition(|&b| b == b'}').unwrap();
        let mut cuts = boundaries(&data);
        cuts.extend((1..40).map(|k| end * k / 40));
        cuts.extend([0, 1, end - 1, end]);
        for cut in cuts {
            let prefix = &data[..cut];
            let e = parse_bytes(Arc::new(prefix.to_vec()), &ParseOptions::default())
                .expect_err(&format!("{name} cut at {cut} must not parse"));
            assert!(e.offset as usize <= cut, "{name} cut at {cut}: {e}");
            assert!(matches!(e.kind, ErrorKind::Truncated | ErrorKind::Invalid), "{name} cut at {cut}: {e}");
            if e.kind == ErrorKind::Truncated {
                assert!(e.message.contains("ends early"), "{name} cut at {cut}: {e}");
            }
            // Pushed in chunks, the same cut is the same diagnosis.
            let mut p = ChunkedParser::new(ParseOptions::default());
            let c = prefix.chunks(1 << 16).try_for_each(|ch| p.push(ch)).and_then(|_| p.finish().map(|_| ()));
            let c = c.expect_err("chunked too");
            assert_eq!((c.kind, c.section), (e.kind, e.section), "{name} cut at {cut}: {e} vs {c}");
        }
    }
}

#[test]
fn cut_inside_strings_salvages_exact_sizes() {
    for name in ["stampede-b", "chromium-detached-b"] {
        let data = bytes(name);
        let full = Heap::analyze(parse_bytes(Arc::new(data.clone()), &ParseOptions::default()).unwrap());
        let at = data.windows(9).position(|w| w == b"\"strings\"").unwrap() + 200;
        let salvage = ParseOptions { salvage: true, ..Default::default() };
        let s = parse_bytes(Arc::new(data[..at].to_vec()), &salvage).unwrap();
        assert!(s.salvaged);
        let h = Heap::analyze(s);
        assert_eq!(h.node_count(), full.node_count(), "{name}");
        assert_eq!(h.total_size(), full.total_size(), "{name}");
        let ids = |h: &Heap| h.top_objects(10).into_iter().map(|o| (o.id, o.retained_size)).collect::<Vec<_>>();
        assert_eq!(ids(&h), ids(&full), "{name}");
    }
}

#[test]
fn replaced_bytes_give_an_error_or_a_usable_snapshot() {
    let replacements = b",]}[\"\\9-x\n0";
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for name in SNAPSHOTS {
        let data = bytes(name);
        let mut parsed = 0;
        for _ in 0..40 {
            let mut damaged = data.clone();
            let at = rng.below(data.len());
            damaged[at] = replacements[rng.below(replacements.len())];
            match parse_bytes(Arc::new(damaged), &ParseOptions::default()) {
                Ok(s) => {
                    parsed += 1;
                    let h = Heap::analyze(s);
                    let _ = (h.summary(), h.statistics(), h.top_objects(5));
                }
                Err(e) => {
                    assert!(e.offset as usize <= data.len(), "{name} byte {at}: {e}");
                    assert!(!e.message.is_empty());
                    assert_ne!(e.section, Section::File, "{name} byte {at}: inside the file, a section is named: {e}");
                }
            }
        }
        assert!(parsed < 40, "{name}: some replacements must be detected");
    }
}
