//! `heapsnap duplicates FILE`: identical objects and strings, and who holds the copies.

use std::path::Path;
use std::process::ExitCode;

use heapsnap_core::duplicates::{find_duplicates, DuplicateOptions, DuplicateReport};
use heapsnap_core::paths::{format_path, object_label};
use heapsnap_core::Error;
use serde::Serialize;

use crate::human::{self, Table};
use crate::load;
use crate::Common;

#[derive(Serialize)]
struct Output<'a> {
    file: String,
    total_size: u64,
    #[serde(flatten)]
    report: &'a DuplicateReport,
}

pub fn run(path: &Path, limit: usize, depth: usize, common: Common) -> Result<ExitCode, Error> {
    let loaded = load::load(path, &common.load_options())?;
    let heap = &loaded.heap;
    let opts = DuplicateOptions { limit, depth, ..Default::default() };
    let report = find_duplicates(heap, &opts);
    if common.json {
        super::print_json(&Output {
            file: path.display().to_string(),
            total_size: heap.total_size(),
            report: &report,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = human::terminal_width();
    let mut out = format!(
        "{}: {} duplicate-object clusters wasting {} ({} of {}); {} duplicated strings wasting {}\n",
        path.display(),
        human::count(report.cluster_count as u64),
        human::bytes(report.total_wasted),
        human::percent(report.total_wasted, heap.total_size()),
        human::bytes(heap.total_size()),
        human::count(report.string_group_count as u64),
        human::bytes(report.strings_wasted),
    );
    for (i, c) in report.clusters.iter().enumerate() {
        out += &format!(
            "\n{:>2}. {} × {} (each {} retained): {} wasted\n",
            i + 1,
            human::count(c.count),
            c.class_name,
            human::bytes(c.example.retained_size),
            human::bytes(c.wasted_size)
        );
        if let Some(h) = &c.common_holder {
            out += &format!("    all held in {}", object_label(h));
            if let Some(rt) = &c.top_retainer {
                out += &format!(", via {}{} (×{})", rt.class_name, rt.edge, human::count(rt.count));
            }
            out += "\n";
        }
        out += &format!("    e.g. {}\n", human::clip_left(&format_path(&c.example_path), width.saturating_sub(9)));
    }
    if !report.strings.is_empty() {
        out += "\nDuplicate strings\n";
        let mut t = Table::new(&["String", "Copies", "Total", "Wasted"]);
        for s in &report.strings {
            t.row(vec![
                format!("{:?}", human::clip(&s.text, 60)),
                human::count(s.count),
                human::bytes(s.total_size),
                human::bytes(s.wasted_size),
            ]);
        }
        out += &t.render(width);
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
