//! Duplicate objects and duplicate strings.
//!
//! Objects are grouped by structural content with a Weisfeiler–Lehman-style hash computed
//! level by level over the whole graph (one flat `Vec<u64>` per level, so cycles cannot hang
//! it and no recursion is needed):
//!
//! * level 0 ("leaf content"): strings by their text, numbers by their `value` edge's text
//!   when the snapshot records it (Chromium / `captureNumericValue`); a number whose value is
//!   **not** recorded (Node's default `heap number`) is treated as unique, because we cannot
//!   prove two of them equal; every other node by type and name (class).
//! * level k+1: the level-0 hash, then, in edge order, each content edge's type, name and the
//!   target's level-k hash. Content edges: everything but weak and shortcut edges, the hidden
//!   class (`map`) and `__proto__` (the class name already stands for them). Strings are
//!   leaves; cons strings take their content from their parts.
//!
//! Objects (types object, closure, regexp, native with self size > 0) with equal final hash,
//! class key and self size form a candidate cluster; each member is verified against the
//! first one's level-1 signature (edge types and names) to rule out hash collisions. Only
//! outermost copies are reported: a member that lies, within `depth` dominator steps, inside
//! a member of another cluster is a part of that copy, not a duplicate of its own.
//!
//! Known limits: small integers (Smis) are stored inline and are not in the snapshot, so two
//! objects that differ only in Smi fields look equal; content deeper than `depth` edges is
//! not compared.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::util::{filter_map_indices, sort_unstable};
use crate::analysis::{Heap, ObjectInfo};
use crate::paths::{path_to_root, PathStep};
use crate::{EdgeType, NodeType, Snapshot};

#[derive(Clone, Debug, Serialize)]
pub struct DuplicateOptions {
    /// Hash levels: content this many edges deep is compared (default 6).
    pub depth: usize,
    /// How many clusters / string groups to report (0 = all).
    pub limit: usize,
    /// Clusters wasting fewer bytes than this are left out.
    pub min_wasted: u64,
    /// Retaining path length bound.
    pub path_depth: usize,
}

impl Default for DuplicateOptions {
    fn default() -> Self {
        DuplicateOptions { depth: 6, limit: 20, min_wasted: 1, path_depth: 40 }
    }
}

/// A direct retainer shared by many copies: `InflightRequest .config` ×2000.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommonRetainer {
    pub class_name: String,
    pub edge: String,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct DuplicateCluster {
    /// The content hash (stable across snapshots for content without unrecorded numbers).
    pub hash: String,
    pub class_name: String,
    /// Outermost copies.
    pub count: u64,
    pub self_size: u64,
    /// Σ retained size of the copies.
    pub total_size: u64,
    /// Everything but one copy: total − retained size of the example.
    pub wasted_size: u64,
    pub example: ObjectInfo,
    pub example_path: Vec<PathStep>,
    /// The lowest common dominator of the copies, raised to the nearest JS-visible object
    /// (a Map rather than its backing table).
    pub common_holder: Option<ObjectInfo>,
    pub common_holder_path: Vec<PathStep>,
    /// The most common direct retainer (class and edge) and how many copies it holds.
    pub top_retainer: Option<CommonRetainer>,
    /// Ordinals of the copies (not serialized; for diffs and front ends).
    #[serde(skip)]
    pub members: Vec<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DuplicateString {
    /// The text, clipped to 200 characters.
    pub text: String,
    pub count: u64,
    pub total_size: u64,
    pub wasted_size: u64,
    pub example_id: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct DuplicateReport {
    pub depth: usize,
    /// Clusters found before `limit` (after the outermost rule and `min_wasted`).
    pub cluster_count: usize,
    /// Σ wasted bytes over all clusters found.
    pub total_wasted: u64,
    pub clusters: Vec<DuplicateCluster>,
    pub string_group_count: usize,
    pub strings_wasted: u64,
    pub strings: Vec<DuplicateString>,
}

// --- hashing -------------------------------------------------------------------------

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn mix(h: u64, v: u64) -> u64 {
    // A 64-bit multiply–xorshift combine (order dependent).
    let x = (h ^ v).wrapping_mul(K);
    (x ^ (x >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (x >> 32)
}

fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = mix(0x243F_6A88_85A3_08D3, b.len() as u64);
    let mut chunks = b.chunks_exact(8);
    for c in chunks.by_ref() {
        h = mix(h, u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    mix(h, u64::from_le_bytes(last))
}

/// The hash of every string's raw bytes, by string index.
fn string_hashes(heap: &Heap) -> Vec<u64> {
    let st = &heap.snapshot().strings;
    let n = st.len();
    let f = |i: usize| st.raw(i as u32).map(hash_bytes).unwrap_or(0);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..n).map(f).collect()
    }
}

/// Which edges carry content, and each such edge's label (its type and name hashed),
/// computed per edge when a level needs it: a stored label would cost 8 bytes per edge and
/// take longer to write than the levels take to recompute it.
struct EdgeLabels<'a> {
    s: &'a Snapshot,
    shash: &'a [u64],
    /// Hashes of the names that are not content (`map`, `__proto__`); a name with one of
    /// these hashes is then compared by text.
    skipped: [u64; 2],
}

impl<'a> EdgeLabels<'a> {
    fn new(s: &'a Snapshot, shash: &'a [u64]) -> Self {
        EdgeLabels { s, shash, skipped: [hash_bytes(b"map"), hash_bytes(b"__proto__")] }
    }

    #[inline]
    fn label(&self, e: usize) -> Option<u64> {
        let t = self.s.edges.ty[e];
        if t == EdgeType::WEAK || t == EdgeType::SHORTCUT || t == EdgeType::INVISIBLE {
            return None;
        }
        let ni = self.s.edges.name_or_index[e];
        let name_hash = if t.has_string_name() {
            let h = self.shash.get(ni as usize).copied().unwrap_or(0);
            if self.skipped.contains(&h) && matches!(self.s.strings.raw(ni), Some(b"map") | Some(b"__proto__")) {
                return None;
            }
            h
        } else {
            mix(0x51, ni as u64)
        };
        Some(mix(t.0 as u64 + 1, name_hash))
    }
}

/// Level-0 hash of one node, and whether it is a leaf (its hash never changes: strings,
/// numbers whose value is not recorded).
fn level0(s: &Snapshot, shash: &[u64], o: usize) -> (u64, bool) {
    let t = s.nodes.ty[o];
    let name = shash.get(s.nodes.name[o] as usize).copied().unwrap_or(0);
    if t == NodeType::STRING || t == NodeType::SLICED_STRING {
        (mix(0x5354_5249_4E47, name), true)
    } else if t == NodeType::NUMBER {
        let has_value = s.edges_of(o as u32).any(|e| {
            s.edges.ty[e].has_string_name() && s.strings.raw(s.edges.name_or_index[e]) == Some(b"value".as_slice())
        });
        if has_value {
            (mix(0x004E_554D, name), false)
        } else {
            // Value not recorded: unique, we cannot prove two numbers equal.
            (mix(0x0BAD_0BAD, s.nodes.id[o] as u64), true)
        }
    } else {
        (mix(t.0 as u64 + 0x100, name), false)
    }
}

/// The content hash of every node after `depth` levels.
pub fn content_hashes(heap: &Heap, depth: usize) -> Vec<u64> {
    let s = heap.snapshot();
    let n = s.node_count();
    let shash = string_hashes(heap);
    let labels = EdgeLabels::new(s, &shash);
    let mut h0 = vec![0u64; n];
    let mut leaf = vec![false; n];
    let step0 = |o: usize, (h, l): (&mut u64, &mut bool)| (*h, *l) = level0(s, &shash, o);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        h0.par_iter_mut().zip(leaf.par_iter_mut()).enumerate().with_min_len(4096).for_each(|(o, x)| step0(o, x));
    }
    #[cfg(not(feature = "parallel"))]
    h0.iter_mut().zip(leaf.iter_mut()).enumerate().for_each(|(o, x)| step0(o, x));
    let mut prev = h0.clone();
    let mut next = vec![0u64; n];
    for _ in 0..depth {
        let step = |o: usize, out: &mut u64| {
            if leaf[o] {
                *out = h0[o];
                return;
            }
            let mut h = h0[o];
            for e in s.edges_of(o as u32) {
                if let Some(label) = labels.label(e) {
                    h = mix(mix(h, label), prev[s.edges.to[e] as usize]);
                }
            }
            *out = h;
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            next.par_iter_mut().enumerate().with_min_len(4096).for_each(|(o, out)| step(o, out));
        }
        #[cfg(not(feature = "parallel"))]
        {
            for (o, out) in next.iter_mut().enumerate() {
                step(o, out);
            }
        }
        std::mem::swap(&mut prev, &mut next);
    }
    prev
}

fn is_candidate(heap: &Heap, o: u32) -> bool {
    let t = heap.snapshot().node_type(o);
    matches!(t, NodeType::OBJECT | NodeType::CLOSURE | NodeType::REGEXP | NodeType::NATIVE)
        && heap.shallow_size(o) > 0
        && (0..crate::analysis::BASE_SYSTEM_DISTANCE).contains(&heap.distance(o))
}

/// Same content edges with the same labels, in the same order (the level-1 signature).
fn same_signature(heap: &Heap, a: u32, b: u32) -> bool {
    let s = heap.snapshot();
    let (ra, rb) = (s.edges_of(a), s.edges_of(b));
    if ra.len() != rb.len() {
        return false;
    }
    ra.zip(rb).all(|(x, y)| s.edges.ty[x] == s.edges.ty[y] && s.edges.name_or_index[x] == s.edges.name_or_index[y])
}

/// Clusters of verified equal-content objects (all copies, before the outermost rule),
/// largest first. Each cluster is (hash, members ascending by ordinal).
fn raw_clusters(heap: &Heap, hashes: &[u64]) -> Vec<(u64, Vec<u32>)> {
    let mut cand: Vec<(u64, u32)> = filter_map_indices(heap.node_count(), |o| {
        is_candidate(heap, o).then(|| (mix(mix(hashes[o as usize], heap.class_key(o) as u64), heap.shallow_size(o)), o))
    });
    sort_unstable(&mut cand);
    let mut out = Vec::new();
    let mut i = 0;
    while i < cand.len() {
        let mut j = i + 1;
        while j < cand.len() && cand[j].0 == cand[i].0 {
            j += 1;
        }
        if j - i >= 2 {
            let first = cand[i].1;
            let members: Vec<u32> = cand[i..j]
                .iter()
                .map(|&(_, o)| o)
                .filter(|&o| {
                    o == first
                        || (heap.class_key(o) == heap.class_key(first)
                            && heap.shallow_size(o) == heap.shallow_size(first)
                            && same_signature(heap, first, o))
                })
                .collect();
            if members.len() >= 2 {
                out.push((hashes[first as usize], members));
            }
        }
        i = j;
    }
    out
}

/// True when a JS-visible object (not an internal array, hidden or system node).
fn is_visible(heap: &Heap, o: u32) -> bool {
    let s = heap.snapshot();
    matches!(s.node_type(o), NodeType::OBJECT | NodeType::CLOSURE | NodeType::REGEXP | NodeType::NATIVE)
        && !s.node_name(o).starts_with("system /")
}

/// Walks up the dominator tree from `o` to the nearest JS-visible object (or the root).
pub fn visible_holder(heap: &Heap, mut o: u32) -> u32 {
    for _ in 0..10_000 {
        if is_visible(heap, o) || o == heap.root() {
            return o;
        }
        o = heap.dominator(o);
    }
    o
}

/// The lowest common dominator of `members` (iterative; each dominator-tree node is visited
/// at most once).
pub fn lowest_common_dominator(heap: &Heap, members: &[u32]) -> Option<u32> {
    let (&first, rest) = members.split_first()?;
    let root = heap.root();
    let mut chain: Vec<u32> = vec![first];
    let mut cur = first;
    while cur != root && chain.len() < 1_000_000 {
        cur = heap.dominator(cur);
        chain.push(cur);
    }
    let pos: HashMap<u32, usize> = chain.iter().enumerate().map(|(i, &x)| (x, i)).collect();
    // joined[x] = position in `chain` where x's chain meets it.
    let mut joined: HashMap<u32, usize> = HashMap::new();
    let mut highest = 0usize;
    let mut walk: Vec<u32> = Vec::new();
    for &m in rest {
        walk.clear();
        let mut x = m;
        let meet = loop {
            if let Some(&p) = pos.get(&x) {
                break p;
            }
            if let Some(&p) = joined.get(&x) {
                break p;
            }
            walk.push(x);
            if x == root || walk.len() > 1_000_000 {
                break chain.len() - 1;
            }
            x = heap.dominator(x);
        };
        for &w in &walk {
            joined.insert(w, meet);
        }
        highest = highest.max(meet);
    }
    Some(chain[highest])
}

fn top_direct_retainer(heap: &Heap, members: &[u32]) -> Option<CommonRetainer> {
    let s = heap.snapshot();
    let mut counts: HashMap<(u32, u32, u8), u64> = HashMap::new();
    for &m in members {
        if let Some((src, e)) = crate::paths::first_retainer(heap, m) {
            // Element/hidden slots differ per copy; count them as one edge kind.
            let name = if s.edge_type(e).has_string_name() { s.edges.name_or_index[e] } else { u32::MAX };
            *counts.entry((heap.class_key(src), name, s.edge_type(e).0)).or_default() += 1;
        }
    }
    let (&(class, name, ty), &count) = counts.iter().max_by_key(|(k, c)| (**c, std::cmp::Reverse(**k)))?;
    let edge = if name == u32::MAX {
        "[…]".to_owned()
    } else {
        // Find one edge with that key to label it.
        members.iter().find_map(|&m| {
            let (src, e) = crate::paths::first_retainer(heap, m)?;
            (heap.class_key(src) == class && s.edges.name_or_index[e] == name && s.edge_type(e).0 == ty)
                .then(|| crate::paths::edge_label(heap, e))
        })?
    };
    Some(CommonRetainer { class_name: heap.classes().key_name(class).to_owned(), edge, count })
}

/// Outermost clusters (members not inside a copy of another cluster), unsorted, without paths.
pub fn outer_clusters(heap: &Heap, depth: usize) -> Vec<(u64, Vec<u32>)> {
    let hashes = content_hashes(heap, depth);
    let clusters = raw_clusters(heap, &hashes);
    drop(hashes);
    let mut in_cluster = vec![false; heap.node_count()];
    for (_, m) in &clusters {
        for &o in m {
            in_cluster[o as usize] = true;
        }
    }
    let root = heap.root();
    clusters
        .into_iter()
        .filter_map(|(h, members)| {
            let outer: Vec<u32> = members
                .into_iter()
                .filter(|&o| {
                    let mut x = o;
                    for _ in 0..depth.max(1) {
                        if x == root {
                            break;
                        }
                        x = heap.dominator(x);
                        if in_cluster[x as usize] {
                            return false;
                        }
                    }
                    true
                })
                .collect();
            (outer.len() >= 2).then_some((h, outer))
        })
        .collect()
}

/// Fills a report row for a cluster.
pub fn describe_cluster(heap: &Heap, hash: u64, members: Vec<u32>, path_depth: usize) -> DuplicateCluster {
    let example = members[0];
    let total: u64 = members.iter().map(|&o| heap.retained_size(o)).sum();
    let holder = lowest_common_dominator(heap, &members).map(|h| visible_holder(heap, h));
    DuplicateCluster {
        hash: format!("{hash:016x}"),
        class_name: heap.class_name(example).to_owned(),
        count: members.len() as u64,
        self_size: heap.shallow_size(example),
        total_size: total,
        wasted_size: total - heap.retained_size(example),
        example: heap.object_info(example),
        example_path: path_to_root(heap, example, path_depth),
        common_holder: holder.map(|h| heap.object_info(h)),
        common_holder_path: holder.map(|h| path_to_root(heap, h, path_depth)).unwrap_or_default(),
        top_retainer: top_direct_retainer(heap, &members),
        members,
    }
}

/// What all copies but the first retain: Σ retained size − the first member's.
pub(crate) fn wasted_estimate(heap: &Heap, members: &[u32]) -> u64 {
    let total: u64 = members.iter().map(|&o| heap.retained_size(o)).sum();
    total - heap.retained_size(members[0])
}

/// Duplicate strings: string nodes grouped by text. Skips zero-size strings and flat cons
/// strings, like DevTools' duplicated-strings filter; cons strings group by flattened text.
/// Grouped by sorting (text hash, ordinal) pairs rather than in a map: millions of distinct
/// strings sort in parallel, and each group's first member is its lowest ordinal.
pub fn string_groups(heap: &Heap) -> Vec<DuplicateString> {
    let s = heap.snapshot();
    let shash = string_hashes(heap);
    let text_hash = |o: u32| -> Option<u64> {
        let t = s.node_type(o);
        if !(t == NodeType::STRING || t == NodeType::CONCATENATED_STRING) || heap.shallow_size(o) == 0 {
            return None;
        }
        if t == NodeType::STRING {
            // V8 writes equal texts with equal escapes: the raw bytes' hash stands for the text.
            return shash.get(s.nodes.name[o as usize] as usize).copied();
        }
        // Flat cons strings (one part is "") are a view of the other part.
        let flat = s.edges_of(o).any(|e| {
            s.edge_type(e) == EdgeType::INTERNAL
                && matches!(s.strings.raw(s.edges.name_or_index[e]), Some(b"first") | Some(b"second"))
                && s.strings.raw(s.nodes.name[s.edge_target(e) as usize]) == Some(b"".as_slice())
        });
        (!flat).then(|| hash_bytes(heap.display_name(o).as_bytes()))
    };
    let mut keyed: Vec<(u64, u32)> = filter_map_indices(s.node_count(), |o| text_hash(o).map(|h| (h, o)));
    drop(shash);
    sort_unstable(&mut keyed);
    let mut out: Vec<DuplicateString> = keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|group| group.len() >= 2)
        .map(|group| {
            let first = group[0].1;
            let count = group.len() as u64;
            let total: u64 = group.iter().map(|&(_, o)| heap.shallow_size(o)).sum();
            let text = heap.display_name(first);
            let text: String =
                if text.chars().count() > 200 { text.chars().take(199).chain(['…']).collect() } else { text };
            DuplicateString {
                text,
                count,
                total_size: total,
                wasted_size: total - total / count,
                example_id: s.node_id(first),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.wasted_size.cmp(&a.wasted_size).then_with(|| a.text.cmp(&b.text)).then(a.example_id.cmp(&b.example_id))
    });
    out
}

/// Duplicate objects and strings of one snapshot.
pub fn find_duplicates(heap: &Heap, opts: &DuplicateOptions) -> DuplicateReport {
    let mut clusters: Vec<(u64, Vec<u32>, u64)> = outer_clusters(heap, opts.depth)
        .into_iter()
        .map(|(h, m)| {
            let w = wasted_estimate(heap, &m);
            (h, m, w)
        })
        .filter(|c| c.2 >= opts.min_wasted)
        .collect();
    clusters.sort_by(|a, b| b.2.cmp(&a.2).then(a.1[0].cmp(&b.1[0])));
    let cluster_count = clusters.len();
    let total_wasted = clusters.iter().map(|c| c.2).sum();
    let limit = if opts.limit == 0 { usize::MAX } else { opts.limit };
    let described =
        clusters.into_iter().take(limit).map(|(h, m, _)| describe_cluster(heap, h, m, opts.path_depth)).collect();
    let mut strings = string_groups(heap);
    let string_group_count = strings.len();
    let strings_wasted = strings.iter().map(|g| g.wasted_size).sum();
    strings.truncate(limit);
    DuplicateReport {
        depth: opts.depth,
        cluster_count,
        total_wasted,
        clusters: described,
        string_group_count,
        strings_wasted,
        strings,
    }
}
