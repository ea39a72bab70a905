//! `heapsnap top FILE`: the largest objects by retained size, as DevTools names them.

use std::path::Path;
use std::process::ExitCode;

use heapsnap_core::analysis::ObjectInfo;
use heapsnap_core::Error;
use serde::Serialize;

use crate::human::{self, Table};
use crate::load;
use crate::Common;

#[derive(Serialize)]
struct TopReport {
    file: String,
    total_size: u64,
    objects: Vec<ObjectInfo>,
}

pub fn run(path: &Path, limit: usize, common: Common) -> Result<ExitCode, Error> {
    let loaded = load::load(path, &common.load_options())?;
    let heap = &loaded.heap;
    let report =
        TopReport { file: path.display().to_string(), total_size: heap.total_size(), objects: heap.top_objects(limit) };
    if common.json {
        super::print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new(&["Object", "Class", "Distance", "Shallow", "Retained", "%"]);
    for o in &report.objects {
        t.row(vec![
            format!("{} @{}", human::clip(&o.name, 60), o.id),
            o.class_name.clone(),
            human::distance(o.distance),
            human::bytes(o.self_size),
            human::bytes(o.retained_size),
            human::percent(o.retained_size, report.total_size),
        ]);
    }
    print!("{}", t.render(human::terminal_width()));
    Ok(ExitCode::SUCCESS)
}
