//! Redaction of string *contents* in answers, for agents backed by a third-party model.
//!
//! What counts as content is what `heapsnap redact` replaces (see `heapsnap_core::redact`):
//! what string objects hold (tokens, URLs, customer data, source text). Class names, property
//! names, edge names and function names stay: they are the program's shape, and the agent
//! needs them to reason. Content shows up in four places of an answer, all handled here:
//!
//! 1. an object row (`{"id", "type": "string", "name": …}`): the name;
//! 2. a duplicate-string row (`{"text", "example_id"}`): the text;
//! 3. a Map entry label `.get('key')` in an edge or path (the key is a string's content);
//! 4. one-line texts built from object labels (`'a string' @123` in `path_to_root`'s
//!    `text` or a finding sentence).
//!
//! Each is replaced by `<string len=N hash=XXXXXXXX>`: the length in characters and 32 bits of
//! SHA-256 over a per-process random key and the full content (looked up in the heap by id,
//! so a string clipped for display hashes like its full self). Equal strings get equal
//! markers within one server run, so the agent can still see "the same value 2,000 times";
//! the key keeps short secrets (PINs, short passwords) from being recovered by trying values.

use std::hash::{BuildHasher, RandomState};

use heapsnap_core::analysis::Heap;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// V8 node types whose name is the string's content.
pub const STRING_TYPES: [&str; 3] = ["string", "concatenated string", "sliced string"];

#[derive(Clone)]
pub struct Redactor {
    key: [u8; 32],
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new()
    }
}

impl Redactor {
    /// A redactor with a fresh random key (std's per-process random hasher seeds).
    pub fn new() -> Self {
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_mut(8).enumerate() {
            chunk.copy_from_slice(&RandomState::new().hash_one(i).to_le_bytes());
        }
        Redactor { key }
    }

    /// A redactor with a fixed key (tests).
    pub fn with_key(key: [u8; 32]) -> Self {
        Redactor { key }
    }

    /// The replacement for one string's content.
    pub fn marker(&self, content: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(content.as_bytes());
        let hex: String = h.finalize().iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!("<string len={} hash={hex}>", content.chars().count())
    }

    /// Replaces string contents everywhere in an answer. `heaps` are the snapshots the
    /// answer's ids come from (the spike first for a diff).
    pub fn redact(&self, value: &mut Value, heaps: &[&Heap]) {
        match value {
            Value::Object(map) => {
                let id = map.get("id").and_then(Value::as_u64);
                let is_string_object =
                    map.get("type").and_then(Value::as_str).is_some_and(|t| STRING_TYPES.contains(&t));
                if let (true, Some(Value::String(name))) = (is_string_object, map.get("name")) {
                    let full = id.and_then(|id| string_content(heaps, id)).unwrap_or_else(|| name.clone());
                    map.insert("name".into(), Value::String(self.marker(&full)));
                }
                let example = map.get("example_id").and_then(Value::as_u64);
                if let (Some(example), Some(Value::String(text))) = (example, map.get("text")) {
                    let full = string_content(heaps, example).unwrap_or_else(|| text.clone());
                    map.insert("text".into(), Value::String(self.marker(&full)));
                }
                for v in map.values_mut() {
                    self.redact(v, heaps);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact(v, heaps)),
            Value::String(s) if s.contains('\'') => *s = self.redact_labels(s, heaps),
            _ => {}
        }
    }

    /// Rewrites the quoted parts of a label or sentence (`heapsnap_core::paths` quotes with
    /// `'…'`, escaping `'` as `\'`): `.get('key')` and `'content' @id` are contents; a property
    /// name `['odd name']` is not. A quote that never closes hides the rest of the text.
    fn redact_labels(&self, s: &str, heaps: &[&Heap]) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(q) = rest.find('\'') {
            let (before, from_quote) = rest.split_at(q);
            out.push_str(before);
            let body = &from_quote[1..];
            let Some(close) = closing_quote(body) else {
                out.push_str(&self.marker(&unescape(body)));
                return out;
            };
            let (quoted, after) = (&body[..close], &body[close + 1..]);
            if out.ends_with('[') && after.starts_with(']') {
                // A property name: shape, kept.
                out.push('\'');
                out.push_str(quoted);
                out.push('\'');
            } else {
                let id =
                    after.strip_prefix(" @").map(|t| t.bytes().take_while(u8::is_ascii_digit).collect::<Vec<u8>>());
                let full = id
                    .and_then(|digits| std::str::from_utf8(&digits).ok()?.parse::<u64>().ok())
                    .and_then(|id| string_content(heaps, id))
                    .unwrap_or_else(|| unescape(quoted));
                out.push_str(&self.marker(&full));
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }
}

/// Index of the first `'` in `s` not escaped by a backslash.
fn closing_quote(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| b[i] == b'\'' && (i == 0 || b[i - 1] != b'\\'))
}

fn unescape(quoted: &str) -> String {
    quoted.replace("\\'", "'")
}

/// The full content of the string object `id`, from the first heap that has it.
fn string_content(heaps: &[&Heap], id: u64) -> Option<String> {
    let id = u32::try_from(id).ok()?;
    heaps.iter().find_map(|h| {
        let n = h.find_by_id(id)?;
        h.snapshot().node_type(n).is_string().then(|| h.display_name(n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_contents_and_keeps_shape() {
        let r = Redactor::with_key([7; 32]);
        let mut v = json!({
            "objects": [
                {"id": 1, "type": "string", "name": "Bearer sk-live-123", "class_name": "(string)"},
                {"id": 2, "type": "object", "name": "Config", "class_name": "Config"}
            ],
            "strings": [{"text": "password=hunter2", "count": 3, "example_id": 7}],
            "path": [{"edge": ".get('session-abc')", "object": {"type": "array", "name": "", "id": 9}},
                     {"edge": "['x-api-key']", "object": {"type": "object", "name": "Object", "id": 10}}],
            "text": "global @1 .cache → Map @2 .get('tok\\'en') → 'Bearer sk-live-123' @1",
        });
        r.redact(&mut v, &[]);
        let out = v.to_string();
        for secret in ["sk-live", "hunter2", "session-abc", "tok"] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
        assert_eq!(v["objects"][0]["name"], r.marker("Bearer sk-live-123"));
        assert!(v["objects"][0]["name"].as_str().unwrap().starts_with("<string len=18 hash="));
        assert_eq!(v["objects"][1]["name"], "Config");
        assert_eq!(v["strings"][0]["text"], r.marker("password=hunter2"));
        assert_eq!(v["path"][0]["edge"], format!(".get({})", r.marker("session-abc")));
        assert_eq!(v["path"][1]["edge"], "['x-api-key']", "property names are shape");
        assert_eq!(
            v["text"],
            format!("global @1 .cache → Map @2 .get({}) → {} @1", r.marker("tok'en"), r.marker("Bearer sk-live-123"))
        );
        // An unclosed quote hides everything after it.
        let mut cut = json!("held by 'abc\\");
        r.redact(&mut cut, &[]);
        assert_eq!(cut, format!("held by {}", r.marker("abc\\")));
    }

    #[test]
    fn markers_are_keyed() {
        let (a, b) = (Redactor::new(), Redactor::new());
        assert_eq!(a.marker("1234"), a.marker("1234"));
        assert_ne!(a.marker("1234"), a.marker("1235"));
        assert_ne!(a.marker("1234"), b.marker("1234"), "another run, another key");
    }
}
