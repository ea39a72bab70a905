//! One pass over a mapped `nodes` or `edges` array laid out as V8 writes it (a record a line,
//! every line after the first starting with `,`), without a pass before it to count it.
//!
//! The bytes after the array's `[` are cut into pieces at the first line start after every
//! [`PIECE`] bytes. Workers take the pieces in file order; each reads its piece into a buffer
//! of its own (where the piece's records go in the columns is known only once the pieces
//! before it are counted), then, in file order, takes the next slots of the columns and copies
//! the records there. The piece that holds the array's `]` is the last; later ones are dropped.
//!
//! The cuts are checked, never trusted: the first piece starts where the array does, and a
//! piece that starts at a record and reads to its end as whole records ends where the next
//! record starts, so every piece that passes that check hands the next one a right start. A
//! piece that fails it, more or fewer records than the columns hold, anything unusual, and
//! [`scan`] gives up; the caller then reads the array the counted way ([`super::pieces`]),
//! which takes any layout and says what is wrong. What this saves is the counted way's pass
//! over the array before its scan: on a 1 GB file, a sixth of the parse.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use crate::error::Section;
use crate::pages;
use crate::parse::pieces::{self, take_front};
use crate::parse::records::{EdgeSchema, EdgeSlices, NodeSchema, NodeSlices, RecordSink};
use crate::snapshot::{EdgeColumns, NodeColumns};

/// How far apart the cuts are: a piece's records fit a core's L2 cache on their way from the
/// buffer to the columns. (On the 984 MB file, half a MB read 2 % faster than 1 or 2 MB, and
/// a quarter MB no faster.)
const PIECE: usize = 1 << 19;

/// The bytes [`close_guess`] takes the array's rate of lines from.
const GUESS_SAMPLE: usize = 4 << 20;

/// A worker's buffer: the records of one piece at a time, read and then copied out.
trait Buffer: Send {
    /// The slots of the columns a piece's records go to.
    type Slots: Send;

    /// Reads the records of `bytes` (a piece that starts at a record; `first` if it starts
    /// the array) in place of what the buffer held. Returns the index of the array's `]` if
    /// the piece holds it; None unless the piece reads as whole records to its end or to that
    /// `]`.
    fn fill(&mut self, bytes: &[u8], first: bool) -> Option<Option<usize>>;

    /// Copies the records read into `slots`, which hold exactly as many.
    fn copy_into(&mut self, slots: Self::Slots);
}

/// Reads the array whose body starts `rest` into the columns: `slots(buffer)` takes the slots
/// for the buffer's records off the columns, in file order (None when fewer are left).
/// Returns the index of the `]` in `rest` and the workers' buffers (with what they gathered on
/// the way), or None to read the array the counted way. `done` counts the bytes read, for
/// `progress`.
fn scan<B: Buffer>(
    rest: &[u8],
    new_buffer: impl Fn() -> B + Sync,
    slots: impl FnMut(&B) -> Option<B::Slots> + Send,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> Option<(usize, Vec<B>)> {
    let next_piece = AtomicUsize::new(0);
    // Set once a piece closes the array or fails: no piece after it is needed.
    let stop = AtomicBool::new(false);
    let turn = Mutex::new(Turn { next: 0, outcome: None, abandoned: false, slots });
    let turn_passed = Condvar::new();
    let buffers = Mutex::new(Vec::new());
    let work = || {
        let _abandon = Abandon(&turn, &turn_passed);
        let mut buffer = new_buffer();
        while !stop.load(Ordering::Relaxed) {
            let k = next_piece.fetch_add(1, Ordering::Relaxed);
            let read = piece(rest, k).and_then(|(range, ends_at_line)| {
                let close = buffer.fill(&rest[range.clone()], k == 0)?;
                // A piece cut short for want of a line start must hold the `]`.
                if close.is_none() && !ends_at_line {
                    return None;
                }
                Some((range.len() as u64, close.map(|c| range.start + c)))
            });
            if !matches!(read, Some((_, None))) {
                stop.store(true, Ordering::Relaxed);
            }
            let mut t = turn.lock().expect("no worker panics holding the turn");
            while t.next != k && !t.abandoned {
                t = turn_passed.wait(t).expect("no worker panics holding the turn");
            }
            let mine = match (&t.outcome, read) {
                _ if t.abandoned => None,
                (Some(_), _) => None,
                (None, None) => {
                    t.outcome = Some(None);
                    None
                }
                (None, Some((bytes, close))) => match (t.slots)(&buffer) {
                    Some(slots) => {
                        t.outcome = close.map(Some);
                        progress(done.fetch_add(bytes, Ordering::Relaxed) + bytes);
                        Some(slots)
                    }
                    None => {
                        t.outcome = Some(None);
                        None
                    }
                },
            };
            t.next += 1;
            drop(t);
            turn_passed.notify_all();
            // The copy runs beside the next piece's: the slots are this piece's alone.
            if let Some(slots) = mine {
                buffer.copy_into(slots);
            }
        }
        buffers.lock().expect("no worker panics holding the buffers").push(buffer);
    };
    #[cfg(feature = "parallel")]
    rayon::scope(|s| {
        for _ in 1..pieces::threads() {
            s.spawn(|_| work());
        }
        work();
    });
    #[cfg(not(feature = "parallel"))]
    work();
    let close = turn.into_inner().ok()?.outcome??;
    Some((close, buffers.into_inner().ok()?))
}

/// Whose turn it is to take slots, and what has been decided: `Some(Some(close))` once a
/// piece closed the array, `Some(None)` once one failed.
struct Turn<S> {
    next: usize,
    outcome: Option<Option<usize>>,
    /// A worker panicked: its turn will never come, so no one waits for turns any more.
    abandoned: bool,
    slots: S,
}

/// Held by each worker: if it panics, the others stop waiting for its turn (and rayon passes
/// the panic on once they are done) instead of waiting forever.
struct Abandon<'t, S>(&'t Mutex<Turn<S>>, &'t Condvar);

impl<S> Drop for Abandon<'_, S> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut t) = self.0.lock() {
                t.abandoned = true;
            }
            self.1.notify_all();
        }
    }
}

/// Piece `k` of `rest`: from the first line start at or after `k × PIECE` (the very start for
/// the first piece) to the first at or after `(k + 1) × PIECE`, and whether it ends there (if
/// there is none within a piece's length, it runs a piece further and must hold the `]`).
/// None past the end, or with no line start to begin at.
fn piece(rest: &[u8], k: usize) -> Option<(Range<usize>, bool)> {
    let from = k.checked_mul(PIECE)?;
    if from >= rest.len() {
        return None;
    }
    let start = if k == 0 { 0 } else { line_start(rest, from)? };
    let next = from + PIECE;
    Some(match line_start(rest, next) {
        Some(end) => (start..end, true),
        None => (start..(next + PIECE).min(rest.len()), false),
    })
}

/// The index just past the first `\n,` whose newline lies in `rest[from..from + PIECE]`.
fn line_start(rest: &[u8], from: usize) -> Option<usize> {
    let window = rest.get(from..(from + PIECE).min(rest.len()))?;
    memchr::memchr_iter(b'\n', window).map(|i| from + i).find(|&i| rest.get(i + 1) == Some(&b',')).map(|i| i + 2)
}

/// A guess at where the array's `]` is in `rest`, for reading ahead what follows the array
/// while its pieces are read (the caller checks it against the real one): the first `]` after
/// 85 % of the length `records` lines take at the rate of the first 4 MB. (The 984 MB file's
/// edges: bytes a line over the first 0.25, 1 and 4 MB 1.12, 0.99 and 0.93 times the whole
/// array's; every testdata Node snapshot's first MB within 1.3 % of its whole. A guess past
/// the `]` costs the read-ahead, read after the edges instead of beside them: 0.1 s there.)
pub fn close_guess(rest: &[u8], records: usize) -> Option<usize> {
    let sample = &rest[..rest.len().min(GUESS_SAMPLE)];
    if let Some(close) = memchr::memchr(b']', sample) {
        return Some(close);
    }
    let lines = memchr::memchr_iter(b'\n', sample).count().max(1);
    let from = (records as f64 * (sample.len() as f64 / lines as f64) * 0.85) as usize;
    let from = from.clamp(sample.len(), rest.len());
    memchr::memchr(b']', &rest[from..]).map(|i| from + i)
}

/// Reads a piece into `sink` with the counted way's reader; the index of the `]` if the piece
/// holds it, or None inside: the piece must end after a `,`, on a record boundary.
fn read_whole(
    bytes: &[u8],
    width: usize,
    section: Section,
    first: bool,
    sink: &mut impl RecordSink,
) -> Option<Option<usize>> {
    let read = pieces::read_piece(bytes, 0, width, section, first, sink).ok()?;
    let close = match read.close {
        Some(end) => Some(end - 1),
        None if read.scanner.expects_value() => None,
        None => return None,
    };
    read.records.is_aligned().then_some(close)
}

/// Copies a piece's column into its slots, mapping them in first.
fn put<T: Copy>(slots: &mut [T], from: &[T]) {
    pages::populate(slots);
    slots.copy_from_slice(from);
}

/// Copies the nonzero values of a sparse column (`trace_node_id`, mostly 0): the slots' pages
/// stay untouched where there are none, as in the counted way.
fn put_nonzero<T: Copy + Default + PartialEq>(slots: &mut [T], from: &[T]) {
    for (slot, &v) in slots.iter_mut().zip(from) {
        if v != T::default() {
            *slot = v;
        }
    }
}

/// Clears what a piece wrote to a sparse column, which the next one writes only where nonzero.
fn clear<T: Default + Copy>(column: &mut [T], written: usize) {
    let written = written.min(column.len());
    column[..written].fill(T::default());
}

/// Records a piece of `bytes` can hold at most: each value takes a digit and a separator.
fn room(bytes: &[u8], width: usize) -> usize {
    bytes.len() / (2 * width) + 1
}

/// A piece's slots in node columns, and the offset of its first node's first edge: the edge
/// counts go to the slots as CSR offsets (`first_edge[1..]`).
struct NodeSlots<'a> {
    slots: NodeSlices<'a>,
    first_edge: u64,
}

/// A worker's node buffer. Across the pieces it copies out (not those read past the array's
/// end) it gathers the sizes of 4 GiB and more, by node ordinal, and how many strings the
/// nodes name.
struct NodeBuffer<'a> {
    schema: &'a NodeSchema,
    cols: NodeColumns,
    written: usize,
    /// The edges of the piece's nodes.
    edges: u64,
    /// This piece's big sizes, by ordinal within the piece.
    piece_big_sizes: Vec<(u32, u64)>,
    piece_names_needed: u64,
    big_sizes: Vec<(u32, u64)>,
    names_needed: u64,
}

impl<'a> NodeBuffer<'a> {
    fn new(schema: &'a NodeSchema) -> Self {
        NodeBuffer {
            schema,
            cols: schema.columns(0, 0),
            written: 0,
            edges: 0,
            piece_big_sizes: Vec::new(),
            piece_names_needed: 0,
            big_sizes: Vec::new(),
            names_needed: 0,
        }
    }
}

impl<'a> Buffer for NodeBuffer<'a> {
    type Slots = NodeSlots<'a>;

    fn fill(&mut self, bytes: &[u8], first: bool) -> Option<Option<usize>> {
        let room = room(bytes, self.schema.field_count);
        if self.cols.ty.len() < room {
            self.cols = self.schema.columns(0, room);
        } else {
            clear(&mut self.cols.detachedness, self.written);
            for (_, col) in &mut self.cols.extra {
                clear(col, self.written);
            }
        }
        self.written = 0;
        let mut sink = node_slices(self.schema, &mut self.cols, room);
        sink.big_sizes = std::mem::take(&mut self.piece_big_sizes);
        sink.big_sizes.clear();
        let close = read_whole(bytes, self.schema.field_count, Section::Nodes, first, &mut sink);
        self.written = sink.written;
        self.piece_big_sizes = sink.big_sizes;
        self.piece_names_needed = sink.names_needed;
        self.edges = self.cols.first_edge[1..=self.written].iter().map(|&n| n as u64).sum();
        close
    }

    fn copy_into(&mut self, NodeSlots { slots, first_edge }: NodeSlots<'a>) {
        let (n, c) = (self.written, &self.cols);
        put(slots.ty, &c.ty[..n]);
        put(slots.name, &c.name[..n]);
        put(slots.id, &c.id[..n]);
        put(slots.self_size, &c.self_size[..n]);
        // The edge counts become CSR offsets here, while they are in cache (in a pass of its
        // own, the 1 GB file's 13 M took 23 ms on one core); an offset past 2^32 shows in the
        // total, which the caller checks.
        pages::populate(slots.counts);
        let mut offset = first_edge;
        for (slot, &count) in slots.counts.iter_mut().zip(&c.first_edge[1..=n]) {
            offset += count as u64;
            *slot = offset as u32;
        }
        if !slots.detachedness.is_empty() {
            put_nonzero(slots.detachedness, &c.detachedness[..n]);
        }
        for (to, (_, from)) in slots.extra.into_iter().zip(&c.extra) {
            put_nonzero(to, &from[..n]);
        }
        self.names_needed = self.names_needed.max(self.piece_names_needed);
        let first = slots.first as u32;
        self.big_sizes.extend(self.piece_big_sizes.iter().map(|&(i, size)| (first + i, size)));
    }
}

/// A worker's edge buffer; across the pieces it copies out it gathers how many strings the
/// edges name.
struct EdgeBuffer<'a> {
    schema: &'a EdgeSchema,
    cols: EdgeColumns,
    written: usize,
    piece_names_needed: u64,
    names_needed: u64,
}

impl<'a> EdgeBuffer<'a> {
    fn new(schema: &'a EdgeSchema) -> Self {
        EdgeBuffer { schema, cols: schema.columns(0, 0), written: 0, piece_names_needed: 0, names_needed: 0 }
    }
}

impl<'a> Buffer for EdgeBuffer<'a> {
    type Slots = EdgeSlices<'a>;

    fn fill(&mut self, bytes: &[u8], first: bool) -> Option<Option<usize>> {
        let room = room(bytes, self.schema.field_count);
        if self.cols.ty.len() < room {
            self.cols = self.schema.columns(0, room);
        } else {
            for (_, col) in &mut self.cols.extra {
                clear(col, self.written);
            }
        }
        self.written = 0;
        let mut sink = edge_slices(self.schema, &mut self.cols, room);
        let close = read_whole(bytes, self.schema.field_count, Section::Edges, first, &mut sink);
        self.written = sink.written;
        self.piece_names_needed = sink.names_needed;
        close
    }

    fn copy_into(&mut self, slots: EdgeSlices<'a>) {
        self.names_needed = self.names_needed.max(self.piece_names_needed);
        let (n, c) = (self.written, &self.cols);
        put(slots.ty, &c.ty[..n]);
        put(slots.name_or_index, &c.name_or_index[..n]);
        put(slots.to, &c.to[..n]);
        for (to, (_, from)) in slots.extra.into_iter().zip(&c.extra) {
            put_nonzero(to, &from[..n]);
        }
    }
}

/// The first `len` records' slots of node columns (`first_edge[1..]` for the edge counts).
fn node_slices<'a>(schema: &'a NodeSchema, c: &'a mut NodeColumns, len: usize) -> NodeSlices<'a> {
    NodeSlices {
        schema,
        first: 0,
        written: 0,
        ty: &mut c.ty[..len],
        name: &mut c.name[..len],
        id: &mut c.id[..len],
        self_size: &mut c.self_size[..len],
        counts: &mut c.first_edge[1..=len],
        detachedness: if c.detachedness.is_empty() { &mut [] } else { &mut c.detachedness[..len] },
        extra: c.extra.iter_mut().map(|(_, col)| &mut col[..len]).collect(),
        big_sizes: Vec::new(),
        names_needed: 0,
    }
}

/// The first `len` records' slots of edge columns.
fn edge_slices<'a>(schema: &'a EdgeSchema, c: &'a mut EdgeColumns, len: usize) -> EdgeSlices<'a> {
    EdgeSlices {
        schema,
        written: 0,
        ty: &mut c.ty[..len],
        name_or_index: &mut c.name_or_index[..len],
        to: &mut c.to[..len],
        extra: c.extra.iter_mut().map(|(_, col)| &mut col[..len]).collect(),
        names_needed: 0,
    }
}

/// The next `n` records' slots of node columns, taken off the front of `rest`.
fn node_slots<'a>(rest: &mut NodeSlices<'a>, n: usize) -> Option<NodeSlices<'a>> {
    if n > rest.ty.len() {
        return None;
    }
    let first = rest.first;
    rest.first += n;
    Some(NodeSlices {
        schema: rest.schema,
        first,
        written: 0,
        ty: take_front(&mut rest.ty, n),
        name: take_front(&mut rest.name, n),
        id: take_front(&mut rest.id, n),
        self_size: take_front(&mut rest.self_size, n),
        counts: take_front(&mut rest.counts, n),
        detachedness: take_front(&mut rest.detachedness, n),
        extra: rest.extra.iter_mut().map(|col| take_front(col, n)).collect(),
        big_sizes: Vec::new(),
        names_needed: 0,
    })
}

/// The next `n` records' slots of edge columns, taken off the front of `rest`.
fn edge_slots<'a>(rest: &mut EdgeSlices<'a>, n: usize) -> Option<EdgeSlices<'a>> {
    if n > rest.ty.len() {
        return None;
    }
    Some(EdgeSlices {
        schema: rest.schema,
        written: 0,
        ty: take_front(&mut rest.ty, n),
        name_or_index: take_front(&mut rest.name_or_index, n),
        to: take_front(&mut rest.to, n),
        extra: rest.extra.iter_mut().map(|col| take_front(col, n)).collect(),
        names_needed: 0,
    })
}

/// Reads `nodes` (`rest` starts after its `[`) into columns for the `count` nodes the header
/// announces: the columns (`first_edge` summed: CSR offsets), how many strings they name, and
/// the index of the `]` in `rest`; None to read the array the counted way.
pub fn nodes(
    schema: &NodeSchema,
    rest: &[u8],
    count: usize,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> Option<(NodeColumns, u64, usize)> {
    // Nothing allocated for more records than the bytes can hold.
    if count > room(rest, schema.field_count) {
        return None;
    }
    let mut cols = schema.columns(0, count);
    let mut left = node_slices(schema, &mut cols, count);
    let mut edges = 0u64;
    let slots = |b: &NodeBuffer| {
        let slots = NodeSlots { slots: node_slots(&mut left, b.written)?, first_edge: edges };
        edges += b.edges;
        Some(slots)
    };
    let (close, buffers) = scan(rest, || NodeBuffer::new(schema), slots, done, progress)?;
    // Every slot filled, and every offset within 32 bits.
    if !left.ty.is_empty() || edges > u32::MAX as u64 {
        return None;
    }
    let names_needed = buffers.iter().map(|b| b.names_needed).max().unwrap_or(0);
    let big_sizes: Vec<_> = buffers.into_iter().flat_map(|b| b.big_sizes).collect();
    cols.big_self_size.extend(big_sizes);
    Some((cols, names_needed, close))
}

/// Reads `edges` (`rest` starts after its `[`) into columns for the `count` edges the nodes
/// announce: the columns, how many strings they name, and the index of the `]` in `rest`; None
/// to read the array the counted way.
pub fn edges(
    schema: &EdgeSchema,
    rest: &[u8],
    count: usize,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> Option<(EdgeColumns, u64, usize)> {
    if count > room(rest, schema.field_count) {
        return None;
    }
    let mut cols = schema.columns(0, count);
    let mut left = edge_slices(schema, &mut cols, count);
    let (close, buffers) =
        scan(rest, || EdgeBuffer::new(schema), |b| edge_slots(&mut left, b.written), done, progress)?;
    if !left.ty.is_empty() {
        return None;
    }
    let names_needed = buffers.iter().map(|b| b.names_needed).max().unwrap_or(0);
    Some((cols, names_needed, close))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;
    use std::time::Duration;

    use super::*;
    use crate::meta::Header;
    use crate::parse::pieces::delimit;

    fn header(node_count: usize, edge_count: usize) -> Header {
        let text = format!(
            r#"{{"meta":{{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],
            "node_types":[["hidden","array","string","object"],"string","number","number","number","number","number"],
            "edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property"],"string_or_number","node"]}},
            "node_count":{node_count},"edge_count":{edge_count}}}"#
        );
        serde_json::from_str(&text).unwrap()
    }

    /// `n` node records (a size of 4 GiB at `n / 3`, nonzero extras and detachedness on some),
    /// one edge each to the next node, laid out by `newline_before(value index)`, then `]` and
    /// what follows the array (numbers that read as records too, and must not be taken).
    fn arrays(n: usize, newline_before: impl Fn(usize) -> bool) -> (String, String) {
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        for i in 0..n as u64 {
            let size = if i == n as u64 / 3 { 4 << 30 } else { i % 5000 };
            nodes.extend([i % 4, i % 9_000_000, 2 * i + 1, size, 1, (i % 7 == 0) as u64 * i, i % 3]);
            edges.extend([2, i % 17, (i + 1) % n as u64 * 7]);
        }
        let lay = |values: &[u64]| {
            let mut text = String::new();
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    text.push_str(if newline_before(i) { "\n," } else { "," });
                }
                text.push_str(&v.to_string());
            }
            text + "\n],\n\"more\":[987654321\n,987654321\n,3]"
        };
        (lay(&nodes), lay(&edges))
    }

    fn read_nodes(schema: &NodeSchema, rest: &str, count: usize) -> Option<(NodeColumns, u64, usize)> {
        nodes(schema, rest.as_bytes(), count, &AtomicU64::new(0), &|_| {})
    }

    /// The columns the counted way reads from the same bytes (its own tests check it against
    /// known values).
    fn counted_nodes(schema: &NodeSchema, rest: &str) -> NodeColumns {
        let found = delimit(rest.as_bytes()).unwrap();
        let body = &rest.as_bytes()[..found.close];
        let (count, plan) = pieces::plan(body, &found, 0, schema.field_count, Section::Nodes).unwrap();
        let mut cols = schema.columns(0, count);
        let mut appender = crate::parse::records::NodeAppender::new(schema.clone(), 0);
        let values: Vec<u64> =
            std::str::from_utf8(body).unwrap().split(',').map(|v| v.trim().parse().unwrap()).collect();
        crate::parse::records::push_records(&values, schema.field_count, &mut appender, Section::Nodes).unwrap();
        drop(plan);
        crate::parse::records::finish_nodes(&mut appender.cols, None, 0).unwrap();
        std::mem::swap(&mut cols, &mut appender.cols);
        cols
    }

    #[test]
    fn v8_lines_give_the_columns_in_one_pass() {
        let n = 200_000;
        let schema = NodeSchema::new(&header(n, n)).unwrap();
        let (rest, _) = arrays(n, |i| i % 7 == 0);
        assert!(rest.len() > 4 * PIECE, "several pieces");
        let (cols, names_needed, close) = read_nodes(&schema, &rest, n).expect("V8's layout reads in one pass");
        assert_eq!(close, rest.find(']').unwrap());
        let want = counted_nodes(&schema, &rest);
        assert_eq!(
            (&cols.ty, &cols.name, &cols.id, &cols.self_size),
            (&want.ty, &want.name, &want.id, &want.self_size)
        );
        assert_eq!(
            (&cols.first_edge, &cols.detachedness, &cols.extra),
            (&want.first_edge, &want.detachedness, &want.extra)
        );
        assert_eq!(cols.big_self_size, want.big_self_size);
        assert_eq!(cols.big_self_size.into_iter().collect::<Vec<_>>(), vec![((n / 3) as u32, 4 << 30)]);
        // The largest name (the numbers after the array do not count), plus one.
        assert_eq!(names_needed, (0..n as u64).map(|i| i % 9_000_000).max().unwrap() + 1);

        let schema = EdgeSchema::new(&header(n, n), 7, n).unwrap();
        let (_, rest) = arrays(n, |i| i % 3 == 0);
        let (cols, names_needed, close) =
            edges(&schema, rest.as_bytes(), n, &AtomicU64::new(0), &|_| {}).expect("V8's layout");
        assert_eq!(close, rest.find(']').unwrap());
        assert_eq!(cols.to, (0..n as u32).map(|i| (i + 1) % n as u32).collect::<Vec<_>>());
        assert_eq!(cols.name_or_index, (0..n as u32).map(|i| i % 17).collect::<Vec<_>>());
        assert_eq!(names_needed, 17);
    }

    #[test]
    fn anything_but_v8_lines_and_the_announced_count_is_left_to_the_counted_way() {
        let n = 200_000;
        let schema = NodeSchema::new(&header(n, n)).unwrap();
        let refused = |newline_before: &dyn Fn(usize) -> bool, count: usize, what: &str| {
            let (rest, _) = arrays(n, newline_before);
            assert!(read_nodes(&schema, &rest, count).is_none(), "{what}");
        };
        refused(&|i| i % 7 == 0, n - 1, "more records than announced");
        refused(&|i| i % 7 == 0, n + 1, "fewer records than announced");
        refused(&|i| i % 5 == 0, n, "lines that do not start records");
        refused(&|i| i % 7 == 0 && !(300_000..900_000).contains(&i), n, "no line start for a piece's length");
        refused(&|_| false, n, "no newlines");
        // Lines of two records still start records: read in one pass, the same columns.
        let (rest, _) = arrays(n, |i| i % 14 == 0);
        assert_eq!(read_nodes(&schema, &rest, n).unwrap().0.id, counted_nodes(&schema, &rest).id);
        // A count the bytes cannot hold is refused before anything is allocated for it.
        assert!(read_nodes(&schema, "1,2]", usize::MAX / 2).is_none());
        // A truncated array (no `]`).
        let (rest, _) = arrays(1000, |i| i % 7 == 0);
        let cut = &rest[..rest.find(']').unwrap()];
        assert!(read_nodes(&schema, cut, 1000).is_none());
        assert!(read_nodes(&schema, &rest, 1000).is_some());
    }

    #[test]
    fn pieces_start_at_line_starts_and_cover_the_bytes() {
        let rest: String = (0..400_000).map(|i| format!("{i}\n,")).collect::<String>() + "0]";
        let mut end = 0;
        for k in 0.. {
            let Some((range, ends_at_line)) = piece(rest.as_bytes(), k) else { break };
            assert_eq!(range.start, end, "piece {k} starts where the one before ended");
            assert!(k == 0 || rest[..range.start].ends_with("\n,"), "piece {k} starts a line");
            assert!(range.start >= k * PIECE && (k == 0 || range.start <= (k + 1) * PIECE + 1));
            end = range.end;
            if !ends_at_line {
                assert_eq!(end, rest.len(), "only the last runs on");
            }
        }
        assert_eq!(end, rest.len());
        assert_eq!(line_start(b"12\n3\n,4", 0), Some(6));
        assert_eq!(line_start(b"12\n3\n", 0), None);
    }

    #[test]
    fn the_close_guess_finds_the_first_bracket_past_most_of_the_lines() {
        let lines = 2_000_000;
        let rest: String = (0..lines).map(|i| format!("1,2,{}\n,", i % 1000)).collect::<String>() + "0,0,0]";
        assert!(rest.len() > 2 * GUESS_SAMPLE);
        let close = rest.find(']').unwrap();
        assert_eq!(close_guess(rest.as_bytes(), lines + 1), Some(close));
        // Within the sample, the `]` itself.
        assert_eq!(close_guess(b"1,2\n,3]", 2), Some(6));
        // Lines twice as long over the sample (two records each) mislead it past the `]`: to
        // a later one, or none.
        let misled: String = (0..lines)
            .map(|i| format!("1,2,{}{}", i % 1000, if i < lines * 3 / 4 && i % 2 == 0 { "," } else { "\n," }))
            .collect::<String>()
            + "0,0,0]";
        assert_eq!(close_guess(misled.as_bytes(), lines + 1), None);
        let later = misled.clone() + ",\"x\":[" + &"1,".repeat(8_000_000) + "1]";
        assert_eq!(close_guess(later.as_bytes(), lines + 1), Some(later.len() - 1));
    }

    /// A buffer that reads nothing: a piece's records are its bytes, `]` closes. The piece
    /// that closes is slow, so that the other worker reads the piece after it meanwhile.
    struct Probe<'f> {
        base: usize,
        at: Range<usize>,
        fail_at: Option<usize>,
        filled: &'f Mutex<Vec<usize>>,
    }

    impl Buffer for Probe<'_> {
        type Slots = Range<usize>;

        fn fill(&mut self, bytes: &[u8], _first: bool) -> Option<Option<usize>> {
            let start = bytes.as_ptr() as usize - self.base;
            self.at = start..start + bytes.len();
            self.filled.lock().unwrap().push(start);
            let close = memchr::memchr(b']', bytes);
            if close.is_some() {
                std::thread::sleep(Duration::from_millis(100));
            }
            if self.fail_at.is_some_and(|f| self.at.contains(&f)) {
                return None;
            }
            Some(close)
        }

        fn copy_into(&mut self, slots: Range<usize>) {
            assert_eq!(slots, self.at, "the slots are the piece's own");
        }
    }

    /// Where the scan found the `]`, the pieces that took slots, and the starts of those read.
    fn probe(rest: &[u8], fail_at: Option<usize>) -> (Option<usize>, Vec<Range<usize>>, Vec<usize>) {
        let mut taken = Vec::new();
        let filled = Mutex::new(Vec::new());
        let base = rest.as_ptr() as usize;
        let found = scan(
            rest,
            || Probe { base, at: 0..0, fail_at, filled: &filled },
            |b: &Probe| {
                taken.push(b.at.clone());
                Some(b.at.clone())
            },
            &AtomicU64::new(0),
            &|_| {},
        );
        (found.map(|(close, _)| close), taken, filled.into_inner().unwrap())
    }

    /// Runs `f` on two workers of its own, whatever other tests keep the global pool busy with.
    fn on_two_workers<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        #[cfg(feature = "parallel")]
        return rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(f);
        #[cfg(not(feature = "parallel"))]
        f()
    }

    #[test]
    fn slots_go_in_file_order_and_stop_at_the_piece_that_closes() {
        on_two_workers(slots_in_order);
    }

    fn slots_in_order() {
        let mut rest: Vec<u8> = (0..2_000_000).flat_map(|i: u32| format!("{}\n,", i % 10).into_bytes()).collect();
        let close = 7 * PIECE / 2;
        rest[close] = b']';
        let (found, taken, filled) = probe(&rest, None);
        assert_eq!(found, Some(close));
        assert_eq!(taken.len(), 4, "pieces 0 to 3, none after the one that closes");
        assert_eq!(taken[0].start, 0);
        assert!(taken.windows(2).all(|w| w[0].end == w[1].start), "{taken:?}");
        assert!(taken[3].contains(&close));
        // With one worker, nothing after the piece that closes is read at all.
        assert_eq!(filled.contains(&taken[3].end), cfg!(feature = "parallel"), "the piece after the `]`");
        // A piece that fails before the `]` fails the scan; one after it does not matter.
        assert_eq!(probe(&rest, Some(PIECE + 5)).0, None);
        assert_eq!(probe(&rest, Some(taken[3].end + 5)).0, Some(close));
        // No `]` at all: the scan fails once it runs out of pieces.
        rest[close] = b'3';
        assert_eq!(probe(&rest, None).0, None);
    }
}
