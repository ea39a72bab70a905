//! §3.4 Essential edges (the graph dominators are computed on), one bit per edge, and the
//! WeakMap ephemeron edge names shared with the distance filter (§3.6).

use rustc_hash::FxHashMap;

use super::flags::PAGE_OBJECT;
use super::util::BitVec;
use crate::{EdgeType, Snapshot};

/// A parsed ephemeron edge name:
/// `^\d+( / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$`.
#[derive(Clone, Debug, PartialEq)]
pub struct WeakMapEdgeName {
    /// The capture after the leading digits (identical in the table's and the key's edge).
    pub duplicated_part: String,
    /// The table id as `parseInt` reads it.
    pub table_id: f64,
}

const KEY: &str = " / part of key (";

/// Whether a string's raw JSON text can be an ephemeron edge name: digits, then
/// [`KEY`] (or an escape where it would be, left to the full parse). Most strings that
/// start with a digit fail this, without being unescaped.
fn may_be_weak_map_edge_name(raw: &[u8]) -> bool {
    let lead = raw.iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = &raw[lead..];
    lead > 0 && (rest.starts_with(KEY.as_bytes()) || rest[..rest.len().min(KEY.len())].contains(&b'\\'))
}

/// Hand-written equivalent of DevTools' regex (no regex crate). `.` does not match line
/// terminators, as in JS without the `s` flag.
pub fn parse_weak_map_edge_name(name: &str) -> Option<WeakMapEdgeName> {
    const MID: &str = ") -> value (";
    const TAIL: &str = ") pair in WeakMap (table @";
    let b = name.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead == 0 || !name[lead..].starts_with(KEY) {
        return None;
    }
    if name.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return None;
    }
    // Tail: "...) pair in WeakMap (table @<digits>)" at the very end.
    let body = name.strip_suffix(')')?;
    let table_digits = body.bytes().rev().take_while(u8::is_ascii_digit).count();
    if table_digits == 0 {
        return None;
    }
    let table = &body[body.len() - table_digits..];
    let body = body[..body.len() - table_digits].strip_suffix(TAIL)?;
    // `middle` is "<A> @<d>) -> value (<B> @<d>"; the value's " @<digits>" must end it: after
    // its last " @" only digits.
    let middle = &body[lead + KEY.len()..];
    let at = middle.rfind(" @")?;
    let vdigits = &middle[at + 2..];
    if vdigits.is_empty() || !vdigits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // `head` is "<A> @<d>) -> value (<B>"; some " @<digits>) -> value (" must occur in it (A and
    // B are free).
    let head = &middle[..at];
    let hb = head.as_bytes();
    let mut found = false;
    let mut from = 0;
    while let Some(p) = head[from..].find(" @") {
        let start = from + p + 2;
        let d = hb[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if d > 0 && head[start + d..].starts_with(MID) {
            found = true;
            break;
        }
        from = from + p + 1;
    }
    if !found {
        return None;
    }
    Some(WeakMapEdgeName { duplicated_part: name[lead..].to_owned(), table_id: table.parse::<f64>().ok()? })
}

/// Every string that is a WeakMap ephemeron edge name, parsed once: the essential-edge rule
/// and the distance filter look names up by string index (DevTools caches the misses as it
/// meets them; here the table is built up front, in parallel, so both passes share it and
/// the essential pass's node ranges need no caches of their own).
#[derive(Default)]
pub struct WeakMapNames {
    /// Bit per string index: parsed as an ephemeron name.
    is_pair: BitVec,
    parsed: FxHashMap<u32, WeakMapEdgeName>,
}

impl WeakMapNames {
    pub fn find(s: &Snapshot) -> WeakMapNames {
        let n = s.strings.len();
        let parse = |i: u32| match s.strings.raw(i) {
            Some(raw) if may_be_weak_map_edge_name(raw) => parse_weak_map_edge_name(&s.strings.get(i)).map(|p| (i, p)),
            _ => None,
        };
        let found: Vec<(u32, WeakMapEdgeName)> = super::util::filter_map_indices(n, parse);
        let mut is_pair = BitVec::new(n);
        for (i, _) in &found {
            is_pair.set(*i as usize);
        }
        WeakMapNames { is_pair, parsed: found.into_iter().collect() }
    }

    #[inline]
    pub fn get(&self, name_index: u32) -> Option<&WeakMapEdgeName> {
        let i = name_index as usize;
        if i < self.is_pair.len() && self.is_pair.get(i) {
            self.parsed.get(&name_index)
        } else {
            None
        }
    }
}

/// The essential-edge bitmap (computed before the shallow-size transfer, independent of sizes).
pub fn compute(s: &Snapshot, flags: &[u8], weak_maps: &WeakMapNames) -> BitVec {
    let root = s.root();
    BitVec::for_edges(&s.nodes.first_edge, |_: &mut (), u, e| {
        let t = s.edges.ty[e];
        if t == EdgeType::WEAK {
            return false;
        }
        if t == EdgeType::INTERNAL {
            if let Some(m) = weak_maps.get(s.edges.name_or_index[e]) {
                if m.table_id == s.nodes.id[u as usize] as f64 {
                    return false;
                }
            }
        }
        let v = s.edges.to[e];
        if v == u {
            return false;
        }
        if u != root {
            if t == EdgeType::SHORTCUT {
                return false;
            }
            let u_page = flags[u as usize] & PAGE_OBJECT != 0;
            if flags[v as usize] & PAGE_OBJECT != 0 && !u_page {
                return false;
            }
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_map_names() {
        let n = "1 / part of key (Key @21) -> value (Val @23) pair in WeakMap (table @19)";
        let p = parse_weak_map_edge_name(n).unwrap();
        assert_eq!(p.table_id, 19.0);
        assert_eq!(p.duplicated_part, " / part of key (Key @21) -> value (Val @23) pair in WeakMap (table @19)");
        // Lazy `.*?` lets names contain the separators.
        let n2 = "12 / part of key (a @1) -> value (b @2) x @3) -> value (c @4) pair in WeakMap (table @5)";
        assert_eq!(parse_weak_map_edge_name(n2).unwrap().table_id, 5.0);
        assert!(parse_weak_map_edge_name("x / part of key (Key @21) -> value (Val @23) pair in WeakMap (table @19)")
            .is_none());
        assert!(parse_weak_map_edge_name("1 / part of key (Key @21) -> value (Val @) pair in WeakMap (table @19)")
            .is_none());
        assert!(parse_weak_map_edge_name("1 / part of key (Key @21) -> value (Val @23) pair in WeakMap (table @19) ")
            .is_none());
        assert!(parse_weak_map_edge_name("1 / part of key (K\ney @21) -> value (Val @23) pair in WeakMap (table @19)")
            .is_none());
        assert!(parse_weak_map_edge_name("1 / part of key (Key 21) -> value (Val @23) pair in WeakMap (table @19)")
            .is_none());
        assert!(parse_weak_map_edge_name("1").is_none());
    }

    #[test]
    fn the_raw_text_filter_keeps_every_ephemeron_name() {
        let name = "1 / part of key (Key @21) -> value (Val @23) pair in WeakMap (table @19)";
        assert!(may_be_weak_map_edge_name(name.as_bytes()));
        // An escape inside the key marker: unescaped, the same name; the full parse decides.
        let escaped = r"1 / part \u006ff key (Key @21) -> value (Val @23) pair in WeakMap (table @19)";
        assert!(may_be_weak_map_edge_name(escaped.as_bytes()));
        for other in ["", "123", "123abc", "12 / part of kex (a @1) -> value (b @2) pair in WeakMap (table @5)", "x1"] {
            assert!(!may_be_weak_map_edge_name(other.as_bytes()), "{other}");
            assert!(parse_weak_map_edge_name(other).is_none(), "{other}");
        }
    }
}
