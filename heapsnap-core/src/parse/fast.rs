//! The fast path for `nodes` and `edges` as V8 writes them: records of short decimal numbers,
//! `v,v,…,v` then `\n,` (or just `,`) before the next record. Numbers are read eight bytes at
//! a time (SWAR: find the digit run with bit masks, convert it with three multiplies) instead
//! of one byte per step, which is most of the parse.
//!
//! The fast path never reports a syntax error: at the first record that does not have that
//! exact shape (spaces, a number of 16 or more digits, a stray byte, the last few records of a
//! piece) it stops at the start of that record, and the general scanner ([`super::ints`])
//! takes over from there and diagnoses whatever is wrong. Records it does read go to the same
//! [`RecordSink`] with the same offsets the general scanner would give, so results and errors
//! do not depend on which path read a record.

use crate::error::Result;
use crate::parse::records::RecordSink;

/// Records wider than this (no producer writes them) take the general path.
pub const MAX_WIDTH: usize = 16;

const ONES: u64 = 0x0101_0101_0101_0101;

/// Reads 8 bytes at `at`, which must leave 8 bytes in `bytes`.
#[inline(always)]
fn load(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// How many of the 8 bytes of `word` (in memory order) are ASCII digits before the first
/// non-digit.
#[inline(always)]
fn digit_run(word: u64) -> usize {
    // A byte is a digit when its high nibble is 3 and adding 6 keeps it 3 (0x30..=0x39). A carry
    // out of a byte only reaches bytes after a non-digit, which are not counted.
    let high = word & (0xF0 * ONES);
    let bumped = word.wrapping_add(0x06 * ONES) & (0xF0 * ONES);
    let not_digit = (high ^ (0x30 * ONES)) | (bumped ^ (0x30 * ONES));
    (not_digit.trailing_zeros() / 8) as usize
}

/// The value of the first `len` (1..=8) bytes of `word`, all ASCII digits.
#[inline(always)]
fn digits_value(word: u64, len: usize) -> u64 {
    // Shifting the run to the top of the word turns the vacated low bytes into leading zeros,
    // so every run converts as eight digits.
    let mut v = word.wrapping_sub(0x30 * ONES) << (8 * (8 - len));
    v = v.wrapping_mul(10).wrapping_add(v >> 8);
    v = ((v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32))
        + ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    v
}

const POW10: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// One number at `at` (at most 15 digits); returns it and the index just past it. `bytes`
/// must hold 16 bytes from `at`.
#[inline(always)]
fn number(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let word = load(bytes, at);
    let len = digit_run(word);
    match len {
        0 => None,
        1..=7 => Some((digits_value(word, len), at + len)),
        _ => {
            let next = load(bytes, at + 8);
            let more = digit_run(next);
            let high = digits_value(word, 8);
            match more {
                0 => Some((high, at + 8)),
                1..=7 => Some((high * POW10[more] + digits_value(next, more), at + 8 + more)),
                _ => None,
            }
        }
    }
}

/// Reads whole records of `width` values from the start of `bytes` (whose first byte is at
/// absolute offset `base` and starts a record) into `sink`, while they have V8's shape.
/// Returns the index just past the `,` that ends the last record read (0 if none was).
pub fn records(bytes: &[u8], base: u64, width: usize, sink: &mut impl RecordSink) -> Result<usize> {
    if width == 0 || width > MAX_WIDTH {
        return Ok(0);
    }
    // Every record read needs its numbers (≤ 15 digits), separators and the 16-byte loads
    // to stay inside `bytes`.
    let room = width * 17 + 16;
    let mut rec = [0u64; MAX_WIDTH];
    let mut done = 0;
    'records: while bytes.len() - done >= room {
        let mut at = done;
        for (k, slot) in rec[..width].iter_mut().enumerate() {
            let Some((value, end)) = number(bytes, at) else { break 'records };
            *slot = value;
            at = end;
            if k + 1 == width && bytes[at] == b'\n' {
                at += 1;
            }
            if bytes[at] != b',' {
                break 'records;
            }
            at += 1;
        }
        sink.record(&rec[..width], base + at as u64 - 1)?;
        done = at;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Vec<(Vec<u64>, u64)>);

    impl RecordSink for Collect {
        fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
            self.0.push((rec.to_vec(), offset));
            Ok(())
        }
    }

    #[test]
    fn digit_runs_and_values_match_the_text() {
        for text in ["0", "7", "42", "100", "1234567", "12345678", "123456789", "999999999999999", "18446744"] {
            let padded = format!("{text},xxxxxxxxxxxxxxxxxxxx");
            let (value, end) = number(padded.as_bytes(), 0).unwrap();
            assert_eq!((value, end), (text.parse().unwrap(), text.len()), "{text}");
        }
        assert_eq!(number(b"x1234567890123456", 0), None);
        assert_eq!(number(b"1234567890123456,", 0), None, "16 digits take the general path");
        // Bytes just outside '0'..='9' are not digits.
        for b in [b'/', b':', 0xFA, 0xFF, 0x00, b' '] {
            let mut word = *b"12345678";
            word[3] = b;
            assert_eq!(digit_run(u64::from_le_bytes(word)), 3);
        }
    }

    #[test]
    fn reads_v8_records_and_stops_at_anything_else() {
        let mut text = String::new();
        for i in 0..40u64 {
            text += &format!("{},{},{}\n,", i, i * 1000, i * 123_456_789);
        }
        let stop = text.len();
        text += "1, 2,3\n,";
        text += &"4,5,6\n,".repeat(20);
        let mut sink = Collect(Vec::new());
        let done = records(text.as_bytes(), 100, 3, &mut sink).unwrap();
        assert_eq!(done, stop, "stops before the record with a space");
        assert_eq!(sink.0.len(), 40);
        for (i, (rec, offset)) in sink.0.iter().enumerate() {
            let i = i as u64;
            assert_eq!(rec, &vec![i, i * 1000, i * 123_456_789]);
            // The offset of the ',' that ends the record, as the general scanner reports it.
            assert_eq!(text.as_bytes()[(*offset - 100) as usize], b',');
        }
        // Too short for the 16-byte loads: nothing read, the general scanner does it all.
        assert_eq!(records(b"1,2,3\n,", 0, 3, &mut Collect(Vec::new())).unwrap(), 0);
    }
}
