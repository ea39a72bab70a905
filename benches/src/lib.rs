//! Helpers shared by the benches and the `phases` profiler: the byte-scan baseline and memory
//! readings.

use std::path::Path;

/// The baseline the parser is measured against: count the commas of a file from page cache
/// with memchr, one pass, no parsing.
pub fn scan_commas(path: &Path) -> usize {
    let file = std::fs::File::open(path).expect("readable file");
    // SAFETY: read-only map of a file nobody writes while we scan.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("mappable file");
    memchr::memchr_iter(b',', &map).count()
}

/// (RssAnon, RssFile) of this process in bytes, from /proc/self/status (0 where unavailable).
pub fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("RssAnon:"), field("RssFile:"))
}
