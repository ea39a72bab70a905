//! `heapsnap summary FILE`: totals, Statistics, top classes by retained size.

use std::path::Path;
use std::process::ExitCode;

use heapsnap_core::analysis::{ClassSummary, Statistics};
use heapsnap_core::Error;
use serde::Serialize;

use crate::human::{self, Table};
use crate::load;
use crate::Common;

#[derive(Serialize)]
struct SummaryReport<'a> {
    file: String,
    /// Bytes on disk (compressed size for `.gz`).
    file_size: u64,
    nodes: usize,
    edges: usize,
    total_size: u64,
    unreachable: usize,
    /// Names are placeholders: the file's strings were missing or cut (`--salvage`).
    salvaged: bool,
    statistics: Statistics,
    /// How many classes the snapshot has; `classes` may hold fewer (`-n`).
    class_count: usize,
    classes: &'a [ClassSummary],
    timing_ms: Timing,
}

#[derive(Serialize)]
struct Timing {
    parse: u128,
    analyze: u128,
}

pub fn run(path: &Path, limit: usize, common: Common) -> Result<ExitCode, Error> {
    let loaded = load::load(path, &common.load_options())?;
    let heap = &loaded.heap;
    let classes = heap.summary();
    let shown = if limit == 0 { classes.len() } else { limit.min(classes.len()) };
    let report = SummaryReport {
        file: path.display().to_string(),
        file_size: loaded.file_size,
        nodes: heap.node_count(),
        edges: heap.snapshot().edge_count(),
        total_size: heap.total_size(),
        unreachable: heap.unreachable_count(),
        salvaged: heap.snapshot().salvaged,
        statistics: heap.statistics(),
        class_count: classes.len(),
        classes: &classes[..shown],
        timing_ms: Timing { parse: loaded.parse_time.as_millis(), analyze: loaded.analyze_time.as_millis() },
    };
    if common.json {
        super::print_json(&report)?;
    } else {
        print!("{}", render(&report, loaded.parse_time.as_secs_f64() + loaded.analyze_time.as_secs_f64()));
    }
    Ok(ExitCode::SUCCESS)
}

fn render(r: &SummaryReport, seconds: f64) -> String {
    let width = human::terminal_width();
    let total = r.total_size;
    let mut out = format!(
        "{}: {} nodes, {} edges, {} in total (read and analyzed in {:.2} s)\n",
        r.file,
        human::count(r.nodes as u64),
        human::count(r.edges as u64),
        human::bytes(total),
        seconds
    );
    if r.unreachable > 0 {
        out += &format!("{} nodes are unreachable from the root\n", human::count(r.unreachable as u64));
    }
    out += "\nStatistics\n";
    let s = &r.statistics;
    let other_js =
        s.v8heap.total.saturating_sub(s.v8heap.code + s.v8heap.strings + s.v8heap.js_arrays + s.v8heap.system);
    let rows = [
        ("Code", s.v8heap.code),
        ("Strings", s.v8heap.strings),
        ("JS arrays", s.v8heap.js_arrays),
        ("Typed arrays", s.native.typed_arrays),
        ("System objects", s.v8heap.system),
        ("Other JS objects", other_js),
        ("Other non-JS objects", s.native.total.saturating_sub(s.native.typed_arrays)),
        ("Total", s.total),
    ];
    let mut t = Table::new(&["", "Size", "%"]);
    for (name, size) in rows {
        t.row(vec![format!("  {name}"), human::bytes(size), human::percent(size, total)]);
    }
    out += &t.render(48);
    out += &format!("\nClasses by retained size ({} of {})\n", r.classes.len(), human::count(r.class_count as u64));
    let mut t = Table::new(&["Constructor", "Distance", "Count", "Shallow", "Retained", "%"]);
    for c in r.classes {
        t.row(vec![
            c.name.clone(),
            human::distance(c.distance),
            human::count(c.count),
            human::bytes(c.self_size),
            human::bytes(c.retained_size),
            human::percent(c.retained_size, total),
        ]);
    }
    out += &t.render(width);
    out
}
