//! The tool functions on the committed stampede snapshots, checked against heapsnap-core's
//! own answers and the facts testdata/README.md states (2,000 identical v42 `Config`s held
//! through `InflightRequest.config` in the Map `inflight`; 2,001 `Config` in the spike).

use std::path::Path;

use heapsnap_core::paths;
use heapsnap_mcp::redact::Redactor;
use heapsnap_mcp::registry::{self, Open};
use heapsnap_mcp::tools;
use serde_json::Value;

fn load(name: &str) -> Open {
    registry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata").join(name)).unwrap()
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array().unwrap().iter().map(|o| o["id"].as_u64().unwrap()).collect()
}

#[test]
fn summary_and_top_objects_page_through_the_core_lists() {
    let b = load("stampede-b.heapsnapshot.gz");
    let h = &b.heap;
    assert_eq!((h.node_count(), h.snapshot().edge_count()), (84137, 339806));
    let classes = h.summary();
    let config = classes.iter().find(|c| c.name == "Config").unwrap();
    assert_eq!(config.count, 2001, "testdata/README: Config ×2001 in the spike");

    let s = tools::summary(h, Some("confi"), 0, 5);
    assert_eq!(s["matched"], 1);
    assert_eq!(s["classes"][0]["count"], config.count);
    assert_eq!(s["classes"][0]["retained_size"], config.retained_size);
    assert_eq!(s["total_size"], h.total_size());

    let page = tools::summary(h, None, 3, 4);
    let names: Vec<&str> = page["classes"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    let want: Vec<&str> = classes[3..7].iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, want);
    assert_eq!(page["class_count"], classes.len());

    let top = tools::top_objects(h, 2, 3);
    let want: Vec<u64> = h.top_objects(5)[2..].iter().map(|o| o.id as u64).collect();
    assert_eq!(ids(&top["objects"]), want);
}

#[test]
fn find_inspect_retainers_follow_the_config_copies() {
    let b = load("stampede-b.heapsnapshot.gz");
    let h = &b.heap;
    let f = tools::find(h, Some("Config"), None, 0, 3).unwrap();
    assert_eq!(f["count"], 2001);
    let sizes: Vec<u64> =
        f["objects"].as_array().unwrap().iter().map(|o| o["retained_size"].as_u64().unwrap()).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {sizes:?}");
    assert!(tools::find(h, None, None, 0, 3).is_err());

    // A v42 copy (the largest may be the v41 one held by `previous`): the one the core's
    // duplicate report gives as its example.
    let d = tools::duplicates(h, 0, 1);
    let cluster = &d["clusters"][0];
    assert_eq!((cluster["class_name"].as_str(), cluster["count"].as_u64()), (Some("Config"), Some(2000)));
    let id = cluster["example"]["id"].as_u64().unwrap();
    let n = h.find_by_id(id as u32).unwrap();

    let r = tools::retainers(h, id, 2, 5).unwrap();
    let want = paths::retainers_of(h, n, 0, 5);
    assert_eq!(r["total_retainers"], paths::sorted_retainers(h, n).len());
    let first = &r["retainers"][0];
    assert_eq!(first["edge"], want[0].edge.as_str());
    assert_eq!(
        (first["object"]["class_name"].as_str(), first["edge"].as_str()),
        (Some("InflightRequest"), Some(".config"))
    );
    // Level two: what holds the InflightRequest (the inflight Map's backing table).
    let holder = first["object"]["id"].as_u64().unwrap();
    let up = paths::retainers_of(h, h.find_by_id(holder as u32).unwrap(), 0, 5);
    assert_eq!(
        ids(&first["retainers"].as_array().unwrap().iter().map(|r| r["object"].clone()).collect()),
        up.iter().map(|r| r.object.id as u64).collect::<Vec<_>>()
    );
    assert!(tools::retainers(h, 4_000_000_000, 2, 5).unwrap_err().contains("no object"));

    // The InflightRequest's `config` edge leads to the copy; edges page.
    let i = tools::inspect(h, holder, 0, 200).unwrap();
    let edges = i["edges"].as_array().unwrap();
    assert_eq!(i["edge_count"], h.snapshot().edges_of(h.find_by_id(holder as u32).unwrap()).len());
    assert!(edges.iter().any(|e| e["edge"] == ".config" && e["object"]["id"] == id), "{i}");
    let page = tools::inspect(h, holder, 1, 2).unwrap();
    assert_eq!(page["edges"].as_array().unwrap(), &edges[1..3]);

    let p = tools::path_to_root(h, id, 64).unwrap();
    let text = p["text"].as_str().unwrap();
    assert!(text.contains(".inflight → Map") && text.ends_with(&format!(".config → Config @{id}")), "{text}");

    let dom = tools::dominated(h, holder, 0, 5).unwrap();
    assert!(ids(&dom["children"]).contains(&id), "the request alone keeps its copy alive: {dom}");
}

#[test]
fn diff_finds_the_config_cluster_and_stays_bounded() {
    let (a, b) = (load("stampede-a.heapsnapshot.gz"), load("stampede-b.heapsnapshot.gz"));
    let d = tools::diff(&a.heap, &b.heap, 3);
    assert_eq!(d["id_match"]["same_process"], true);
    let top = &d["findings"][0];
    assert_eq!(top["kind"], "duplicates");
    let cluster = &d["duplicates"][top["duplicate_index"].as_u64().unwrap() as usize]["cluster"];
    assert_eq!((cluster["class_name"].as_str(), cluster["count"].as_u64()), (Some("Config"), Some(2000)));
    assert_eq!(cluster["top_retainer"]["edge"], ".config");
    assert_eq!(cluster["common_holder"]["class_name"], "Map");
    // testdata/README: Comparison b vs a: Config +2000 new, 0 deleted, +128,000 bytes.
    let wide = tools::diff(&a.heap, &b.heap, 50);
    let c = wide["classes"].as_array().unwrap().iter().find(|c| c["name"] == "Config").expect("a Config row");
    assert_eq!(
        (c["new_count"].as_u64(), c["deleted_count"].as_u64(), c["size_delta"].as_i64()),
        (Some(2000), Some(0), Some(128_000))
    );
    for list in ["findings", "growth", "duplicates", "duplicate_strings", "classes"] {
        assert!(d[list].as_array().unwrap().len() <= 3, "{list}");
    }
    assert!(heapsnap_mcp::bounded::render(&d).is_ok());
}

#[test]
fn redaction_on_a_real_snapshot_hides_values_and_keeps_names() {
    let (a, b) = (load("stampede-a.heapsnapshot.gz"), load("stampede-b.heapsnapshot.gz"));
    let r = Redactor::new();

    // String objects: the upstream addresses every RouteRule holds.
    let mut f = tools::find(&b.heap, None, Some("svc:"), 0, 5).unwrap();
    assert!(f["count"].as_u64().unwrap() >= 3 * 2000, "{}", f["count"]);
    let plain = f.to_string();
    assert!(plain.contains("cart-svc:8080") || plain.contains("pay-svc") || plain.contains("orders-svc"));
    r.redact(&mut f, &[&b.heap]);
    let red = f.to_string();
    assert!(!red.contains("svc:"), "{red}");
    let first = &f["objects"][0];
    let n = b.heap.find_by_id(first["id"].as_u64().unwrap() as u32).unwrap();
    assert_eq!(first["name"], r.marker(&b.heap.display_name(n)));

    // A Map keyed by a string: the v41 Config sits at configCache.get('checkout') in a.
    let c = tools::find(&a.heap, Some("Config"), None, 0, 1).unwrap();
    let mut p = tools::path_to_root(&a.heap, c["objects"][0]["id"].as_u64().unwrap(), 64).unwrap();
    assert!(p["text"].as_str().unwrap().contains(".get('checkout')"), "{}", p["text"]);
    r.redact(&mut p, &[&a.heap]);
    let red = p.to_string();
    assert!(!red.contains("checkout"), "{red}");
    assert!(red.contains(&format!(".get({})", r.marker("checkout"))), "{red}");
    // Shape stays: property and class names.
    assert!(red.contains(".configCache → Map") && red.contains("Config @"), "{red}");

    // Duplicate strings in a diff.
    let mut d = tools::diff(&a.heap, &b.heap, 10);
    assert!(d.to_string().contains("-svc:"));
    r.redact(&mut d, &[&b.heap, &a.heap]);
    assert!(!d.to_string().contains("-svc:"));
    assert!(d.to_string().contains("InflightRequest"));
}

#[test]
fn at_most_max_open_snapshots_are_kept() {
    let files = ["stampede-a", "stampede-b", "query-a", "query-b", "restart-a"];
    assert_eq!(files.len(), registry::MAX_OPEN + 1);
    let mut reg = registry::Registry::default();
    for f in &files[..registry::MAX_OPEN] {
        let (open, fresh) = reg.insert(load(&format!("{f}.heapsnapshot.gz"))).unwrap();
        assert!(fresh);
        assert_eq!(open.handle, *f);
    }
    let Err(refused) = reg.insert(load("restart-a.heapsnapshot.gz")) else { panic!("a fifth snapshot was kept") };
    assert!(refused.contains("close one with close_snapshot"), "{refused}");
    assert!(reg.has_room().is_err());
    // The same file again is still answered (no new memory), and closing makes room.
    assert!(!reg.insert(load("query-a.heapsnapshot.gz")).unwrap().1);
    reg.close("query-a").unwrap();
    assert_eq!(reg.insert(load("restart-a.heapsnapshot.gz")).unwrap().0.handle, "restart-a");
    assert_eq!(reg.list().len(), registry::MAX_OPEN);
}
