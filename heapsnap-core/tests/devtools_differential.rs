//! Differential test against Chrome DevTools itself: 39 random snapshots (user roots or not,
//! DOM states, arrays/hidden for the transfer, `(map descriptors)`, WeakMap pairs, weak and
//! shortcut edges, self-loops, cliques) were run through DevTools 1.0.1705227's worker with
//! `shared/conformance/devtools-reference.sh FILE OUT --all`; the `.devtools.json` files
//! hold its answers (r37 is absent: DevTools itself throws "BFS failed" on it, because the
//! root has two edges to the same user root).

mod common;

use heapsnap_core::analysis::Heap;

#[test]
fn random_snapshots_equal_devtools() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/random");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("heapsnapshot") {
            continue;
        }
        let h = Heap::analyze(common::from_json(&std::fs::read_to_string(&path).unwrap()));
        let want: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path.with_extension("devtools.json")).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(h.total_size(), want["total_size"].as_u64().unwrap(), "{name}");
        assert_eq!(serde_json::to_value(h.statistics()).unwrap(), want["statistics"], "{name} statistics");
        let s = h.snapshot();
        for (o, d) in want["nodes_detail"].as_array().unwrap().iter().enumerate() {
            let o = o as u32;
            let got = serde_json::json!([
                s.node_id(o),
                h.shallow_size(o),
                h.retained_size(o),
                h.distance(o),
                s.node_id(h.dominator(o))
            ]);
            assert_eq!(&got, d, "{name} node {o} [id, self, retained, distance, dominator id]");
        }
        let mut got: Vec<String> = h
            .summary()
            .into_iter()
            .map(|c| format!("{}|{}|{}|{}|{}", c.name, c.count, c.self_size, c.retained_size, c.distance))
            .collect();
        let mut exp: Vec<String> = want["classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{}|{}|{}|{}|{}",
                    c["name"].as_str().unwrap(),
                    c["count"],
                    c["self_size"],
                    c["retained_size"],
                    c["distance"]
                )
            })
            .collect();
        got.sort();
        exp.sort();
        assert_eq!(got, exp, "{name} summary");
        checked += 1;
    }
    assert_eq!(checked, 39);
}
