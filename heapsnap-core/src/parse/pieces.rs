//! Splitting a mapped `nodes` or `edges` array into record-aligned pieces that rayon scans in
//! parallel, each straight into its own slices of the preallocated columns (no intermediate
//! copy of the array).
//!
//! Pass 1 counts commas per coarse chunk (memchr, parallel), which gives the exact value
//! count, so columns are sized from the file's content, not from the header's claims. Each
//! chunk boundary then moves forward to the next record start.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result, Section};
use crate::parse::fast;
use crate::parse::ints::IntScanner;
use crate::parse::json::is_ws;
use crate::parse::records::{Assembler, RecordSink};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub bytes: Range<usize>,
    pub records: usize,
}

/// Below this a piece is not worth a task.
const MIN_PIECE: usize = 1 << 20;

#[cfg(feature = "parallel")]
fn threads() -> usize {
    rayon::current_num_threads()
}
#[cfg(not(feature = "parallel"))]
fn threads() -> usize {
    1
}

/// Cuts `body` (an array's bytes between `[` and `]`) into pieces of whole records of
/// `width` values. Returns the record count and the pieces.
pub fn plan(body: &[u8], base: u64, width: usize, section: Section) -> Result<(usize, Vec<Piece>)> {
    let wanted = (body.len() / MIN_PIECE).clamp(1, threads() * 8);
    let cuts: Vec<usize> = (0..=wanted).map(|k| body.len() * k / wanted).collect();
    let counts: Vec<usize> = map_ranges(&cuts, |r| memchr::memchr_iter(b',', &body[r]).count());
    let commas: usize = counts.iter().sum();
    let values = if commas > 0 || body.iter().any(|&b| !is_ws(b)) { commas + 1 } else { 0 };
    if values % width != 0 {
        return Err(Error::invalid(
            section,
            base + body.len() as u64,
            format!("the array holds {values} numbers, not a whole number of {width}-field records"),
        ));
    }
    let mut pieces = Vec::with_capacity(wanted);
    let (mut start, mut record) = (0usize, 0usize);
    let mut before = 0usize; // commas before cuts[k]
    for k in 1..wanted {
        before += counts[k - 1];
        // The first record start at or after the cut follows comma number `next` (1-based).
        let next = (before / width + 1) * width;
        let (at, rec) = if next > commas {
            (body.len(), values / width)
        } else {
            let skip = next - before - 1;
            let rel = memchr::memchr_iter(b',', &body[cuts[k]..]).nth(skip).expect("counted commas");
            (cuts[k] + rel + 1, next / width)
        };
        if at > start {
            pieces.push(Piece { bytes: start..at, records: rec - record });
            start = at;
            record = rec;
        }
    }
    pieces.push(Piece { bytes: start..body.len(), records: values / width - record });
    Ok((values / width, pieces))
}

fn map_ranges<T: Send>(cuts: &[usize], f: impl Fn(Range<usize>) -> T + Sync + Send) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        cuts.par_windows(2).map(|w| f(w[0]..w[1])).collect()
    }
    #[cfg(not(feature = "parallel"))]
    cuts.windows(2).map(|w| f(w[0]..w[1])).collect()
}

/// Scans every piece into its sink, in parallel. `done` counts scanned bytes for progress.
pub fn scan<S: RecordSink + Send>(
    body: &[u8],
    base: u64,
    width: usize,
    section: Section,
    work: Vec<(Piece, S)>,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<S>> {
    let last = work.len().saturating_sub(1);
    let run = |(k, (piece, mut sink)): (usize, (Piece, S))| -> Result<S> {
        let bytes = &body[piece.bytes.clone()];
        let at = base + piece.bytes.start as u64;
        // The fast path reads what has V8's exact layout; the general scanner the rest.
        let fast = fast::records(bytes, at, width, &mut sink)?;
        let mut scanner = if k == 0 && fast == 0 { IntScanner::new(section) } else { IntScanner::at_value(section) };
        let mut records = Assembler::new(width);
        let mut push = |v, off| records.push(v, off, &mut sink);
        scanner.feed(&bytes[fast..], at + fast as u64, &mut push)?;
        if k == last {
            scanner.finish_piece(at + bytes.len() as u64, &mut push)?;
        } else if !scanner.expects_value() {
            return Err(Error::syntax(section, at + bytes.len() as u64, "expected ','"));
        }
        debug_assert!(records.is_aligned());
        progress(done.fetch_add(bytes.len() as u64, Ordering::Relaxed) + bytes.len() as u64);
        Ok(sink)
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        work.into_par_iter().enumerate().map(run).collect()
    }
    #[cfg(not(feature = "parallel"))]
    work.into_iter().enumerate().map(run).collect()
}

/// The index of the first `byte` in `hay`: memchr, split across threads block by block
/// (a `nodes` or `edges` array is most of a file, and its end is found before it is planned).
pub fn find_byte(hay: &[u8], byte: u8) -> Option<usize> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        const BLOCK: usize = 64 << 20;
        let piece = (BLOCK / threads()).max(1 << 20);
        let mut start = 0;
        while start < hay.len() {
            let block = &hay[start..(start + BLOCK).min(hay.len())];
            let found = block
                .par_chunks(piece)
                .enumerate()
                .find_map_first(|(k, chunk)| memchr::memchr(byte, chunk).map(|i| k * piece + i));
            if let Some(i) = found {
                return Some(start + i);
            }
            start += block.len();
        }
        None
    }
    #[cfg(not(feature = "parallel"))]
    memchr::memchr(byte, hay)
}

/// The largest of `f` over coarse consecutive ranges covering `0..len` (0 when empty), split
/// across threads.
pub fn max_over_ranges(len: usize, f: impl Fn(Range<usize>) -> u64 + Sync + Send) -> u64 {
    const CHUNK: usize = 1 << 20;
    let ranges = (0..len.div_ceil(CHUNK)).map(|k| k * CHUNK..((k + 1) * CHUNK).min(len));
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        ranges.collect::<Vec<_>>().into_par_iter().map(f).max().unwrap_or(0)
    }
    #[cfg(not(feature = "parallel"))]
    ranges.map(f).max().unwrap_or(0)
}

/// Splits a column into consecutive mutable slices of the given lengths.
pub fn split_column<T>(mut column: &mut [T], lengths: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    lengths
        .map(|n| {
            let n = n.min(column.len());
            let (head, tail) = std::mem::take(&mut column).split_at_mut(n);
            column = tail;
            head
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_whole_records() {
        let body: String = (0..300_000).map(|i| format!("{i},")).collect::<String>() + "1";
        // 300_001 numbers is not a multiple of 7: an error, not a crash.
        assert!(plan(body.as_bytes(), 0, 7, Section::Nodes).is_err());
        let body: String = (0..(7 * 100_000)).map(|i| format!("{}", i)).collect::<Vec<_>>().join(",\n");
        let (records, pieces) = plan(body.as_bytes(), 0, 7, Section::Nodes).unwrap();
        assert_eq!(records, 100_000);
        assert_eq!(pieces.iter().map(|p| p.records).sum::<usize>(), records);
        let mut expected_first = 0;
        for p in &pieces {
            let text = &body[p.bytes.clone()];
            let first: u64 = text.split(',').next().unwrap().trim().parse().unwrap();
            assert_eq!(first, expected_first * 7);
            expected_first += p.records as u64;
        }
        assert_eq!(pieces.last().unwrap().bytes.end, body.len());
    }

    #[test]
    fn find_byte_finds_the_first_anywhere() {
        let len = (70 << 20) + 12345;
        let mut hay = vec![b'1'; len];
        assert_eq!(find_byte(&hay, b']'), None);
        for at in [0, 5, (1 << 20) - 1, 1 << 20, (64 << 20) - 1, 64 << 20, len - 1] {
            hay[at] = b']';
            hay[len - 1] = b']';
            assert_eq!(find_byte(&hay, b']'), Some(at), "at {at}");
            hay[at] = b'1';
        }
    }

    #[test]
    fn empty_body_has_no_records() {
        assert_eq!(plan(b"  \n", 0, 3, Section::Edges).unwrap().0, 0);
    }
}
