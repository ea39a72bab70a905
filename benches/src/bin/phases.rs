//! Time and memory of each phase on one snapshot file, for profiling:
//! `cargo run --release -p heapsnap-benches --bin phases -- FILE [--parse-only] [--repeat N]`.
//! Memory is read from /proc/self/status: RssAnon is the anonymous memory (the heap the
//! program allocated), RssFile the pages of the mapped snapshot currently resident.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use heapsnap_benches::{memory, scan_commas};
use heapsnap_core::analysis::{Heap, Phase};
use heapsnap_core::parse::{self, ParseOptions};

#[global_allocator]
static ALLOC: heapsnap_core::alloc::HugePages = heapsnap_core::alloc::HugePages;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse_only = args.iter().any(|a| a == "--parse-only");
    // `--repeat N`: after the first parse, N more on warm memory, and the best of them.
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
    let t = Instant::now();
    let snapshot = match parse::open(std::path::Path::new(&path), &ParseOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("phases: {path}: {e}");
            std::process::exit(1);
        }
    };
    let parse_time = t.elapsed();
    let m = memory();
    println!(
        "{:<22} {:>8.3} s   anon {:>6} MB  file {:>6} MB",
        "parse",
        parse_time.as_secs_f64(),
        m.0 >> 20,
        m.1 >> 20
    );
    if let Some(times) = repeat {
        // Parse again on warm memory: the parse's own cost, without the first touch of pages.
        drop(snapshot);
        let best = (0..times)
            .map(|_| {
                let t = Instant::now();
                drop(parse::open(std::path::Path::new(&path), &ParseOptions::default()));
                t.elapsed()
            })
            .min()
            .unwrap_or_default();
        println!("best of {times} more parses {:.3} s = {:.1}x the comma scan", best.as_secs_f64(), best.as_secs_f64() / scan.as_secs_f64());
        return;
    }
    if parse_only {
        println!("parse / comma scan = {:.1}x", parse_time.as_secs_f64() / scan.as_secs_f64());
        return;
    }
    let last: RefCell<Option<(Phase, Instant)>> = RefCell::new(None);
    let peak = Cell::new(0u64);
    let report = |next: Option<Phase>| {
        let now = Instant::now();
        let m = memory();
        peak.set(peak.get().max(m.0));
        if let Some((phase, started)) = last.borrow_mut().take() {
            println!(
                "{:<22} {:>8.3} s   anon {:>6} MB  file {:>6} MB",
                format!("{phase:?}"),
                (now - started).as_secs_f64(),
                m.0 >> 20,
                m.1 >> 20
            );
        }
        *last.borrow_mut() = next.map(|p| (p, now));
    };
    let t = Instant::now();
    let heap = Heap::analyze_with(snapshot, &|p| report((p != Phase::Done).then_some(p)));
    let analyze = t.elapsed();
    let t = Instant::now();
    let classes = heap.summary().len();
    println!("{:<22} {:>8.3} s   ({classes} classes)", "summary", t.elapsed().as_secs_f64());
    println!(
        "total {:.3} s (parse {:.3} + analyze {:.3}); parse / comma scan = {:.1}x; anon at phase ends peaked at {} MB = {:.2} x file",
        (parse_time + analyze).as_secs_f64(),
        parse_time.as_secs_f64(),
        analyze.as_secs_f64(),
        parse_time.as_secs_f64() / scan.as_secs_f64(),
        peak.get() >> 20,
        peak.get() as f64 / bytes as f64
    );
}
