//! Keeping answers small and safe for a model's context: long strings clipped, and with
//! redaction, string *contents* (what a string object holds, duplicate-string texts) replaced
//! by their length and a hash. Class names, property names and edge names stay: they are the
//! program's shape, not its data.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Longest string value returned.
pub const MAX_STRING: usize = 200;

/// V8 node types whose `name` is the string's content.
const STRING_TYPES: [&str; 3] = ["string", "concatenated string", "sliced string"];

pub fn redacted(content: &str) -> String {
    let hash = Sha256::digest(content.as_bytes());
    let hex: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("<string len={} sha256={hex}>", content.chars().count())
}

fn clip(s: &mut String) {
    if s.chars().count() > MAX_STRING {
        let cut: String = s.chars().take(MAX_STRING).collect();
        *s = format!("{cut}…[{} chars]", s.chars().count());
    }
}

/// Walks a report: redacts string contents when asked, clips every long string.
pub fn bound(value: &mut Value, redact: bool) {
    match value {
        Value::Object(map) => {
            if redact {
                let is_string_object =
                    map.get("type").and_then(Value::as_str).is_some_and(|t| STRING_TYPES.contains(&t));
                let content_key = if is_string_object {
                    Some("name")
                } else if map.contains_key("example_id") {
                    Some("text") // a duplicate-string group
                } else {
                    None
                };
                if let Some(Value::String(s)) = content_key.and_then(|k| map.get_mut(k)) {
                    *s = redacted(s);
                }
            }
            for v in map.values_mut() {
                bound(v, redact);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| bound(v, redact)),
        Value::String(s) => clip(s),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_contents_not_shape() {
        let mut v = json!({
            "objects": [
                {"type": "string", "name": "Bearer sk-live-123", "class_name": "(string)"},
                {"type": "object", "name": "Config", "class_name": "Config"}
            ],
            "strings": [{"text": "password=hunter2", "count": 3, "example_id": 7}],
            "long": "x".repeat(500)
        });
        bound(&mut v, true);
        assert_eq!(v["objects"][0]["name"], redacted("Bearer sk-live-123"));
        assert!(v["objects"][0]["name"].as_str().unwrap().starts_with("<string len=18 sha256="));
        assert_eq!(v["objects"][1]["name"], "Config");
        assert_eq!(v["strings"][0]["text"], redacted("password=hunter2"));
        assert!(v["long"].as_str().unwrap().ends_with("…[500 chars]"));
        assert!(!v.to_string().contains("hunter2") && !v.to_string().contains("sk-live"));

        let mut kept = json!({"type": "string", "name": "visible"});
        bound(&mut kept, false);
        assert_eq!(kept["name"], "visible");
    }
}
