//! Redacted snapshots: string contents gone, every number DevTools shows unchanged.

mod common;

use std::sync::Arc;

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{parse_bytes, ParseOptions};
use heapsnap_core::redact::{redact, RedactOptions};

fn parse(bytes: Vec<u8>) -> Heap {
    Heap::analyze(parse_bytes(Arc::new(bytes), &ParseOptions::default()).unwrap())
}

#[test]
fn redaction_keeps_sizes_structure_and_names_and_drops_contents() {
    for name in ["stampede-b", "query-b", "chromium-detached-b", "node-service"] {
        let input = common::gunzip(&format!("{name}.heapsnapshot.gz"));
        let original = Arc::new(input);
        let snapshot = parse_bytes(original.clone(), &ParseOptions::default()).unwrap();
        let mut out = Vec::new();
        let stats = redact(&original, &snapshot, RedactOptions::default(), &mut out).unwrap();
        assert!(stats.redacted > 1000, "{name}: {stats:?}");
        let (before, after) = (Heap::analyze(snapshot), parse(out.clone()));

        assert_eq!(after.total_size(), before.total_size(), "{name}");
        assert_eq!(
            serde_json::to_value(after.statistics()).unwrap(),
            serde_json::to_value(before.statistics()).unwrap()
        );
        let rows = |h: &Heap| {
            h.summary()
                .into_iter()
                .map(|c| (c.name, c.count, c.self_size, c.retained_size, c.distance))
                .collect::<Vec<_>>()
        };
        assert_eq!(rows(&after), rows(&before), "{name}: class names and numbers");
        for n in 0..before.node_count() as u32 {
            assert_eq!(
                (after.retained_size(n), after.distance(n), after.dominator(n)),
                (before.retained_size(n), before.distance(n), before.dominator(n)),
                "{name} node {n}"
            );
        }
        let text = String::from_utf8_lossy(&out);
        if name == "stampede-b" {
            // Values the scenario stores (testdata/README.md) are gone; names stay.
            assert!(String::from_utf8_lossy(&original).contains("cart-svc:8080"));
            assert!(!text.contains("cart-svc:8080"), "string values are redacted");
            assert!(text.contains("\"Config\"") && text.contains("\"inflight\""), "class and property names stay");
        }
    }
}

#[test]
fn redacting_names_too_keeps_every_number() {
    for name in ["stampede-b", "chromium-detached-b"] {
        let input = Arc::new(common::gunzip(&format!("{name}.heapsnapshot.gz")));
        let snapshot = parse_bytes(input.clone(), &ParseOptions::default()).unwrap();
        let mut out = Vec::new();
        redact(&input, &snapshot, RedactOptions { names: true }, &mut out).unwrap();
        let (before, after) = (Heap::analyze(snapshot), parse(out.clone()));
        assert_eq!(after.total_size(), before.total_size(), "{name}");
        assert_eq!(
            serde_json::to_value(after.statistics()).unwrap(),
            serde_json::to_value(before.statistics()).unwrap()
        );
        for n in 0..before.node_count() as u32 {
            assert_eq!(
                (after.retained_size(n), after.distance(n), after.dominator(n), after.shallow_size(n)),
                (before.retained_size(n), before.distance(n), before.dominator(n), before.shallow_size(n)),
                "{name} node {n}"
            );
        }
        // Classes are renamed one to one: the same rows, under other names.
        let rows = |h: &Heap| {
            let mut r: Vec<_> =
                h.summary().into_iter().map(|c| (c.count, c.self_size, c.retained_size, c.distance)).collect();
            r.sort();
            r
        };
        assert_eq!(rows(&after), rows(&before), "{name}");
        let text = String::from_utf8_lossy(&out);
        if name == "stampede-b" {
            assert!(!text.contains("\"InflightRequest\"") && !text.contains("\"inflight\""), "names are gone");
            assert!(text.contains("\"__proto__\"") && text.contains("\"Object\""), "interpreted names stay");
        }
    }
}
