//! Resumable scanners for the JSON that is not an integer array: the `strings` list (kept as
//! spans, never decoded here) and values we only delimit (the header, `trace_tree`, keys we
//! do not know). None of them recurses, so nesting depth costs nothing but a counter.

use crate::error::{Error, ErrorKind, Result, Section};
use crate::strings::StringTable;

pub fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    First,
    Value,
    InString,
    Separator,
}

/// Scans the body of the `strings` array (after its `[`), recording each string's raw
/// (still escaped) content as a span.
///
/// With `arena == None` the input is the whole mapped file and spans are absolute offsets
/// into it; otherwise each string's bytes are copied into the arena (chunks do not outlive
/// `feed`) and spans point there.
#[derive(Clone, Debug)]
pub struct StringListScanner {
    at: At,
    /// Start of the current string's content (absolute or arena offset).
    start: u64,
    /// A `\` was the last byte of the previous chunk.
    escape: bool,
}

impl StringListScanner {
    pub fn new() -> Self {
        StringListScanner { at: At::First, start: 0, escape: false }
    }

    pub fn feed(
        &mut self,
        bytes: &[u8],
        base: u64,
        table: &mut StringTable,
        mut arena: Option<&mut Vec<u8>>,
    ) -> Result<Option<usize>> {
        let mut i = 0;
        while i < bytes.len() {
            if arena.is_none() && matches!(self.at, At::First | At::Value) && bytes[i] == b'"' {
                // Mapped input: the plain strings V8 writes, `"…",\n` after `"…",\n`.
                let read = plain_strings(&bytes[i..], base + i as u64, table);
                if read > 0 {
                    i += read;
                    self.at = At::Value;
                    continue;
                }
            }
            if self.at == At::InString {
                // Jump to the next quote or backslash; everything before is content.
                let mut from = i;
                if self.escape {
                    self.escape = false;
                    from += 1;
                }
                let Some(rel) = bytes.get(from..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) else {
                    if let Some(a) = arena.as_deref_mut() {
                        a.extend_from_slice(&bytes[i..]);
                    }
                    return Ok(None);
                };
                let j = from + rel;
                if bytes[j] == b'\\' {
                    if j + 1 >= bytes.len() {
                        self.escape = true;
                        if let Some(a) = arena.as_deref_mut() {
                            a.extend_from_slice(&bytes[i..]);
                        }
                        return Ok(None);
                    }
                    if let Some(a) = arena.as_deref_mut() {
                        a.extend_from_slice(&bytes[i..j + 2]);
                    }
                    i = j + 2;
                    continue;
                }
                let end = match arena.as_deref_mut() {
                    Some(a) => {
                        a.extend_from_slice(&bytes[i..j]);
                        a.len() as u64
                    }
                    None => base + j as u64,
                };
                let len = u32::try_from(end - self.start).map_err(|_| {
                    Error::new(ErrorKind::TooLarge, Section::Strings, base + j as u64, "a string of 4 GiB or more")
                })?;
                table.push_span(self.start, len);
                self.at = At::Separator;
                i = j + 1;
                continue;
            }
            let b = bytes[i];
            let offset = base + i as u64;
            match (self.at, b) {
                (_, b) if is_ws(b) => {}
                (At::First | At::Value, b'"') => {
                    self.start = match arena.as_deref() {
                        Some(a) => a.len() as u64,
                        None => offset + 1,
                    };
                    self.at = At::InString;
                }
                (At::Separator, b',') => self.at = At::Value,
                (At::Separator | At::First, b']') => return Ok(Some(i + 1)),
                (At::Value, b']') => {
                    return Err(Error::syntax(Section::Strings, offset, "expected a string after ','"))
                }
                (At::Separator, _) => {
                    return Err(Error::syntax(Section::Strings, offset, "expected ',' or ']' after a string"))
                }
                _ => return Err(Error::syntax(Section::Strings, offset, "expected a string")),
            }
            i += 1;
        }
        Ok(None)
    }
}

/// Spans of consecutive strings without escapes, each followed by `,` or `,\n`, from the
/// opening quote at the start of `bytes` (at absolute offset `base`). Returns the bytes read,
/// through the last such separator (0 if the first string is not one of them); the general
/// scanner reads from there, so escapes, other white space and the list's end go its way.
fn plain_strings(bytes: &[u8], base: u64, table: &mut StringTable) -> usize {
    let mut done = 0;
    // Each string's content is searched 16 bytes at a time; the loads need 16 bytes of room.
    while done + 1 < bytes.len() && bytes[done] == b'"' {
        let from = done + 1;
        let mut at = from;
        let close = loop {
            if at + 16 > bytes.len() {
                return done;
            }
            match quote_or_backslash(&bytes[at..at + 16]) {
                Some(k) => break at + k,
                None => at += 16,
            }
        };
        if bytes[close] != b'"' {
            return done;
        }
        let next = match bytes.get(close + 1..close + 3) {
            Some([b',', b'\n']) => close + 3,
            Some([b',', _]) => close + 2,
            _ => return done,
        };
        let Ok(len) = u32::try_from(close - from) else { return done };
        table.push_span(base + from as u64, len);
        done = next;
    }
    done
}

/// The index of the first `"` or `\` in 16 bytes.
#[inline(always)]
fn quote_or_backslash(chunk: &[u8]) -> Option<usize> {
    let chunk: &[u8; 16] = chunk.try_into().expect("16 bytes");
    #[cfg(target_arch = "x86_64")]
    let mask = {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86-64 baseline; the load reads the 16 bytes of `chunk`.
        unsafe {
            let x = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let q = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
            let b = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(q, b)) as u32
        }
    };
    #[cfg(not(target_arch = "x86_64"))]
    let mask = chunk.iter().enumerate().fold(0u32, |m, (k, &c)| m | (((c == b'"' || c == b'\\') as u32) << k));
    (mask != 0).then(|| mask.trailing_zeros() as usize)
}

/// Delimits one JSON value of any kind without interpreting it, optionally keeping its bytes.
#[derive(Clone, Debug, Default)]
pub struct ValueSkipper {
    started: bool,
    /// The value is a bare scalar (number, true, null...), which ends at a delimiter.
    scalar: bool,
    depth: u64,
    in_string: bool,
    escape: bool,
    pub capture: Option<Vec<u8>>,
    /// Refuse to capture more than this many bytes.
    capture_limit: usize,
}

impl ValueSkipper {
    pub fn new(capture_limit: Option<usize>) -> Self {
        ValueSkipper {
            capture: capture_limit.map(|_| Vec::new()),
            capture_limit: capture_limit.unwrap_or(0),
            ..Default::default()
        }
    }

    /// Returns `Some(i)`, the index just past the value (a scalar's terminating delimiter is
    /// not consumed), when it ended inside `bytes`.
    pub fn feed(&mut self, bytes: &[u8], base: u64, section: Section) -> Result<Option<usize>> {
        let end = self.scan(bytes, base, section)?;
        if let Some(cap) = &mut self.capture {
            let upto = end.unwrap_or(bytes.len());
            if cap.len() + upto > self.capture_limit {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    section,
                    base + upto as u64,
                    format!("section is larger than the {} bytes allowed", self.capture_limit),
                ));
            }
            cap.extend_from_slice(&bytes[..upto]);
        }
        Ok(end)
    }

    fn scan(&mut self, bytes: &[u8], base: u64, section: Section) -> Result<Option<usize>> {
        for (i, &b) in bytes.iter().enumerate() {
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Ok(Some(i + 1));
                    }
                }
                continue;
            }
            if !self.started {
                if is_ws(b) {
                    continue;
                }
                self.started = true;
                match b {
                    b'{' | b'[' => self.depth = 1,
                    b'"' => self.in_string = true,
                    b'}' | b']' | b',' | b':' => {
                        return Err(Error::syntax(section, base + i as u64, "expected a value"));
                    }
                    _ => self.scalar = true,
                }
                continue;
            }
            if self.scalar {
                if is_ws(b) || matches!(b, b',' | b'}' | b']') {
                    return Ok(Some(i));
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Ok(Some(i + 1));
                    }
                }
                _ => {}
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(chunks: &[&str], copy: bool) -> (Vec<String>, Option<u64>) {
        let mut table = StringTable::default();
        let mut arena = Vec::new();
        let mut s = StringListScanner::new();
        let mut base = 0;
        let mut whole = Vec::new();
        for c in chunks {
            whole.extend_from_slice(c.as_bytes());
        }
        for c in chunks {
            let end = s.feed(c.as_bytes(), base, &mut table, if copy { Some(&mut arena) } else { None }).unwrap();
            if let Some(e) = end {
                let t = rebuilt(&table, if copy { arena.clone() } else { whole.clone() });
                return (t, Some(base + e as u64));
            }
            base += c.len() as u64;
        }
        (rebuilt(&table, if copy { arena } else { whole }), None)
    }

    fn rebuilt(table: &StringTable, backing: Vec<u8>) -> Vec<String> {
        let mut t = StringTable::new(std::sync::Arc::new(backing));
        for i in 0..table.len() as u32 {
            let raw = table.raw_span(i).unwrap();
            t.push_span(raw.0, raw.1);
        }
        (0..t.len() as u32).map(|i| t.get(i).into_owned()).collect()
    }

    #[test]
    fn plain_strings_and_the_rest_decode_alike() {
        // V8's layout, with an escape, a long string, odd white space and the end mixed in:
        // the fast path reads what it can and the general scanner the rest, the same either way.
        let mut text = String::new();
        let mut want = Vec::new();
        for i in 0..300 {
            let s = match i % 7 {
                0 => format!("plain {i}"),
                1 => format!("esc\\\"{i}"),
                2 => "x".repeat(i % 40),
                3 => String::new(),
                _ => format!("word{i}"),
            };
            want.push(s.replace("\\\"", "\""));
            text += &format!("\"{s}\"");
            text += if i % 11 == 5 { " ,\n" } else { ",\n" };
        }
        text += "\"last\"]";
        want.push("last".into());
        assert_eq!(strings(&[&text], false), (want.clone(), Some(text.len() as u64)));
        assert_eq!(strings(&[&text], true).0, want);
    }

    #[test]
    fn strings_split_anywhere_decode_the_same() {
        let text = r#" "a" , "b\"c" ,"","\\\\",  "\u00e9x"]tail"#;
        let want = vec!["a", "b\"c", "", "\\\\", "éx"];
        for copy in [false, true] {
            for cut in 0..text.len() {
                let (got, end) = strings(&[&text[..cut], &text[cut..]], copy);
                assert_eq!(got, want, "cut at {cut}, copy {copy}");
                assert_eq!(end, Some(text.len() as u64 - 4));
            }
        }
    }

    #[test]
    fn malformed_string_lists() {
        let mut t = StringTable::default();
        let e = StringListScanner::new().feed(br#""a" "b"]"#, 10, &mut t, None).unwrap_err();
        assert_eq!((e.section, e.offset), (Section::Strings, 14));
        let e = StringListScanner::new().feed(br#""a",]"#, 0, &mut t, None).unwrap_err();
        assert_eq!(e.offset, 4);
        let e = StringListScanner::new().feed(b"1]", 0, &mut t, None).unwrap_err();
        assert_eq!(e.offset, 0);
    }

    #[test]
    fn skipper_delimits_values() {
        let mut s = ValueSkipper::new(Some(100));
        assert_eq!(s.feed(br#" {"a":[1,{"b":"}"}],"c":"\""} ,"#, 0, Section::File).unwrap(), Some(29));
        assert_eq!(s.capture.unwrap(), br#" {"a":[1,{"b":"}"}],"c":"\""}"#);
        let mut s = ValueSkipper::new(None);
        assert_eq!(s.feed(b"[[", 0, Section::File).unwrap(), None);
        assert_eq!(s.feed(b"]]x", 2, Section::File).unwrap(), Some(2));
        assert_eq!(ValueSkipper::new(None).feed(b"123}", 0, Section::File).unwrap(), Some(3));
        let e = ValueSkipper::new(Some(4)).feed(b"[1,2,3]", 0, Section::Header).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooLarge);
    }
}
