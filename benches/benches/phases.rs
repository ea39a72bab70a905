//! Criterion benches per phase on a generated snapshot (`HEAPSNAP_BENCH_FILE`, default
//! /tmp/heapsnap-bench/big-100mb.heapsnapshot, generated with testdata/gen/big.js if missing):
//! the byte-scan baseline, parse, each analysis step on its own (essential edges, dominator
//! tree, retained sizes, distances, class names, retainer index), the whole pipeline, and
//! the reports (summary, duplicates, diff).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use heapsnap_benches::scan_commas;
use heapsnap_core::analysis::well_known::WellKnown;
use heapsnap_core::analysis::{classes, distances, dom_state, dominators, essential, flags, Heap, Retainers};
use heapsnap_core::diff::{self, DiffOptions};
use heapsnap_core::duplicates::{self, DuplicateOptions};
use heapsnap_core::parse::{self, parse_bytes, ParseOptions};

fn bench_file() -> PathBuf {
    let path = std::env::var_os("HEAPSNAP_BENCH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("heapsnap-bench/big-100mb.heapsnapshot"));
    if !path.exists() {
        let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gen/big.js");
        let status =
            std::process::Command::new("node").arg(gen).args(["--target-mb", "100"]).status().expect("node runs");
        assert!(status.success() && path.exists(), "could not generate {}", path.display());
    }
    path
}

fn phases(c: &mut Criterion) {
    let path = bench_file();
    let bytes = Arc::new(std::fs::read(&path).expect("readable"));
    let mut g = c.benchmark_group("phases");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("memchr comma scan (baseline)", |b| b.iter(|| scan_commas(&path)));
    g.bench_function("parse", |b| b.iter(|| parse_bytes(bytes.clone(), &ParseOptions::default()).unwrap()));

    // The analysis steps one by one, each on what the steps before it produce.
    let mut snapshot = parse::open(&path, &ParseOptions::default()).unwrap();
    let dom = dom_state::propagate(&mut snapshot);
    let node_flags = flags::calculate(&snapshot, &dom);
    let weak_maps = essential::WeakMapNames::find(&snapshot);
    let names = WellKnown::find(&snapshot);
    g.bench_function("essential edges", |b| b.iter(|| essential::compute(&snapshot, &node_flags, &weak_maps)));
    let edges = essential::compute(&snapshot, &node_flags, &weak_maps);
    g.bench_function("dominator tree", |b| b.iter(|| dominators::compute(&snapshot, &edges)));
    let tree = dominators::compute(&snapshot, &edges);
    g.bench_function("retained sizes", |b| {
        b.iter(|| dominators::retained_sizes(&snapshot, &tree.dom, &tree.order, Vec::new()))
    });
    g.bench_function("distances", |b| b.iter(|| distances::calculate(&snapshot, &names, &weak_maps)));
    g.bench_function("class names", |b| b.iter(|| classes::calculate(&snapshot, &snapshot.locations)));
    g.bench_function("retainer index", |b| b.iter(|| Retainers::build(&snapshot)));
    drop((snapshot, tree, edges));

    let snapshot = parse::open(&path, &ParseOptions::default()).unwrap();
    g.bench_function("analyze (all steps)", |b| {
        b.iter_batched(|| snapshot.clone(), Heap::analyze, criterion::BatchSize::LargeInput)
    });
    let heap = Heap::analyze(snapshot.clone());
    g.bench_function("summary", |b| b.iter(|| heap.summary()));
    g.bench_function("duplicates", |b| b.iter(|| duplicates::find_duplicates(&heap, &DuplicateOptions::default())));
    let base = Heap::analyze(snapshot);
    g.bench_function("diff (same file twice)", |b| b.iter(|| diff::diff(&base, &heap, &DiffOptions::default())));
    g.finish();
}

criterion_group!(benches, phases);
criterion_main!(benches);
