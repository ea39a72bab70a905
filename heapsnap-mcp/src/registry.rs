//! The snapshots a server holds: loaded once, analyzed once, kept in memory under a handle
//! until closed. Several may be open at once (a baseline and a spike); asking to open a file
//! that is already open returns its handle instead of loading it again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{self, ParseOptions};
use serde_json::{json, Value};

pub struct Open {
    pub handle: String,
    /// Canonical path.
    pub path: PathBuf,
    pub heap: Heap,
    pub file_size: u64,
    pub parse_ms: u128,
    pub analyze_ms: u128,
}

impl Open {
    /// What `open_snapshot` and `list_snapshots` say about it.
    pub fn describe(&self) -> Value {
        let h = &self.heap;
        json!({
            "handle": self.handle,
            "path": self.path.display().to_string(),
            "file_size": self.file_size,
            "nodes": h.node_count(),
            "edges": h.snapshot().edge_count(),
            "total_size": h.total_size(),
            "salvaged": h.snapshot().salvaged,
            "load_ms": self.parse_ms + self.analyze_ms,
            "parse_ms": self.parse_ms,
            "analyze_ms": self.analyze_ms,
        })
    }
}

/// Reads (plain or `.gz`) and analyzes a snapshot file. The handle is set on insertion.
pub fn load(path: &Path) -> Result<Open, String> {
    let file_size = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.len();
    let started = Instant::now();
    let snapshot = parse::open(path, &ParseOptions::default())
        .map_err(|e| format!("{} is not a readable heap snapshot: {e}", path.display()))?;
    let parse_ms = started.elapsed().as_millis();
    let started = Instant::now();
    let heap = Heap::analyze(snapshot);
    Ok(Open {
        handle: String::new(),
        path: path.to_path_buf(),
        heap,
        file_size,
        parse_ms,
        analyze_ms: started.elapsed().as_millis(),
    })
}

/// How many snapshots may be open at once. An analyzed snapshot takes about 1.5 times its
/// file's size in memory, so an agent that opens every file it finds would exhaust the
/// machine; four covers a baseline, a spike and two more.
pub const MAX_OPEN: usize = 4;

#[derive(Default)]
pub struct Registry {
    open: HashMap<String, Arc<Open>>,
    /// Diff answers by (baseline, spike, limit): a diff of big snapshots takes seconds and
    /// agents ask again.
    diffs: HashMap<(String, String, usize), Arc<Value>>,
}

impl Registry {
    /// The snapshot already loaded from `path`, if any.
    pub fn by_path(&self, path: &Path) -> Option<Arc<Open>> {
        self.open.values().find(|o| o.path == path).cloned()
    }

    /// Whether another snapshot may be opened ([`MAX_OPEN`]); the error says what to do.
    pub fn has_room(&self) -> Result<(), String> {
        if self.open.len() < MAX_OPEN {
            return Ok(());
        }
        let mut handles: Vec<&String> = self.open.keys().collect();
        handles.sort();
        Err(format!(
            "{MAX_OPEN} snapshots are open already ({handles:?}), the most this server keeps in memory; \
             close one with close_snapshot first"
        ))
    }

    /// Keeps a loaded snapshot under a handle named after its file (`stampede-a`,
    /// `stampede-a-2` for a second file of that name). Returns (the open snapshot, whether it
    /// was newly inserted): when another request loaded the same file meanwhile, that one wins.
    /// Fails when [`MAX_OPEN`] others were opened meanwhile.
    pub fn insert(&mut self, mut open: Open) -> Result<(Arc<Open>, bool), String> {
        if let Some(existing) = self.by_path(&open.path) {
            return Ok((existing, false));
        }
        self.has_room()?;
        let stem = handle_stem(&open.path);
        let mut handle = stem.clone();
        let mut k = 1;
        while self.open.contains_key(&handle) {
            k += 1;
            handle = format!("{stem}-{k}");
        }
        open.handle = handle.clone();
        let open = Arc::new(open);
        self.open.insert(handle, open.clone());
        Ok((open, true))
    }

    pub fn get(&self, handle: &str) -> Result<Arc<Open>, String> {
        self.open.get(handle).cloned().ok_or_else(|| {
            let mut known: Vec<&String> = self.open.keys().collect();
            known.sort();
            if known.is_empty() {
                format!("no open snapshot with handle {handle:?}: none is open; call open_snapshot first")
            } else {
                format!("no open snapshot with handle {handle:?}; open handles: {known:?}")
            }
        })
    }

    pub fn close(&mut self, handle: &str) -> Result<(), String> {
        self.open.remove(handle).ok_or_else(|| self.get(handle).err().unwrap_or_default())?;
        self.diffs.retain(|(a, b, _), _| a != handle && b != handle);
        Ok(())
    }

    pub fn list(&self) -> Vec<Arc<Open>> {
        let mut all: Vec<Arc<Open>> = self.open.values().cloned().collect();
        all.sort_by(|a, b| a.handle.cmp(&b.handle));
        all
    }

    pub fn cached_diff(&self, key: &(String, String, usize)) -> Option<Arc<Value>> {
        self.diffs.get(key).cloned()
    }

    pub fn cache_diff(&mut self, key: (String, String, usize), report: Arc<Value>) {
        // Both snapshots must still be open (one may have been closed while diffing).
        if self.open.contains_key(&key.0) && self.open.contains_key(&key.1) {
            self.diffs.insert(key, report);
        }
    }
}

/// `/x/Heap.2024.heapsnapshot.gz` → `Heap.2024`: short, and says which file it is.
fn handle_stem(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let name = name.strip_suffix(".heapsnapshot").unwrap_or(name);
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(40)
        .collect();
    if stem.is_empty() {
        "snapshot".into()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_name_the_file() {
        assert_eq!(handle_stem(Path::new("/a/stampede-a.heapsnapshot.gz")), "stampede-a");
        assert_eq!(handle_stem(Path::new("/a/Heap 1.heapsnapshot")), "Heap_1");
        assert_eq!(handle_stem(Path::new("/a/.heapsnapshot")), "snapshot");
    }
}
