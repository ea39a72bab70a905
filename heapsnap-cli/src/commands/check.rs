//! `heapsnap check FILE`: what a possibly truncated or damaged file holds, and where it ends.

use std::path::Path;
use std::process::ExitCode;

use heapsnap_core::parse::{ChunkedParser, ParseOptions, Status};
use heapsnap_core::Error;
use indicatif::ProgressBar;
use serde::Serialize;

use crate::human;
use crate::load;
use crate::Common;

#[derive(Serialize)]
struct CheckReport {
    file: String,
    file_size: u64,
    /// True when the whole file parsed.
    ok: bool,
    status: Status,
    /// The first problem found, if any.
    error: Option<Problem>,
    /// Whether `--salvage` can still report sizes and structure.
    salvageable: bool,
}

#[derive(Serialize)]
struct Problem {
    kind: String,
    section: String,
    offset: u64,
    message: String,
}

pub fn run(path: &Path, common: Common) -> Result<ExitCode, Error> {
    let file_size = std::fs::metadata(path).map_err(|e| Error::io(&e))?.len();
    // Stream rather than map, so the check reads the file exactly as far as it goes.
    let mut parser = if load::is_gzip(path) {
        ChunkedParser::new(ParseOptions::default())
    } else {
        ChunkedParser::with_len(ParseOptions::default(), file_size)
    };
    let fed = load::stream(path, &mut parser, &ProgressBar::hidden());
    let status = parser.status();
    let error = match fed {
        Err(e) if e.kind == heapsnap_core::ErrorKind::Io => return Err(e),
        Err(e) => Some(e),
        Ok(()) => parser.finish().err(),
    };
    let report = CheckReport {
        file: path.display().to_string(),
        file_size,
        ok: error.is_none(),
        salvageable: status.nodes_complete && status.edges_complete,
        status,
        error: error.map(|e| Problem {
            kind: format!("{:?}", e.kind).to_lowercase(),
            section: e.section.name().to_string(),
            offset: e.offset,
            message: e.message,
        }),
    };
    if common.json {
        super::print_json(&report)?;
    } else {
        print!("{}", render(&report));
    }
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn render(r: &CheckReport) -> String {
    let s = &r.status;
    let mut out = format!("{}: {} on disk, {} bytes read\n", r.file, human::bytes(r.file_size), human::count(s.bytes));
    let line = |name: &str, read: u64, of: u64, done: bool| {
        let state = if done {
            "complete"
        } else if read == 0 {
            "missing"
        } else {
            "incomplete"
        };
        format!("  {name:<8} {state:<10} {} of {}\n", human::count(read), human::count(of))
    };
    out += &format!("  {:<8} {}\n", "header", if s.header { "complete" } else { "missing or cut" });
    if s.header {
        out += &line("nodes", s.nodes_read, s.node_count, s.nodes_complete);
        out += &line("edges", s.edges_read, s.edge_count, s.edges_complete);
        let strings = if s.strings_complete {
            "complete"
        } else if s.strings_read == 0 {
            "missing"
        } else {
            "incomplete"
        };
        out += &format!("  {:<8} {strings:<10} {} read\n", "strings", human::count(s.strings_read));
    }
    match &r.error {
        None => out += "The file is a complete heap snapshot.\n",
        Some(p) => {
            out += &format!("Problem: {} (in {}, at byte {})\n", p.message, p.section, p.offset);
            if r.salvageable {
                out +=
                    "Nodes and edges are complete: `--salvage` reports sizes and structure with placeholder names.\n";
            }
        }
    }
    out
}
