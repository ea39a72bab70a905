//! `diff`, `duplicates` and retaining paths on the committed scenario pairs
//! (testdata/README.md): the Comparison rows equal DevTools' for every pair, and each
//! scenario's finding is the one a person would want first.

mod common;

use heapsnap_core::analysis::Heap;
use heapsnap_core::diff::{compare_classes, diff, DiffOptions, DiffReport};
use heapsnap_core::duplicates::{find_duplicates, DuplicateOptions};
use heapsnap_core::paths::{format_path, path_to_root, retainers_of};

fn pair(name: &str) -> (Heap, Heap) {
    (common::heap(&format!("{name}-a")), common::heap(&format!("{name}-b")))
}

fn comparison_equals_devtools(name: &str) {
    let (a, b) = pair(name);
    let (rows, _) = compare_classes(&a, &b);
    let mut ours: Vec<(String, u64, u64, i64, u64, u64, i64)> = rows
        .iter()
        .filter(|r| r.new_count > 0 || r.deleted_count > 0)
        .map(|r| {
            (r.name.clone(), r.new_count, r.deleted_count, r.count_delta, r.alloc_size, r.freed_size, r.size_delta)
        })
        .collect();
    let reference = common::comparison_reference(name);
    let mut theirs: Vec<(String, u64, u64, i64, u64, u64, i64)> = reference["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let u = |k: &str| c[k].as_f64().unwrap() as u64;
            let i = |k: &str| c[k].as_f64().unwrap() as i64;
            (
                c["name"].as_str().unwrap().to_owned(),
                u("new_count"),
                u("deleted_count"),
                i("count_delta"),
                u("alloc_size"),
                u("freed_size"),
                i("size_delta"),
            )
        })
        .collect();
    ours.sort();
    theirs.sort();
    let only_ours: Vec<_> = ours.iter().filter(|r| !theirs.contains(r)).collect();
    let only_theirs: Vec<_> = theirs.iter().filter(|r| !ours.contains(r)).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "{name}: {} rows differ\nheapsnap only: {:#?}\nDevTools only: {:#?}",
        only_ours.len() + only_theirs.len(),
        &only_ours[..only_ours.len().min(10)],
        &only_theirs[..only_theirs.len().min(10)]
    );
    assert_eq!(ours.len(), theirs.len());
}

#[test]
fn comparison_stampede_equals_devtools() {
    comparison_equals_devtools("stampede");
}
#[test]
fn comparison_query_equals_devtools() {
    comparison_equals_devtools("query");
}
#[test]
fn comparison_restart_equals_devtools() {
    comparison_equals_devtools("restart");
}
#[test]
fn comparison_chromium_detached_equals_devtools() {
    comparison_equals_devtools("chromium-detached");
}

fn report(name: &str) -> (Heap, Heap, DiffReport) {
    let (a, b) = pair(name);
    let r = diff(&a, &b, &DiffOptions::default());
    (a, b, r)
}

fn class<'a>(r: &'a DiffReport, name: &str) -> &'a heapsnap_core::diff::ClassDiff {
    r.classes.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no class row {name}"))
}

#[test]
fn stampede_top_finding_is_the_duplicate_config_cluster_in_map_inflight() {
    let (_a, b, r) = report("stampede");
    assert!(r.id_match.same_process, "{:?}", r.id_match);
    assert_eq!(r.class_mode, "ids");
    let c = class(&r, "Config");
    assert_eq!((c.new_count, c.deleted_count, c.alloc_size), (2000, 0, 128_000));
    assert_eq!((c.base_count, c.spike_count), (1, 2001));

    let top = &r.findings[0];
    assert_eq!(top.kind, "duplicates", "{:#?}", r.findings);
    let d = &r.duplicates[top.duplicate_index.unwrap()];
    let cl = &d.cluster;
    assert_eq!(cl.class_name, "Config");
    // The 2000 v42 copies; the v41 original differs (its `version` string).
    assert_eq!(cl.count, 2000);
    assert_eq!(d.base_count, 0);
    // Every copy retains the same bytes, so all but one are wasted.
    let each = cl.example.retained_size;
    assert_eq!(cl.total_size, each * 2000);
    assert_eq!(cl.wasted_size, each * 1999);
    assert!(each >= 700, "Config copy retains {each}");
    // Held by the Map `inflight`, each through InflightRequest.config.
    let holder = cl.common_holder.as_ref().unwrap();
    assert_eq!(holder.name, "Map");
    let path = format_path(&cl.common_holder_path);
    assert!(path.ends_with(&format!(".inflight → Map @{}", holder.id)), "{path}");
    let tr = cl.top_retainer.as_ref().unwrap();
    assert_eq!((tr.class_name.as_str(), tr.edge.as_str(), tr.count), ("InflightRequest", ".config", 2000));
    // The example's path runs through the Map.
    let ex = format_path(&cl.example_path);
    assert!(ex.contains(".inflight → Map") && ex.ends_with(&format!(".config → Config @{}", cl.example.id)), "{ex}");
    // The growth item behind it: 2000 InflightRequest kept by the same Map.
    let g = &r.growth[top.growth_index.unwrap()];
    assert_eq!((g.class_name.as_str(), g.count), ("InflightRequest", 2000));
    assert_eq!(g.holder.id, holder.id);
    assert_eq!(g.bytes, 1_744_000);
    let _ = b;
}

#[test]
fn query_top_finding_is_the_results_array_held_by_the_closure() {
    let (_a, b, r) = report("query");
    assert!(r.id_match.same_process);
    let doc = class(&r, "Doc");
    assert_eq!((doc.new_count, doc.deleted_count, doc.alloc_size), (20_000, 0, 1_120_000));
    let top = &r.findings[0];
    assert_eq!(top.kind, "growth", "{:#?}", r.findings);
    let g = &r.growth[top.growth_index.unwrap()];
    assert_eq!((g.class_name.as_str(), g.count), ("Doc", 20_000));
    assert_eq!(g.bytes, 1_760_000);
    assert_eq!(g.container.class_name, "Array");
    assert_eq!(g.holder.id, g.container.id);
    // The array retains the Docs plus its own elements.
    let arr = b.find_by_id(g.container.id).unwrap();
    assert_eq!(g.container.retained_size, b.retained_size(arr));
    assert!(g.container.retained_size >= 1_760_000 + 160_000, "{}", g.container.retained_size);
    let path = format_path(&g.path);
    assert!(
        path.contains(".pendingCalls → Map")
            && path.contains("PendingCall")
            && path.contains(".callback → onResults()")
            && path.ends_with(&format!(".results → Array @{}", g.container.id)),
        "{path}"
    );
}

#[test]
fn chromium_detached_growth_shows_detached_divs() {
    let (_a, _b, r) = report("chromium-detached");
    assert!(r.id_match.same_process);
    let div = class(&r, "Detached <div>");
    assert_eq!((div.new_count, div.deleted_count, div.count_delta), (60, 0, 60));
    assert_eq!((div.base_count, div.spike_count), (40, 100));
    assert_eq!(class(&r, "Detached <li>").count_delta, 300);
    // A new blink style-sheet object is the largest single growth; the leak is next.
    let leak = r.findings[..3]
        .iter()
        .filter_map(|f| f.growth_index.map(|i| &r.growth[i]))
        .find(|g| g.class_name == "Detached <div>")
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert_eq!(leak.count, 60);
    assert_eq!(leak.holder.class_name, "Array");
    assert!(format_path(&leak.path).contains(".closedCards → Array"), "{}", format_path(&leak.path));
    let (da, db) = r.detached_dom;
    assert!(db > da && da > 0, "{da} → {db}");
}

#[test]
fn restart_is_two_processes_and_falls_back_to_count_deltas() {
    let (_a, _b, r) = report("restart");
    assert!(!r.id_match.same_process, "{:?}", r.id_match);
    assert_eq!(r.class_mode, "counts");
    assert!(r.growth.is_empty());
    let s = class(&r, "Session");
    assert_eq!((s.base_count, s.spike_count), (150, 300));
    let c = class(&r, "CacheEntry");
    assert_eq!((c.base_count, c.spike_count), (200, 400));
    assert!(
        r.findings.iter().any(|f| f.kind == "class" && f.text.starts_with("Session: 150 → 300")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn duplicates_of_one_snapshot_find_the_configs() {
    let b = common::heap("stampede-b");
    let rep = find_duplicates(&b, &DuplicateOptions::default());
    let top = &rep.clusters[0];
    assert_eq!((top.class_name.as_str(), top.count), ("Config", 2000));
    // No cluster is a part of a Config copy (RouteRule, limits, … are inside them).
    assert!(rep.clusters.iter().all(|c| c.class_name != "RouteRule" || c.count < 2000));
    // Stampede-a has one Config: no Config cluster.
    let a = common::heap("stampede-a");
    assert!(find_duplicates(&a, &DuplicateOptions::default()).clusters.iter().all(|c| c.class_name != "Config"));
    // Query docs are unique (distinct _id strings).
    let q = common::heap("query-b");
    assert!(find_duplicates(&q, &DuplicateOptions::default()).clusters.iter().all(|c| c.class_name != "Doc"));
}

#[test]
fn retainers_are_in_devtools_order_without_weak_or_root_edges() {
    let b = common::heap("query-b");
    let doc = (0..b.node_count() as u32).find(|&o| b.class_name(o) == "Doc").unwrap();
    let rows = retainers_of(&b, doc, 0, 100);
    assert!(!rows.is_empty());
    assert!(rows.windows(2).all(|w| w[0].object.distance <= w[1].object.distance));
    assert!(rows.iter().all(|r| r.edge_type != "weak"));
    let path = path_to_root(&b, doc, 40);
    assert_eq!(path.last().unwrap().object.id, b.snapshot().node_id(doc));
    assert!(path.first().unwrap().object.distance <= 1);
    // Distances decrease by one along DevTools' auto-expanded chain.
    assert!(path.windows(2).all(|w| w[0].object.distance < w[1].object.distance), "{}", format_path(&path));
}

/// Hand-built: two pairs of objects pointing at each other (cycles) with equal content form
/// one cluster of 2 outermost copies; the level-by-level hash terminates on cycles.
#[test]
fn cyclic_copies_cluster_and_terminate() {
    let mut b = common::Builder::default();
    let root = b.node("synthetic", "", 1, 0);
    let gc = b.node("synthetic", "(GC roots)", 3, 0);
    let holder = b.node("object", "Holder", 5, 32);
    b.edge(root, "element", "1", gc);
    b.edge(gc, "element", "1", holder);
    let mut tops = Vec::new();
    for k in 0..2 {
        let a = b.node("object", "Pair", 11 + 4 * k, 40);
        let c = b.node("object", "Pair", 13 + 4 * k, 40);
        let s = b.node("string", "same text", 101 + 2 * k, 24);
        b.edge(a, "property", "other", c);
        b.edge(c, "property", "other", a);
        b.edge(a, "property", "label", s);
        b.edge(c, "property", "label", s);
        b.edge(holder, "element", &k.to_string(), a);
        tops.push(a);
    }
    let heap = Heap::analyze(b.build());
    let rep = find_duplicates(&heap, &DuplicateOptions { depth: 8, ..Default::default() });
    assert_eq!(rep.clusters.len(), 1, "{:#?}", rep.clusters);
    let c = &rep.clusters[0];
    assert_eq!((c.class_name.as_str(), c.count), ("Pair", 2));
    assert_eq!(c.example.id, 11);
    assert_eq!(c.common_holder.as_ref().unwrap().id, 5);
    assert_eq!(rep.strings.len(), 1);
    assert_eq!((rep.strings[0].text.as_str(), rep.strings[0].count, rep.strings[0].wasted_size), ("same text", 2, 24));
    assert_eq!(format_path(&c.example_path), "(GC roots) @3 [1] → Holder @5 [0] → Pair @11");
}

#[test]
fn a_snapshot_compared_with_itself_has_no_growth() {
    let h = common::heap("stampede-b");
    let report = heapsnap_core::diff::diff(&h, &h, &heapsnap_core::diff::DiffOptions::default());
    assert_eq!(report.total_growth, 0);
    assert!(
        report.duplicates.is_empty(),
        "no duplicate cluster grew: {:?}",
        report.duplicates.iter().map(|d| (&d.cluster.class_name, d.base_count, d.cluster.count)).collect::<Vec<_>>()
    );
    assert!(report.duplicate_strings.is_empty());
    assert!(report.classes.iter().all(|c| c.count_delta == 0 && c.size_delta == 0));
}
