pub mod check;
pub mod diff;
pub mod duplicates;
pub mod path;
pub mod redact;
pub mod summary;
pub mod top;
pub mod view;

use std::io::Write;

/// Writes a serializable report as pretty JSON to stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), heapsnap_core::Error> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| heapsnap_core::Error::io(&e.into()))?;
    writeln!(out).map_err(|e| heapsnap_core::Error::io(&e))
}
