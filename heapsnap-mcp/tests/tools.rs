//! The tool functions on a real snapshot, checked against heapsnap-core's own answers.

use std::path::Path;

use heapsnap_mcp::tools;

fn stampede(name: &str) -> tools::Open {
    tools::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata").join(name)).unwrap()
}

#[test]
fn summary_find_inspect_and_retainers_agree_with_the_core() {
    let b = stampede("stampede-b.heapsnapshot.gz");
    let h = &b.heap;
    let config = h.summary().into_iter().find(|c| c.name == "Config").unwrap();

    let s = tools::summary(h, 5, Some("confi"));
    assert_eq!(s["matched"], 1);
    assert_eq!(s["classes"][0]["count"], config.count);
    assert_eq!(s["classes"][0]["retained_size"], config.retained_size);

    let f = tools::find(h, Some("Config"), None, 0, 3).unwrap();
    assert_eq!(f["count"], config.count);
    let sizes: Vec<u64> = f["objects"].as_array().unwrap().iter().map(|o| o["retained_size"].as_u64().unwrap()).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {sizes:?}");
    assert!(tools::find(h, None, None, 0, 3).is_err());

    let id = f["objects"][1]["id"].as_u64().unwrap();
    let n = h.find_by_id(id as u32).unwrap();
    let i = tools::inspect(h, id, 1, 2).unwrap();
    assert_eq!(i["edge_count"], h.snapshot().edges_of(n).len());
    assert_eq!(i["edges"].as_array().unwrap().len(), 2.min(h.snapshot().edges_of(n).len() - 1));
    assert_eq!(i["dominated_count"], h.dominated(n).len());

    let r = tools::retainers(h, id, 2, 5).unwrap();
    let first = &r["retainers"][0];
    assert_eq!(first["object"]["class_name"], "InflightRequest");
    assert_eq!(first["edge"], ".config");
    // Level two: what holds the InflightRequest.
    assert!(first["retainers"].as_array().is_some_and(|a| !a.is_empty()), "{first}");
    assert!(tools::retainers(h, 4_000_000_000, 2, 5).is_err());

    // A deep, wide request stays bounded.
    let wide = tools::retainers(h, id, 8, 200).unwrap();
    assert!(wide.to_string().len() < 400 * 2000, "{}", wide.to_string().len());
}

#[test]
fn diff_finds_the_config_cluster() {
    let (a, b) = (stampede("stampede-a.heapsnapshot.gz"), stampede("stampede-b.heapsnapshot.gz"));
    let d = tools::diff(&a.heap, &b.heap, 3);
    let top = &d["findings"][0];
    assert_eq!(top["kind"], "duplicates");
    let cluster = &d["duplicates"][top["duplicate_index"].as_u64().unwrap() as usize]["cluster"];
    assert_eq!((cluster["class_name"].as_str(), cluster["count"].as_u64()), (Some("Config"), Some(2000)));
    assert!(d["classes"].as_array().unwrap().len() <= 3);
}
