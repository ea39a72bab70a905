//! The binary on truncated files: `check` says what is complete, other commands fail with that
//! diagnosis (exit 2), and `--salvage` recovers sizes and structure when only strings are cut.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn heapsnap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapsnap")).args(args).output().expect("runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata").join(name)
}

/// stampede-b, decompressed and cut `keep` bytes after the start of the section `key`.
fn cut_file(key: &str, keep: usize, tag: &str) -> (PathBuf, PathBuf) {
    use std::io::Read;
    let mut full = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(testdata("stampede-b.heapsnapshot.gz")).unwrap())
        .read_to_end(&mut full)
        .unwrap();
    let at = full.windows(key.len()).position(|w| w == key.as_bytes()).unwrap() + keep;
    let dir = std::env::temp_dir().join(format!("heapsnap-cli-test-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (whole, cut) = (dir.join("whole.heapsnapshot"), dir.join("cut.heapsnapshot"));
    std::fs::write(&whole, &full).unwrap();
    std::fs::write(&cut, &full[..at]).unwrap();
    (whole, cut)
}

#[test]
fn check_reports_a_complete_file() {
    let out = heapsnap(&["check", "--json", testdata("stampede-b.heapsnapshot.gz").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(r["ok"], true);
    assert_eq!(r["status"]["nodes_read"], r["status"]["node_count"]);
    assert_eq!(r["status"]["node_count"], 84137);
    assert_eq!(r["status"]["strings_complete"], true);
}

#[test]
fn strings_cut_short_fail_with_diagnosis_and_salvage_keeps_sizes() {
    let (whole, cut) = cut_file("\"strings\"", 5000, "strings");
    let (whole, cut) = (whole.to_str().unwrap(), cut.to_str().unwrap());

    let out = heapsnap(&["check", "--json", cut]);
    assert_eq!(out.status.code(), Some(2));
    let r = json(&out);
    assert_eq!((r["ok"].clone(), r["salvageable"].clone()), (false.into(), true.into()));
    assert_eq!(r["status"]["edges_read"], 339806);
    assert_eq!(r["status"]["strings_complete"], false);
    assert_eq!((r["error"]["kind"].as_str(), r["error"]["section"].as_str()), (Some("truncated"), Some("strings")));

    let out = heapsnap(&["summary", cut]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nodes complete (84137)") && err.contains("--salvage"), "{err}");

    let full = json(&heapsnap(&["summary", "--json", whole]));
    let out = heapsnap(&["summary", "--json", "--salvage", cut]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("placeholders"));
    let salvaged = json(&out);
    assert_eq!(salvaged["salvaged"], true);
    assert_eq!(full["salvaged"], false);
    for key in ["nodes", "edges", "total_size"] {
        assert_eq!(salvaged[key], full[key], "{key}");
    }
    // The largest objects: same ids, same sizes, whatever their names.
    let top = |file: &str, salvage: bool| {
        let mut args = vec!["top", "--json", "-n", "20", file];
        if salvage {
            args.push("--salvage");
        }
        json(&heapsnap(&args))["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (o["id"].as_u64().unwrap(), o["self_size"].as_u64().unwrap(), o["retained_size"].as_u64().unwrap())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(top(cut, true), top(whole, false));
}

#[test]
fn nodes_cut_short_cannot_be_salvaged() {
    let (_, cut) = cut_file("\"nodes\"", 100_000, "nodes");
    let cut = cut.to_str().unwrap();
    let r = json(&heapsnap(&["check", "--json", cut]));
    assert_eq!(r["salvageable"], false);
    assert_eq!(r["status"]["nodes_complete"], false);
    let read = r["status"]["nodes_read"].as_u64().unwrap();
    assert!(read > 1000 && read < 84137, "{read}");
    assert_eq!(r["error"]["section"], "nodes");
    let out = heapsnap(&["summary", "--salvage", cut]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("{read} of 84137 nodes")));
}

#[test]
fn not_a_snapshot_is_exit_2_with_offset() {
    let dir = std::env::temp_dir().join(format!("heapsnap-cli-test-{}-garbage", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("x.heapsnapshot");
    std::fs::write(&f, "<html></html>").unwrap();
    let out = heapsnap(&["summary", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at byte 0"));
}
