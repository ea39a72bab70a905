//! Criterion benches per phase on a generated snapshot (`HEAPSNAP_BENCH_FILE`, default
//! /tmp/heapsnap-bench/big-100mb.heapsnapshot, generated with testdata/gen/big.js if missing):
//! the byte-scan baseline, parse, the analysis phases that dominate (retainers, dominators,
//! retained sizes via the whole pipeline), summary, duplicates and diff.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use heapsnap_benches::scan_commas;
use heapsnap_core::analysis::{Heap, Retainers};
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
    let snapshot = parse::open(&path, &ParseOptions::default()).unwrap();
    g.bench_function("retainers", |b| b.iter(|| Retainers::build(&snapshot)));
    g.bench_function("analyze (all phases, incl. dominators and retained sizes)", |b| {
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
