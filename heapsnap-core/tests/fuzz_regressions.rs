//! Replays inputs that once broke (or were built to break) the parser: crashers the fuzzer
//! (`fuzz/run.sh`) found go in `tests/fuzz_regressions/`, next to hand-made hostile files.
//! Each must give the same success or failure mapped and chunked, and never panic, salvaged
//! or not.

use std::sync::Arc;

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{parse_bytes, ChunkedParser, ParseOptions};

#[test]
fn regressions_replay_without_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let whole = parse_bytes(Arc::new(data.clone()), &ParseOptions::default());
        for split in [0, 1, data.len() / 2, data.len().saturating_sub(1)] {
            let mut p = ChunkedParser::with_len(ParseOptions::default(), data.len() as u64);
            let streamed = p.push(&data[..split]).and_then(|_| p.push(&data[split..])).and_then(|_| p.finish());
            assert_eq!(
                whole.is_ok(),
                streamed.is_ok(),
                "{name} split {split}: {:?} vs {:?}",
                whole.as_ref().err(),
                streamed.err()
            );
        }
        if let Ok(s) = whole {
            let h = Heap::analyze(s);
            let _ = (h.summary(), h.statistics(), h.top_objects(3));
        }
        // As the fuzz target does: salvage too (oom-7f59e971 once asked it for 66 M placeholders).
        let salvage = ParseOptions { salvage: true, ..Default::default() };
        if let Ok(s) = parse_bytes(Arc::new(data), &salvage) {
            let _ = Heap::analyze(s).summary();
        }
        seen += 1;
    }
    assert!(seen >= 8, "the hand-made hostile inputs and the fuzzer's finds are there");
}

#[test]
fn hostile_headers_and_values_are_errors_or_exact() {
    let read = |n: &str| std::fs::read(format!("{}/tests/fuzz_regressions/{n}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let parse = |n: &str| parse_bytes(Arc::new(read(n)), &ParseOptions::default());
    assert_eq!(parse("huge-counts.heapsnapshot").unwrap_err().kind, heapsnap_core::ErrorKind::TooLarge);
    assert_eq!(parse("edge-past-nodes.heapsnapshot").unwrap_err().section, heapsnap_core::Section::Edges);
    assert_eq!(parse("unterminated-string.heapsnapshot").unwrap_err().kind, heapsnap_core::ErrorKind::Truncated);
    assert_eq!(parse("huge-number.heapsnapshot").unwrap_err().section, heapsnap_core::Section::Nodes);
    assert_eq!(parse("big-self-size.heapsnapshot").unwrap().self_size(0), u64::MAX);
    let deep = parse("deep-trace-tree.heapsnapshot").unwrap();
    assert_eq!(deep.trace.trace_tree_json.len(), 200_000);
    let loops = Heap::analyze(parse("self-loop-weak-shortcut.heapsnapshot").unwrap());
    assert_eq!(loops.total_size(), 10);
}
