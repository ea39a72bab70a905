//! What each MCP tool does, as plain functions over open snapshots returning JSON: testable
//! without a transport. Every list is bounded (`limit` clamped to [`MAX_LIMIT`], paging by
//! `offset`) so one call on a 3 GB snapshot stays a few KB.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use heapsnap_core::analysis::Heap;
use heapsnap_core::diff::{self, DiffOptions};
use heapsnap_core::duplicates::{self, DuplicateOptions};
use heapsnap_core::parse::{self, ChunkedParser, ParseOptions};
use heapsnap_core::paths;
use heapsnap_core::Snapshot;
use serde_json::{json, Value};

pub const MAX_LIMIT: usize = 200;

pub fn clamp(limit: Option<usize>, default: usize) -> usize {
    limit.unwrap_or(default).clamp(1, MAX_LIMIT)
}

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

/// Loads and analyzes a snapshot file (`.gz` streamed through the chunked parser).
pub fn load(path: &Path) -> Result<Open, String> {
    let started = Instant::now();
    let snapshot = read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let heap = Heap::analyze(snapshot);
    Ok(Open { path: path.display().to_string(), heap, load_ms: started.elapsed().as_millis() })
}

fn read(path: &Path) -> Result<Snapshot, heapsnap_core::Error> {
    if path.extension().is_none_or(|e| e != "gz") {
        return parse::open(path, &ParseOptions::default());
    }
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| heapsnap_core::Error::io(&e))?;
    let mut gz = flate2::read::GzDecoder::new(file);
    let mut parser = ChunkedParser::new(ParseOptions::default());
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = gz.read(&mut buf).map_err(|e| heapsnap_core::Error::io(&e))?;
        if n == 0 {
            return parser.finish();
        }
        parser.push(&buf[..n])?;
    }
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

/// Looks an object up by its `@id`.
fn node(h: &Heap, id: u64) -> Result<u32, String> {
    u32::try_from(id).ok().and_then(|id| h.find_by_id(id)).ok_or_else(|| format!("no object with id @{id} in this snapshot"))
}

pub fn summary(h: &Heap, limit: usize, filter: Option<&str>) -> Value {
    let classes = h.summary();
    let needle = filter.map(str::to_lowercase);
    let matched: Vec<_> =
        classes.iter().filter(|c| needle.as_ref().is_none_or(|n| c.name.to_lowercase().contains(n))).collect();
    json!({
        "total_size": h.total_size(),
        "nodes": h.node_count(),
        "statistics": h.statistics(),
        "class_count": classes.len(),
        "matched": matched.len(),
        "classes": matched.iter().take(limit).map(|c| json!({
            "name": c.name, "count": c.count, "self_size": c.self_size,
            "retained_size": c.retained_size, "distance": c.distance,
        })).collect::<Vec<_>>(),
    })
}

pub fn top_objects(h: &Heap, limit: usize) -> Value {
    json!({ "objects": h.top_objects(limit) })
}

pub fn diff(base: &Heap, spike: &Heap, limit: usize) -> Value {
    let opts = DiffOptions {
        top: limit,
        class_limit: limit,
        duplicates: DuplicateOptions { limit, ..Default::default() },
        ..Default::default()
    };
    serde_json::to_value(diff::diff(base, spike, &opts)).expect("reports serialize")
}

pub fn duplicates(h: &Heap, limit: usize) -> Value {
    let opts = DuplicateOptions { limit, ..Default::default() };
    serde_json::to_value(duplicates::find_duplicates(h, &opts)).expect("reports serialize")
}

/// Most entries one retainer tree may hold, whatever `depth` and `limit` ask.
const MAX_TREE: usize = 400;

/// The retainer tree: who holds `id`, who holds those, `depth` levels up, `limit` per object.
pub fn retainers(h: &Heap, id: u64, depth: usize, limit: usize) -> Result<Value, String> {
    let n = node(h, id)?;
    // Breadth first into a flat list (no recursion); a child's index is above its parent's.
    let mut entries: Vec<(u32, usize, Value)> = vec![(n, 0, Value::Null)]; // (object, level, row)
    let mut kids: Vec<Vec<usize>> = vec![Vec::new()];
    let mut at = 0;
    while at < entries.len() && entries.len() < MAX_TREE {
        let (obj, level) = (entries[at].0, entries[at].1);
        if level < depth.clamp(1, 8) {
            let total = paths::sorted_retainers(h, obj).len();
            for r in paths::retainers_of(h, obj, 0, limit) {
                if entries.len() >= MAX_TREE {
                    break;
                }
                let src = h.find_by_id(r.object.id).expect("a retainer is a node");
                let row = json!({"edge": r.edge, "edge_type": r.edge_type, "object": r.object});
                kids[at].push(entries.len());
                kids.push(Vec::new());
                entries.push((src, level + 1, row));
            }
            entries[at].2["total_retainers"] = json!(total);
        }
        at += 1;
    }
    // Nest bottom-up: children always come after their parent.
    for i in (1..entries.len()).rev() {
        let nested: Vec<Value> = kids[i].iter().map(|&k| std::mem::take(&mut entries[k].2)).collect();
        if !nested.is_empty() {
            entries[i].2["retainers"] = Value::Array(nested);
        }
    }
    let top: Vec<Value> = kids[0].iter().map(|&k| std::mem::take(&mut entries[k].2)).collect();
    Ok(json!({
        "object": h.object_info(n),
        "total_retainers": paths::sorted_retainers(h, n).len(),
        "retainers": top,
        "truncated": entries.len() >= MAX_TREE,
    }))
}

pub fn path_to_root(h: &Heap, id: u64, max_depth: usize) -> Result<Value, String> {
    let n = node(h, id)?;
    let steps = paths::path_to_root(h, n, max_depth);
    Ok(json!({ "object": h.object_info(n), "path": steps, "text": paths::format_path(&steps) }))
}

pub fn inspect(h: &Heap, id: u64, offset: usize, limit: usize) -> Result<Value, String> {
    let n = node(h, id)?;
    let s = h.snapshot();
    let edges = s.edges_of(n);
    let total = edges.len();
    let shown: Vec<Value> = edges
        .skip(offset)
        .take(limit)
        .map(|e| {
            json!({
                "edge": paths::edge_label(h, e),
                "edge_type": s.edge_type_name(s.edge_type(e)),
                "object": h.object_info(s.edge_target(e)),
            })
        })
        .collect();
    let dom = h.dominator(n);
    Ok(json!({
        "object": h.object_info(n),
        "dominator": if dom == n { Value::Null } else { serde_json::to_value(h.object_info(dom)).expect("serializes") },
        "retainer_count": paths::sorted_retainers(h, n).len(),
        "dominated_count": h.dominated(n).len(),
        "edge_count": total,
        "offset": offset,
        "edges": shown,
        "more": offset + limit < total,
    }))
}

/// Objects of a class (exact Summary name, largest retained first), or string objects whose
/// content contains `text`.
pub fn find(h: &Heap, class: Option<&str>, text: Option<&str>, limit: usize) -> Result<Value, String> {
    let s = h.snapshot();
    let mut hits: Vec<u32> = match (class, text) {
        (Some(c), None) => (0..h.node_count() as u32).filter(|&n| h.class_name(n) == c).collect(),
        (None, Some(t)) => (0..h.node_count() as u32)
            .filter(|&n| s.node_type(n).is_string() && s.node_name(n).contains(t))
            .collect(),
        _ => return Err("give exactly one of `class` (a Summary class name) or `string` (text to search)".into()),
    };
    let count = hits.len();
    hits.sort_by_key(|&n| std::cmp::Reverse(h.retained_size(n)));
    Ok(json!({
        "count": count,
        "objects": hits.iter().take(limit).map(|&n| h.object_info(n)).collect::<Vec<_>>(),
    }))
}
