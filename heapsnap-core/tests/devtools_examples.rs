//! Spec §12 worked examples and §14 DevTools fixtures. Every expected number below comes
//! from the spec (produced by running DevTools' own worker); Example B's file was built by
//! hand from §12.2's description and confirmed against DevTools 1.0.1705227 with
//! `shared/conformance/devtools-reference.sh`.

mod common;

use std::borrow::Cow;

use heapsnap_core::analysis::classes::{self, InterfaceDefinition};
use heapsnap_core::analysis::{flags, Heap, NO_DISTANCE};
use heapsnap_core::{Header, Snapshot, StringTable};

fn summary_rows(h: &Heap) -> Vec<(String, u64, u64, u64, i32)> {
    h.summary().into_iter().map(|r| (r.key, r.count, r.self_size, r.retained_size, r.distance)).collect()
}

fn row(key: &str, c: u64, s: u64, r: u64, d: i32) -> (String, u64, u64, u64, i32) {
    (key.to_owned(), c, s, r, d)
}

#[test]
fn example_a_user_roots_transfer_weakmap_orphan() {
    let snap = common::from_json(include_str!("fixtures/example_a.heapsnapshot"));
    let h = Heap::analyze(snap);
    assert!(h.has_user_roots());
    // (name, class, self after transfer, retained, distance, idom) per §12.1's table.
    let table: [(&str, &str, u64, u64, i32, u32); 14] = [
        ("", "(synthetic)", 0, 688, 100000000, 0),
        ("(GC roots)", "(synthetic)", 0, 0, 100000001, 0),
        ("Window / https://a.test", "Window / https://a.test", 56, 618, 1, 0),
        ("(Strong roots)", "(synthetic)", 0, 0, 100000002, 1),
        ("(object properties)", "(array)", 0, 0, 2, 2),
        ("Foo", "Foo", 24, 230, 2, 2),
        ("Foo", "Foo", 124, 124, 3, 5),
        ("", "(array)", 0, 0, 4, 6),
        ("", "(array)", 50, 50, 3, 5),
        ("WeakMap", "WeakMap", 20, 20, 2, 2),
        ("Key", "Key", 12, 312, 2, 2),
        ("Val", "Val", 300, 300, 3, 10),
        ("Orphan", "Orphan", 70, 70, NO_DISTANCE, 0),
        ("hello", "(string)", 32, 32, 3, 5),
    ];
    for (o, (name, class, size, ret, dist, idom)) in table.iter().enumerate() {
        let o = o as u32;
        assert_eq!(h.display_name(o), *name, "name of {o}");
        assert_eq!(h.class_name(o), *class, "class of {o}");
        assert_eq!(h.shallow_size(o), *size, "self of {o}");
        assert_eq!(h.retained_size(o), *ret, "retained of {o}");
        assert_eq!(h.distance(o), *dist, "distance of {o}");
        assert_eq!(h.dominator(o), *idom, "idom of {o}");
    }
    assert_eq!(h.total_size(), 1688);
    assert_eq!(h.unreachable_count(), 1); // "1 nodes are unreachable from the root … Orphan"
    assert_eq!(h.unreachable_clique_count(), 0);
    let mut rows = summary_rows(&h);
    rows.sort();
    let mut want = vec![
        row(",Window / https://a.test", 1, 56, 618, 1),
        row(",Foo", 2, 148, 230, 2),
        row(",(array)", 1, 50, 50, 3),
        row(",WeakMap", 1, 20, 20, 2),
        row(",Key", 1, 12, 312, 2),
        row(",Val", 1, 300, 300, 3),
        row(",Orphan", 1, 70, 70, -5),
        row(",(string)", 1, 32, 32, 3),
    ];
    want.sort();
    assert_eq!(rows, want);
    // Sorted by retained desc.
    let order: Vec<String> = h.summary().into_iter().map(|r| r.name).collect();
    assert_eq!(order[0], "Window / https://a.test");
    assert_eq!(order[1], "Key");
    assert_eq!(
        serde_json::to_string(&h.statistics()).unwrap(),
        r#"{"total":1688,"native":{"total":1000,"typedArrays":0},"v8heap":{"total":688,"code":0,"jsArrays":0,"strings":32,"system":0}}"#
    );
    // The WeakMap table's half of the ephemeron pair is not essential; the key's is.
    let wm_edge = h.snapshot().edges_of(9).find(|&e| h.snapshot().edges.to[e] == 11).unwrap();
    let key_edge = h.snapshot().edges_of(10).find(|&e| h.snapshot().edges.to[e] == 11).unwrap();
    assert!(!h.is_essential(wm_edge));
    assert!(h.is_essential(key_edge));
    // Page objects: everything reachable from Window over non-weak edges.
    assert_ne!(h.flags(2) & flags::PAGE_OBJECT, 0);
    assert_eq!(h.flags(12) & flags::PAGE_OBJECT, 0);
    assert_eq!(h.flags(1) & flags::PAGE_OBJECT, 0);
    let top = h.top_objects(3);
    assert_eq!(top.iter().map(|t| t.id).collect::<Vec<_>>(), vec![1, 5, 21]);
    assert_eq!(h.find_by_id(23), Some(11));
    assert_eq!(h.find_by_id(24), None);
}

#[test]
fn example_b_no_user_roots_interfaces_locations_dom_state() {
    let snap = common::from_json(include_str!("fixtures/example_b.heapsnapshot"));
    let sizes_before: Vec<u64> = (0..snap.node_count() as u32).map(|n| snap.self_size(n)).collect();
    let h = Heap::analyze(snap);
    assert!(!h.has_user_roots());
    // No transfer without user roots.
    let sizes_after: Vec<u64> = (0..h.node_count() as u32).map(|n| h.shallow_size(n)).collect();
    assert_eq!(sizes_before, sizes_after);
    assert_eq!(&[h.distance(0), h.distance(1), h.distance(2), h.distance(3), h.distance(4)], &[0, 1, 2, 3, 4]);
    for o in 5..8 {
        assert_eq!(h.class_name(o), "{x, y}");
    }
    assert_eq!(
        serde_json::to_string(h.interface_definitions()).unwrap(),
        r#"[{"name":"{x, y}","properties":["x","y"],"count":3}]"#
    );
    // Under its own shapes (counts aside) the keys are the Heap's own, borrowed; under none,
    // the {x, y} objects fall back to Object.
    let own = vec![InterfaceDefinition { name: "{x, y}".into(), properties: vec!["x".into(), "y".into()], count: 0 }];
    let under_own = h.class_keys_under(&own);
    assert!(matches!(under_own, Cow::Borrowed(_)));
    let recomputed = classes::calculate_with(h.snapshot(), &h.snapshot().locations, Some(&own));
    assert_eq!(recomputed.node_key, h.classes().node_key);
    let under_none = h.class_keys_under(&[]);
    assert!(matches!(under_none, Cow::Owned(_)));
    assert_eq!(under_none.key_name(under_none.node_key[5]), "Object");
    assert_eq!(h.class_name(14), "Object");
    assert_eq!(h.display_name(14), r#"{"weird,name"}"#);
    assert_eq!(h.display_name(5), "{x, y}");
    assert_eq!(h.public_class_key(16), "7,10,2,Foo");
    assert_eq!(h.public_class_key(17), "8,3,4,Foo");
    assert_eq!(h.display_name(18), "Detached HTMLDivElement");
    assert_eq!(h.class_name(18), "Detached HTMLDivElement");
    assert_eq!(h.dom_state(18), 2);
    assert_eq!(h.dom_state(19), 1); // the span stays attached (the body reaches it)
    assert_eq!(h.display_name(19), r#"<span class="x">"#);
    assert_eq!(h.class_name(19), "<span>");
    assert_eq!(h.dom_state(20), 0); // never through JS objects
    let rows = summary_rows(&h);
    let mut sorted = rows.clone();
    sorted.sort();
    let mut want = vec![
        row(",{x, y}", 3, 84, 180, 5),
        row(",(string)", 7, 112, 112, 5),
        row(",Array", 1, 16, 196, 4),
        row(",Object", 1, 28, 44, 4),
        row("7,10,2,Foo", 1, 20, 20, 4),
        row("8,3,4,Foo", 1, 20, 20, 4),
        row(",Detached HTMLDivElement", 1, 100, 100, 4),
        row(",<span>", 1, 50, 80, 5),
        row(",HTMLSpanElement", 1, 30, 30, 6),
        row(",HTMLBodyElement", 1, 10, 10, 4),
        row(",Window [JSGlobalObject] / https://a.test", 1, 40, 510, 3),
    ];
    want.sort();
    assert_eq!(sorted, want);
    assert_eq!(rows[0].0, ",Window [JSGlobalObject] / https://a.test");
    assert_eq!(rows[1].0, ",Array");
    assert_eq!(
        serde_json::to_string(&h.statistics()).unwrap(),
        r#"{"total":510,"native":{"total":160,"typedArrays":0},"v8heap":{"total":350,"code":0,"jsArrays":16,"strings":112,"system":0}}"#
    );
    assert_eq!(h.total_size(), 510);
    // <span> is dominated by the global (two native parents), HTMLSpanElement by the span.
    assert_eq!(h.dominator(19), 3);
    assert_eq!(h.dominator(20), 19);
}

#[test]
fn page_object_rule_and_clique() {
    let mut b = common::Builder::default();
    let root = b.node("synthetic", "", 1, 0);
    let win = b.node("object", "Window", 3, 10);
    let s = b.node("object", "S", 5, 11);
    let t = b.node("object", "T", 7, 13);
    let p = b.node("object", "P", 9, 5);
    let q = b.node("object", "Q", 11, 7);
    let x = b.node("object", "X", 13, 3);
    b.edge(root, "shortcut", "1", win);
    b.edge(win, "weak", "s", s);
    b.edge(win, "property", "t", t);
    b.edge(s, "property", "t", t);
    b.edge(p, "property", "q", q);
    b.edge(q, "property", "p", p);
    b.edge(p, "property", "x", x);
    let h = Heap::analyze(b.build());
    assert_eq!(h.dominator(s as u32), root as u32); // orphan under the root
    assert_eq!(h.dominator(t as u32), win as u32); // S→T is not essential (non-page → page)
    assert!(!h.is_essential(h.snapshot().edges_of(s as u32).start));
    assert_eq!(h.retained_size(win as u32), 23);
    assert_eq!(h.retained_size(s as u32), 11);
    for (n, size) in [(p, 5), (q, 7), (x, 3)] {
        assert_eq!(h.dominator(n as u32), root as u32);
        assert_eq!(h.distance(n as u32), NO_DISTANCE);
        assert_eq!(h.retained_size(n as u32), size);
    }
    assert_eq!(h.retained_size(root as u32), 10 + 11 + 13 + 5 + 7 + 3);
    assert_eq!(h.unreachable_count(), 4);
    assert_eq!(h.unreachable_clique_count(), 3);
}

const MOCK: &str = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","retained_size","dominator","edge_count"],"node_types":[["hidden","object"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","property","shortcut"]],"location_fields":["object_index","script_id","line","column"]},"node_count":6,"edge_count":7,"trace_function_count":1},
"nodes":[0,0,1,0,20,0,2, 1,1,2,2,2,0,2, 1,2,3,3,8,0,2, 1,3,4,4,10,0,1, 1,4,5,5,5,14,0, 1,5,6,6,6,21,0],
"edges":[1,6,7, 1,7,14, 0,1,14, 1,8,21, 1,9,21, 1,10,28, 1,11,35],
"locations":[0,1,2,3, 18,2,3,4],
"strings":["","A","B","C","D","E","a","b","ac","bc","bd","ce"]}"#;

#[test]
fn devtools_create_heap_snapshot_mock() {
    let snap = common::from_json(MOCK);
    assert_eq!(snap.nodes.first_edge, vec![0, 2, 4, 6, 7, 7, 7]); // ×3 = [0,6,12,18,21,21,21]
    let extra_ret = snap.nodes.extra.iter().find(|(n, _)| n == "retained_size").unwrap().1.clone();
    let extra_dom = snap.nodes.extra.iter().find(|(n, _)| n == "dominator").unwrap().1.clone();
    let h = Heap::analyze(snap);
    assert_eq!(h.node_count(), 6);
    assert_eq!(h.total_size(), 20);
    let doms: Vec<u32> = (0..6).map(|n| h.dominator(n)).collect();
    assert_eq!(doms, vec![0, 0, 0, 0, 2, 3]);
    assert_eq!(doms.iter().map(|&d| d * 7).collect::<Vec<_>>()[1..], extra_dom[1..]);
    let ret: Vec<u64> = (0..6).map(|n| h.retained_size(n)).collect();
    assert_eq!(ret, vec![20, 2, 8, 10, 5, 6]);
    assert_eq!(ret, extra_ret.iter().map(|&v| v as u64).collect::<Vec<_>>());
    // dominatedNodes [21,14,7,28,35] / 7, firstDominatedNodeIndex [0,3,3,4,5,5,5].
    let all: Vec<u32> = (0..6).flat_map(|n| h.dominated(n).to_vec()).collect();
    assert_eq!(all, vec![3, 2, 1, 4, 5]);
    let lens: Vec<usize> = (0..6).map(|n| h.dominated(n).len()).collect();
    assert_eq!(lens, vec![3, 0, 1, 1, 0, 0]);
    let dist: Vec<i32> = (0..6).map(|n| h.distance(n)).collect();
    assert_eq!(dist, vec![100_000_000, 1, 1, 2, 2, 3]);
    // Retainers: ''→[], A→[''], B→['','A'], C→['A','B'], D→['B'], E→['C'] as sets, and
    // DevTools' slice order (reverse global edge order).
    let names = |n: u32| -> Vec<String> { h.retainers(n).map(|(s, _)| h.display_name(s)).collect() };
    assert!(names(0).is_empty());
    assert_eq!(names(1), vec![""]);
    assert_eq!(names(2), vec!["A", ""]);
    assert_eq!(names(3), vec!["B", "A"]);
    assert_eq!(names(4), vec!["B"]);
    assert_eq!(names(5), vec!["C"]);
    let rows: Vec<(String, u64, u64, u64)> =
        h.summary().into_iter().map(|r| (r.name, r.count, r.self_size, r.retained_size)).collect();
    let mut rows = rows;
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("A".into(), 1, 2, 2),
            ("B".into(), 1, 3, 8),
            ("C".into(), 1, 4, 10),
            ("D".into(), 1, 5, 5),
            ("E".into(), 1, 6, 6)
        ]
    );
}

#[test]
fn devtools_large_retained_size_is_exact() {
    let n = 6u64;
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for i in 0..n {
        let ty = if i == 0 { 9 } else { 3 };
        nodes.extend_from_slice(&[ty, 0, 2 * i + 1, 1_000_000_000, u64::from(i + 1 < n), 0]);
        if i + 1 < n {
            edges.extend_from_slice(&[3, 1, (i + 1) * 6]);
        }
    }
    let header: Header =
        serde_json::from_str(&format!(r#"{{"meta":{},"node_count":6,"edge_count":5}}"#, common::META)).unwrap();
    let s = Snapshot::from_flat(header, &nodes, &edges, StringTable::from_strings(&["", "next"])).unwrap();
    let h = Heap::analyze(s);
    assert_eq!(h.retained_size(0), 6_000_000_000);
    assert_eq!(h.total_size(), 6_000_000_000);
    assert_eq!(h.statistics().total, 6_000_000_000);
}

#[test]
fn devtools_page_owned_flags() {
    // heapSnapshotPageOwned: root →element Debugger, →shortcut Window; Window→PageOwnedNode,
    // Debugger→PageOwnedNode, Debugger→debuggerOwnedNode. pageObject flags [0,0,4,4,0].
    let mut b = common::Builder::default();
    let root = b.node("synthetic", "", 1, 0);
    let dbg = b.node("object", "Debugger", 3, 1);
    let win = b.node("object", "Window", 5, 1);
    let page = b.node("object", "PageOwnedNode", 7, 1);
    let dbo = b.node("object", "debuggerOwnedNode", 9, 1);
    b.edge(root, "element", "0", dbg);
    b.edge(root, "shortcut", "1", win);
    b.edge(win, "property", "p", page);
    b.edge(dbg, "property", "p", page);
    b.edge(dbg, "property", "d", dbo);
    let h = Heap::analyze(b.build());
    let f: Vec<u8> = (0..5).map(|n| h.flags(n) & flags::PAGE_OBJECT).collect();
    assert_eq!(f, vec![0, 0, 4, 4, 0]);
    assert_eq!(h.dominator(page as u32), win as u32);
}

#[test]
fn deep_chain_of_a_million_nodes_does_not_overflow() {
    let n = 1_000_000u64;
    let mut nodes = Vec::with_capacity(n as usize * 6);
    let mut edges = Vec::with_capacity(n as usize * 3);
    for i in 0..n {
        let more = i + 1 < n;
        // every node also points back to the root's child 1 (cycles) to stress compression
        nodes.extend_from_slice(&[3, 0, 2 * i + 1, 1, if more { 2 } else { 0 }, 0]);
        if more {
            edges.extend_from_slice(&[2, 1, (i + 1) * 6]);
            edges.extend_from_slice(&[2, 1, if i > 1 { 6 } else { (i + 1) * 6 }]);
        }
    }
    let header: Header = serde_json::from_str(&format!(
        r#"{{"meta":{},"node_count":{n},"edge_count":{}}}"#,
        common::META,
        edges.len() / 3
    ))
    .unwrap();
    let s = Snapshot::from_flat(header, &nodes, &edges, StringTable::from_strings(&["", "next"])).unwrap();
    let h = Heap::analyze(s);
    assert_eq!(h.retained_size(0), n);
    assert_eq!(h.dominator(n as u32 - 1), n as u32 - 2);
    assert_eq!(h.retained_size(1), n - 1);
    assert_eq!(h.distance(n as u32 - 1), (n - 1) as i32);
    assert_eq!(h.summary()[0].retained_size, n); // root's class: the Summary walk is iterative too
}
