//! `heapsnap diff BASE SPIKE`: what grew, what is duplicated, who holds it.

use std::path::Path;
use std::process::ExitCode;

use heapsnap_core::diff::{self, DiffOptions, DiffReport};
use heapsnap_core::paths::{format_path, object_label};
use heapsnap_core::Error;
use serde::Serialize;

use crate::human::{self, Table};
use crate::load;
use crate::Common;

/// A growth threshold: absolute bytes, or a percentage of the base's total size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    Bytes(u64),
    Percent(f64),
}

/// `50MB`, `1.5 GB`, `200kB`, `64MiB`, `1000` (bytes), `10%`. Units are decimal like
/// DevTools' display (kB = 1000 B); KiB/MiB/GiB are binary.
pub fn parse_threshold(s: &str) -> Result<Threshold, String> {
    let t = s.trim();
    if let Some(p) = t.strip_suffix('%') {
        return p.trim().parse::<f64>().map(Threshold::Percent).map_err(|_| format!("bad percentage {s:?}"));
    }
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num.parse().map_err(|_| format!("bad size {s:?} (try 50MB, 10%)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        u => return Err(format!("unknown unit {u:?} in {s:?} (B, kB, MB, GB, KiB, MiB, GiB, %)")),
    };
    Ok(Threshold::Bytes((v * mult).round() as u64))
}

#[derive(Serialize)]
struct Output<'a> {
    base_file: String,
    spike_file: String,
    #[serde(flatten)]
    report: &'a DiffReport,
    /// Present with `--fail-on-growth`: whether the retained growth exceeded it.
    threshold_exceeded: Option<bool>,
    timing_ms: Timing,
}

#[derive(Serialize)]
struct Timing {
    load_base: u128,
    load_spike: u128,
    diff: u128,
}

pub struct Args {
    pub limit: usize,
    pub fail_on_growth: Option<Threshold>,
    pub no_duplicates: bool,
}

pub fn run(base_path: &Path, spike_path: &Path, args: Args, common: Common) -> Result<ExitCode, Error> {
    let lopts = common.load_options();
    let a = load::load(base_path, &lopts)?;
    let b = load::load(spike_path, &lopts)?;
    let started = std::time::Instant::now();
    let mut opts = DiffOptions { top: args.limit.max(1), skip_duplicates: args.no_duplicates, ..Default::default() };
    opts.duplicates.limit = args.limit.max(1);
    let report = diff::diff(&a.heap, &b.heap, &opts);
    let diff_time = started.elapsed();
    let exceeded = args.fail_on_growth.map(|t| match t {
        Threshold::Bytes(limit) => report.total_growth > limit as i64,
        Threshold::Percent(p) => report.total_growth as f64 > report.base.total_size as f64 * p / 100.0,
    });
    if common.json {
        super::print_json(&Output {
            base_file: base_path.display().to_string(),
            spike_file: spike_path.display().to_string(),
            report: &report,
            threshold_exceeded: exceeded,
            timing_ms: Timing {
                load_base: (a.parse_time + a.analyze_time).as_millis(),
                load_spike: (b.parse_time + b.analyze_time).as_millis(),
                diff: diff_time.as_millis(),
            },
        })?;
    } else {
        let secs = (a.parse_time + a.analyze_time + b.parse_time + b.analyze_time + diff_time).as_secs_f64();
        print!("{}", render(base_path, spike_path, &report, args.limit, secs));
        if exceeded == Some(true) {
            println!(
                "\nFAIL: retained growth {} exceeds the --fail-on-growth threshold",
                human::signed_bytes(report.total_growth)
            );
        }
    }
    Ok(if exceeded == Some(true) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn render(base: &Path, spike: &Path, r: &DiffReport, limit: usize, secs: f64) -> String {
    let width = human::terminal_width();
    let mut out = String::new();
    let pct = if r.base.total_size > 0 { r.total_growth as f64 * 100.0 / r.base.total_size as f64 } else { 0.0 };
    out += &format!(
        "{} → {}: {} → {} ({}, {:+.0}%)\n",
        base.display(),
        spike.display(),
        human::bytes(r.base.total_size),
        human::bytes(r.spike.total_size),
        human::signed_bytes(r.total_growth),
        pct
    );
    if r.id_match.same_process {
        out += &format!(
            "Same process: {} of base objects still present by id. Compared by id, as DevTools does.\n",
            human::percent(r.id_match.matched, r.id_match.base_objects)
        );
    } else {
        out += &format!(
            "Different processes: only {} of base objects match by id and class, so new/deleted counts are meaningless;\nshowing per-class count and size deltas instead.\n",
            human::percent(r.id_match.matched, r.id_match.base_objects)
        );
    }
    if r.detached_dom.1 > r.detached_dom.0 {
        out +=
            &format!("Detached DOM nodes: {} → {}\n", human::count(r.detached_dom.0), human::count(r.detached_dom.1));
    }
    out += "\nVerdict\n";
    for (i, f) in r.findings.iter().enumerate() {
        out += &format!(
            "{:>2}. {}  [{}]\n",
            i + 1,
            human::clip(&f.text, width.saturating_sub(18)),
            human::signed_bytes(f.bytes)
        );
        if let Some(di) = f.duplicate_index {
            let c = &r.duplicates[di].cluster;
            if let Some(rt) = &c.top_retainer {
                out += &format!("    each held via {}{} (×{})\n", rt.class_name, rt.edge, human::count(rt.count));
            }
            let path = if c.common_holder_path.is_empty() { &c.example_path } else { &c.common_holder_path };
            out += &format!("    {}\n", human::clip_left(&format_path(path), width.saturating_sub(4)));
        } else if let Some(gi) = f.growth_index {
            let g = &r.growth[gi];
            out += &format!("    {}\n", human::clip_left(&format_path(&g.path), width.saturating_sub(4)));
        }
    }
    if r.findings.is_empty() {
        out += "    nothing grew\n";
    }
    if !r.growth.is_empty() {
        out += "\nGrowth by holder (new objects kept alive by an object that existed before)\n";
        let mut t = Table::new(&["Holder", "New objects", "Count", "Bytes", "Growth"]);
        for g in r.growth.iter().take(limit) {
            let holder = if g.holder.id == g.container.id {
                object_label(&g.holder)
            } else {
                format!("{} ({})", object_label(&g.holder), object_label(&g.container))
            };
            t.row(vec![
                holder,
                g.class_name.clone(),
                human::count(g.count),
                human::bytes(g.bytes),
                human::bytes(g.growth_bytes),
            ]);
        }
        out += &t.render(width);
    }
    if !r.duplicates.is_empty() {
        out += "\nDuplicate objects that appeared or grew (identical content)\n";
        let mut t = Table::new(&["Class", "Copies", "Before", "Each", "Wasted", "Δ wasted"]);
        for d in r.duplicates.iter().take(limit) {
            let c = &d.cluster;
            t.row(vec![
                format!("{} e.g. @{}", c.class_name, c.example.id),
                human::count(c.count),
                human::count(d.base_count),
                human::bytes(c.example.retained_size),
                human::bytes(c.wasted_size),
                human::signed_bytes(d.wasted_delta),
            ]);
        }
        out += &t.render(width);
    }
    if !r.duplicate_strings.is_empty() {
        out += "\nDuplicate strings that grew\n";
        let mut t = Table::new(&["String", "Copies", "Before", "Wasted", "Δ wasted"]);
        for s in r.duplicate_strings.iter().take(limit.min(10)) {
            t.row(vec![
                format!("{:?}", human::clip(&s.text, 60)),
                human::count(s.count),
                human::count(s.base_count),
                human::bytes(s.wasted_size),
                human::signed_bytes(s.wasted_delta),
            ]);
        }
        out += &t.render(width);
    }
    out += &format!("\nClasses ({} of {} changed)\n", r.classes.len().min(limit), human::count(r.class_count as u64));
    if r.id_match.same_process {
        let mut t =
            Table::new(&["Constructor", "# New", "# Deleted", "# Delta", "Alloc. Size", "Freed Size", "Size Delta"]);
        for c in r.classes.iter().take(limit) {
            t.row(vec![
                c.name.clone(),
                human::count(c.new_count),
                human::count(c.deleted_count),
                human::signed_count(c.count_delta),
                human::bytes(c.alloc_size),
                human::bytes(c.freed_size),
                human::signed_bytes(c.size_delta),
            ]);
        }
        out += &t.render(width);
    } else {
        let mut t = Table::new(&["Constructor", "Before", "After", "# Delta", "Retained Δ", "Self Δ"]);
        for c in r.classes.iter().take(limit) {
            t.row(vec![
                c.name.clone(),
                human::count(c.base_count),
                human::count(c.spike_count),
                human::signed_count(c.spike_count as i64 - c.base_count as i64),
                human::signed_bytes(c.spike_retained as i64 - c.base_retained as i64),
                human::signed_bytes(c.spike_self_size as i64 - c.base_self_size as i64),
            ]);
        }
        out += &t.render(width);
    }
    out += &format!("\n(read, analyzed and compared in {secs:.2} s)\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(parse_threshold("50MB"), Ok(Threshold::Bytes(50_000_000)));
        assert_eq!(parse_threshold("1.5 GB"), Ok(Threshold::Bytes(1_500_000_000)));
        assert_eq!(parse_threshold("64MiB"), Ok(Threshold::Bytes(64 << 20)));
        assert_eq!(parse_threshold("1000"), Ok(Threshold::Bytes(1000)));
        assert_eq!(parse_threshold("10%"), Ok(Threshold::Percent(10.0)));
        assert!(parse_threshold("ten").is_err());
        assert!(parse_threshold("5 parsecs").is_err());
    }
}
