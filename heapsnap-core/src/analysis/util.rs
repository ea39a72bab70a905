//! Small helpers shared by the analysis passes: a bit vector and the few JavaScript
//! semantics DevTools relies on (`parseInt`, UTF-16 string order, `formatPropertyName`).

use std::cmp::Ordering;

/// One bit per item (edges, strings), like DevTools' `BitVector`.
#[derive(Clone, Debug, Default)]
pub struct BitVec {
    words: Vec<u64>,
    len: usize,
}

impl BitVec {
    pub fn new(len: usize) -> Self {
        BitVec { words: vec![0; len.div_ceil(64)], len }
    }
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        (self.words[i >> 6] >> (i & 63)) & 1 != 0
    }
    #[inline]
    pub fn set(&mut self, i: usize) {
        self.words[i >> 6] |= 1 << (i & 63);
    }
    #[inline]
    pub fn clear(&mut self, i: usize) {
        self.words[i >> 6] &= !(1 << (i & 63));
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn count_ones(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub fn heap_bytes(&self) -> usize {
        self.words.len() * 8
    }

    /// One bit per edge of a CSR graph (`first_edge` has a final entry, the edge count), set
    /// where `keep(state, node, edge)` says so. Node ranges run in parallel (with `parallel`),
    /// each with its own `state` (a cache) and its own words, OR-ed together at the end: edge
    /// ranges do not start on word boundaries.
    pub fn for_edges<S: Default>(first_edge: &[u32], keep: impl Fn(&mut S, u32, usize) -> bool + Sync) -> BitVec {
        let n = first_edge.len().saturating_sub(1);
        let mut bits = BitVec::new(first_edge.last().map_or(0, |&m| m as usize));
        let ranges = n.div_ceil(16).max(1 << 14);
        let run = |a: usize| -> (usize, Vec<u64>) {
            let b = (a + ranges).min(n);
            let (e0, e1) = (first_edge[a] as usize, first_edge[b] as usize);
            let w0 = e0 / 64;
            let mut words = vec![0u64; e1.div_ceil(64) - w0];
            let mut state = S::default();
            for u in a..b {
                for e in first_edge[u] as usize..first_edge[u + 1] as usize {
                    if keep(&mut state, u as u32, e) {
                        words[e / 64 - w0] |= 1 << (e & 63);
                    }
                }
            }
            (w0, words)
        };
        #[cfg(feature = "parallel")]
        let parts: Vec<(usize, Vec<u64>)> = {
            use rayon::prelude::*;
            (0..n).into_par_iter().step_by(ranges).map(run).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<(usize, Vec<u64>)> = (0..n).step_by(ranges).map(run).collect();
        for (w0, words) in parts {
            for (target, w) in bits.words[w0..].iter_mut().zip(words) {
                *target |= w;
            }
        }
        bits
    }
}

/// JavaScript `parseInt(s, 10)`: leading white space, an optional sign, then the longest
/// run of ASCII digits. `None` is JS's `NaN`.
pub fn js_parse_int(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let v: f64 = t[..digits].parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Compares two strings as JavaScript does (`<`, default `sort()`): by UTF-16 code units.
pub fn cmp_utf16(a: &str, b: &str) -> Ordering {
    // Byte order equals code point order; it differs from UTF-16 order only when one side
    // has a supplementary character where the other has U+E000..U+FFFF.
    if a.is_ascii() || b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Length in UTF-16 code units (JavaScript's `length`).
pub fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

/// `JSHeapSnapshotNode.formatPropertyName`: names holding `, ' " { }` are JSON-quoted.
pub fn format_property_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains([',', '\'', '"', '{', '}']) {
        std::borrow::Cow::Owned(js_json_string(name))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// `JSON.stringify(s)` for a string (JS escapes lone surrogates too, which a Rust `str`
/// cannot hold; everything else matches serde_json's output).
pub fn js_json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a str always serializes")
}

/// Hints that `slice[i]` will be read soon: random reads into arrays of millions of entries
/// wait on memory, and a loop that knows its next targets can overlap those waits. A no-op
/// off x86-64 and out of range.
#[inline(always)]
pub fn prefetch<T>(slice: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = slice.get(i) {
        // SAFETY: a prefetch never faults and changes no memory; the address is in `slice`.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((x as *const T).cast::<i8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slice, i);
}

/// Runs `a` and `b` on two threads when the crate is built with `parallel`, one after the
/// other otherwise (wasm).
pub fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// Sorts on every core when the crate is built with `parallel`, on one otherwise (wasm).
pub fn sort_unstable<T: Ord + Send>(v: &mut [T]) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        v.par_sort_unstable();
    }
    #[cfg(not(feature = "parallel"))]
    v.sort_unstable();
}

/// `f` over every index `0..n` (node ordinals, string indices; in parallel with `parallel`),
/// keeping the `Some`s in index order.
pub fn filter_map_indices<T: Send>(n: usize, f: impl Fn(u32) -> Option<T> + Sync + Send) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n as u32).into_par_iter().with_min_len(4096).filter_map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..n as u32).filter_map(f).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_bits_over_node_ranges_equal_one_pass() {
        // 100,000 nodes with 0–6 edges each: many ranges, none starting on a word boundary.
        let mut first_edge = vec![0u32];
        let mut x = 12345u64;
        for _ in 0..100_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            first_edge.push(first_edge.last().unwrap() + (x >> 61) as u32);
        }
        let keep = |u: u32, e: usize| (u as usize * 7 + e * 13) % 5 < 2;
        // The state counts calls, to check that every edge is asked exactly once.
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let bits = BitVec::for_edges(&first_edge, |seen: &mut usize, u, e| {
            *seen += 1;
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            keep(u, e)
        });
        let m = *first_edge.last().unwrap() as usize;
        assert_eq!(bits.len(), m);
        assert_eq!(calls.into_inner(), m);
        let mut want = BitVec::new(m);
        for u in 0..100_000usize {
            for e in first_edge[u] as usize..first_edge[u + 1] as usize {
                if keep(u as u32, e) {
                    want.set(e);
                }
            }
        }
        assert_eq!(bits.words, want.words);
        assert!(BitVec::for_edges(&[0], |_: &mut (), _, _| true).is_empty());
    }

    #[test]
    fn parse_int_like_js() {
        assert_eq!(js_parse_int("12abc"), Some(12.0));
        assert_eq!(js_parse_int("  -7"), Some(-7.0));
        assert_eq!(js_parse_int("abc"), None);
        assert_eq!(js_parse_int(""), None);
        assert_eq!(js_parse_int("+"), None);
    }

    #[test]
    fn utf16_order_differs_from_bytes_for_astral() {
        // U+FF61 (one unit 0xFF61) vs U+1F600 (surrogates 0xD83D..): UTF-16 puts the emoji first.
        assert_eq!(cmp_utf16("\u{1F600}", "\u{FF61}"), Ordering::Less);
        assert_eq!("\u{1F600}".cmp("\u{FF61}"), Ordering::Greater);
        assert_eq!(utf16_len("a\u{1F600}"), 3);
    }

    #[test]
    fn property_names_are_quoted_when_confusing() {
        assert_eq!(format_property_name("x"), "x");
        assert_eq!(format_property_name("weird,name"), "\"weird,name\"");
        assert_eq!(format_property_name("a\"b"), "\"a\\\"b\"");
    }
}
