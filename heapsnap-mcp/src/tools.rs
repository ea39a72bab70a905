//! What each tool answers, as plain functions of an analyzed heap (testable without MCP).
//! The analysis is heapsnap-core's: the reports of `heapsnap_core::query` (shared with the
//! browser viewer), which are those of `heapsnap --json`; this module only adds paging
//! (`offset`) where the core function takes a `limit` alone.

use heapsnap_core::analysis::Heap;
use heapsnap_core::query;
use serde_json::{json, Value};

/// DevTools' Summary: classes by retained size, optionally filtered by name; plus totals and
/// Statistics.
pub fn summary(h: &Heap, filter: Option<&str>, offset: usize, limit: usize) -> Value {
    let mut v = query::summary(h, offset + limit, filter);
    drop_front(&mut v["classes"], offset);
    v["offset"] = json!(offset);
    v["edges"] = json!(h.snapshot().edge_count());
    v["unreachable"] = json!(h.unreachable_count());
    v
}

/// The objects with the largest retained size.
pub fn top_objects(h: &Heap, offset: usize, limit: usize) -> Value {
    let mut v = query::top_objects(h, offset + limit);
    drop_front(&mut v["objects"], offset);
    v["offset"] = json!(offset);
    v["total_size"] = json!(h.total_size());
    v
}

/// `heapsnap diff --json`'s report, with `limit` findings, holders, clusters, strings and
/// class rows.
pub fn diff(base: &Heap, spike: &Heap, limit: usize) -> Value {
    query::diff(base, spike, limit)
}

/// `heapsnap duplicates --json`'s report, clusters and strings paged.
pub fn duplicates(h: &Heap, offset: usize, limit: usize) -> Value {
    let mut v = query::duplicates(h, offset + limit);
    drop_front(&mut v["clusters"], offset);
    drop_front(&mut v["strings"], offset);
    v["offset"] = json!(offset);
    v
}

pub use query::{find, inspect, node, path_to_root, retainers};

/// The objects `id` alone keeps alive (its children in the dominator tree).
pub fn dominated(h: &Heap, id: u64, offset: usize, limit: usize) -> Result<Value, String> {
    query::dominated(h, id, offset, limit)
}

fn drop_front(list: &mut Value, n: usize) {
    if let Value::Array(items) = list {
        items.drain(..n.min(items.len()));
    }
}
