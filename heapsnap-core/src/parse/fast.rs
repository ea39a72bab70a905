//! The fast path for `nodes` and `edges` as V8 writes them: records of short decimal numbers
//! separated by `,`, with `\n,` between records.
//!
//! Three stages, each a tight loop of its own:
//! 1. Locate. The input is read 64 bytes at a time; three bit masks per block (digits,
//!    commas, newlines; SSE2 on x86-64, SWAR elsewhere) say whether the block has V8's shape
//!    and where every number starts and how long it is. Each number's first 8 bytes are kept
//!    as its digit values moved to the top of a word, one store a number: no branch per
//!    byte, no dependent chain from one number to the next.
//! 2. Convert the located numbers, four at a time with AVX2 where the CPU has it (multiply-add
//!    of digit pairs, then pairs of pairs), else by SWAR one at a time.
//! 3. Hand whole records to the sink in batches ([`RecordSink::records`]), where the
//!    per-field checks and column stores run in a loop of their own.
//!
//! The fast path never reports an error: at the first block that is not V8's shape (a space,
//! a stray byte), a number of more than 16 digits, or a record the sink refuses, it stops at
//! the start of the last record it can vouch for, and the general scanner ([`super::ints`])
//! takes over from there and diagnoses whatever is wrong. So results and errors do not depend
//! on which path read a record.

use crate::error::Result;
use crate::parse::records::RecordSink;

/// Records wider than this (no producer writes them) take the general path.
pub const MAX_WIDTH: usize = 16;

const BLOCK: usize = 64;
/// Numbers located before they are converted and offered to the sink; a block adds at most 32.
const BATCH: usize = 512;
const CAPACITY: usize = BATCH + BLOCK / 2;
/// Values kept between batches: an unfinished record, and the last whole one until a value
/// follows it.
const CARRIED: usize = 2 * MAX_WIDTH;

const ONES: u64 = 0x0101_0101_0101_0101;

/// Reads 8 bytes at `at`, which must leave 8 bytes in `bytes`.
#[inline(always)]
fn load(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The 8 bytes read at a number's first digit (`len` of them, 1..=8, then whatever follows)
/// as eight digit values, most significant first: the number's digits moved to the top of
/// the word, the vacated low bytes zeros (leading zeros, so every number converts as eight
/// digits). Subtracting first is exact: the digits, in the low bytes, never borrow, and the
/// bytes after them, which might, are shifted out.
#[inline(always)]
fn aligned_digits(word: u64, len: usize) -> u64 {
    word.wrapping_sub(0x30 * ONES) << (64 - 8 * len)
}

/// The value of eight digits from [`aligned_digits`].
#[inline(always)]
fn digits_value(aligned: u64) -> u64 {
    let v = aligned.wrapping_mul(10).wrapping_add(aligned >> 8);
    ((v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32))
        + ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
        >> 32
}

const POW10: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// Converts located numbers: `out[k]` = the value of `aligned[k]` ([`aligned_digits`]).
fn convert(aligned: &[u64], out: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { convert_avx2(aligned, out) };
        return;
    }
    for (o, &a) in out.iter_mut().zip(aligned) {
        *o = digits_value(a);
    }
}

/// [`convert`], four numbers a step: combine digit pairs (×10 + 1), pairs of pairs
/// (×100 + 1) and the two halves (×10000 + 1).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn convert_avx2(aligned: &[u64], out: &mut [u64]) {
    use std::arch::x86_64::*;
    let n = aligned.len().min(out.len());
    let mut k = 0;
    let tens = _mm256_set1_epi16(0x010A);
    let hundreds = _mm256_set1_epi32(0x0001_0064);
    let ten_thousand = _mm256_set1_epi64x(10_000);
    while k + 4 <= n {
        // SAFETY: k + 4 <= n keeps the four-lane load and the store inside both slices.
        unsafe {
            let digits = _mm256_loadu_si256(aligned.as_ptr().add(k).cast());
            let pairs = _mm256_maddubs_epi16(digits, tens);
            let quads = _mm256_madd_epi16(pairs, hundreds);
            let v = _mm256_add_epi64(_mm256_mul_epu32(quads, ten_thousand), _mm256_srli_epi64(quads, 32));
            _mm256_storeu_si256(out.as_mut_ptr().add(k).cast(), v);
        }
        k += 4;
    }
    for j in k..n {
        out[j] = digits_value(aligned[j]);
    }
}

/// Bit `i` set where byte `i` of a 64-byte block is a digit, a comma, a newline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Masks {
    digit: u64,
    comma: u64,
    newline: u64,
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks(bytes: &[u8], at: usize) -> Masks {
    use std::arch::x86_64::*;
    let block: &[u8; BLOCK] = bytes[at..at + BLOCK].try_into().expect("a whole block");
    let (mut digit, mut comma, mut newline) = (0u64, 0u64, 0u64);
    for k in 0..BLOCK / 16 {
        // SAFETY: SSE2 is part of the x86-64 baseline; the load reads 16 bytes inside `block`.
        let (d, c, n) = unsafe {
            let x = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            let t = _mm_sub_epi8(x, _mm_set1_epi8(b'0' as i8));
            let d = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
            let c = _mm_cmpeq_epi8(x, _mm_set1_epi8(b',' as i8));
            let n = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\n' as i8));
            (_mm_movemask_epi8(d), _mm_movemask_epi8(c), _mm_movemask_epi8(n))
        };
        digit |= (d as u16 as u64) << (16 * k);
        comma |= (c as u16 as u64) << (16 * k);
        newline |= (n as u16 as u64) << (16 * k);
    }
    Masks { digit, comma, newline }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn masks(bytes: &[u8], at: usize) -> Masks {
    swar_masks(bytes, at)
}

/// [`masks`] with plain 64-bit arithmetic (every target; the x86-64 build checks against it).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn swar_masks(bytes: &[u8], at: usize) -> Masks {
    const HIGH: u64 = 0x80 * ONES;
    // 0x80 in every byte of `x` that is not zero, exactly (no borrow between bytes).
    let nonzero = |x: u64| (((x & !HIGH) + !HIGH) | x) & HIGH;
    // The high bits of the 8 bytes, gathered into 8 bits (byte i → bit i).
    let gather = |flags: u64| ((flags >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) & 0xFF;
    let (mut digit, mut comma, mut newline) = (0u64, 0u64, 0u64);
    for k in 0..BLOCK / 8 {
        let w = load(bytes, at + 8 * k);
        // A digit has high nibble 3, and adding 6 to its low nibble does not carry out of it.
        let not_digit = ((w & (0xF0 * ONES)) ^ (0x30 * ONES)) | (((w & (0x0F * ONES)) + 0x06 * ONES) & (0xF0 * ONES));
        digit |= gather(!nonzero(not_digit) & HIGH) << (8 * k);
        comma |= gather(!nonzero(w ^ (b',' as u64 * ONES)) & HIGH) << (8 * k);
        newline |= gather(!nonzero(w ^ (b'\n' as u64 * ONES)) & HIGH) << (8 * k);
    }
    Masks { digit, comma, newline }
}

/// What the block before says about its last byte.
#[derive(Clone, Copy)]
struct Carry {
    digit: u64,
    nondigit: u64,
    newline: u64,
}

impl Carry {
    /// A piece starts just after a `,` (or the array's `[`).
    const AFTER_COMMA: Carry = Carry { digit: 0, nondigit: 1, newline: 0 };

    fn after(m: Masks) -> Carry {
        Carry { digit: m.digit >> 63, nondigit: !m.digit >> 63, newline: m.newline >> 63 }
    }
}

/// Whether a block, preceded by what `carry` says, has V8's shape: only digits, `,` and `\n`;
/// two non-digits in a row only as `\n,`; no digit right after a newline. Then every number is
/// followed by `,` or `\n,` and every `,` by a number or by the block's end.
#[inline(always)]
fn v8_shaped(m: Masks, carry: Carry) -> bool {
    let nondigit = !m.digit;
    let prev_nondigit = (nondigit << 1) | carry.nondigit;
    let prev_newline = (m.newline << 1) | carry.newline;
    (m.digit | m.comma | m.newline) == !0
        && nondigit & prev_nondigit & !(m.comma & prev_newline) == 0
        && m.digit & prev_newline == 0
}

/// A number of 9 to 16 digits starting at `p`, `len` long (a word or lane holds 8).
#[inline(always)]
fn long_value(bytes: &[u8], p: usize, len: usize) -> u64 {
    digits_value(aligned_digits(load(bytes, p), 8)) * POW10[len - 8]
        + digits_value(aligned_digits(load(bytes, p + 8), len - 8))
}

/// Numbers located in the current batch, and values converted but not yet handed over.
struct Batch {
    /// Converted values, with the offset each starts at: those carried from the last batch
    /// first (an unfinished record, and the last whole one until a value follows it).
    values: [u64; CARRIED + CAPACITY],
    starts: [usize; CARRIED + CAPACITY],
    ready: usize,
    /// Numbers located but not converted yet (the scalar locator's), as
    /// [`aligned_digits`]. Their values and starts go at `ready + k`.
    aligned: [u64; CAPACITY],
    located: usize,
    /// Numbers of 9 to 16 digits, converted when located: (index among the located, value).
    long: Vec<(usize, u64)>,
    width: usize,
}

impl Batch {
    fn new(width: usize) -> Box<Batch> {
        Box::new(Batch {
            values: [0; CARRIED + CAPACITY],
            starts: [0; CARRIED + CAPACITY],
            ready: 0,
            aligned: [0; CAPACITY],
            located: 0,
            long: Vec::new(),
            width,
        })
    }

    /// Numbers in the batch, converted or not.
    fn len(&self) -> usize {
        self.ready + self.located
    }

    /// Converts the located numbers.
    fn convert_located(&mut self) {
        let (r, n) = (self.ready, self.located);
        convert(&self.aligned[..n], &mut self.values[r..r + n]);
        for &(k, v) in &self.long {
            self.values[r + k] = v;
        }
        self.long.clear();
        self.ready += n;
        self.located = 0;
    }

    /// Locates the numbers that start in the block at `at` (masks `m`, then `next` for the
    /// block after, which a number may run into). False at a number of more than 16 digits.
    #[inline(always)]
    fn locate(&mut self, bytes: &[u8], at: usize, m: Masks, next: Masks, carry: Carry) -> bool {
        // Non-digits of this block and the next, for the length of each number.
        let (ends, ends_next) = (!m.digit, !next.digit);
        let mut starts = m.digit & !((m.digit << 1) | carry.digit);
        // This block and the next: every number starting in this block is read from them.
        let window: &[u8; 2 * BLOCK] = bytes[at..at + 2 * BLOCK].try_into().expect("two blocks");
        let mut k = self.located;
        let ready = self.ready;
        while starts != 0 {
            let p = starts.trailing_zeros() as usize;
            // The non-digits from `p` on, across into the next block (a funnel shift).
            let len = ((ends >> p) | ((ends_next << 1) << (63 - p))).trailing_zeros() as usize;
            let word = load(window, p);
            // SAFETY: the batch is flushed once it holds BATCH numbers, and a block holds at
            // most 32, so k < CAPACITY and ready + k < CARRIED + CAPACITY.
            unsafe {
                debug_assert!(k < CAPACITY && ready + k < CARRIED + CAPACITY);
                *self.starts.get_unchecked_mut(ready + k) = at + p;
                if len <= 8 {
                    *self.aligned.get_unchecked_mut(k) = aligned_digits(word, len);
                } else if len <= 16 {
                    self.long.push((k, long_value(window, p, len)));
                } else {
                    self.located = k;
                    return false;
                }
            }
            k += 1;
            starts &= starts - 1;
        }
        self.located = k;
        true
    }

    /// Converts what is located and hands the records whose end is certain to the sink:
    /// every whole record but the last when no value follows it yet (its separator may lie in
    /// a block not yet checked). Returns the offset to stop at if the sink refused a record.
    fn flush(&mut self, sink: &mut impl RecordSink) -> Option<usize> {
        self.convert_located();
        let len = self.ready;
        let complete = len / self.width;
        let certain = if len.is_multiple_of(self.width) { complete.saturating_sub(1) } else { complete };
        let cut = certain * self.width;
        let taken = sink.records(&self.values[..cut], self.width);
        if taken < certain {
            return Some(self.starts[taken * self.width]);
        }
        self.values.copy_within(cut..len, 0);
        self.starts.copy_within(cut..len, 0);
        self.ready = len - cut;
        None
    }

    /// Flushes, and returns where the general scanner is to resume: the start of the first
    /// record not handed over (0 when nothing was read).
    fn finish(&mut self, sink: &mut impl RecordSink) -> usize {
        match self.flush(sink) {
            Some(stop) => stop,
            None if self.ready > 0 => self.starts[0],
            None => 0,
        }
    }
}

/// Reads whole records of `width` values from the start of `bytes` (which starts a record)
/// into `sink`, while they have V8's shape. Returns the index just past the `,` that ends the
/// last record read (0 if none was). `_base` (the absolute offset of `bytes`) is unused: this
/// path reports no errors, and the sink's batch method needs no offsets.
pub fn records(bytes: &[u8], _base: u64, width: usize, sink: &mut impl RecordSink) -> Result<usize> {
    if width == 0 || width > MAX_WIDTH || bytes.len() < 2 * BLOCK {
        return Ok(0);
    }
    let mut batch = Batch::new(width);
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        // SAFETY: the CPU has the instructions (checked just above).
        return Ok(unsafe { avx512::records(bytes, sink, &mut batch) });
    }
    Ok(scalar(bytes, sink, &mut batch))
}

/// The loop of [`records`] on plain instructions (SSE2 masks on x86-64).
fn scalar(bytes: &[u8], sink: &mut impl RecordSink, batch: &mut Batch) -> usize {
    // A closure rather than the path `Batch::locate`, which went through a call per block
    // (not inlined; the parse took 2–3 % longer).
    walk(bytes, sink, batch, masks, |b, bytes, at, m, next, carry| b.locate(bytes, at, m, next, carry))
}

/// The loop of [`records`] over 64-byte blocks, with `masks` finding a block's bit masks and
/// `read` locating (and possibly converting) its numbers: the checks and the batching are the
/// same whichever instructions do those two.
#[inline(always)]
fn walk(
    bytes: &[u8],
    sink: &mut impl RecordSink,
    batch: &mut Batch,
    masks: impl Fn(&[u8], usize) -> Masks,
    mut read: impl FnMut(&mut Batch, &[u8], usize, Masks, Masks, Carry) -> bool,
) -> usize {
    let mut carry = Carry::AFTER_COMMA;
    let mut m = masks(bytes, 0);
    if !v8_shaped(m, carry) {
        return 0;
    }
    let mut at = 0;
    // The numbers of block `at` are located once the next block's digits are known (a number
    // may run into it); their 16-byte loads stay inside `bytes` because the next block does.
    while at + 2 * BLOCK <= bytes.len() {
        let next = masks(bytes, at + BLOCK);
        if !read(batch, bytes, at, m, next, carry) {
            return batch.finish(sink);
        }
        if batch.len() >= BATCH {
            if let Some(stop) = batch.flush(sink) {
                return stop;
            }
        }
        carry = Carry::after(m);
        if !v8_shaped(next, carry) {
            break;
        }
        m = next;
        at += BLOCK;
    }
    batch.finish(sink)
}

/// The same loop with AVX-512 (VBMI2): a block's numbers are located and converted eight at
/// a time. The start and end offsets of every number in a block are compressed out of the
/// bit masks (`vpcompressb`), each number's last eight bytes are gathered into a 64-bit lane
/// from the 128 bytes around the block (`vpermi2b`), the bytes before its first digit become
/// zeros, and the lanes convert as in the AVX2 path. Numbers of 9 to 16 digits are patched
/// one by one; the first block of a piece (no bytes before it to gather from) goes the scalar
/// way.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::*;

    pub fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vbmi")
            && std::arch::is_x86_feature_detected!("avx512vbmi2")
    }

    const IOTA: [u8; 64] = {
        let mut a = [0u8; 64];
        let mut i = 0;
        while i < 64 {
            a[i] = i as u8;
            i += 1;
        }
        a
    };

    /// Byte `j` of every 64-bit lane: `j`.
    const IN_LANE: [u8; 64] = {
        let mut a = [0u8; 64];
        let mut i = 0;
        while i < 64 {
            a[i] = (i % 8) as u8;
            i += 1;
        }
        a
    };

    /// For numbers `8g..8g + 8`: every byte of lane `l` is `8g + l`.
    const GROUP: [[u8; 64]; 4] = {
        let mut a = [[0u8; 64]; 4];
        let mut g = 0;
        while g < 4 {
            let mut i = 0;
            while i < 64 {
                a[g][i] = (8 * g + i / 8) as u8;
                i += 1;
            }
            g += 1;
        }
        a
    };

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2")]
    fn masks(bytes: &[u8], at: usize) -> Masks {
        let block: &[u8; BLOCK] = bytes[at..at + BLOCK].try_into().expect("a whole block");
        // SAFETY: the load reads the 64 bytes of `block`.
        let x = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
        Masks {
            digit: _mm512_cmplt_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(b'0' as i8)), _mm512_set1_epi8(10)),
            comma: _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b',' as i8)),
            newline: _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b'\n' as i8)),
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2")]
    fn load64(bytes: &[u8], at: usize) -> __m512i {
        let block: &[u8; 64] = bytes[at..at + 64].try_into().expect("64 bytes");
        // SAFETY: the load reads the 64 bytes of `block`.
        unsafe { _mm512_loadu_si512(block.as_ptr().cast()) }
    }

    /// Locates and converts the numbers that start in the block at `at` (16 ≤ `at`, and
    /// `at + 112` ≤ the length) straight into the batch's values. False, with nothing
    /// stored, at a number of more than 16 digits.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2")]
    fn block(batch: &mut Batch, bytes: &[u8], at: usize, m: Masks, next: Masks, carry: Carry) -> bool {
        let starts = m.digit & !((m.digit << 1) | carry.digit);
        if starts == 0 {
            return true;
        }
        let count = starts.count_ones() as usize;
        let first = starts.trailing_zeros();
        // Ends: the first non-digit after a digit, in this block and the next; in this block
        // only those after its first start (one before it ends a number of the block before).
        let ends = !m.digit & ((m.digit << 1) | carry.digit) & ((!0u64 << first) << 1);
        let ends_next = !next.digit & ((next.digit << 1) | (m.digit >> 63));
        let in_block = ends.count_ones() as usize;
        // A number running more than 16 digits into the next block is too long; one running
        // through all of it has no end there to compress (it would read as length 0).
        if in_block < count && (!next.digit).trailing_zeros() > 16 {
            return false;
        }
        let iota = load64(&IOTA, 0);
        let start = _mm512_maskz_compress_epi8(starts, iota);
        let mut end = _mm512_maskz_compress_epi8(ends, iota);
        if in_block < count {
            // The last number runs into the next block: its end follows the others.
            let later = _mm512_maskz_compress_epi8(ends_next, _mm512_add_epi8(iota, _mm512_set1_epi8(64)));
            let moved = _mm512_permutexvar_epi8(_mm512_sub_epi8(iota, _mm512_set1_epi8(in_block as i8)), later);
            end = _mm512_mask_blend_epi8(!0u64 << in_block, end, moved);
        }
        let len = _mm512_sub_epi8(end, start);
        let numbers = (1u64 << count) - 1;
        if _mm512_mask_cmpgt_epu8_mask(numbers, len, _mm512_set1_epi8(16)) != 0 {
            return false;
        }
        let long = _mm512_mask_cmpgt_epu8_mask(numbers, len, _mm512_set1_epi8(8));
        // The 128 bytes from 16 before the block: every byte a number's last eight can be.
        let (low, high) = (load64(bytes, at - 16), load64(bytes, at + 48));
        let in_lane = load64(&IN_LANE, 0);
        let r = batch.ready;
        debug_assert!(batch.located == 0 && r + count <= CARRIED + CAPACITY);
        for (g, group) in GROUP.iter().enumerate().take(count.div_ceil(8)) {
            let group = load64(group, 0);
            let lane_end = _mm512_permutexvar_epi8(group, end);
            let lane_len = _mm512_permutexvar_epi8(group, len);
            // Bytes end - 8 + j of the block, at end + 8 + j in the window.
            let at_byte = _mm512_add_epi8(_mm512_add_epi8(lane_end, _mm512_set1_epi8(8)), in_lane);
            let raw = _mm512_permutex2var_epi8(low, at_byte, high);
            // Byte j is a digit of the number when j ≥ 8 - len; the others count as zeros.
            let digit = _mm512_cmpge_epu8_mask(_mm512_add_epi8(in_lane, lane_len), _mm512_set1_epi8(8));
            let digits = _mm512_maskz_sub_epi8(digit, raw, _mm512_set1_epi8(b'0' as i8));
            let pairs = _mm512_maddubs_epi16(digits, _mm512_set1_epi16(0x010A));
            let quads = _mm512_madd_epi16(pairs, _mm512_set1_epi32(0x0001_0064));
            let values =
                _mm512_add_epi64(_mm512_mul_epu32(quads, _mm512_set1_epi64(10_000)), _mm512_srli_epi64(quads, 32));
            let offsets = _mm512_add_epi64(
                _mm512_cvtepu8_epi64(_mm512_castsi512_si128(_mm512_permutexvar_epi8(
                    _mm512_add_epi8(iota, _mm512_set1_epi8(8 * g as i8)),
                    start,
                ))),
                _mm512_set1_epi64(at as i64),
            );
            let lanes = ((1u32 << (count - 8 * g).min(8)) - 1) as u8;
            let slot = r + 8 * g;
            // SAFETY: the stores write the first `lanes` of 8 entries from `slot`, all below
            // r + count ≤ the arrays' length (the batch is flushed before it can overflow).
            unsafe {
                _mm512_mask_storeu_epi64(batch.values.as_mut_ptr().add(slot).cast(), lanes, values);
                _mm512_mask_storeu_epi64(batch.starts.as_mut_ptr().add(slot).cast(), lanes, offsets);
            }
        }
        if long != 0 {
            let (mut first_digits, mut lens) = ([0u8; 64], [0u8; 64]);
            // SAFETY: each store writes 64 bytes into a 64-byte array.
            unsafe {
                _mm512_storeu_si512(first_digits.as_mut_ptr().cast(), start);
                _mm512_storeu_si512(lens.as_mut_ptr().cast(), len);
            }
            let mut rest = long;
            while rest != 0 {
                let k = rest.trailing_zeros() as usize;
                batch.values[r + k] = long_value(bytes, at + first_digits[k] as usize, lens[k] as usize);
                rest &= rest - 1;
            }
        }
        batch.ready += count;
        true
    }

    /// [`super::records`]'s loop ([`walk`]: same checks, same results) on these instructions.
    /// The scalar reader takes the first block (no bytes before it to gather from) and any
    /// block [`block`] declines: it keeps the numbers before a long one, so both paths stop
    /// at the same record.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2")]
    pub fn records(bytes: &[u8], sink: &mut impl RecordSink, batch: &mut Batch) -> usize {
        walk(
            bytes,
            sink,
            batch,
            |bytes, at| masks(bytes, at),
            |batch, bytes, at, m, next, carry| {
                (at > 0 && block(batch, bytes, at, m, next, carry)) || {
                    let read = batch.locate(bytes, at, m, next, carry);
                    batch.convert_located();
                    read
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Collect(Vec<Vec<u64>>);

    impl RecordSink for Collect {
        fn record(&mut self, rec: &[u64], _offset: u64) -> Result<()> {
            self.0.push(rec.to_vec());
            Ok(())
        }
    }

    /// Refuses records whose first value is 999 (as a sink refuses a bad type code).
    #[derive(Clone, Debug, PartialEq)]
    struct Picky(Vec<Vec<u64>>);

    impl RecordSink for Picky {
        fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
            if rec[0] == 999 {
                return Err(crate::Error::invalid(crate::error::Section::Nodes, offset, "999"));
            }
            self.0.push(rec.to_vec());
            Ok(())
        }
    }

    /// [`super::records`], checked against the plain loop (on a CPU with AVX-512 the two are
    /// different code).
    fn records<S: RecordSink + Clone + PartialEq + std::fmt::Debug>(
        bytes: &[u8],
        base: u64,
        width: usize,
        sink: &mut S,
    ) -> Result<usize> {
        let mut plain = sink.clone();
        let want = if width == 0 || width > MAX_WIDTH || bytes.len() < 2 * BLOCK {
            0
        } else {
            scalar(bytes, &mut plain, &mut Batch::new(width))
        };
        let got = super::records(bytes, base, width, sink)?;
        assert_eq!((got, &*sink), (want, &plain), "the fast paths disagree");
        Ok(got)
    }

    fn v8_text(records: usize, width: usize, value: impl Fn(usize) -> u64) -> String {
        let mut text = String::new();
        for r in 0..records {
            let rec: Vec<String> = (0..width).map(|k| value(r * width + k).to_string()).collect();
            text += &rec.join(",");
            text += "\n,";
        }
        text
    }

    #[test]
    fn numbers_of_every_length_convert() {
        for len in 1..=8 {
            for text in ["99999999", "12345678", "10000000", "00000001"] {
                let word = load(format!("{}xxxxxxxx", &text[..len]).as_bytes(), 0);
                assert_eq!(digits_value(aligned_digits(word, len)), text[..len].parse::<u64>().unwrap(), "{len}");
            }
        }
        // Through every stage: 1 to 16 digits, converted one by one and four at a time.
        let values: Vec<u64> = (0..400u64).map(|i| (i * 982_451_653) % 10u64.pow((i % 16) as u32 + 1)).collect();
        let text: String = values.iter().map(|v| format!("{v},")).collect::<String>() + "1";
        let mut out = Vec::new();
        let done = records(text.as_bytes(), 0, 1, &mut out).unwrap();
        assert!(out.len() > 300 && done > 0);
        assert_eq!(out, values[..out.len()]);
        let numbers: Vec<u64> = (0..37).map(|i| (i * 2_718_281) % 10u64.pow(i as u32 % 8 + 1)).collect();
        let aligned: Vec<u64> = numbers
            .iter()
            .map(|v| aligned_digits(load(format!("{v},,,,,,,,").as_bytes(), 0), v.to_string().len()))
            .collect();
        let mut four = vec![0; 37];
        convert(&aligned, &mut four);
        assert_eq!(four, numbers);
        // More than 16 digits: the general path's (it may not fit 64 bits).
        let text = format!("12345678901234567,{}", "1,".repeat(100));
        assert_eq!(records(text.as_bytes(), 0, 1, &mut Vec::new()).unwrap(), 0);
    }

    #[test]
    fn masks_agree_with_the_bytes() {
        let mut bytes = Vec::new();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..64 * 64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.push(match x % 5 {
                0 => b',',
                1 => b'\n',
                2 => (x >> 8) as u8,
                _ => b'0' + (x >> 8) as u8 % 10,
            });
        }
        for at in (0..bytes.len() - 64).step_by(61) {
            let want = Masks {
                digit: (0..64).filter(|&i| bytes[at + i].is_ascii_digit()).map(|i| 1u64 << i).sum(),
                comma: (0..64).filter(|&i| bytes[at + i] == b',').map(|i| 1u64 << i).sum(),
                newline: (0..64).filter(|&i| bytes[at + i] == b'\n').map(|i| 1u64 << i).sum(),
            };
            assert_eq!(masks(&bytes, at), want, "at {at}");
            assert_eq!(swar_masks(&bytes, at), want, "swar at {at}");
        }
        // Every byte value, in each position of a word.
        for b in 0..=255u8 {
            let block = [b; 64];
            let m = swar_masks(&block, 0);
            assert_eq!(m.digit == !0, b.is_ascii_digit(), "{b}");
            assert_eq!(m.comma == !0, b == b',');
            assert_eq!(m.newline == !0, b == b'\n');
            assert_eq!(masks(&block, 0), m);
        }
    }

    #[test]
    fn reads_v8_records_exactly() {
        // Values of 1 to 16 digits, so numbers cross block boundaries at every offset.
        let value = |i: usize| (i as u64 * 7_919) % 10u64.pow((i % 16) as u32 + 1);
        for width in [1, 3, 6, 7, 9] {
            let text = v8_text(1000, width, value);
            let mut sink = Collect(Vec::new());
            let done = records(text.as_bytes(), 0, width, &mut sink).unwrap();
            let got = sink.0.len();
            assert!(got > 900 / width.max(1) && done > 0, "width {width}: {got} records");
            for (r, rec) in sink.0.iter().enumerate() {
                assert_eq!(rec, &(0..width).map(|k| value(r * width + k)).collect::<Vec<_>>());
            }
            // It stops just past the comma that ends the last record read.
            assert_eq!(done, v8_text(got, width, value).len());
        }
    }

    #[test]
    fn stops_at_the_record_before_anything_else() {
        let value = |i: usize| i as u64 * 31;
        for at_record in [0usize, 1, 5, 40, 97, 300] {
            for odd in [" ", "x", ",", "\r", "\n\n", "-"] {
                let mut text = v8_text(at_record, 3, value);
                let keep = text.len();
                text += &format!("1{odd},2,3\n,");
                text += &v8_text(200, 3, value);
                let mut sink = Collect(Vec::new());
                let done = records(text.as_bytes(), 0, 3, &mut sink).unwrap();
                // Never past the odd record; whatever it read is exact and ends at a record.
                assert!(done <= keep, "{at_record} {odd:?}: {done} > {keep}");
                assert_eq!(done, v8_text(sink.0.len(), 3, value).len());
                for (r, rec) in sink.0.iter().enumerate() {
                    assert_eq!(rec, &vec![value(3 * r), value(3 * r + 1), value(3 * r + 2)]);
                }
            }
        }
        // `\n,` inside a record is V8's shape too (JSON white space): read like any other.
        let mut text = v8_text(40, 3, value);
        text += "7\n,8,9\n,";
        text += &v8_text(200, 3, value);
        let mut sink = Collect(Vec::new());
        records(text.as_bytes(), 0, 3, &mut sink).unwrap();
        assert_eq!(sink.0[40], vec![7, 8, 9]);
        // Numbers of 17 to 200 digits after 20 to 300 records, so they start at every offset
        // of a block (offset 0 included, checked) and run into the next block or through it:
        // every path stops at the same record before them (the helper compares the paths).
        let mut offsets = std::collections::HashSet::new();
        for digits in [17, 20, 33, 64, 65, 90, 127, 128, 129, 200] {
            for before in 20..300 {
                let mut text = v8_text(before, 3, value);
                let keep = text.len();
                offsets.insert(keep % BLOCK);
                text += &"7".repeat(digits);
                text += ",1,2\n,";
                text += &v8_text(100, 3, value);
                let mut sink = Collect(Vec::new());
                let done = records(text.as_bytes(), 0, 3, &mut sink).unwrap();
                // The last record before may wait for its separator's block: not vouched for.
                let got = sink.0.len();
                assert!(done <= keep && got + 1 >= before, "{digits} digits after {before}: {got}");
                assert_eq!(done, v8_text(got, 3, value).len());
            }
        }
        assert_eq!(offsets.len(), BLOCK, "long numbers start at every offset of a block");
        // Too short for two blocks: nothing read, the general scanner does it all.
        assert_eq!(records(b"1,2,3\n,", 0, 3, &mut Collect(Vec::new())).unwrap(), 0);
        // A leading space, a 17-digit number.
        let text = format!(" {}", v8_text(100, 3, value));
        assert_eq!(records(text.as_bytes(), 0, 3, &mut Collect(Vec::new())).unwrap(), 0);
        let text = format!("12345678901234567,1,2\n,{}", v8_text(100, 3, value));
        assert_eq!(records(text.as_bytes(), 0, 3, &mut Collect(Vec::new())).unwrap(), 0);
    }

    #[test]
    fn random_v8_text_reads_exactly_on_every_path() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..200 {
            let width = 1 + (next() % 9) as usize;
            let mut text = String::new();
            let mut want = Vec::new();
            for _ in 0..(3000 / width) {
                let rec: Vec<u64> = (0..width).map(|_| next() % 10u64.pow(1 + (next() % 16) as u32)).collect();
                for (k, v) in rec.iter().enumerate() {
                    text += &v.to_string();
                    // V8 puts `\n,` between records; sometimes inside one too (white space).
                    text += if k + 1 == width || next() % 17 == 0 { "\n," } else { "," };
                }
                want.push(rec);
            }
            if round % 3 == 0 {
                // Something no fast path reads, somewhere.
                let at = (next() as usize) % text.len();
                let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap();
                text.insert(at, ' ');
            }
            let mut sink = Collect(Vec::new());
            let done = records(text.as_bytes(), 0, width, &mut sink).unwrap();
            assert_eq!(sink.0, want[..sink.0.len()], "round {round}");
            assert!(done <= text.len());
        }
    }

    #[test]
    fn stops_at_a_record_the_sink_refuses() {
        let text = v8_text(50, 2, |i| if i == 60 { 999 } else { i as u64 });
        let mut sink = Picky(Vec::new());
        let done = records(text.as_bytes(), 0, 2, &mut sink).unwrap();
        assert_eq!(sink.0.len(), 30);
        assert_eq!(done, v8_text(30, 2, |i| i as u64).len());
    }
}
