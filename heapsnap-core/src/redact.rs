//! A shareable copy of a snapshot: string *contents* replaced, everything else byte for byte.
//!
//! A string-table entry counts as content when it is the name of a string node (`string`,
//! `concatenated string`, `sliced string`: what the program's strings hold: tokens, URLs,
//! customer data, source text) and is not also used as a name by any other node or by a
//! string-named edge (class names, property names, function names stay, so the redacted heap
//! reads the same). Nodes and edges are not touched, so every size, distance and dominator is
//! unchanged; a replacement has the original's character count, so a person still sees how
//! long the value was, and starts with a short hash, so distinct values stay distinct.

use std::hash::{BuildHasher, RandomState};
use std::io::Write;

use crate::analysis::util::BitVec;
use crate::error::{Error, Result, Section};
use crate::Snapshot;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RedactStats {
    pub strings: usize,
    pub redacted: usize,
    pub redacted_bytes: u64,
}

/// Which string indexes hold contents (see the module comment).
pub fn content_strings(s: &Snapshot) -> BitVec {
    let count = s.strings.len();
    let mut content = BitVec::new(count);
    let mut name = BitVec::new(count);
    for n in 0..s.node_count() as u32 {
        let i = s.nodes.name[n as usize] as usize;
        if i < count {
            if s.node_type(n).is_string() {
                content.set(i);
            } else {
                name.set(i);
            }
        }
    }
    for e in 0..s.edge_count() {
        let i = s.edges.name_or_index[e] as usize;
        if s.edge_type(e).has_string_name() && i < count {
            name.set(i);
        }
    }
    for i in 0..count {
        if name.get(i) {
            content.clear(i);
        }
    }
    content
}

/// The placeholder for a string of `chars` characters: `#` and 8 hex digits of a hash, then
/// `*` up to the same length (just `*`s when shorter than 10). The hash is keyed afresh for
/// every redaction, so it tells values apart within one file but cannot be used to test
/// guesses of a value (a plain hash of a short token could be brute-forced).
fn placeholder(key: &RandomState, raw: &[u8], chars: usize) -> String {
    if chars < 10 {
        return "*".repeat(chars);
    }
    format!("#{:08x}{}", key.hash_one(raw) as u32, "*".repeat(chars - 9))
}

/// Writes `input` (the bytes `snapshot` was parsed from, with `parse_bytes`) to `out` with
/// content strings replaced.
pub fn redact(input: &[u8], snapshot: &Snapshot, out: &mut impl Write) -> Result<RedactStats> {
    let content = content_strings(snapshot);
    let io = |e: std::io::Error| Error::io(&e);
    let mut stats = RedactStats { strings: snapshot.strings.len(), ..Default::default() };
    let key = RandomState::new();
    let mut copied = 0usize;
    for i in 0..snapshot.strings.len() {
        if !content.get(i) {
            continue;
        }
        let Some((start, len)) = snapshot.strings.raw_span(i as u32) else { continue };
        let (start, end) = (start as usize, start as usize + len as usize);
        if end > input.len() || start < copied {
            return Err(Error::invalid(Section::Strings, start as u64, "string spans do not come from this input"));
        }
        let text = snapshot.strings.get(i as u32);
        out.write_all(&input[copied..start]).map_err(io)?;
        out.write_all(placeholder(&key, &input[start..end], text.chars().count()).as_bytes()).map_err(io)?;
        copied = end;
        stats.redacted += 1;
        stats.redacted_bytes += len as u64;
    }
    out.write_all(&input[copied..]).map_err(io)?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_keep_length_and_distinguish() {
        let key = RandomState::new();
        assert_eq!(placeholder(&key, b"abc", 3), "***");
        let a = placeholder(&key, b"token-12345", 11);
        let b = placeholder(&key, b"token-12346", 11);
        assert_eq!((a.chars().count(), b.chars().count()), (11, 11));
        assert_ne!(a, b);
        assert!(a.starts_with('#'));
    }
}
