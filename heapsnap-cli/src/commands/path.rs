//! `heapsnap path FILE @ID`: the object's retaining path and its Retainers view rows.

use std::path::Path;
use std::process::ExitCode;

use heapsnap_core::analysis::ObjectInfo;
use heapsnap_core::paths::{format_path, object_label, path_to_root, retainers_of, PathStep, Retainer};
use heapsnap_core::{Error, ErrorKind, Section};
use serde::Serialize;

use crate::human::{self, Table};
use crate::load;
use crate::Common;

#[derive(Serialize)]
struct Output {
    object: ObjectInfo,
    path: Vec<PathStep>,
    retainers: Vec<Retainer>,
}

pub fn run(path: &Path, id: &str, limit: usize, common: Common) -> Result<ExitCode, Error> {
    let id: u32 = id
        .trim_start_matches('@')
        .parse()
        .map_err(|_| Error::new(ErrorKind::Invalid, Section::Header, 0, format!("not an object id: {id}")))?;
    let loaded = load::load(path, &common.load_options())?;
    let heap = &loaded.heap;
    let Some(n) = heap.find_by_id(id) else {
        eprintln!("heapsnap: no object @{id} in {}", path.display());
        return Ok(ExitCode::from(1));
    };
    let out = Output {
        object: heap.object_info(n),
        path: path_to_root(heap, n, 40),
        retainers: retainers_of(heap, n, 0, limit),
    };
    if common.json {
        super::print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = human::terminal_width();
    println!(
        "{}: {} retained, distance {}",
        object_label(&out.object),
        human::bytes(out.object.retained_size),
        human::distance(out.object.distance)
    );
    println!("\nPath from a root\n  {}", format_path(&out.path));
    println!("\nRetainers");
    let mut t = Table::new(&["Object", "Edge", "Distance", "Retained"]);
    for r in &out.retainers {
        t.row(vec![
            object_label(&r.object),
            r.edge.clone(),
            human::distance(r.object.distance),
            human::bytes(r.object.retained_size),
        ]);
    }
    print!("{}", t.render(width));
    Ok(ExitCode::SUCCESS)
}
