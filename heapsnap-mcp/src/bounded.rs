//! Keeping answers small for a model's context, whatever the snapshot's size: every list is
//! cut by a `limit` (clamped to [`MAX_LIMIT`]) and paged by an `offset`, every string value is
//! clipped to [`MAX_STRING`] characters, and an answer that still comes out larger than
//! [`MAX_ANSWER_BYTES`] is refused with a message asking for a smaller `limit`.

use serde_json::Value;

pub use heapsnap_core::query::MAX_LIMIT;

/// Longest string value returned, in characters.
pub const MAX_STRING: usize = 200;

/// Largest answer, in bytes of compact JSON (about 25k tokens).
pub const MAX_ANSWER_BYTES: usize = 100_000;

/// `limit` or its default, within 1..=`max`.
pub fn limit(asked: Option<usize>, default: usize, max: usize) -> usize {
    asked.unwrap_or(default).clamp(1, max)
}

/// Clips every long string in an answer, saying how long it was.
pub fn clip_strings(value: &mut Value) {
    match value {
        Value::Object(map) => map.values_mut().for_each(clip_strings),
        Value::Array(items) => items.iter_mut().for_each(clip_strings),
        Value::String(s) => {
            let chars = s.chars().count();
            if chars > MAX_STRING {
                let cut: String = s.chars().take(MAX_STRING).collect();
                *s = format!("{cut}…[clipped, {chars} chars]");
            }
        }
        _ => {}
    }
}

/// The answer as compact JSON, or an error when it is too large to hand to a model.
pub fn render(value: &Value) -> Result<String, String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    if text.len() > MAX_ANSWER_BYTES {
        return Err(format!(
            "the answer would be {} KB, more than the {} KB allowed; ask again with a smaller limit or depth",
            text.len() / 1000,
            MAX_ANSWER_BYTES / 1000
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clips_and_refuses_floods() {
        let mut v = json!({"long": "é".repeat(500), "short": "ok", "list": ["x".repeat(201)]});
        clip_strings(&mut v);
        let long = v["long"].as_str().unwrap();
        assert_eq!(long.chars().filter(|&c| c == 'é').count(), MAX_STRING);
        assert!(long.ends_with("…[clipped, 500 chars]"));
        assert_eq!(v["short"], "ok");
        assert!(v["list"][0].as_str().unwrap().ends_with("[clipped, 201 chars]"));
        assert!(render(&v).is_ok());

        let flood = json!(vec!["y".repeat(150); 1000]);
        assert!(render(&flood).unwrap_err().contains("smaller limit"));
        assert_eq!((limit(None, 20, 200), limit(Some(0), 20, 200), limit(Some(10_000), 20, 200)), (20, 1, 200));
    }
}
