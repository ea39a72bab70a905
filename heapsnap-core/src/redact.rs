//! A shareable copy of a snapshot: string *contents* replaced, everything else byte for byte.
//!
//! A string-table entry counts as content when it is the name of a string node (`string`,
//! `concatenated string`, `sliced string`: what the program's strings hold: tokens, URLs,
//! customer data, source text) and is not also used as a name by any other node or by a
//! string-named edge (class names, property names, function names stay, so the redacted heap
//! reads the same). Nodes and edges are not touched, so every size, distance and dominator is
//! unchanged; a replacement has the original's character count, so a person still sees how
//! long the value was, and starts with a short hash, so distinct values stay distinct.
//! [`RedactOptions::names`] also replaces class, function and property names, except those
//! DevTools' rules interpret (`Object`, `__proto__`, `system / …` names...).

use std::hash::{BuildHasher, RandomState};
use std::io::Write;

use crate::analysis::util::BitVec;
use crate::error::{Error, Result, Section};
use crate::snapshot::{EdgeType, NodeType};
use crate::Snapshot;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RedactStats {
    pub strings: usize,
    pub redacted: usize,
    pub redacted_bytes: u64,
}

/// What to replace: string contents always; with `names`, also the program's own names
/// (class, function and code names, property and closure-variable names), for when even
/// those are confidential.
#[derive(Clone, Copy, Debug, Default)]
pub struct RedactOptions {
    pub names: bool,
}

/// Names DevTools' rules read (class naming, Statistics, DOM state, distances); never replaced,
/// so the redacted file computes the same numbers.
const INTERPRETED: [&str; 12] = [
    "Object",
    "Array",
    "__proto__",
    "elements",
    "first",
    "second",
    "sloppy_function_map",
    "constructor",
    "prototype",
    "global",
    "Window",
    "",
];

fn interpreted(name: &str) -> bool {
    INTERPRETED.contains(&name)
        || name.starts_with("system / ")
        || name.starts_with("Detached ")
        || name.contains("part of key")
}

/// Which string indexes to replace (see the module comment and [`RedactOptions`]).
pub fn strings_to_redact(s: &Snapshot, opts: RedactOptions) -> BitVec {
    let count = s.strings.len();
    let mut redact = BitVec::new(count);
    let mut keep = BitVec::new(count);
    for n in 0..s.node_count() as u32 {
        let i = s.nodes.name[n as usize] as usize;
        if i >= count {
            continue;
        }
        let t = s.node_type(n);
        let program_name = opts.names && matches!(t, NodeType::OBJECT | NodeType::CLOSURE | NodeType::CODE);
        if t.is_string() || program_name {
            redact.set(i);
        } else {
            keep.set(i);
        }
    }
    for e in 0..s.edge_count() {
        let i = s.edges.name_or_index[e] as usize;
        let t = s.edge_type(e);
        if !t.has_string_name() || i >= count {
            continue;
        }
        if opts.names && matches!(t, EdgeType::PROPERTY | EdgeType::CONTEXT) {
            redact.set(i);
        } else {
            keep.set(i);
        }
    }
    for i in 0..count {
        if keep.get(i) || (opts.names && interpreted(&s.strings.get(i as u32))) {
            redact.clear(i);
        }
    }
    redact
}

/// The placeholder for a string of `chars` characters: `#` and 8 hex digits of a hash, then
/// `*` up to the same length; shorter strings become `*`s of their length, or with `distinct`
/// (names, where two different names must stay different) the 9-character hash. The hash is
/// keyed afresh for every redaction, so it tells values apart within one file but cannot be
/// used to test guesses of a value (a plain hash of a short token could be brute-forced).
fn placeholder(key: &RandomState, raw: &[u8], chars: usize, distinct: bool) -> String {
    let hash = || format!("#{:08x}", key.hash_one(raw) as u32);
    match (chars < 10, distinct) {
        (true, false) => "*".repeat(chars),
        (true, true) => hash(),
        (false, _) => hash() + &"*".repeat(chars - 9),
    }
}

/// Writes `input` (the bytes `snapshot` was parsed from, with `parse_bytes`) to `out` with
/// the chosen strings replaced.
pub fn redact(input: &[u8], snapshot: &Snapshot, opts: RedactOptions, out: &mut impl Write) -> Result<RedactStats> {
    let content = strings_to_redact(snapshot, opts);
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
        out.write_all(placeholder(&key, &input[start..end], text.chars().count(), opts.names).as_bytes())
            .map_err(io)?;
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
        assert_eq!(placeholder(&key, b"abc", 3, false), "***");
        assert_ne!(placeholder(&key, b"ab", 2, true), placeholder(&key, b"ac", 2, true));
        let a = placeholder(&key, b"token-12345", 11, false);
        let b = placeholder(&key, b"token-12346", 11, false);
        assert_eq!((a.chars().count(), b.chars().count()), (11, 11));
        assert_ne!(a, b);
        assert!(a.starts_with('#'));
    }
}
