//! The integer-list scanner: `nodes`, `edges` and the other numeric sections are flat JSON
//! arrays of unsigned integers, 95% of a file. One resumable scanner serves both inputs: a
//! mapped file cut into record-aligned pieces scanned in parallel, and pushed chunks scanned
//! as they arrive (a number may straddle two chunks).

use crate::error::{Error, Result, Section};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// After `[`: a value or `]`.
    First,
    /// After `,`: a value is required.
    Value,
    /// Inside a number.
    Number,
    /// After a number and whitespace: `,` or `]`.
    Separator,
}

/// Resumable scanner of the body of an unsigned-integer array (the bytes after its `[`).
#[derive(Clone, Debug)]
pub struct IntScanner {
    section: Section,
    at: At,
    value: u64,
}

impl IntScanner {
    /// A scanner positioned just after the array's `[`.
    pub fn new(section: Section) -> Self {
        IntScanner { section, at: At::First, value: 0 }
    }

    /// A scanner for a piece of an array body that starts at a value (after a `,`).
    pub fn at_value(section: Section) -> Self {
        IntScanner { section, at: At::Value, value: 0 }
    }

    /// Scans `bytes` (whose first byte is at absolute offset `base`), handing each complete
    /// value and the offset just past it to `sink`. Returns `Some(i)` with `i` the index just
    /// past the closing `]` if the array ended inside `bytes`, `None` if more input is needed.
    #[inline]
    pub fn feed(
        &mut self,
        bytes: &[u8],
        base: u64,
        sink: &mut impl FnMut(u64, u64) -> Result<()>,
    ) -> Result<Option<usize>> {
        let mut at = self.at;
        let mut value = self.value;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let digit = b.wrapping_sub(b'0');
            if digit < 10 {
                match at {
                    At::Number => {
                        value = value
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(digit as u64))
                            .ok_or_else(|| self.error(base + i as u64, "number does not fit 64 bits"))?;
                    }
                    At::First | At::Value => {
                        value = digit as u64;
                        at = At::Number;
                    }
                    At::Separator => return Err(self.error(base + i as u64, "expected ',' or ']' between numbers")),
                }
                i += 1;
                continue;
            }
            match b {
                b',' => {
                    match at {
                        At::Number | At::Separator => sink(value, base + i as u64)?,
                        At::First | At::Value => {
                            return Err(self.error(base + i as u64, "expected a number before ','"))
                        }
                    }
                    at = At::Value;
                }
                b']' => {
                    match at {
                        At::Number | At::Separator => sink(value, base + i as u64)?,
                        At::First => {}
                        At::Value => return Err(self.error(base + i as u64, "expected a number after ','")),
                    }
                    self.at = At::First;
                    self.value = 0;
                    return Ok(Some(i + 1));
                }
                b' ' | b'\n' | b'\r' | b'\t' => {
                    if at == At::Number {
                        at = At::Separator;
                    }
                }
                _ => {
                    let what = if b == b'-' || b == b'.' || b == b'e' || b == b'E' {
                        "expected an unsigned integer"
                    } else {
                        "unexpected byte in a number array"
                    };
                    return Err(self.error(base + i as u64, what));
                }
            }
            i += 1;
        }
        self.at = at;
        self.value = value;
        Ok(None)
    }

    /// Ends a piece that stops before the array's `]` (the last piece of a mapped array):
    /// flushes a final number, and rejects a trailing `,`.
    pub fn finish_piece(&mut self, end: u64, sink: &mut impl FnMut(u64, u64) -> Result<()>) -> Result<()> {
        match self.at {
            At::Number | At::Separator => sink(self.value, end),
            At::First => Ok(()),
            At::Value => Err(self.error(end, "expected a number after ','")),
        }
    }

    /// True before a value: just after the `[` or a `,`.
    pub fn at_value_start(&self) -> bool {
        matches!(self.at, At::First | At::Value)
    }

    /// Continues after values read by another scanner (the fast path), which ended at a `,`.
    pub fn resume_after_comma(&mut self) {
        self.at = At::Value;
        self.value = 0;
    }

    /// True when a piece ended right after a `,` (how every non-final piece must end).
    pub fn expects_value(&self) -> bool {
        self.at == At::Value
    }

    fn error(&self, offset: u64, message: &str) -> Error {
        Error::syntax(self.section, offset, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_chunks(chunks: &[&str]) -> Result<(Vec<u64>, Option<usize>)> {
        let mut s = IntScanner::new(Section::Nodes);
        let mut out = Vec::new();
        let mut base = 0u64;
        for c in chunks {
            let end = s.feed(c.as_bytes(), base, &mut |v, _| {
                out.push(v);
                Ok(())
            })?;
            if let Some(e) = end {
                return Ok((out, Some(base as usize + e)));
            }
            base += c.len() as u64;
        }
        Ok((out, None))
    }

    #[test]
    fn numbers_split_across_chunks_are_joined() {
        let (v, end) = scan_chunks(&["12", "3,4", "5\n,", "6]x"]).unwrap();
        assert_eq!(v, vec![123, 45, 6]);
        assert_eq!(end, Some(10));
    }

    #[test]
    fn empty_and_spaced_arrays() {
        assert_eq!(scan_chunks(&["]"]).unwrap(), (vec![], Some(1)));
        assert_eq!(scan_chunks(&[" 1 , 2 ]"]).unwrap().0, vec![1, 2]);
        assert_eq!(scan_chunks(&["18446744073709551615]"]).unwrap().0, vec![u64::MAX]);
    }

    #[test]
    fn malformed_arrays_name_the_offset() {
        let e = scan_chunks(&["1,2,]"]).unwrap_err();
        assert_eq!((e.section, e.offset), (Section::Nodes, 4));
        assert_eq!(scan_chunks(&["1 2]"]).unwrap_err().offset, 2);
        assert_eq!(scan_chunks(&[",1]"]).unwrap_err().offset, 0);
        assert_eq!(scan_chunks(&["1,-2]"]).unwrap_err().offset, 2);
        assert_eq!(scan_chunks(&["1,\"a\"]"]).unwrap_err().offset, 2);
        assert_eq!(scan_chunks(&["18446744073709551616]"]).unwrap_err().offset, 19);
    }

    #[test]
    fn truncated_array_asks_for_more() {
        assert_eq!(scan_chunks(&["1,2,3"]).unwrap(), (vec![1, 2], None));
    }
}
