//! Reading ahead: `locations` and `strings`, the sections after `edges`, scanned on a core of
//! their own while the edges array's pieces are scanned on the others.
//!
//! Both are read one byte after another (a string's end depends on every quote and backslash
//! before it), about a tenth of a large file: read after the edges they would leave every core
//! but one idle for that long. The read-ahead is a guess, never trusted: the state machine
//! takes a section from it only when it reaches that section's `[` at the very offset the
//! read-ahead started from, and a read-ahead that failed is dropped, so the machine reads the
//! section itself and reports whatever is wrong exactly as without it.

use crate::error::Section;
use crate::parse::ints::IntScanner;
use crate::parse::json::{is_ws, StringListScanner};
use crate::parse::records::Assembler;
use crate::snapshot::Location;
use crate::strings::{Backing, StringTable};

/// A section read ahead: `open` is the offset of its `[`, `end` the offset just past its `]`.
pub struct ReadAhead<T> {
    pub open: u64,
    pub end: u64,
    pub value: T,
}

#[derive(Default)]
pub struct Tail {
    /// The records, converted by the read-ahead's `to_records`; the flat list where that
    /// failed (the machine converts it again and reports what is wrong).
    pub locations: Option<ReadAhead<Result<Vec<Location>, Vec<u64>>>>,
    pub strings: Option<ReadAhead<StringTable>>,
}

/// Reads ahead the `locations` and `strings` arrays found after offset `from` of the mapped
/// file, `locations` converted to records by `to_records` (off the critical path too: 16–70 ms
/// for a 1 GB file's 0.9 M locations, alone on one core at the parse's end). Sections it cannot
/// find or read are left out.
pub fn read_ahead(whole: &Backing, from: usize, to_records: &(dyn Fn(&[u64]) -> Option<Vec<Location>> + Sync)) -> Tail {
    let bytes = (**whole).as_ref();
    let locations = array_after(bytes, from, b"\"locations\"").and_then(|open| {
        let body = &bytes[open + 1..];
        let (mut scanner, mut single, mut values) =
            (IntScanner::new(Section::Locations), Assembler::new(1), Vec::new());
        let n = super::machine::feed_records(&mut scanner, &mut single, &mut values, body, open as u64 + 1).ok()??;
        let value = to_records(&values).ok_or(values);
        Some(ReadAhead { open: open as u64, end: (open + 1 + n) as u64, value })
    });
    let after_locations = locations.as_ref().map_or(from, |l| l.end as usize);
    let strings = array_after(bytes, after_locations, b"\"strings\"").and_then(|open| {
        let mut table = StringTable::new(whole.clone());
        let n = StringListScanner::new().feed(&bytes[open + 1..], open as u64 + 1, &mut table, None).ok()??;
        Some(ReadAhead { open: open as u64, end: (open + 1 + n) as u64, value: table })
    });
    Tail { locations, strings }
}

/// The offset of the `[` that follows the first `key` (with its quotes) at or after `from`
/// and a `:`, whitespace allowed around it.
fn array_after(bytes: &[u8], from: usize, key: &[u8]) -> Option<usize> {
    let at = from + memchr::memmem::find(bytes.get(from..)?, key)? + key.len();
    let mut rest = bytes[at..].iter().enumerate().filter(|(_, &b)| !is_ws(b));
    match (rest.next(), rest.next()) {
        (Some((_, b':')), Some((k, b'['))) => Some(at + k),
        _ => None,
    }
}
