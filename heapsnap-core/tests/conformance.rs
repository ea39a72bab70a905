//! heapsnap's numbers against Chrome DevTools' own, on every committed snapshot. The
//! references were computed by DevTools' heap snapshot worker (testdata/reference/
//! regenerate.sh, and CI re-checks that they still are). Every class row, the Statistics,
//! the top 50 objects, and every node's retained size, distance and dominator must be equal.

mod common;

use heapsnap_core::analysis::Heap;
use serde_json::Value;

/// Collects every difference instead of stopping at the first, so one run shows the pattern.
struct Diffs(Vec<String>);

impl Diffs {
    fn check<T: PartialEq + std::fmt::Debug>(&mut self, what: impl FnOnce() -> String, ours: T, theirs: T) {
        if ours != theirs {
            self.0.push(format!("{}: heapsnap {:?}, DevTools {:?}", what(), ours, theirs));
        }
    }
    fn finish(self, name: &str) {
        if !self.0.is_empty() {
            let shown: Vec<_> = self.0.iter().take(40).cloned().collect();
            panic!("{name}: {} differences from DevTools, first ones:\n{}", self.0.len(), shown.join("\n"));
        }
    }
}

fn u(v: &Value) -> u64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")) as u64
}

fn i(v: &Value) -> i64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")) as i64
}

fn conforms(name: &str) {
    let heap = common::heap(name);
    let reference = common::reference(name);
    let mut d = Diffs(Vec::new());
    let snap = heap.snapshot();

    d.check(|| "node count".into(), snap.node_count() as u64, u(&reference["nodes"]));
    d.check(|| "edge count".into(), snap.edge_count() as u64, u(&reference["edges"]));
    d.check(|| "total size".into(), heap.total_size(), u(&reference["total_size"]));
    let stats = serde_json::to_value(heap.statistics()).unwrap();
    d.check(|| "statistics".into(), &stats, &reference["statistics"]);

    // Summary rows. Names can repeat (location-keyed classes), so compare sorted row lists.
    let row = |name: &str, count: u64, selfs: u64, ret: u64, dist: i64| (name.to_string(), count, selfs, ret, dist);
    let mut ours: Vec<_> =
        heap.summary().iter().map(|c| row(&c.name, c.count, c.self_size, c.retained_size, c.distance as i64)).collect();
    let mut theirs: Vec<_> = reference["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            row(
                c["name"].as_str().unwrap(),
                u(&c["count"]),
                u(&c["self_size"]),
                u(&c["retained_size"]),
                i(&c["distance"]),
            )
        })
        .collect();
    ours.sort();
    theirs.sort();
    d.check(|| "number of Summary classes".into(), ours.len(), theirs.len());
    let (mut a, mut b) = (ours.iter().peekable(), theirs.iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        if x == y {
            a.next();
            b.next();
        } else if x < y {
            d.0.push(format!("class only heapsnap has (or differs): {x:?}"));
            a.next();
        } else {
            d.0.push(format!("class only DevTools has (or differs): {y:?}"));
            b.next();
        }
    }
    a.for_each(|x| d.0.push(format!("class only heapsnap has: {x:?}")));
    b.for_each(|y| d.0.push(format!("class only DevTools has: {y:?}")));

    // Top 50 objects by retained size, in order.
    let top = heap.top_objects(50);
    for (k, (o, r)) in top.iter().zip(reference["top_objects"].as_array().unwrap()).enumerate() {
        d.check(|| format!("top object #{k} id"), o.id as u64, u(&r["id"]));
        d.check(|| format!("top object #{k} retained"), o.retained_size, u(&r["retained_size"]));
        d.check(|| format!("top object #{k} self"), o.self_size, u(&r["self_size"]));
        d.check(|| format!("top object #{k} distance"), o.distance as i64, i(&r["distance"]));
        d.check(|| format!("top object #{k} class"), o.class_name.as_str(), r["class_name"].as_str().unwrap());
        d.check(|| format!("top object #{k} type"), o.ty.as_str(), r["type"].as_str().unwrap());
        let their_name = r["name"].as_str().unwrap();
        let our_name: String = o.name.chars().take(their_name.chars().count()).collect();
        d.check(|| format!("top object #{k} name"), our_name.as_str(), their_name);
    }

    // Every node: [id, self_size, retained_size, distance, dominator id].
    if let Some(detail) = reference["nodes_detail"].as_array() {
        d.check(|| "nodes_detail length".into(), detail.len(), snap.node_count());
        for (n, r) in detail.iter().enumerate().take(snap.node_count()) {
            let n32 = n as u32;
            let r = r.as_array().unwrap();
            d.check(|| format!("node {n} id"), snap.node_id(n32) as u64, u(&r[0]));
            d.check(|| format!("node {n} (@{}) self size", u(&r[0])), heap.shallow_size(n32), u(&r[1]));
            d.check(|| format!("node {n} (@{}) retained size", u(&r[0])), heap.retained_size(n32), u(&r[2]));
            d.check(|| format!("node {n} (@{}) distance", u(&r[0])), heap.distance(n32) as i64, i(&r[3]));
            d.check(
                || format!("node {n} (@{}) dominator id", u(&r[0])),
                snap.node_id(heap.dominator(n32)) as u64,
                u(&r[4]),
            );
        }
    }
    d.finish(name);
}

macro_rules! conformance_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $( #[test] fn $test() { conforms($name); } )*
    };
}

conformance_tests! {
    node_service => "node-service",
    stampede_a => "stampede-a",
    stampede_b => "stampede-b",
    query_a => "query-a",
    query_b => "query-b",
    restart_a => "restart-a",
    restart_b => "restart-b",
    chromium_detached_a => "chromium-detached-a",
    chromium_detached_b => "chromium-detached-b",
}

/// Loading the same file through the chunked parser (as the browser does) gives the same
/// analysis as the whole-buffer parser.
#[test]
fn chunked_and_whole_parses_agree_on_real_files() {
    use heapsnap_core::parse::{ChunkedParser, ParseOptions};
    for name in ["node-service", "chromium-detached-a"] {
        let bytes = common::gunzip(&format!("{name}.heapsnapshot.gz"));
        let mut parser = ChunkedParser::new(ParseOptions::default());
        for chunk in bytes.chunks(65_521) {
            parser.push(chunk).unwrap();
        }
        let chunked = Heap::analyze(parser.finish().unwrap());
        let whole = common::heap(name);
        assert_eq!(chunked.summary(), whole.summary(), "{name}");
        assert_eq!(chunked.total_size(), whole.total_size(), "{name}");
    }
}
