//! Time and memory of each phase on one snapshot file, for profiling:
//! `cargo run --release -p heapsnap-benches --bin phases -- FILE [--parse-only] [--repeat N]`.
//! Memory is read from /proc/self/status: RssAnon is the anonymous memory (the heap the
//! program allocated), RssFile the pages of the mapped snapshot currently resident.
//!
//! `--repeat N` runs the pipeline N more times in the same process and reports, per phase,
//! the fastest run: on a busy or virtual machine the minimum is the stable figure (the later
//! runs also reuse memory the first one paged in, so they show the work without the first
//! touch of fresh pages).

use std::cell::RefCell;
use std::time::{Duration, Instant};

use heapsnap_benches::{memory, scan_commas};
use heapsnap_core::analysis::{Heap, Phase};
use heapsnap_core::parse::{self, ParseOptions};

/// One run: (phase name, seconds, anonymous MB at its end) in order.
type Run = Vec<(String, Duration, u64)>;

fn run(path: &str, parse_only: bool) -> Run {
    let mut out: Run = Vec::new();
    let t = Instant::now();
    let snapshot = match parse::open(std::path::Path::new(path), &ParseOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("phases: {path}: {e}");
            std::process::exit(1);
        }
    };
    out.push(("parse".into(), t.elapsed(), memory().0 >> 20));
    if parse_only {
        return out;
    }
    let phases: RefCell<Run> = RefCell::new(Vec::new());
    let last: RefCell<Option<(Phase, Instant)>> = RefCell::new(None);
    let report = |next: Phase| {
        let now = Instant::now();
        if let Some((phase, started)) = last.borrow_mut().take() {
            phases.borrow_mut().push((format!("{phase:?}"), now - started, memory().0 >> 20));
        }
        *last.borrow_mut() = (next != Phase::Done).then_some((next, now));
    };
    let heap = Heap::analyze_with(snapshot, &report);
    out.extend(phases.into_inner());
    let t = Instant::now();
    let classes = heap.summary().len();
    out.push((format!("summary ({classes} classes)"), t.elapsed(), memory().0 >> 20));
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse_only = args.iter().any(|a| a == "--parse-only");
    let repeat = args.iter().position(|a| a == "--repeat").and_then(|i| args.get(i + 1)?.parse::<u32>().ok());
    let Some(path) = args.iter().find(|a| !a.starts_with("--") && a.parse::<u32>().is_err()).cloned() else {
        eprintln!("usage: phases FILE [--parse-only] [--repeat N]");
        std::process::exit(2);
    };
    let bytes = match std::fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) => {
            eprintln!("phases: {path}: {e}");
            std::process::exit(2);
        }
    };
    // The best of three scans: the first may still be paging the file in.
    let (commas, scan) = (0..3)
        .map(|_| {
            let t = Instant::now();
            (scan_commas(std::path::Path::new(&path)), t.elapsed())
        })
        .min_by_key(|(_, took)| *took)
        .expect("three scans");
    println!(
        "file {path}: {:.1} MB; memchr comma scan {:.3} s ({commas} commas)",
        bytes as f64 / 1e6,
        scan.as_secs_f64()
    );
    let first = run(&path, parse_only);
    let mut best = first.clone();
    for _ in 0..repeat.unwrap_or(0) {
        for (b, r) in best.iter_mut().zip(run(&path, parse_only)) {
            b.1 = b.1.min(r.1);
        }
    }
    let label = if repeat.is_some() { "best s" } else { "s" };
    println!("{:<24} {:>8}   anonymous MB at its end (first run)", "phase", label);
    for ((name, took, _), (_, _, anon)) in best.iter().zip(&first) {
        println!("{name:<24} {:>8.3}   {anon:>6}", took.as_secs_f64());
    }
    let total: Duration = best.iter().map(|p| p.1).sum();
    let parse = best[0].1;
    let peak = first.iter().map(|p| p.2).max().unwrap_or(0);
    println!(
        "total {:.3} s (parse {:.3} + the rest {:.3}); parse / comma scan = {:.1}x; anon at phase ends peaked at {peak} MB = {:.2} x file",
        total.as_secs_f64(),
        parse.as_secs_f64(),
        (total - parse).as_secs_f64(),
        parse.as_secs_f64() / scan.as_secs_f64(),
        (peak << 20) as f64 / bytes as f64
    );
}
