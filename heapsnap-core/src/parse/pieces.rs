//! The counted way, for an array in any layout (the one-pass way, [`super::lines`], takes only
//! V8's): splitting a mapped `nodes` or `edges` array into record-aligned pieces that rayon
//! scans in parallel, each straight into its own slices of the preallocated columns (no
//! intermediate copy of the array). Every diagnostic of a mapped array comes from here.
//!
//! One pass over the rest of the file ([`delimit`], AVX-512, AVX2 or memchr, chunks in parallel)
//! finds the array's closing `]` and counts the commas of each chunk before it: the exact
//! value count, so columns are sized from the file's content, not from the header's claims.
//! Each chunk boundary then moves forward to the next record start ([`plan`]).

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

#[cfg(feature = "parallel")]
pub fn threads() -> usize {
    rayon::current_num_threads()
}
#[cfg(not(feature = "parallel"))]
pub fn threads() -> usize {
    1
}

/// Where an array body ends and how its commas fall: `cuts` are chunk boundaries from 0 to
/// `close` (the offset of the closing `]`), `commas[k]` the commas between `cuts[k]` and
/// `cuts[k + 1]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delimited {
    pub close: usize,
    pub cuts: Vec<usize>,
    pub commas: Vec<usize>,
}

/// Chunks of this size are counted by one task, and become one piece each.
const CHUNK: usize = 8 << 20;

/// Finds the first `]` of `rest` (the bytes after an array's `[`; `nodes` and `edges` hold
/// no other) and counts the commas before it, chunk by chunk, in one pass. None if there is
/// no `]` (a truncated file).
pub fn delimit(rest: &[u8]) -> Option<Delimited> {
    // Rounds of a few chunks per thread: the `]` is found within a round of where it is,
    // without counting the whole file after it.
    let round = CHUNK * threads() * 4;
    let mut found = Delimited { close: 0, cuts: vec![0], commas: Vec::new() };
    let mut start = 0;
    while start < rest.len() {
        let end = (start + round).min(rest.len());
        let cuts: Vec<usize> = (start..end).step_by(CHUNK).chain([end]).collect();
        let counted = map_ranges(&cuts, |r| commas_before_close(&rest[r]));
        for (k, (commas, close)) in counted.into_iter().enumerate() {
            found.commas.push(commas);
            if let Some(at) = close {
                found.close = cuts[k] + at;
                found.cuts.push(found.close);
                return Some(found);
            }
            found.cuts.push(cuts[k + 1]);
        }
        start = end;
    }
    None
}

/// The commas before the first `]` of `hay` (all of them if there is none), and where that
/// `]` is.
fn commas_before_close(hay: &[u8]) -> (usize, Option<usize>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512bw") {
        // SAFETY: the CPU has the instructions (checked just above).
        return unsafe { commas_before_close_avx512(hay) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has the instructions (checked just above).
        return unsafe { commas_before_close_avx2(hay) };
    }
    commas_before_close_memchr(hay)
}

/// [`commas_before_close`] with memchr, in sub-chunks small enough to stay in cache between
/// the two scans.
fn commas_before_close_memchr(hay: &[u8]) -> (usize, Option<usize>) {
    const SUB: usize = 256 << 10;
    let mut commas = 0;
    for (k, sub) in hay.chunks(SUB).enumerate() {
        if let Some(i) = memchr::memchr(b']', sub) {
            return (commas + memchr::memchr_iter(b',', &sub[..i]).count(), Some(k * SUB + i));
        }
        commas += memchr::memchr_iter(b',', sub).count();
    }
    (commas, None)
}

/// [`commas_before_close`] in one pass, 64 bytes a step: `masks` gives a block's commas and
/// `]`s as bit masks (the vector loops below); the last bytes go through memchr.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn commas_before_close_by(hay: &[u8], masks: impl Fn(&[u8]) -> (u64, u64)) -> (usize, Option<usize>) {
    let mut commas = 0usize;
    let mut chunks = hay.chunks_exact(64);
    for (k, chunk) in chunks.by_ref().enumerate() {
        let (commas_here, closes) = masks(chunk);
        if closes != 0 {
            let at = closes.trailing_zeros();
            let before = if at == 0 { 0 } else { commas_here & (u64::MAX >> (64 - at)) };
            return (commas + before.count_ones() as usize, Some(64 * k + at as usize));
        }
        commas += commas_here.count_ones() as usize;
    }
    let tail = chunks.remainder();
    let done = hay.len() - tail.len();
    match memchr::memchr(b']', tail) {
        Some(i) => (commas + memchr::memchr_iter(b',', &tail[..i]).count(), Some(done + i)),
        None => (commas + memchr::memchr_iter(b',', tail).count(), None),
    }
}

/// [`commas_before_close_by`] with AVX-512: both bytes compared over 64 bytes at once.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn commas_before_close_avx512(hay: &[u8]) -> (usize, Option<usize>) {
    use std::arch::x86_64::*;
    let (comma, close) = (_mm512_set1_epi8(b',' as i8), _mm512_set1_epi8(b']' as i8));
    commas_before_close_by(hay, |chunk| {
        // SAFETY: the load reads the 64 bytes of `chunk`.
        let x = unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) };
        (_mm512_cmpeq_epi8_mask(x, comma), _mm512_cmpeq_epi8_mask(x, close))
    })
}

/// [`commas_before_close_by`] with AVX2, two 32-byte halves a block: one pass instead of
/// memchr's two (the 982 MB file's parse on the bench VM's Zen 3: 0.84 s against 0.87 s,
/// medians of four alternating runs).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn commas_before_close_avx2(hay: &[u8]) -> (usize, Option<usize>) {
    use std::arch::x86_64::*;
    let (comma, close) = (_mm256_set1_epi8(b',' as i8), _mm256_set1_epi8(b']' as i8));
    commas_before_close_by(hay, |chunk| {
        // SAFETY: the loads read the two halves of `chunk` (64 bytes).
        let (lo, hi) =
            unsafe { (_mm256_loadu_si256(chunk.as_ptr().cast()), _mm256_loadu_si256(chunk.as_ptr().add(32).cast())) };
        let mask = |x: __m256i, b: __m256i| _mm256_movemask_epi8(_mm256_cmpeq_epi8(x, b)) as u32 as u64;
        (mask(lo, comma) | mask(hi, comma) << 32, mask(lo, close) | mask(hi, close) << 32)
    })
}

/// Cuts `body` (an array's bytes between `[` and `]`, delimited by [`delimit`]) into pieces of
/// whole records of `width` values, one per chunk. Returns the record count and the pieces.
pub fn plan(body: &[u8], found: &Delimited, base: u64, width: usize, section: Section) -> Result<(usize, Vec<Piece>)> {
    let (cuts, counts) = (&found.cuts, &found.commas);
    let commas: usize = counts.iter().sum();
    let values = if commas > 0 || body.iter().any(|&b| !is_ws(b)) { commas + 1 } else { 0 };
    if values % width != 0 {
        return Err(Error::invalid(
            section,
            base + body.len() as u64,
            format!("the array holds {values} numbers, not a whole number of {width}-field records"),
        ));
    }
    let mut pieces = Vec::with_capacity(counts.len());
    let (mut start, mut record) = (0usize, 0usize);
    let mut before = 0usize; // commas before cuts[k]
    for k in 1..counts.len() {
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
        sink.populate();
        let mut read = read_piece(bytes, at, width, section, k == 0, &mut sink)?;
        if k == last {
            read.scanner.finish_piece(at + bytes.len() as u64, &mut |v, off| read.records.push(v, off, &mut sink))?;
        } else if !read.scanner.expects_value() {
            return Err(Error::syntax(section, at + bytes.len() as u64, "expected ','"));
        }
        debug_assert!(read.records.is_aligned());
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

/// Where a piece's scan stopped: the scanner and the record being assembled, to end the piece
/// as its caller requires, and the index just past the array's `]` if the piece holds it.
pub struct PieceRead {
    pub scanner: IntScanner,
    pub records: Assembler,
    pub close: Option<usize>,
}

/// Reads the records of one piece (`bytes`, at absolute offset `at`, starting at a record;
/// `first` if it starts the array) into `sink`: the fast path while the bytes have V8's exact
/// layout, the general scanner for the rest, up to the piece's end or the array's `]`.
pub fn read_piece(
    bytes: &[u8],
    at: u64,
    width: usize,
    section: Section,
    first: bool,
    sink: &mut impl RecordSink,
) -> Result<PieceRead> {
    let fast = fast::records(bytes, at, width, sink)?;
    let mut scanner = if first && fast == 0 { IntScanner::new(section) } else { IntScanner::at_value(section) };
    let mut records = Assembler::new(width);
    let close = scanner.feed(&bytes[fast..], at + fast as u64, &mut |v, off| records.push(v, off, sink))?;
    Ok(PieceRead { scanner, records, close: close.map(|end| fast + end) })
}

/// Splits a column into consecutive mutable slices of the given lengths.
pub fn split_column<T>(mut column: &mut [T], lengths: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    lengths.map(|n| take_front(&mut column, n)).collect()
}

/// The first `n` entries of `column` (all of them if it is shorter), taken off its front.
pub fn take_front<'a, T>(column: &mut &'a mut [T], n: usize) -> &'a mut [T] {
    let n = n.min(column.len());
    let (head, tail) = std::mem::take(column).split_at_mut(n);
    *column = tail;
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delimit_whole(body: &str) -> Delimited {
        delimit(format!("{body}]").as_bytes()).expect("a closing bracket")
    }

    #[test]
    fn pieces_cover_whole_records() {
        let body: String = (0..300_000).map(|i| format!("{i},")).collect::<String>() + "1";
        // 300_001 numbers is not a multiple of 7: an error, not a crash.
        assert!(plan(body.as_bytes(), &delimit_whole(&body), 0, 7, Section::Nodes).is_err());
        // Long enough for several chunks.
        let body: String = (0..(7 * 2_000_000)).map(|i| format!("{}", i)).collect::<Vec<_>>().join(",\n");
        let found = delimit_whole(&body);
        assert!(found.commas.len() > 3);
        assert_eq!(found.close, body.len());
        let (records, pieces) = plan(body.as_bytes(), &found, 0, 7, Section::Nodes).unwrap();
        assert_eq!(records, 2_000_000);
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
    fn delimit_finds_the_first_bracket_anywhere_and_counts_before_it() {
        let len = (70 << 20) + 12345;
        let mut hay = vec![b','; len];
        assert_eq!(delimit(&hay), None);
        for at in [0, 5, (256 << 10) - 1, 256 << 10, (8 << 20) - 1, 8 << 20, (64 << 20) + 7, len - 1] {
            hay[at] = b']';
            hay[len - 1] = b']';
            let found = delimit(&hay).unwrap();
            assert_eq!(found.close, at, "at {at}");
            assert_eq!(found.commas.iter().sum::<usize>(), at, "commas before {at}");
            assert_eq!((found.cuts[0], *found.cuts.last().unwrap()), (0, at));
            assert_eq!(found.cuts.len(), found.commas.len() + 1);
            hay[at] = b',';
        }
    }

    #[test]
    fn comma_counts_agree_on_every_path() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut hay: Vec<u8> = (0..(600 << 10) + 77)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                [b',', b'1', b'\n', b'7'][(x % 4) as usize]
            })
            .collect();
        for at in [None, Some(0), Some(63), Some(64), Some(1000), Some((256 << 10) + 3), Some(hay.len() - 1)] {
            if let Some(i) = at {
                hay[i] = b']';
            }
            let want = commas_before_close_memchr(&hay);
            let commas = hay[..at.unwrap_or(hay.len())].iter().filter(|&&b| b == b',').count();
            assert_eq!(want, (commas, at));
            assert_eq!(commas_before_close(&hay), want, "at {at:?}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has the instructions (checked just above).
                assert_eq!(unsafe { commas_before_close_avx2(&hay) }, want, "avx2 at {at:?}");
            }
            if let Some(i) = at {
                hay[i] = b',';
            }
        }
    }

    #[test]
    fn empty_body_has_no_records() {
        assert_eq!(plan(b"  \n", &delimit_whole("  \n"), 0, 3, Section::Edges).unwrap().0, 0);
    }
}
