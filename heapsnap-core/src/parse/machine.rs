//! The top-level state machine over a `.heapsnapshot` file's bytes:
//! `{"snapshot":{...},"nodes":[...],"edges":[...],...,"strings":[...]}`.
//!
//! It is resumable at every byte, so pushed chunks of any size work; when it is handed a whole
//! mapped file instead, it switches `nodes` and `edges` to the parallel piece scanner and
//! keeps strings as spans into the map.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::analysis::util;
use crate::error::{Error, ErrorKind, Result, Section};
use crate::meta::Header;
use crate::parse::fast;
use crate::parse::ints::IntScanner;
use crate::parse::json::{is_ws, StringListScanner, ValueSkipper};
use crate::parse::lines;
use crate::parse::pieces::{self, split_column, Piece};
use crate::parse::records::{
    check_edge_total, finish_nodes, Assembler, EdgeAppender, EdgeSchema, EdgeSlices, NodeAppender, NodeSchema,
    NodeSlices, RecordSink,
};
use crate::parse::tail::{self, Tail};
use crate::parse::{ParseOptions, Status};
use crate::snapshot::{EdgeColumns, Location, NodeColumns, Snapshot, TraceData};
use crate::strings::{Backing, StringTable};

/// The header is a few KB; anything near this is not a heap snapshot.
const HEADER_LIMIT: usize = 16 << 20;
/// `trace_tree` holds allocation stacks; bounded only by sanity.
const TRACE_TREE_LIMIT: usize = 1 << 30;
/// Without a known input size, reserve no more than this many records up front.
const BLIND_RESERVE: usize = 1 << 20;

/// The top-level keys we know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Snapshot,
    Nodes,
    Edges,
    TraceFunctionInfos,
    TraceTree,
    Samples,
    Locations,
    Strings,
    Unknown,
}

impl Key {
    fn from_bytes(k: &[u8]) -> Key {
        match k {
            b"snapshot" => Key::Snapshot,
            b"nodes" => Key::Nodes,
            b"edges" => Key::Edges,
            b"trace_function_infos" => Key::TraceFunctionInfos,
            b"trace_tree" => Key::TraceTree,
            b"samples" => Key::Samples,
            b"locations" => Key::Locations,
            b"strings" => Key::Strings,
            _ => Key::Unknown,
        }
    }

    fn section(self) -> Section {
        match self {
            Key::Snapshot => Section::Header,
            Key::Nodes => Section::Nodes,
            Key::Edges => Section::Edges,
            Key::TraceFunctionInfos => Section::TraceFunctionInfos,
            Key::TraceTree => Section::TraceTree,
            Key::Samples => Section::Samples,
            Key::Locations => Section::Locations,
            Key::Strings => Section::Strings,
            Key::Unknown => Section::File,
        }
    }
}

#[derive(Debug, Default)]
enum State {
    /// Before the opening `{`.
    #[default]
    Start,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,`: a key.
    NextKey,
    /// Inside a key's quotes.
    Key,
    Colon(Key),
    /// After `:`, before the value's first byte.
    Value(Key),
    Skip(Key, ValueSkipper),
    Ints(Key, IntScanner),
    Strings(StringListScanner),
    /// After a value: `,` or `}`.
    AfterValue,
    /// After the closing `}`: only whitespace.
    Done,
}

/// Where the integers of the section being read go.
enum IntTarget {
    None,
    Nodes(NodeAppender, Assembler),
    Edges(EdgeAppender, Assembler),
    /// A flat list (`locations`, `samples`, …), read as records of one value.
    List(Vec<u64>, Assembler),
}

pub struct Machine<'o> {
    opts: ParseOptions<'o>,
    /// The whole input, when it is a mapped file rather than pushed chunks.
    whole: Option<Backing>,
    /// Total input length if known (mapped file, or announced by the pusher).
    total_len: Option<u64>,
    /// Absolute offset of the next byte fed.
    offset: u64,
    state: State,
    key: Vec<u8>,
    target: IntTarget,
    header: Option<Header>,
    node_schema: Option<NodeSchema>,
    nodes: Option<NodeColumns>,
    edges: Option<EdgeColumns>,
    strings: StringTable,
    strings_done: bool,
    arena: Vec<u8>,
    trace_function_infos: Option<Vec<u64>>,
    samples: Option<Vec<u64>>,
    locations: Option<Vec<u64>>,
    /// The `locations` records, when the read-ahead converted them (then `locations` is empty).
    locations_read_ahead: Option<Vec<Location>>,
    trace_tree: Option<Vec<u8>>,
    /// The header's counts exceed what the input can hold: the error to give if the arrays
    /// disagree with the header.
    overclaim: Option<Error>,
    /// How many strings the nodes and the edges refer to (the largest index used, plus one).
    names_needed: [u64; 2],
    /// `locations` and `strings` read ahead beside the edges (mapped input only).
    read_ahead: Tail,
}

impl<'o> Machine<'o> {
    pub fn new(opts: ParseOptions<'o>, total_len: Option<u64>) -> Self {
        Machine {
            opts,
            whole: None,
            total_len,
            offset: 0,
            state: State::Start,
            key: Vec::new(),
            target: IntTarget::None,
            header: None,
            node_schema: None,
            nodes: None,
            edges: None,
            strings: StringTable::default(),
            strings_done: false,
            arena: Vec::new(),
            trace_function_infos: None,
            samples: None,
            locations: None,
            locations_read_ahead: None,
            trace_tree: None,
            overclaim: None,
            names_needed: [0; 2],
            read_ahead: Tail::default(),
        }
    }

    /// Parses a whole in-memory (usually mapped) file.
    pub fn run_whole(opts: ParseOptions<'o>, backing: Backing) -> Result<Snapshot> {
        let len = (*backing).as_ref().len() as u64;
        let mut m = Machine::new(opts, Some(len));
        m.strings = StringTable::new(backing.clone());
        m.whole = Some(backing.clone());
        m.feed((*backing).as_ref())?;
        m.finish()
    }

    pub fn bytes_seen(&self) -> u64 {
        self.offset
    }

    /// How far the input got: what a truncated file still holds.
    pub fn status(&self) -> Status {
        let header = self.header.as_ref();
        let (nodes_read, nodes_complete) = match (&self.nodes, &self.target) {
            (Some(n), _) => (n.ty.len() as u64, true),
            (None, IntTarget::Nodes(a, _)) => (a.cols.ty.len() as u64, false),
            _ => (0, false),
        };
        let (edges_read, edges_complete) = match (&self.edges, &self.target) {
            (Some(e), _) => (e.to.len() as u64, true),
            (None, IntTarget::Edges(a, _)) => (a.cols.to.len() as u64, false),
            _ => (0, false),
        };
        Status {
            bytes: self.offset,
            header: header.is_some(),
            node_count: header.map_or(0, |h| h.node_count),
            nodes_read,
            nodes_complete,
            edge_count: header.map_or(0, |h| h.edge_count),
            edges_read,
            edges_complete,
            strings_read: self.strings.len() as u64,
            strings_complete: self.strings_done,
            complete: matches!(self.state, State::Done),
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) -> Result<()> {
        let base = self.offset;
        let mut i = 0;
        while i < bytes.len() {
            let at = base + i as u64;
            match std::mem::take(&mut self.state) {
                State::Ints(key, mut scanner) => {
                    let end = self.feed_ints(&mut scanner, &bytes[i..], at)?;
                    match end {
                        Some(n) => {
                            i += n;
                            self.end_ints(key, base + i as u64)?;
                            self.state = State::AfterValue;
                        }
                        None => {
                            i = bytes.len();
                            self.state = State::Ints(key, scanner);
                        }
                    }
                }
                State::Strings(mut scanner) => {
                    let arena = if self.whole.is_some() { None } else { Some(&mut self.arena) };
                    match scanner.feed(&bytes[i..], at, &mut self.strings, arena)? {
                        Some(n) => {
                            i += n;
                            self.strings_done = true;
                            self.state = State::AfterValue;
                        }
                        None => {
                            i = bytes.len();
                            self.state = State::Strings(scanner);
                        }
                    }
                }
                State::Skip(key, mut skipper) => match skipper.feed(&bytes[i..], at, key.section())? {
                    Some(n) => {
                        i += n;
                        self.end_skipped(key, skipper, base + i as u64)?;
                        self.state = State::AfterValue;
                    }
                    None => {
                        i = bytes.len();
                        self.state = State::Skip(key, skipper);
                    }
                },
                State::Key => match memchr::memchr(b'"', &bytes[i..]) {
                    Some(n) => {
                        self.key.extend_from_slice(&bytes[i..i + n]);
                        i += n + 1;
                        self.state = State::Colon(Key::from_bytes(&self.key));
                    }
                    None => {
                        self.key.extend_from_slice(&bytes[i..]);
                        if self.key.len() > 256 {
                            return Err(Error::syntax(Section::File, at, "a top-level key longer than 256 bytes"));
                        }
                        i = bytes.len();
                        self.state = State::Key;
                    }
                },
                state => {
                    let b = bytes[i];
                    i += 1;
                    if is_ws(b) || (at < 3 && state_is_start(&state) && is_bom_byte(at, b)) {
                        self.state = state;
                        continue;
                    }
                    self.state = self.punctuation(state, b, at, &bytes[i - 1..])?;
                    if self.whole.is_some() {
                        // Mapped input: the rest of the array is in `bytes`.
                        if let Some(n) = self.whole_array(&bytes[i..], base + i as u64)? {
                            i += n;
                        } else if let Some(end) = self.take_read_ahead(at)? {
                            i = (end - base) as usize;
                        }
                    }
                }
            }
        }
        self.offset = base + bytes.len() as u64;
        Ok(())
    }

    /// One structural byte outside any value.
    fn punctuation(&mut self, state: State, b: u8, at: u64, rest: &[u8]) -> Result<State> {
        let unexpected =
            |what: &str| Error::syntax(Section::File, at, format!("expected {what}, found {:?}", b as char));
        Ok(match (state, b) {
            (State::Start, b'{') => State::FirstKey,
            (State::Start, _) => return Err(unexpected("'{' (is this a .heapsnapshot file?)")),
            (State::FirstKey, b'}') | (State::AfterValue, b'}') => State::Done,
            (State::FirstKey | State::NextKey, b'"') => {
                self.key.clear();
                State::Key
            }
            (State::FirstKey | State::NextKey, _) => return Err(unexpected("a key")),
            (State::Colon(k), b':') => State::Value(k),
            (State::Colon(_), _) => return Err(unexpected("':'")),
            (State::AfterValue, b',') => State::NextKey,
            (State::AfterValue, _) => return Err(unexpected("',' or '}'")),
            (State::Done, _) => return Err(unexpected("the end of the file")),
            (State::Value(key), _) => return self.begin_value(key, b, at, rest),
            (s @ (State::Key | State::Skip(..) | State::Ints(..) | State::Strings(..)), _) => s,
        })
    }

    /// The first byte of a top-level value: checks order and shape, and picks the scanner.
    fn begin_value(&mut self, key: Key, b: u8, at: u64, rest: &[u8]) -> Result<State> {
        let section = key.section();
        let twice = || Error::invalid(section, at, format!("the {section} section appears twice"));
        let expect_array = |b: u8| {
            if b == b'[' {
                Ok(())
            } else {
                Err(Error::syntax(section, at, format!("expected '[' to open the {section} array")))
            }
        };
        match key {
            Key::Snapshot | Key::TraceTree | Key::Unknown => {
                if key == Key::Snapshot && self.header.is_some() {
                    return Err(twice());
                }
                let limit = match key {
                    Key::Snapshot => Some(HEADER_LIMIT),
                    Key::TraceTree => Some(TRACE_TREE_LIMIT),
                    _ => None,
                };
                let mut skipper = ValueSkipper::new(limit);
                // Re-feed this first byte so the skipper sees the whole value.
                match skipper.feed(&rest[..1], at, section)? {
                    Some(_) => Err(Error::syntax(section, at, "a one-byte value")),
                    None => Ok(State::Skip(key, skipper)),
                }
            }
            Key::Nodes => {
                expect_array(b)?;
                if self.nodes.is_some() {
                    return Err(twice());
                }
                let header = self
                    .header
                    .as_ref()
                    .ok_or_else(|| Error::invalid(section, at, "the nodes array comes before the snapshot header"))?;
                let schema = self.node_schema.clone().expect("set with the header");
                let reserve = self.reserve(header.node_count);
                let width = schema.field_count;
                self.target = IntTarget::Nodes(NodeAppender::new(schema, reserve), Assembler::new(width));
                Ok(State::Ints(key, IntScanner::new(section)))
            }
            Key::Edges => {
                expect_array(b)?;
                if self.edges.is_some() {
                    return Err(twice());
                }
                let (Some(header), Some(nodes), Some(node_schema)) = (&self.header, &self.nodes, &self.node_schema)
                else {
                    return Err(Error::invalid(section, at, "the edges array comes before the nodes array"));
                };
                let schema = EdgeSchema::new(header, node_schema.field_count, nodes.ty.len())?;
                let reserve = self.reserve(header.edge_count);
                let width = schema.field_count;
                self.target = IntTarget::Edges(EdgeAppender::new(schema, reserve), Assembler::new(width));
                Ok(State::Ints(key, IntScanner::new(section)))
            }
            Key::TraceFunctionInfos | Key::Samples | Key::Locations => {
                expect_array(b)?;
                self.target = IntTarget::List(Vec::new(), Assembler::new(1));
                Ok(State::Ints(key, IntScanner::new(section)))
            }
            Key::Strings => {
                expect_array(b)?;
                if self.strings_done || !self.strings.is_empty() {
                    return Err(twice());
                }
                Ok(State::Strings(StringListScanner::new()))
            }
        }
    }

    /// How many records to reserve for a header count: never more than the input can hold.
    fn reserve(&self, announced: u64) -> usize {
        let bound = match self.total_len {
            Some(len) => len / 2,
            None => BLIND_RESERVE as u64,
        };
        announced.min(bound) as usize
    }

    fn feed_ints(&mut self, scanner: &mut IntScanner, bytes: &[u8], at: u64) -> Result<Option<usize>> {
        match &mut self.target {
            IntTarget::Nodes(sink, asm) => feed_records(scanner, asm, sink, bytes, at),
            IntTarget::Edges(sink, asm) => feed_records(scanner, asm, sink, bytes, at),
            IntTarget::List(out, single) => feed_records(scanner, single, out, bytes, at),
            IntTarget::None => unreachable!("an int section always has a target"),
        }
    }

    /// A numeric section ended at `at` (just past its `]`).
    fn end_ints(&mut self, key: Key, at: u64) -> Result<()> {
        match std::mem::replace(&mut self.target, IntTarget::None) {
            IntTarget::Nodes(app, asm) => {
                if !asm.is_aligned() {
                    return Err(Error::invalid(Section::Nodes, at, "the nodes array ends inside a record"));
                }
                self.names_needed[0] = app.names_needed;
                self.set_nodes(app.cols, at, false)
            }
            IntTarget::Edges(app, asm) => {
                if !asm.is_aligned() {
                    return Err(Error::invalid(Section::Edges, at, "the edges array ends inside a record"));
                }
                self.names_needed[1] = app.names_needed;
                self.set_edges(app.cols, at)
            }
            IntTarget::List(values, _) => {
                let slot = match key {
                    Key::TraceFunctionInfos => &mut self.trace_function_infos,
                    Key::Samples => &mut self.samples,
                    _ => &mut self.locations,
                };
                if slot.is_some() {
                    return Err(Error::invalid(
                        key.section(),
                        at,
                        format!("the {} section appears twice", key.section()),
                    ));
                }
                *slot = Some(values);
                Ok(())
            }
            IntTarget::None => Ok(()),
        }
    }

    /// Takes the nodes read, their edge counts in `first_edge[1..]`, or already CSR offsets if
    /// `counts_summed`.
    fn set_nodes(&mut self, mut cols: NodeColumns, at: u64, counts_summed: bool) -> Result<()> {
        let header = self.header.as_ref().expect("nodes follow the header");
        let found = cols.ty.len() as u64;
        if found != header.node_count && !self.opts.salvage {
            if let Some(e) = self.overclaim.take() {
                return Err(e);
            }
            return Err(Error::invalid(
                Section::Nodes,
                at,
                format!("the header announces {} nodes but the nodes array holds {found}", header.node_count),
            ));
        }
        let announced = (!self.opts.salvage).then_some(header.edge_count);
        let summed =
            if counts_summed { check_edge_total(&cols, announced, at) } else { finish_nodes(&mut cols, announced, at) };
        summed.map_err(|e| self.overclaim.take().unwrap_or(e))?;
        if found == 0 {
            return Err(Error::invalid(Section::Nodes, at, "the snapshot has no nodes"));
        }
        self.nodes = Some(cols);
        Ok(())
    }

    fn set_edges(&mut self, cols: EdgeColumns, at: u64) -> Result<()> {
        let nodes = self.nodes.as_ref().expect("edges follow nodes");
        let wanted = *nodes.first_edge.last().expect("first_edge is never empty") as u64;
        let found = cols.to.len() as u64;
        if found != wanted {
            return Err(Error::invalid(
                Section::Edges,
                at,
                format!("the nodes' edge counts add up to {wanted} edges but the edges array holds {found}"),
            ));
        }
        self.edges = Some(cols);
        Ok(())
    }

    fn end_skipped(&mut self, key: Key, skipper: ValueSkipper, at: u64) -> Result<()> {
        match key {
            Key::Snapshot => {
                let text = skipper.capture.unwrap_or_default();
                let header: Header = serde_json::from_slice(&text).map_err(|e| {
                    Error::syntax(Section::Header, at - text.len() as u64, format!("unreadable header: {e}"))
                })?;
                self.overclaim = self.header_overclaims(&header, at);
                self.node_schema = Some(NodeSchema::new(&header).map_err(|e| at_offset(e, at))?);
                // Validate the edge layout now too, before anything big is read.
                EdgeSchema::new(&header, 1, 0).map_err(|e| at_offset(e, at))?;
                self.header = Some(header);
            }
            Key::TraceTree => self.trace_tree = skipper.capture,
            _ => {}
        }
        Ok(())
    }

    /// Header counts a `len`-byte input cannot hold (every number takes at least a digit and
    /// a separator), as an error to report if the arrays do not bear them out. Nothing is
    /// sized from the counts beyond what the input can hold (see `reserve`), and a truncated
    /// file is better diagnosed by how far it got than by a header it never finished backing.
    fn header_overclaims(&self, header: &Header, at: u64) -> Option<Error> {
        let len = self.total_len?;
        let nf = header.meta.node_fields.len().max(1) as u64;
        let ef = header.meta.edge_fields.len().max(1) as u64;
        let need = header.node_count.saturating_mul(nf).saturating_add(header.edge_count.saturating_mul(ef));
        (need.saturating_mul(2) > len.saturating_add(2)).then(|| {
            Error::new(
                ErrorKind::TooLarge,
                Section::Header,
                at,
                format!(
                    "the header announces {} nodes and {} edges, more than a {len}-byte file can hold",
                    header.node_count, header.edge_count
                ),
            )
        })
    }

    /// The section whose `[` is at `open`, if it was read ahead from there: takes it in and
    /// returns the offset just past its `]`.
    fn take_read_ahead(&mut self, open: u64) -> Result<Option<u64>> {
        match self.state {
            State::Ints(Key::Locations, _) => match self.read_ahead.locations.take() {
                Some(ahead) if ahead.open == open => {
                    let flat = match ahead.value {
                        // Taken as the machine's own list would be, but empty: converted already.
                        Ok(records) => {
                            self.locations_read_ahead = Some(records);
                            Vec::new()
                        }
                        Err(flat) => flat,
                    };
                    self.target = IntTarget::List(flat, Assembler::new(1));
                    self.end_ints(Key::Locations, ahead.end)?;
                    self.state = State::AfterValue;
                    Ok(Some(ahead.end))
                }
                _ => Ok(None),
            },
            State::Strings(_) => match self.read_ahead.strings.take() {
                Some(ahead) if ahead.open == open => {
                    self.strings = ahead.value;
                    self.strings_done = true;
                    self.state = State::AfterValue;
                    Ok(Some(ahead.end))
                }
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// Mapped fast path for `nodes`/`edges` (`rest` starts after the `[`): reads the array in
    /// parallel into preallocated columns, in one pass if it has V8's layout ([`lines`]), else
    /// the counted way ([`pieces`]: find the `]`, plan record-aligned pieces, scan them).
    /// Returns the bytes consumed (through the `]`), or None in any other state and to fall
    /// back to the sequential scanner (no `]`: the file is truncated, and the sequential
    /// scanner reports how far it got).
    fn whole_array(&mut self, rest: &[u8], base: u64) -> Result<Option<usize>> {
        let close = match self.state {
            State::Ints(Key::Nodes, _) => self.whole_nodes(rest, base)?,
            State::Ints(Key::Edges, _) => self.whole_edges(rest, base)?,
            _ => return Ok(None),
        };
        let Some(close) = close else { return Ok(None) };
        self.state = State::AfterValue;
        Ok(Some(close + 1))
    }

    /// [`Machine::whole_array`] for `nodes`: the index of its `]` in `rest`.
    fn whole_nodes(&mut self, rest: &[u8], base: u64) -> Result<Option<usize>> {
        let IntTarget::Nodes(app, _) = &self.target else { unreachable!("nodes are read into node columns") };
        let schema = &app.schema;
        let header = self.header.as_ref().expect("nodes follow the header");
        let progress = |done: u64| {
            if let Some(p) = self.opts.progress {
                p(base + done, self.total_len.unwrap_or(0));
            }
        };
        let scanned = AtomicU64::new(0);
        let announced = usize::try_from(header.node_count).ok().filter(|_| self.overclaim.is_none());
        let one_pass = announced.and_then(|count| lines::nodes(schema, rest, count, &scanned, &progress));
        let summed = one_pass.is_some();
        let (cols, needed, close) = match one_pass {
            Some(read) => read,
            None => {
                let Some(found) = pieces::delimit(rest) else { return Ok(None) };
                let body = &rest[..found.close];
                let (count, plan) = pieces::plan(body, &found, base, schema.field_count, Section::Nodes)?;
                let mut cols = schema.columns(0, count);
                scanned.store(0, Ordering::Relaxed);
                let (big, needed) = scan_nodes(schema, &mut cols, body, base, plan, &scanned, &progress)?;
                cols.big_self_size.extend(big);
                (cols, needed, found.close)
            }
        };
        self.target = IntTarget::None;
        self.names_needed[0] = needed;
        self.set_nodes(cols, base + close as u64 + 1, summed)?;
        Ok(Some(close))
    }

    /// [`Machine::whole_array`] for `edges`: the index of its `]` in `rest`. What follows the
    /// array (`locations`, `strings`) is read ahead on one core meanwhile ([`tail`]), from
    /// where the `]` is guessed to be in one pass and known to be the counted way.
    fn whole_edges(&mut self, rest: &[u8], base: u64) -> Result<Option<usize>> {
        let IntTarget::Edges(app, _) = &self.target else { unreachable!("edges are read into edge columns") };
        let schema = &app.schema;
        let header = self.header.as_ref().expect("edges follow the header");
        let nodes = self.nodes.as_ref().expect("edges follow nodes");
        let count = *nodes.first_edge.last().expect("first_edge is never empty") as usize;
        let progress = |done: u64| {
            if let Some(p) = self.opts.progress {
                p(base + done, self.total_len.unwrap_or(0));
            }
        };
        let whole = self.whole.clone().expect("whole_array reads mapped input");
        let to_records = |flat: &[u64]| locations(header, nodes.ty.len(), flat, 0).ok();
        let read_ahead = |close: usize| tail::read_ahead(&whole, base as usize + close + 1, &to_records);
        let scanned = AtomicU64::new(0);
        // The read-ahead on one core; the edges' pieces take the others.
        let (one_pass, guessed) = util::join(
            || lines::edges(schema, rest, count, &scanned, &progress),
            || lines::close_guess(rest, count).map(|close| (close, read_ahead(close))),
        );
        let (cols, needed, close, ahead) = match one_pass {
            Some((cols, needed, close)) => {
                let ahead = match guessed {
                    Some((guess, ahead)) if guess == close => ahead,
                    _ => read_ahead(close),
                };
                (cols, needed, close, ahead)
            }
            None => {
                let Some(found) = pieces::delimit(rest) else { return Ok(None) };
                let body = &rest[..found.close];
                let (count, plan) = pieces::plan(body, &found, base, schema.field_count, Section::Edges)?;
                let mut cols = schema.columns(0, count);
                scanned.store(0, Ordering::Relaxed);
                let (needed, ahead) = util::join(
                    || scan_edges(schema, &mut cols, body, base, plan, &scanned, &progress),
                    || read_ahead(found.close),
                );
                (cols, needed?, found.close, ahead)
            }
        };
        self.target = IntTarget::None;
        self.names_needed[1] = needed;
        self.read_ahead = ahead;
        self.set_edges(cols, base + close as u64 + 1)?;
        Ok(Some(close))
    }

    /// Ends the input. Without `salvage`, anything short of a complete file is an error that
    /// says what was complete; with it, a file whose nodes and edges are complete but whose
    /// strings are missing or cut yields a snapshot with placeholder names.
    pub fn finish(mut self) -> Result<Snapshot> {
        let status = self.status();
        let complete = matches!(self.state, State::Done);
        let salvageable = self.opts.salvage && self.nodes.is_some() && self.edges.is_some();
        if !complete && !salvageable {
            let section = match &self.state {
                State::Ints(k, _) | State::Skip(k, _) | State::Value(k) | State::Colon(k) => k.section(),
                State::Strings(_) => Section::Strings,
                _ => Section::File,
            };
            return Err(Error::truncated(section, self.offset, format!("the file ends early: {}", status.describe())));
        }
        if !self.strings_done && !self.opts.salvage {
            return Err(Error::invalid(Section::Strings, self.offset, "the file has no strings section"));
        }
        let header =
            self.header.take().ok_or_else(|| Error::invalid(Section::Header, self.offset, "no snapshot header"))?;
        let nodes = self.nodes.take().ok_or_else(|| Error::invalid(Section::Nodes, self.offset, "no nodes section"))?;
        let edges = self.edges.take().ok_or_else(|| Error::invalid(Section::Edges, self.offset, "no edges section"))?;
        let mut strings = std::mem::take(&mut self.strings);
        if self.whole.is_none() {
            strings = strings.rebacked(Arc::new(std::mem::take(&mut self.arena)));
        }
        let mut snapshot = Snapshot::from_columns(header, nodes, edges, strings)?;
        let missing = check_names(&snapshot, self.names_needed, self.offset, self.opts.salvage)?;
        if missing > 0 {
            placeholders_for_missing(&mut snapshot);
        }
        if missing > 0 || !self.strings_done {
            snapshot.salvaged = true;
        }
        snapshot.locations = match self.locations_read_ahead.take() {
            Some(records) => records,
            None => locations(
                &snapshot.header,
                snapshot.node_count(),
                &self.locations.take().unwrap_or_default(),
                self.offset,
            )?,
        };
        snapshot.trace = TraceData {
            trace_function_infos: self
                .trace_function_infos
                .take()
                .unwrap_or_default()
                .into_iter()
                .map(|v| v as u32)
                .collect(),
            trace_tree_json: String::from_utf8_lossy(&self.trace_tree.take().unwrap_or_default()).into_owned(),
            samples: self.samples.take().unwrap_or_default(),
        };
        Ok(snapshot)
    }
}

/// Scans one pushed chunk of `nodes` or `edges`: the general scanner up to the first record
/// boundary (a record may straddle chunks), the fast path over the whole records after it,
/// and the general scanner again for the chunk's last few records.
pub(super) fn feed_records(
    scanner: &mut IntScanner,
    records: &mut Assembler,
    sink: &mut impl RecordSink,
    bytes: &[u8],
    at: u64,
) -> Result<Option<usize>> {
    let mut start = 0;
    if !(records.is_aligned() && scanner.at_value_start()) {
        // Every value still missing from the current record ends at a comma.
        let needed = records.missing().max(1);
        let Some(boundary) = memchr::memchr_iter(b',', bytes).nth(needed - 1).map(|c| c + 1) else {
            return scanner.feed(bytes, at, &mut |v, off| records.push(v, off, sink));
        };
        if let Some(end) = scanner.feed(&bytes[..boundary], at, &mut |v, off| records.push(v, off, sink))? {
            return Ok(Some(end));
        }
        start = boundary;
    }
    if records.is_aligned() && scanner.at_value_start() {
        let fast = fast::records(&bytes[start..], at + start as u64, records.width(), sink)?;
        if fast > 0 {
            scanner.resume_after_comma();
            start += fast;
        }
    }
    let rest = scanner.feed(&bytes[start..], at + start as u64, &mut |v, off| records.push(v, off, sink))?;
    Ok(rest.map(|end| end + start))
}

fn state_is_start(s: &State) -> bool {
    matches!(s, State::Start)
}

/// A UTF-8 byte order mark, tolerated at the very start.
fn is_bom_byte(at: u64, b: u8) -> bool {
    matches!((at, b), (0, 0xEF) | (1, 0xBB) | (2, 0xBF))
}

fn at_offset(mut e: Error, at: u64) -> Error {
    e.offset = at;
    e
}

fn scan_nodes(
    schema: &NodeSchema,
    cols: &mut NodeColumns,
    body: &[u8],
    base: u64,
    plan: Vec<Piece>,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<(u32, u64)>, u64)> {
    let lens = || plan.iter().map(|p| p.records);
    let has_det = !cols.detachedness.is_empty();
    let mut ty = split_column(&mut cols.ty, lens()).into_iter();
    let mut name = split_column(&mut cols.name, lens()).into_iter();
    let mut id = split_column(&mut cols.id, lens()).into_iter();
    let mut size = split_column(&mut cols.self_size, lens()).into_iter();
    let mut counts = split_column(&mut cols.first_edge[1..], lens()).into_iter();
    let mut det = split_column(&mut cols.detachedness, lens().map(|n| if has_det { n } else { 0 })).into_iter();
    let mut extra: Vec<_> = cols.extra.iter_mut().map(|(_, c)| split_column(c, lens()).into_iter()).collect();
    let mut first = 0;
    let mut work = Vec::with_capacity(plan.len());
    for piece in plan {
        let n = piece.records;
        work.push((
            piece,
            NodeSlices {
                schema,
                first,
                written: 0,
                ty: ty.next().expect("one slice per piece"),
                name: name.next().expect("one slice per piece"),
                id: id.next().expect("one slice per piece"),
                self_size: size.next().expect("one slice per piece"),
                counts: counts.next().expect("one slice per piece"),
                detachedness: det.next().expect("one slice per piece"),
                extra: extra.iter_mut().map(|c| c.next().expect("one slice per piece")).collect(),
                big_sizes: Vec::new(),
                names_needed: 0,
            },
        ));
        first += n;
    }
    let done_pieces = pieces::scan(body, base, schema.field_count, Section::Nodes, work, done, progress)?;
    let needed = done_pieces.iter().map(|p| p.names_needed).max().unwrap_or(0);
    Ok((done_pieces.into_iter().flat_map(|p| p.big_sizes).collect(), needed))
}

fn scan_edges(
    schema: &EdgeSchema,
    cols: &mut EdgeColumns,
    body: &[u8],
    base: u64,
    plan: Vec<Piece>,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    let lens = || plan.iter().map(|p| p.records);
    let mut ty = split_column(&mut cols.ty, lens()).into_iter();
    let mut name = split_column(&mut cols.name_or_index, lens()).into_iter();
    let mut to = split_column(&mut cols.to, lens()).into_iter();
    let mut extra: Vec<_> = cols.extra.iter_mut().map(|(_, c)| split_column(c, lens()).into_iter()).collect();
    let work: Vec<_> = plan
        .iter()
        .map(|piece| {
            (
                piece.clone(),
                EdgeSlices {
                    schema,
                    written: 0,
                    ty: ty.next().expect("one slice per piece"),
                    name_or_index: name.next().expect("one slice per piece"),
                    to: to.next().expect("one slice per piece"),
                    extra: extra.iter_mut().map(|c| c.next().expect("one slice per piece")).collect(),
                    names_needed: 0,
                },
            )
        })
        .collect();
    let done_pieces = pieces::scan(body, base, schema.field_count, Section::Edges, work, done, progress)?;
    Ok(done_pieces.iter().map(|p| p.names_needed).max().unwrap_or(0))
}

/// Salvage: each string index the file refers to but did not deliver gets a placeholder
/// `<string N>` appended to the table, and the columns are renumbered to it. One placeholder
/// per distinct index in use, not one per index below the largest: a hostile index (up to
/// 2^32) then costs no more than the nodes and edges that carry it.
fn placeholders_for_missing(s: &mut Snapshot) {
    let have = s.strings.len() as u32;
    let mut renumbered: HashMap<u32, u32> = HashMap::new();
    let strings = &mut s.strings;
    let mut placeholder = |index: &mut u32| {
        if *index >= have {
            *index = *renumbered.entry(*index).or_insert_with(|| strings.push_string(&format!("<string {index}>")));
        }
    };
    s.nodes.name.iter_mut().for_each(&mut placeholder);
    for (ty, name) in s.edges.ty.iter().zip(s.edges.name_or_index.iter_mut()) {
        if ty.has_string_name() {
            placeholder(name);
        }
    }
}

/// Checks that every string index used by a node or string-named edge is in the table
/// (`needed`: the largest index the nodes and the edges use, plus one, from the parse).
/// Returns the table size the file needs (0 if it fits); only `salvage` tolerates a shortfall.
fn check_names(s: &Snapshot, needed: [u64; 2], at: u64, salvage: bool) -> Result<u64> {
    let have = s.strings.len() as u64;
    let [max_node, max_edge] = needed;
    let need = max_node.max(max_edge);
    if need <= have {
        return Ok(0);
    }
    if salvage {
        return Ok(need);
    }
    let (section, what) =
        if max_node > have { (Section::Nodes, "a node name") } else { (Section::Edges, "an edge name") };
    Err(Error::invalid(
        section,
        at,
        format!("{what} refers to string {} but the strings section holds {have}", need - 1),
    ))
}

/// The `locations` records of a snapshot of `node_count` nodes, from the section's flat list.
pub(super) fn locations(header: &Header, node_count: usize, flat: &[u64], at: u64) -> Result<Vec<Location>> {
    if flat.is_empty() {
        return Ok(Vec::new());
    }
    let fields = header
        .meta
        .location_fields
        .clone()
        .unwrap_or_else(|| ["object_index", "script_id", "line", "column"].map(String::from).to_vec());
    let pos = |f: &str| {
        fields
            .iter()
            .position(|x| x == f)
            .ok_or_else(|| Error::invalid(Section::Header, 0, format!("meta.location_fields has no \"{f}\"")))
    };
    let (oi, si, li, ci) = (pos("object_index")?, pos("script_id")?, pos("line")?, pos("column")?);
    let nf = header.meta.node_layout()?.field_count as u64;
    if !flat.len().is_multiple_of(fields.len()) {
        return Err(Error::invalid(Section::Locations, at, "locations do not hold whole records"));
    }
    // DevTools keys locations by raw node index, so one that names no node is never looked
    // up (its own test fixture has such an entry); we drop it the same way.
    Ok(flat
        .chunks_exact(fields.len())
        .filter(|r| r[oi] % nf == 0 && r[oi] / nf < node_count as u64)
        .map(|r| Location {
            node: (r[oi] / nf) as u32,
            script_id: r[si] as u32,
            line: r[li] as u32,
            column: r[ci] as u32,
        })
        .collect())
}
