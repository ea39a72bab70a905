//! Formatting for people: sizes the way DevTools shows them (decimal kB/MB, one decimal
//! below 100), counts with thousands separators, and fixed-width tables.

/// DevTools' `bytesToString`: B below 1000, then kB/MB/GB with one decimal below 100.
pub fn bytes(b: u64) -> String {
    let units = ["kB", "MB", "GB", "TB"];
    if b < 1000 {
        return format!("{b} B");
    }
    let mut v = b as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < units.len() {
        v /= 1000.0;
        unit += 1;
    }
    if v < 100.0 {
        format!("{:.1} {}", round_half_away(v, 10.0), units[unit])
    } else {
        format!("{:.0} {}", round_half_away(v, 1.0), units[unit])
    }
}

/// Signed size for deltas: `+1.2 MB`, `−300 B`.
pub fn signed_bytes(b: i64) -> String {
    match b {
        0 => "0 B".to_string(),
        b if b > 0 => format!("+{}", bytes(b as u64)),
        b => format!("−{}", bytes(b.unsigned_abs())),
    }
}

// ICU rounds exact halves away from zero; Rust's formatter rounds them to even.
fn round_half_away(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// 1234567 → "1,234,567".
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn signed_count(n: i64) -> String {
    match n {
        n if n > 0 => format!("+{}", count(n as u64)),
        n if n < 0 => format!("−{}", count(n.unsigned_abs())),
        _ => "0".to_string(),
    }
}

pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".to_string();
    }
    format!("{:.0}%", part as f64 * 100.0 / whole as f64)
}

/// DevTools shows distances < 0 (unreachable) or ≥ 100000000 (system) as "−".
pub fn distance(d: i32) -> String {
    if !(0..100_000_000).contains(&d) {
        "−".to_string()
    } else {
        d.to_string()
    }
}

/// Cuts a name to `max` characters (by chars), marking the cut with "…".
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Cuts a long line from the left, keeping its end (the interesting end of a path).
pub fn clip_left(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - max.saturating_sub(1)));
    out
}

/// The terminal's width, or 100 when not a terminal or unknown.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|&w: &usize| w >= 40).unwrap_or(100)
}

/// A table: a first column that takes the remaining width, then right-aligned columns.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self, width: usize) -> String {
        let cols = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let rest: usize = widths[1..].iter().map(|w| w + 2).sum();
        widths[0] = widths[0].min(width.saturating_sub(rest).max(16));
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            for (i, c) in cells.iter().enumerate().take(cols) {
                if i == 0 {
                    let c = clip(c, widths[0]);
                    out.push_str(&format!("{:<w$}", c, w = widths[0]));
                } else {
                    out.push_str(&format!("  {:>w$}", c, w = widths[i]));
                }
            }
            out.push('\n');
        };
        line(&self.headers, &mut out);
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_devtools() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1250), "1.3 kB");
        assert_eq!(bytes(99_950), "100.0 kB");
        assert_eq!(bytes(123_456), "123 kB");
        assert_eq!(bytes(949_000_000), "949 MB");
        assert_eq!(bytes(3_200_000_000), "3.2 GB");
        assert_eq!(signed_bytes(-1500), "−1.5 kB");
    }

    #[test]
    fn counts_and_distances() {
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(signed_count(-2000), "−2,000");
        assert_eq!(distance(-5), "−");
        assert_eq!(distance(100_000_002), "−");
        assert_eq!(distance(3), "3");
    }

    #[test]
    fn table_clips_the_name_column_to_fit() {
        let mut t = Table::new(&["Constructor", "Count"]);
        t.row(vec!["a".repeat(80), "1".into()]);
        let out = t.render(30);
        assert!(out.lines().all(|l| l.chars().count() <= 30), "{out}");
        assert!(out.contains('…'));
    }
}
