//! Parsing `.heapsnapshot` bytes into a [`Snapshot`]: a memory-mapped file (nodes and edges
//! scanned in parallel, strings kept as spans into the map) or chunks pushed as they arrive
//! (a browser's `File.stream()`, a gzip decoder), through one resumable state machine.
//!
//! - [`machine`]: the top-level state machine (sections, order, counts, completeness).
//! - [`fast`]: the SWAR fast path for records laid out as V8 writes them, the hot loop.
//! - [`ints`]: the resumable scanner of unsigned-integer arrays (any layout, every error).
//! - [`lines`]: one pass over a mapped `nodes`/`edges` array cut at V8's line starts.
//! - [`pieces`]: the counted way: record-aligned parallel split of any `nodes`/`edges` array.
//! - [`records`]: node/edge records to columns, by the roles the file's `meta` names.
//! - [`json`]: the `strings` list and values we only delimit (header, `trace_tree`).
//!
//! Nothing is allocated from the header's counts before they are checked against the input
//! size; every error names the section and byte offset.

mod fast;
mod ints;
mod json;
mod lines;
mod machine;
mod pieces;
mod records;
mod tail;

use std::fmt;

use crate::error::Result;
use crate::strings::Backing;
use crate::Snapshot;

/// Options for every parse entry point.
#[derive(Clone, Copy, Default)]
pub struct ParseOptions<'a> {
    /// Accept a file whose nodes and edges are complete but whose strings are missing or cut
    /// (names become `<string N>` placeholders and [`Snapshot::salvaged`] is set), and header
    /// counts that disagree with the arrays.
    pub salvage: bool,
    /// Called with (bytes done, total bytes) while a mapped file is scanned, from any thread.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
}

impl fmt::Debug for ParseOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseOptions").field("salvage", &self.salvage).finish_non_exhaustive()
    }
}

/// How much of a snapshot the input held: what a truncated file still offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    /// Bytes read.
    pub bytes: u64,
    pub header: bool,
    /// The header's counts.
    pub node_count: u64,
    pub edge_count: u64,
    pub nodes_read: u64,
    pub nodes_complete: bool,
    pub edges_read: u64,
    pub edges_complete: bool,
    pub strings_read: u64,
    pub strings_complete: bool,
    /// The closing `}` was seen.
    pub complete: bool,
}

impl Status {
    /// One line for error messages: what is complete and what is not.
    pub fn describe(&self) -> String {
        if !self.header {
            return "no complete snapshot header".to_string();
        }
        let part = |name: &str, read: u64, of: u64, done: bool| {
            if done {
                format!("{name} complete ({read})")
            } else if read == 0 {
                format!("no {name}")
            } else {
                format!("{read} of {of} {name}")
            }
        };
        let strings = if self.strings_complete {
            format!("strings complete ({})", self.strings_read)
        } else if self.strings_read > 0 {
            format!("{} strings, cut short", self.strings_read)
        } else {
            "no strings".to_string()
        };
        format!(
            "header complete, {}, {}, {strings}",
            part("nodes", self.nodes_read, self.node_count, self.nodes_complete),
            part("edges", self.edges_read, self.edge_count, self.edges_complete),
        )
    }
}

/// Parses a whole snapshot held in memory (a memory map, or a buffer), in parallel.
pub fn parse_bytes(bytes: Backing, opts: &ParseOptions) -> Result<Snapshot> {
    machine::Machine::run_whole(*opts, bytes)
}

/// Opens a snapshot file: memory-mapped and parsed in parallel, or, for a `.gz` file (with
/// the `gzip` feature), decompressed as a stream into the chunked parser.
#[cfg(feature = "mmap")]
pub fn open(path: &std::path::Path, opts: &ParseOptions) -> Result<Snapshot> {
    let file = std::fs::File::open(path).map_err(|e| crate::Error::io(&e))?;
    #[cfg(feature = "gzip")]
    if path.extension().is_some_and(|e| e == "gz") {
        let mut parser = ChunkedParser::new(*opts);
        feed_reader(flate2::read::GzDecoder::new(file), &mut parser)?;
        return parser.finish();
    }
    // SAFETY: the map is read-only; a file truncated by another process while mapped would
    // fault (SIGBUS), as for every mmap reader; snapshots are not written to after capture.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| crate::Error::io(&e))?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    parse_bytes(std::sync::Arc::new(map), opts)
}

/// Pushes everything `reader` yields into `parser`, stopping at the first parse error. A
/// reader that ends abruptly (a cut `.gz`) ends the input there: what it delivered is what
/// the file holds, and `finish` says how far that got.
pub fn feed_reader(mut reader: impl std::io::Read, parser: &mut ChunkedParser) -> Result<()> {
    let mut buf = vec![0u8; 4 << 20];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(crate::Error::io(&e)),
        };
        if n == 0 {
            return Ok(());
        }
        parser.push(&buf[..n])?;
    }
}

/// What a file holds, read to its end without stopping at the first problem in a section
/// the diagnosis does not need: used by `heapsnap check`.
pub fn check_bytes(bytes: &[u8]) -> (Status, Option<crate::Error>) {
    let mut parser = ChunkedParser::with_len(ParseOptions::default(), bytes.len() as u64);
    let fed = parser.push(bytes);
    let status = parser.status();
    match fed.and_then(|_| parser.finish().map(|_| ())) {
        Ok(()) => (status, None),
        Err(e) => (status, Some(e)),
    }
}

/// Builds a snapshot from flat arrays through the parser's record code (for
/// [`Snapshot::from_flat`]).
pub(crate) fn from_flat(
    header: crate::Header,
    nodes: &[u64],
    edges: &[u64],
    strings: crate::StringTable,
) -> Result<Snapshot> {
    use crate::error::Section;
    use records::{EdgeAppender, EdgeSchema, NodeAppender, NodeSchema};
    let node_schema = NodeSchema::new(&header)?;
    let nf = node_schema.field_count;
    let mut node_sink = NodeAppender::new(node_schema, nodes.len() / nf);
    records::push_records(nodes, nf, &mut node_sink, Section::Nodes)?;
    let mut node_cols = node_sink.cols;
    records::finish_nodes(&mut node_cols, Some((edges.len() / header.meta.edge_fields.len().max(1)) as u64), 0)?;
    let edge_schema = EdgeSchema::new(&header, nf, node_cols.ty.len())?;
    let ef = edge_schema.field_count;
    let mut edge_sink = EdgeAppender::new(edge_schema, edges.len() / ef);
    records::push_records(edges, ef, &mut edge_sink, Section::Edges)?;
    Snapshot::from_columns(header, node_cols, edge_sink.cols, strings)
}

/// A parser fed with successive chunks of a file (any sizes, split anywhere).
pub struct ChunkedParser<'a> {
    machine: machine::Machine<'a>,
}

impl<'a> ChunkedParser<'a> {
    pub fn new(opts: ParseOptions<'a>) -> Self {
        ChunkedParser { machine: machine::Machine::new(opts, None) }
    }

    /// A parser told the input's total length up front (e.g. `File.size`), so it can refuse
    /// impossible header counts before allocating.
    pub fn with_len(opts: ParseOptions<'a>, total_len: u64) -> Self {
        ChunkedParser { machine: machine::Machine::new(opts, Some(total_len)) }
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.machine.feed(chunk)
    }

    pub fn bytes_seen(&self) -> u64 {
        self.machine.bytes_seen()
    }

    pub fn status(&self) -> Status {
        self.machine.status()
    }

    pub fn finish(self) -> Result<Snapshot> {
        self.machine.finish()
    }
}
