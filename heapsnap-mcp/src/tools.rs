//! The server's state: open snapshots by handle, and loading them. The answers themselves are
//! heapsnap-core's bounded [`heapsnap_core::query`] functions, re-exported here.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{self, ParseOptions};
use serde_json::{json, Value};

pub use heapsnap_core::query::*;

pub struct Open {
    pub path: String,
    pub heap: Heap,
    pub load_ms: u128,
}

/// Open snapshots by handle (`s1`, `s2`, ...).
#[derive(Default)]
pub struct Registry {
    open: HashMap<String, Arc<Open>>,
    next: usize,
}

impl Registry {
    pub fn insert(&mut self, open: Open) -> (String, Arc<Open>) {
        self.next += 1;
        let handle = format!("s{}", self.next);
        let open = Arc::new(open);
        self.open.insert(handle.clone(), open.clone());
        (handle, open)
    }

    pub fn get(&self, handle: &str) -> Result<Arc<Open>, String> {
        self.open.get(handle).cloned().ok_or_else(|| {
            let mut known: Vec<&String> = self.open.keys().collect();
            known.sort();
            format!("no open snapshot with handle {handle:?} (open: {known:?}); call open_snapshot first")
        })
    }

    pub fn close(&mut self, handle: &str) -> Result<(), String> {
        self.open.remove(handle).map(|_| ()).ok_or_else(|| format!("no open snapshot with handle {handle:?}"))
    }
}

/// Loads and analyzes a snapshot file (plain or `.gz`).
pub fn load(path: &Path) -> Result<Open, String> {
    let started = Instant::now();
    let snapshot = parse::open(path, &ParseOptions::default()).map_err(|e| format!("{}: {e}", path.display()))?;
    let heap = Heap::analyze(snapshot);
    Ok(Open { path: path.display().to_string(), heap, load_ms: started.elapsed().as_millis() })
}

pub fn opened(handle: &str, o: &Open) -> Value {
    let h = &o.heap;
    json!({
        "handle": handle,
        "path": o.path,
        "nodes": h.node_count(),
        "edges": h.snapshot().edge_count(),
        "total_size": h.total_size(),
        "load_ms": o.load_ms,
    })
}

