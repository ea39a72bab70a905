//! Bounded queries over an analyzed heap, answered as JSON: what the MCP server and the
//! browser viewer ask. Every list takes a `limit` (callers clamp it with [`clamp`]) and where
//! it can be long an `offset`, so one answer on a 3 GB snapshot stays a few KB.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::analysis::Heap;
use crate::diff::{self, DiffOptions};
use crate::duplicates::{self, DuplicateOptions};
use crate::paths;

pub const MAX_LIMIT: usize = 200;

pub fn clamp(limit: Option<usize>, default: usize) -> usize {
    limit.unwrap_or(default).clamp(1, MAX_LIMIT)
}

/// Looks an object up by its `@id`.
pub fn node(h: &Heap, id: u64) -> Result<u32, String> {
    u32::try_from(id)
        .ok()
        .and_then(|id| h.find_by_id(id))
        .ok_or_else(|| format!("no object with id @{id} in this snapshot"))
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
    // The same object recurs in a tree (a global above every path), and an object with
    // millions of retainers costs a pass over them: each object's rows are read once.
    let mut rows_of: HashMap<u32, (usize, Vec<paths::Retainer>)> = HashMap::new();
    let mut at = 0;
    while at < entries.len() && entries.len() < MAX_TREE {
        let (obj, level) = (entries[at].0, entries[at].1);
        if level < depth.clamp(1, 8) {
            let (total, rows) = rows_of
                .entry(obj)
                .or_insert_with(|| (paths::retainer_count(h, obj), paths::retainers_of(h, obj, 0, limit)));
            let total = *total;
            for r in rows.iter() {
                if entries.len() >= MAX_TREE {
                    break;
                }
                let src = r.ordinal;
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
        "total_retainers": rows_of[&n].0, // the root is always expanded (depth ≥ 1)
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
        "retainer_count": paths::retainer_count(h, n),
        "dominated_count": h.dominated(n).len(),
        "edge_count": total,
        "offset": offset,
        "edges": shown,
        "more": offset + limit < total,
    }))
}

/// Objects of a class (exact Summary name, largest retained first), or string objects whose
/// content contains `text`.
pub fn find(h: &Heap, class: Option<&str>, text: Option<&str>, offset: usize, limit: usize) -> Result<Value, String> {
    let s = h.snapshot();
    let mut hits: Vec<u32> = match (class, text) {
        (Some(c), None) => (0..h.node_count() as u32).filter(|&n| h.class_name(n) == c).collect(),
        (None, Some(t)) => {
            (0..h.node_count() as u32).filter(|&n| s.node_type(n).is_string() && s.node_name(n).contains(t)).collect()
        }
        _ => return Err("give exactly one of `class` (a Summary class name) or `string` (text to search)".into()),
    };
    let count = hits.len();
    hits.sort_by_key(|&n| std::cmp::Reverse(h.retained_size(n)));
    Ok(json!({
        "count": count,
        "offset": offset,
        "objects": hits.iter().skip(offset).take(limit).map(|&n| h.object_info(n)).collect::<Vec<_>>(),
    }))
}

/// The objects `id` immediately dominates (what it alone keeps alive), largest retained first.
pub fn dominated(h: &Heap, id: u64, offset: usize, limit: usize) -> Result<Value, String> {
    let n = node(h, id)?;
    let mut kids: Vec<u32> = h.dominated(n).to_vec();
    kids.sort_by_key(|&k| std::cmp::Reverse(h.retained_size(k)));
    Ok(json!({
        "object": h.object_info(n),
        "count": kids.len(),
        "offset": offset,
        "children": kids.iter().skip(offset).take(limit).map(|&k| {
            let mut info = serde_json::to_value(h.object_info(k)).expect("serializes");
            info["dominated_count"] = json!(h.dominated(k).len());
            info
        }).collect::<Vec<_>>(),
    }))
}
