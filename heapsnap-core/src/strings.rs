//! The `strings` table, kept as spans of raw (still JSON-escaped) bytes and unescaped only
//! when a string is asked for. For a mapped file the spans point into the map; for pushed
//! chunks they point into an owned arena holding just the strings section.

use std::borrow::Cow;
use std::sync::Arc;

/// Bytes that outlive the parse: a memory map, or an owned buffer.
pub type Backing = Arc<dyn AsRef<[u8]> + Send + Sync>;

#[derive(Clone)]
pub struct StringTable {
    backing: Backing,
    /// Per string: byte offset of its first content byte (after the opening quote) in
    /// `backing`, and its raw length (before the closing quote).
    starts: Vec<u64>,
    lens: Vec<u32>,
    /// Strings appended after parsing (DevTools adds e.g. `"Detached " + name`), stored
    /// JSON-escaped like the rest; their indexes follow the parsed strings'.
    appended: Vec<Box<[u8]>>,
}

impl std::fmt::Debug for StringTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StringTable({} strings)", self.starts.len())
    }
}

impl Default for StringTable {
    fn default() -> Self {
        StringTable::new(Arc::new(Vec::<u8>::new()))
    }
}

impl StringTable {
    pub fn new(backing: Backing) -> Self {
        StringTable { backing, starts: Vec::new(), lens: Vec::new(), appended: Vec::new() }
    }

    /// Builds a table from plain strings (tests, synthetic snapshots). Escapes them as JSON.
    pub fn from_strings<S: AsRef<str>>(strings: &[S]) -> Self {
        let mut arena = Vec::new();
        let mut spans = Vec::with_capacity(strings.len());
        for s in strings {
            let quoted = serde_json::to_string(s.as_ref()).expect("a str always serializes");
            let start = arena.len() as u64 + 1;
            arena.extend_from_slice(quoted.as_bytes());
            spans.push((start, (quoted.len() - 2) as u32));
        }
        let mut table = StringTable::new(Arc::new(arena));
        for (s, l) in spans {
            table.push_span(s, l);
        }
        table
    }

    /// Appends a span of the backing. Must not be called after [`StringTable::push_string`].
    pub fn push_span(&mut self, start: u64, raw_len: u32) {
        debug_assert!(self.appended.is_empty(), "push_span after push_string");
        self.starts.push(start);
        self.lens.push(raw_len);
    }

    pub fn reserve(&mut self, additional: usize) {
        self.starts.reserve(additional);
        self.lens.reserve(additional);
    }

    pub fn len(&self) -> usize {
        self.starts.len() + self.appended.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends an owned string after the parsed ones (as DevTools' `addString` does) and
    /// returns its index.
    pub fn push_string(&mut self, s: &str) -> u32 {
        let quoted = serde_json::to_string(s).expect("a str always serializes");
        let raw = quoted.as_bytes()[1..quoted.len() - 1].to_vec().into_boxed_slice();
        self.appended.push(raw);
        (self.len() - 1) as u32
    }

    /// The same spans over other bytes (the chunked parser records spans into an arena it
    /// is still growing, then hands the finished arena over).
    pub fn rebacked(mut self, backing: Backing) -> Self {
        self.backing = backing;
        self
    }

    /// Where parsed string `i`'s raw bytes sit in the backing: (offset, length).
    pub fn raw_span(&self, i: u32) -> Option<(u64, u32)> {
        Some((*self.starts.get(i as usize)?, self.lens[i as usize]))
    }

    pub fn backing(&self) -> &Backing {
        &self.backing
    }

    /// For each of `texts`, the indices of the strings whose raw bytes are exactly it, in one
    /// pass that looks at a string's bytes only when its length matches one of them.
    pub fn indices_of(&self, texts: &[&[u8]]) -> Vec<Vec<u32>> {
        let mut found = vec![Vec::new(); texts.len()];
        let longest = texts.iter().map(|t| t.len()).max().unwrap_or(0);
        let mut by_len = vec![Vec::new(); longest + 1];
        for (k, t) in texts.iter().enumerate() {
            by_len[t.len()].push(k);
        }
        let mut look = |i: usize, raw: &[u8]| {
            for &k in by_len.get(raw.len()).map_or(&[][..], Vec::as_slice) {
                if raw == texts[k] {
                    found[k].push(i as u32);
                }
            }
        };
        let bytes = (*self.backing).as_ref();
        for (i, (&start, &len)) in self.starts.iter().zip(&self.lens).enumerate() {
            if by_len.get(len as usize).is_some_and(|ks| !ks.is_empty()) {
                if let Some(raw) = bytes.get(start as usize..start as usize + len as usize) {
                    look(i, raw);
                }
            }
        }
        for (j, raw) in self.appended.iter().enumerate() {
            look(self.starts.len() + j, raw);
        }
        found
    }

    /// The raw JSON-escaped bytes of string `i` (without quotes), or None if out of range.
    pub fn raw(&self, i: u32) -> Option<&[u8]> {
        let i = i as usize;
        if i >= self.starts.len() {
            return self.appended.get(i - self.starts.len()).map(|b| &**b);
        }
        let start = *self.starts.get(i)? as usize;
        let len = self.lens[i] as usize;
        (*self.backing).as_ref().get(start..start + len)
    }

    /// String `i`, unescaped. Out-of-range indexes read as "" (callers that must tell the
    /// difference use [`StringTable::raw`]).
    pub fn get(&self, i: u32) -> Cow<'_, str> {
        match self.raw(i) {
            Some(raw) => unescape_json(raw),
            None => Cow::Borrowed(""),
        }
    }
}

/// Unescapes the content of a JSON string. Invalid UTF-8 and bad escapes become U+FFFD
/// rather than errors: the table was validated for structure at parse time, and a name
/// must always be printable.
pub fn unescape_json(raw: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'\\', raw).is_none() {
        return String::from_utf8_lossy(raw);
    }
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&esc) = raw.get(i + 1) else {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            break;
        };
        i += 2;
        let simple = match esc {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        if esc != b'u' {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            continue;
        }
        let Some(hi) = hex4(raw, i) else {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            continue;
        };
        i += 4;
        let ch = if (0xD800..0xDC00).contains(&hi) {
            // A high surrogate: pair it with a following \uDC00-\uDFFF if there is one.
            match (raw.get(i), raw.get(i + 1), hex4(raw, i + 2)) {
                (Some(b'\\'), Some(b'u'), Some(lo)) if (0xDC00..0xE000).contains(&lo) => {
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                }
                _ => None,
            }
        } else {
            char::from_u32(hi)
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.unwrap_or('\u{FFFD}').encode_utf8(&mut buf).as_bytes());
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    let mut v = 0u32;
    for &d in digits {
        v = v * 16 + (d as char).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_json_escapes_and_surrogate_pairs() {
        assert_eq!(unescape_json(br#"plain"#), "plain");
        assert_eq!(unescape_json(br#"a\"b\\c\/d\n"#), "a\"b\\c/d\n");
        assert_eq!(unescape_json(br#"\u00e9\u4e2d"#), "é中");
        assert_eq!(unescape_json(br#"\ud83d\ude00!"#), "😀!");
        assert_eq!(unescape_json(br#"lone \ud83d x"#), "lone \u{FFFD} x");
        assert_eq!(unescape_json(br#"bad \q"#), "bad \u{FFFD}");
        assert_eq!(unescape_json(br#"cut \u12"#), "cut \u{FFFD}12");
    }

    #[test]
    fn table_round_trips_strings() {
        let t = StringTable::from_strings(&["", "a\"b", "中文", "x\ny"]);
        assert_eq!(t.len(), 4);
        assert_eq!(t.get(1), "a\"b");
        assert_eq!(t.get(2), "中文");
        assert_eq!(t.get(3), "x\ny");
        assert_eq!(t.get(99), "");
        assert!(t.raw(99).is_none());
    }

    #[test]
    fn appended_strings_follow_parsed_ones() {
        let mut t = StringTable::from_strings(&["", "a"]);
        assert_eq!(t.push_string("Detached \"x\""), 2);
        assert_eq!(t.len(), 3);
        assert_eq!(t.get(2), "Detached \"x\"");
        assert_eq!(t.get(1), "a");
    }
}
