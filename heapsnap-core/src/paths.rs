//! Retainers of one object and its retaining path, as DevTools' Retainers view shows them
//! (spec §6): weak edges, edges from the root and invisible edges are hidden; retainers sort
//! by distance ascending, then retainer name, then slot order (reverse global edge order).
//! The path to a root follows the first retainer at each level, like DevTools'
//! auto-expansion, until a retainer at distance ≤ 1 (a GC root or, in Node files, the global).
//!
//! Used by the CLI, the MCP server and the browser viewer; the signatures are stable.

use serde::Serialize;

use crate::analysis::{Heap, ObjectInfo};
use crate::{EdgeType, NodeType};

/// One step of a retaining path. Steps run from the root side to the object asked about;
/// `edge` is the edge from the previous step's object to this one (`None` on the first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathStep {
    pub edge: Option<String>,
    pub edge_type: Option<String>,
    pub object: ObjectInfo,
}

/// One row of the Retainers view: `object` holds the inspected node through `edge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Retainer {
    pub edge: String,
    pub edge_type: String,
    pub object: ObjectInfo,
    /// The holder's ordinal (not serialized; ids need a lookup, ordinals do not).
    #[serde(skip)]
    pub ordinal: u32,
}

/// Whether the Retainers view shows the retaining edge `e` from `source` (§6 filter).
pub fn is_shown_retainer(heap: &Heap, source: u32, e: usize) -> bool {
    let t = heap.snapshot().edge_type(e);
    t != EdgeType::WEAK && t != EdgeType::INVISIBLE && source != heap.root()
}

/// Retainers of `n` in DevTools' order as (source ordinal, edge index), hidden rows removed.
pub fn sorted_retainers(heap: &Heap, n: u32) -> Vec<(u32, usize)> {
    first_retainers(heap, n, usize::MAX)
}

/// A display name ordered as DevTools orders names: by UTF-16 code units.
#[derive(PartialEq, Eq)]
struct Utf16Order(String);

impl Ord for Utf16Order {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        crate::analysis::util::cmp_utf16(&self.0, &other.0)
    }
}

impl PartialOrd for Utf16Order {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The first `k` rows of [`sorted_retainers`]. Objects with millions of retainers are
/// common (a shared prototype, a map), so rows that cannot be among the first `k` (farther
/// than the k-th smallest distance) are dropped before any name is built, and each kept
/// row's name is built once, not once per comparison.
fn first_retainers(heap: &Heap, n: u32, k: usize) -> Vec<(u32, usize)> {
    let mut rows: Vec<(u32, usize)> = heap.retainers(n).filter(|&(s, e)| is_shown_retainer(heap, s, e)).collect();
    if k == 0 {
        return Vec::new();
    }
    if k < rows.len() {
        let mut distances: Vec<i32> = rows.iter().map(|&(s, _)| heap.distance(s)).collect();
        let (_, &mut cutoff, _) = distances.select_nth_unstable(k - 1);
        rows.retain(|&(s, _)| heap.distance(s) <= cutoff);
    }
    // A stable sort: equal (distance, name) keep slot order.
    rows.sort_by_cached_key(|&(s, _)| (heap.distance(s), Utf16Order(heap.display_name(s))));
    rows.truncate(k);
    rows
}

/// How many rows the Retainers view of `n` has: [`sorted_retainers`]' length, without
/// building display names or sorting (an object with millions of retainers is common).
pub fn retainer_count(heap: &Heap, n: u32) -> usize {
    heap.retainers(n).filter(|&(s, e)| is_shown_retainer(heap, s, e)).count()
}

/// The first retainer DevTools would show for `n` (smallest distance, ties by name, then
/// slot order), without sorting the whole list.
pub fn first_retainer(heap: &Heap, n: u32) -> Option<(u32, usize)> {
    let mut best: Option<(u32, usize)> = None;
    let mut best_name: Option<String> = None;
    for (s, e) in heap.retainers(n) {
        if !is_shown_retainer(heap, s, e) {
            continue;
        }
        match best {
            None => best = Some((s, e)),
            Some((bs, _)) => {
                let (d, bd) = (heap.distance(s), heap.distance(bs));
                if d < bd {
                    best = Some((s, e));
                    best_name = None;
                } else if d == bd && s != bs {
                    let bn = best_name.get_or_insert_with(|| heap.display_name(bs));
                    let name = heap.display_name(s);
                    if crate::analysis::util::cmp_utf16(&name, bn).is_lt() {
                        best = Some((s, e));
                        best_name = Some(name);
                    }
                }
            }
        }
    }
    best
}

/// The retaining path of `n`: `(GC roots)`/`global` … → `n`, at most `max_depth` edges.
/// Iterative; stops at a retainer at distance ≤ 1, at a node with no shown retainer, or on
/// a cycle (possible only among unreachable nodes).
pub fn path_to_root(heap: &Heap, n: u32, max_depth: usize) -> Vec<PathStep> {
    let s = heap.snapshot();
    // (node, edge into it from the next node up)
    let mut rev: Vec<(u32, Option<usize>)> = vec![(n, None)];
    let mut cur = n;
    while rev.len() <= max_depth && heap.distance(cur) > 1 {
        let Some((src, e)) = first_retainer(heap, cur) else { break };
        if rev.iter().any(|&(x, _)| x == src) {
            break;
        }
        rev.last_mut().expect("non-empty").1 = Some(e);
        rev.push((src, None));
        cur = src;
    }
    rev.reverse();
    rev.into_iter()
        .map(|(node, into)| PathStep {
            edge: into.map(|e| edge_label(heap, e)),
            edge_type: into.map(|e| s.edge_type_name(s.edge_type(e)).to_owned()),
            object: heap.object_info(node),
        })
        .collect()
}

/// Page `offset..offset + limit` of the Retainers view rows of `n`.
pub fn retainers_of(heap: &Heap, n: u32, offset: usize, limit: usize) -> Vec<Retainer> {
    let s = heap.snapshot();
    first_retainers(heap, n, offset.saturating_add(limit))
        .into_iter()
        .skip(offset)
        .map(|(src, e)| Retainer {
            edge: edge_label(heap, e),
            edge_type: s.edge_type_name(s.edge_type(e)).to_owned(),
            object: heap.object_info(src),
            ordinal: src,
        })
        .collect()
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn quote(s: &str) -> String {
    let clipped: String =
        if s.chars().count() > 60 { s.chars().take(59).chain(['…']).collect() } else { s.to_owned() };
    format!("'{}'", clipped.replace('\'', "\\'"))
}

/// An edge as a person reads it: `.prop`, `['odd name']`, `[3]`, `.get('key')` for a Map
/// entry whose key is a string, otherwise the raw name prefixed by `.`.
pub fn edge_label(heap: &Heap, e: usize) -> String {
    let s = heap.snapshot();
    let t = s.edge_type(e);
    if !t.has_string_name() {
        return format!("[{}]", s.edges.name_or_index[e]);
    }
    let name = s.edge_name(e);
    if t == EdgeType::INTERNAL {
        if let Some(label) = map_entry_label(heap, e, &name) {
            return label;
        }
    }
    if t != EdgeType::PROPERTY && !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return format!("[{name}]");
    }
    if t == EdgeType::PROPERTY && !is_identifier(&name) {
        return format!("[{}]", quote(&name));
    }
    format!(".{name}")
}

/// Node's Map/Set backing tables are unnamed `array` nodes whose internal edges are named by
/// slot; an entry is `[key, value, chain]`, so a value's key sits one slot before it. When
/// that key is a string we can say `.get('key')`; number keys are not in the snapshot.
fn map_entry_label(heap: &Heap, e: usize, name: &str) -> Option<String> {
    let s = heap.snapshot();
    let slot: u32 = name.parse().ok()?;
    let table = source_of_edge(heap, e)?;
    if s.node_type(table) != NodeType::ARRAY {
        return None;
    }
    // The table must be a Map's `table`.
    let owner_is_map = heap.retainers(table).any(|(src, re)| {
        s.edge_type(re) == EdgeType::INTERNAL && s.edge_name(re) == "table" && s.node_name(src) == "Map"
    });
    if !owner_is_map || slot == 0 {
        return None;
    }
    let key_name = (slot - 1).to_string();
    for ke in s.edges_of(table) {
        if s.edge_type(ke) == EdgeType::INTERNAL && s.edge_name(ke) == key_name {
            let k = s.edge_target(ke);
            return Some(if s.node_type(k).is_string() {
                format!(".get({})", quote(&heap.display_name(k)))
            } else {
                format!(".get({} @{})", heap.class_name(k), s.node_id(k))
            });
        }
    }
    None
}

fn source_of_edge(heap: &Heap, e: usize) -> Option<u32> {
    let first = &heap.snapshot().nodes.first_edge;
    // first_edge is non-decreasing: the source is the last node whose range starts ≤ e.
    let i = first.partition_point(|&f| f as usize <= e);
    (i > 0).then(|| i as u32 - 1)
}

/// Short label of an object: `Map @123`, `Array @456`, `'a string'`, `onResults()`.
pub fn object_label(o: &ObjectInfo) -> String {
    match o.ty.as_str() {
        "string" | "concatenated string" | "sliced string" => format!("{} @{}", quote(&o.name), o.id),
        "closure" => format!("{}() @{}", if o.name.is_empty() { "(anonymous)" } else { &o.name }, o.id),
        _ => {
            let name = if o.class_name.starts_with('{') || o.name.is_empty() { &o.class_name } else { &o.name };
            let name: String =
                if name.chars().count() > 60 { name.chars().take(59).chain(['…']).collect() } else { name.clone() };
            format!("{name} @{}", o.id)
        }
    }
}

/// One line: `(GC roots) → global @7 .app → Map @123 .get('cache') → Array @456`.
pub fn format_path(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for (i, st) in steps.iter().enumerate() {
        if i > 0 {
            out.push(' ');
            if let Some(e) = &st.edge {
                out.push_str(e);
            }
            out.push_str(" → ");
        }
        out.push_str(&object_label(&st.object));
    }
    out
}
