//! `heapsnap redact IN OUT`: a copy safe to share, with string contents replaced (see
//! `heapsnap_core::redact` for what counts as content) and every size unchanged.

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use heapsnap_core::parse::{parse_bytes, ParseOptions};
use heapsnap_core::Error;

use crate::load;
use crate::Common;

pub fn run(input: &Path, output: &Path, names: bool, common: Common) -> Result<ExitCode, Error> {
    let opts = heapsnap_core::redact::RedactOptions { names };
    let io = |e: std::io::Error| Error::io(&e);
    let mut bytes = Vec::new();
    let file = std::fs::File::open(input).map_err(io)?;
    if load::is_gzip(input) {
        flate2::read::GzDecoder::new(file).read_to_end(&mut bytes).map_err(io)?;
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes).map_err(io)?;
    }
    let bytes = Arc::new(bytes);
    let snapshot = parse_bytes(bytes.clone(), &ParseOptions::default())?;
    let out = BufWriter::new(std::fs::File::create(output).map_err(io)?);
    let stats = if load::is_gzip(output) {
        let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let stats = heapsnap_core::redact::redact(&bytes, &snapshot, opts, &mut gz)?;
        gz.finish().map_err(io)?.flush().map_err(io)?;
        stats
    } else {
        let mut out = out;
        let stats = heapsnap_core::redact::redact(&bytes, &snapshot, opts, &mut out)?;
        out.flush().map_err(io)?;
        stats
    };
    if common.json {
        super::print_json(&stats)?;
    } else if !common.quiet {
        eprintln!(
            "{}: replaced {} of {} strings ({} bytes of string contents); sizes and structure unchanged",
            output.display(),
            stats.redacted,
            stats.strings,
            stats.redacted_bytes
        );
    }
    Ok(ExitCode::SUCCESS)
}
