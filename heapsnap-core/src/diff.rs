//! What grew between two snapshots, and who holds it.
//!
//! * **Classes** — DevTools' Comparison view exactly (spec §7): the base snapshot's class
//!   keys are recomputed under the spike's interface definitions
//!   ([`Heap::class_keys_under`]); size-0 nodes are ignored; objects are matched by id within
//!   a public class key; per class # New, # Deleted, # Delta, Alloc. size, Freed size, Size
//!   delta. Each row also carries both snapshots' counts and self sizes.
//! * **Same process?** — the fraction of the base's objects (size > 0) whose id is in the
//!   spike with the same class key. Below [`DiffOptions::same_process_min_match`] the ids are
//!   not comparable (a restart), new/deleted are meaningless, and findings fall back to
//!   per-class count and size deltas.
//! * **Growth** (same process) — every object new in the spike (id not in the base) whose
//!   immediate dominator is an old object is a *top-level new object*; its dominator is the
//!   *anchor* that keeps it alive. Anchors rank by the retained bytes of their top-level new
//!   objects (no double counting: those subtrees are disjoint). For each anchor we descend the
//!   dominator tree while one child holds ≥ 80% of the bytes, to the object that actually
//!   holds the growth (the `results` array rather than the PendingCall around it), and group
//!   its new children by class: "20,000 Doc in Array @123". The holder is the nearest
//!   JS-visible object (a Map rather than its backing table), with its retaining path.
//! * **Duplicates** — clusters and duplicate strings that appeared or grew (by content hash,
//!   so this also works across processes).
//! * **Findings** — the verdict's ranked lines: a growth item whose bytes are mostly wasted
//!   copies of one duplicate cluster is reported as that cluster.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::{util, Classes, Heap, ObjectInfo};
use crate::duplicates::{self, DuplicateCluster, DuplicateOptions};
use crate::paths::{path_to_root, PathStep};

#[derive(Clone, Debug, Serialize)]
pub struct DiffOptions {
    /// Growth items to report.
    pub top: usize,
    /// Class rows to report (0 = all).
    pub class_limit: usize,
    /// Below this fraction of matched base objects the snapshots are taken as two processes.
    pub same_process_min_match: f64,
    pub duplicates: DuplicateOptions,
    pub path_depth: usize,
    /// Skip the duplicate analysis (faster).
    pub skip_duplicates: bool,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            top: 10,
            class_limit: 0,
            same_process_min_match: 0.8,
            duplicates: DuplicateOptions::default(),
            path_depth: 40,
            skip_duplicates: false,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotTotals {
    pub nodes: usize,
    pub edges: usize,
    pub total_size: u64,
}

/// One Comparison-view row plus both sides' totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassDiff {
    /// DevTools' public class key.
    pub key: String,
    pub name: String,
    pub new_count: u64,
    pub deleted_count: u64,
    pub count_delta: i64,
    pub alloc_size: u64,
    pub freed_size: u64,
    pub size_delta: i64,
    pub base_count: u64,
    pub spike_count: u64,
    pub base_self_size: u64,
    pub spike_self_size: u64,
    /// Summary class retained sizes (each snapshot under its own interface definitions;
    /// 0 when the class is absent there).
    pub base_retained: u64,
    pub spike_retained: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct IdMatch {
    /// Base objects with self size > 0.
    pub base_objects: u64,
    /// Of those, how many have an object with the same id and class key in the spike.
    pub matched: u64,
    pub fraction: f64,
    pub same_process: bool,
}

/// New objects kept alive by one old object.
#[derive(Clone, Debug, Serialize)]
pub struct GrowthItem {
    /// The class of the new objects the holder holds most bytes of.
    pub class_name: String,
    pub count: u64,
    /// Σ retained size of those objects.
    pub bytes: u64,
    /// Σ retained size of all top-level new objects under the anchor (the growth attributed
    /// to this item).
    pub growth_bytes: u64,
    /// New objects of any class under the anchor.
    pub new_objects: u64,
    /// The nearest JS-visible object holding them.
    pub holder: ObjectInfo,
    /// The holder's retained size in the base, if it existed there.
    pub holder_base_retained: Option<u64>,
    /// The object whose dominated children they are (the holder, or e.g. its backing store).
    pub container: ObjectInfo,
    /// The old object the new ones hang from in the dominator tree.
    pub anchor: ObjectInfo,
    /// Retaining path of the container.
    pub path: Vec<PathStep>,
    #[serde(skip)]
    pub anchor_ordinal: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct DuplicateGrowth {
    pub base_count: u64,
    pub base_wasted: u64,
    pub wasted_delta: i64,
    pub cluster: DuplicateCluster,
}

#[derive(Clone, Debug, Serialize)]
pub struct StringGrowth {
    pub text: String,
    pub base_count: u64,
    pub count: u64,
    pub wasted_size: u64,
    pub wasted_delta: i64,
    pub example_id: u32,
}

/// One line of the verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// `duplicates`, `growth` or `class`.
    pub kind: String,
    /// One sentence for people.
    pub text: String,
    pub bytes: i64,
    /// Index into `growth`, `duplicates` or `classes`.
    pub growth_index: Option<usize>,
    pub duplicate_index: Option<usize>,
    pub class_index: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    /// Detached DOM nodes (propagated DOM state "detached") in base and spike.
    pub detached_dom: (u64, u64),
    pub base: SnapshotTotals,
    pub spike: SnapshotTotals,
    /// spike total − base total (DevTools' total sizes).
    pub total_growth: i64,
    pub id_match: IdMatch,
    /// `ids` (DevTools' new/deleted by id) or `counts` (per-class count/size deltas; set when
    /// the snapshots come from different processes).
    pub class_mode: String,
    pub findings: Vec<Finding>,
    pub growth: Vec<GrowthItem>,
    pub duplicates: Vec<DuplicateGrowth>,
    pub duplicate_strings: Vec<StringGrowth>,
    pub class_count: usize,
    pub classes: Vec<ClassDiff>,
}

fn totals(h: &Heap) -> SnapshotTotals {
    SnapshotTotals { nodes: h.node_count(), edges: h.snapshot().edge_count(), total_size: h.total_size() }
}

/// (global key, id, self size) of every node with self size > 0, sorted by (key, id).
fn aggregates(
    h: &Heap,
    classes: &Classes,
    gkeys: &mut HashMap<String, u32>,
    names: &mut Vec<String>,
) -> Vec<(u32, u32, u64)> {
    let local: Vec<u32> = (0..classes.keys.len() as u32)
        .map(|k| {
            let pk = classes.public_key(k);
            let next = gkeys.len() as u32;
            *gkeys.entry(pk).or_insert_with(|| {
                names.push(classes.key_name(k).to_owned());
                next
            })
        })
        .collect();
    let s = h.snapshot();
    let row = |o: u32| {
        let size = s.self_size(o);
        (size > 0).then(|| (local[classes.node_key[o as usize] as usize], s.node_id(o), size))
    };
    let mut v: Vec<(u32, u32, u64)> = util::filter_map_indices(h.node_count(), row);
    util::sort_unstable(&mut v);
    v
}

/// DevTools' Comparison rows (every class with a change in count, size, new or deleted;
/// `matched` = base objects matched by id within their class key).
pub fn compare_classes(base: &Heap, spike: &Heap) -> (Vec<ClassDiff>, IdMatch) {
    let base_classes = base.class_keys_under(spike.interface_definitions());
    let mut gkeys: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let b = aggregates(spike, spike.classes(), &mut gkeys, &mut names);
    let a = aggregates(base, &base_classes, &mut gkeys, &mut names);
    drop(base_classes);
    let k = gkeys.len();
    #[derive(Default, Clone)]
    struct Acc {
        new: u64,
        deleted: u64,
        alloc: u64,
        freed: u64,
        bc: u64,
        sc: u64,
        bs: u64,
        ss: u64,
    }
    let mut acc = vec![Acc::default(); k];
    let (mut i, mut j) = (0, 0);
    let mut matched = 0u64;
    while i < a.len() || j < b.len() {
        let ord = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => (x.0, x.1).cmp(&(y.0, y.1)),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                let (key, _, size) = a[i];
                let r = &mut acc[key as usize];
                r.deleted += 1;
                r.freed += size;
                r.bc += 1;
                r.bs += size;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let (key, _, size) = b[j];
                let r = &mut acc[key as usize];
                r.new += 1;
                r.alloc += size;
                r.sc += 1;
                r.ss += size;
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let r = &mut acc[a[i].0 as usize];
                r.bc += 1;
                r.bs += a[i].2;
                r.sc += 1;
                r.ss += b[j].2;
                matched += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let mut pks: Vec<String> = vec![String::new(); k];
    for (pk, g) in gkeys {
        pks[g as usize] = pk;
    }
    let mut rows: Vec<ClassDiff> = acc
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.new > 0 || r.deleted > 0 || r.bc != r.sc || r.bs != r.ss)
        .map(|(g, r)| ClassDiff {
            key: std::mem::take(&mut pks[g]),
            name: names[g].clone(),
            new_count: r.new,
            deleted_count: r.deleted,
            count_delta: r.new as i64 - r.deleted as i64,
            alloc_size: r.alloc,
            freed_size: r.freed,
            size_delta: r.alloc as i64 - r.freed as i64,
            base_count: r.bc,
            spike_count: r.sc,
            base_self_size: r.bs,
            spike_self_size: r.ss,
            base_retained: 0,
            spike_retained: 0,
        })
        .collect();
    rows.sort_by(|x, y| y.alloc_size.cmp(&x.alloc_size).then_with(|| util::cmp_utf16(&x.name, &y.name)));
    let base_objects = a.len() as u64;
    let fraction = if base_objects == 0 { 0.0 } else { matched as f64 / base_objects as f64 };
    (rows, IdMatch { base_objects, matched, fraction, same_process: false })
}

/// For each spike node: does its id exist in the base?
fn old_in_base(base: &Heap, spike: &Heap) -> Vec<bool> {
    let ids = &base.snapshot().nodes.id;
    let sorted_copy;
    let sorted: &[u32] = if base.ids_sorted() {
        ids
    } else {
        let mut v = ids.clone();
        util::sort_unstable(&mut v);
        sorted_copy = v;
        &sorted_copy
    };
    let sid = &spike.snapshot().nodes.id;
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        sid.par_iter().map(|id| sorted.binary_search(id).is_ok()).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        sid.iter().map(|id| sorted.binary_search(id).is_ok()).collect()
    }
}

/// Growth items: new objects grouped by the old object that keeps them alive.
pub fn growth_items(base: &Heap, spike: &Heap, top: usize, path_depth: usize) -> Vec<GrowthItem> {
    let old = old_in_base(base, spike);
    let n = spike.node_count();
    // Anchor bytes / counts, indexed by anchor ordinal (sparse).
    let mut anchor_bytes: HashMap<u32, u64> = HashMap::new();
    let mut anchor_new: HashMap<u32, u64> = HashMap::new();
    // anchor_of[n] for new nodes, via a dominator-tree walk from the root (parents first).
    let mut anchor_of = vec![u32::MAX; n];
    let mut stack: Vec<u32> = vec![spike.root()];
    while let Some(v) = stack.pop() {
        for &c in spike.dominated(v) {
            if !old[c as usize] {
                let anchor = if old[v as usize] {
                    *anchor_bytes.entry(v).or_default() += spike.retained_size(c);
                    v
                } else {
                    anchor_of[v as usize]
                };
                anchor_of[c as usize] = anchor;
                if anchor != u32::MAX {
                    *anchor_new.entry(anchor).or_default() += 1;
                }
            }
            stack.push(c);
        }
    }
    let mut anchors: Vec<(u32, u64)> = anchor_bytes.into_iter().collect();
    anchors.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let base_lookup = |id: u32| base.find_by_id(id);
    anchors
        .into_iter()
        .take(top)
        .map(|(anchor, growth)| {
            // Descend while one child holds ≥ 80%.
            let new_children = |x: u32| spike.dominated(x).iter().copied().filter(|&c| !old[c as usize]);
            let mut focus = anchor;
            let mut bytes_here = growth;
            for _ in 0..10_000 {
                let best = if focus == anchor {
                    new_children(focus).max_by_key(|&c| (spike.retained_size(c), std::cmp::Reverse(c)))
                } else {
                    spike
                        .dominated(focus)
                        .iter()
                        .copied()
                        .max_by_key(|&c| (spike.retained_size(c), std::cmp::Reverse(c)))
                };
                match best {
                    Some(c) if spike.retained_size(c) * 5 >= bytes_here * 4 && spike.retained_size(c) > 0 => {
                        bytes_here = spike.retained_size(c);
                        focus = c;
                    }
                    _ => break,
                }
            }
            // The focus's new children grouped by class.
            let mut by_class: HashMap<u32, (u64, u64)> = HashMap::new();
            for c in new_children(focus) {
                let e = by_class.entry(spike.class_key(c)).or_default();
                e.0 += 1;
                e.1 += spike.retained_size(c);
            }
            let (class_name, count, bytes) =
                match by_class.into_iter().max_by_key(|(k, v)| (v.1, std::cmp::Reverse(*k))) {
                    Some((k, (c, b))) => (spike.classes().key_name(k).to_owned(), c, b),
                    None => (spike.class_name(focus).to_owned(), 1, spike.retained_size(focus)),
                };
            let holder = duplicates::visible_holder(spike, focus);
            let holder_base_retained = if old[holder as usize] {
                base_lookup(spike.snapshot().node_id(holder)).map(|b| base.retained_size(b))
            } else {
                None
            };
            GrowthItem {
                class_name,
                count,
                bytes,
                growth_bytes: growth,
                new_objects: anchor_new.get(&anchor).copied().unwrap_or(0),
                holder: spike.object_info(holder),
                holder_base_retained,
                container: spike.object_info(focus),
                anchor: spike.object_info(anchor),
                path: path_to_root(spike, focus, path_depth),
                anchor_ordinal: anchor,
            }
        })
        .collect()
}

/// Clusters and strings that appeared or grew.
pub fn duplicate_growth(
    base: &Heap,
    spike: &Heap,
    opts: &DuplicateOptions,
) -> (Vec<DuplicateGrowth>, Vec<StringGrowth>) {
    // Clusters are matched across snapshots by content hash. One hash can name several
    // clusters of a snapshot (same content, different shallow sizes), so both sides are
    // merged by hash first; otherwise one cluster would be compared with another's count.
    let by_hash = |h: &Heap| -> HashMap<u64, Vec<u32>> {
        let mut merged: HashMap<u64, Vec<u32>> = HashMap::new();
        for (hash, members) in duplicates::outer_clusters(h, opts.depth) {
            merged.entry(hash).or_default().extend(members);
        }
        merged
    };
    // Each snapshot's clusters and string groups are independent of the other's: one
    // snapshot per core.
    let per_heap = |h: &Heap| (by_hash(h), duplicates::string_groups(h));
    let ((base_clusters, base_strings), (spike_clusters, spike_strings)) =
        util::join(|| per_heap(base), || per_heap(spike));
    let a: HashMap<u64, (u64, u64)> =
        base_clusters.into_iter().map(|(h, m)| (h, (m.len() as u64, duplicates::wasted_estimate(base, &m)))).collect();
    let mut grown: Vec<(u64, Vec<u32>, u64, u64, i64)> = spike_clusters
        .into_iter()
        .filter_map(|(h, mut m)| {
            m.sort_unstable();
            let (bc, bw) = a.get(&h).copied().unwrap_or((0, 0));
            let w = duplicates::wasted_estimate(spike, &m);
            let delta = w as i64 - bw as i64;
            (m.len() as u64 > bc && delta > 0 && w >= opts.min_wasted).then_some((h, m, bc, bw, delta))
        })
        .collect();
    grown.sort_by(|x, y| y.4.cmp(&x.4).then(x.1[0].cmp(&y.1[0])));
    let limit = if opts.limit == 0 { usize::MAX } else { opts.limit };
    let clusters = grown
        .into_iter()
        .take(limit)
        .map(|(h, m, bc, bw, delta)| DuplicateGrowth {
            base_count: bc,
            base_wasted: bw,
            wasted_delta: delta,
            cluster: duplicates::describe_cluster(spike, h, m, opts.path_depth),
        })
        .collect();
    let sa: HashMap<String, (u64, u64)> =
        base_strings.into_iter().map(|g| (g.text, (g.count, g.wasted_size))).collect();
    let mut strings: Vec<StringGrowth> = spike_strings
        .into_iter()
        .filter_map(|g| {
            let (bc, bw) = sa.get(&g.text).copied().unwrap_or((0, 0));
            (g.count > bc && g.wasted_size > bw).then(|| StringGrowth {
                wasted_delta: g.wasted_size as i64 - bw as i64,
                text: g.text,
                base_count: bc,
                count: g.count,
                wasted_size: g.wasted_size,
                example_id: g.example_id,
            })
        })
        .collect();
    strings.sort_by(|x, y| y.wasted_delta.cmp(&x.wasted_delta).then_with(|| x.text.cmp(&y.text)));
    strings.truncate(limit);
    (clusters, strings)
}

fn is_under(heap: &Heap, mut o: u32, anchor: u32) -> bool {
    let root = heap.root();
    for _ in 0..100_000 {
        if o == anchor {
            return true;
        }
        if o == root {
            return false;
        }
        o = heap.dominator(o);
    }
    false
}

fn human_bytes(b: u64) -> String {
    if b < 1000 {
        return format!("{b} B");
    }
    let (v, u) = if b < 1_000_000 {
        (b as f64 / 1e3, "kB")
    } else if b < 1_000_000_000 {
        (b as f64 / 1e6, "MB")
    } else {
        (b as f64 / 1e9, "GB")
    };
    format!("{v:.1} {u}")
}

/// The Comparison rows (with retained sizes, ranked), how well ids match, and the growth
/// items when the snapshots come from one process.
fn classes_and_growth(base: &Heap, spike: &Heap, opts: &DiffOptions) -> (Vec<ClassDiff>, IdMatch, Vec<GrowthItem>) {
    let (mut classes, mut id_match) = compare_classes(base, spike);
    let ra: HashMap<String, u64> = base.summary().into_iter().map(|c| (c.key, c.retained_size)).collect();
    let rb: HashMap<String, u64> = spike.summary().into_iter().map(|c| (c.key, c.retained_size)).collect();
    for c in &mut classes {
        c.base_retained = ra.get(&c.key).copied().unwrap_or(0);
        c.spike_retained = rb.get(&c.key).copied().unwrap_or(0);
    }
    id_match.same_process = id_match.fraction >= opts.same_process_min_match;
    let same = id_match.same_process;
    if !same {
        // Ids are not comparable: rank by per-class retained-size growth.
        classes.sort_by(|x, y| {
            let dx = x.spike_retained as i64 - x.base_retained as i64;
            let dy = y.spike_retained as i64 - y.base_retained as i64;
            dy.cmp(&dx).then_with(|| util::cmp_utf16(&x.name, &y.name))
        });
    }
    let growth = if same { growth_items(base, spike, opts.top, opts.path_depth) } else { Vec::new() };
    (classes, id_match, growth)
}

/// Compares `spike` (the later snapshot) against `base`.
pub fn diff(base: &Heap, spike: &Heap, opts: &DiffOptions) -> DiffReport {
    // Duplicates do not depend on the class comparison and growth: one core each.
    let ((mut classes, id_match, growth), (dups, dup_strings)) = util::join(
        || classes_and_growth(base, spike, opts),
        || {
            if opts.skip_duplicates {
                (Vec::new(), Vec::new())
            } else {
                duplicate_growth(base, spike, &opts.duplicates)
            }
        },
    );
    let same = id_match.same_process;
    let mut findings: Vec<Finding> = Vec::new();
    let mut used = vec![false; dups.len()];
    for (gi, g) in growth.iter().enumerate() {
        let dup = dups.iter().enumerate().find(|(di, d)| {
            !used[*di]
                && (d.wasted_delta as u64) * 2 >= g.growth_bytes
                && d.cluster.members.first().is_some_and(|&m| is_under(spike, m, g.anchor_ordinal))
        });
        match dup {
            Some((di, d)) => {
                used[di] = true;
                let c = &d.cluster;
                let holder = c.common_holder.as_ref().map(crate::paths::object_label).unwrap_or_default();
                findings.push(Finding {
                    kind: "duplicates".into(),
                    text: format!(
                        "{} identical copies of {} ({} wasted) held in {}{}",
                        c.count,
                        c.class_name,
                        human_bytes(c.wasted_size),
                        holder,
                        c.top_retainer.as_ref().map(|r| format!(" via {}{}", r.class_name, r.edge)).unwrap_or_default()
                    ),
                    bytes: g.growth_bytes as i64,
                    growth_index: Some(gi),
                    duplicate_index: Some(di),
                    class_index: None,
                });
            }
            None => findings.push(Finding {
                kind: "growth".into(),
                text: format!(
                    "{} new {} ({}) held by {}",
                    g.count,
                    g.class_name,
                    human_bytes(g.bytes),
                    crate::paths::object_label(&g.container)
                ),
                bytes: g.growth_bytes as i64,
                growth_index: Some(gi),
                duplicate_index: None,
                class_index: None,
            }),
        }
    }
    for (di, d) in dups.iter().enumerate() {
        if !used[di] && di < opts.top {
            let c = &d.cluster;
            findings.push(Finding {
                kind: "duplicates".into(),
                text: format!(
                    "{} identical copies of {} (+{} wasted)",
                    c.count,
                    c.class_name,
                    human_bytes(d.wasted_delta.max(0) as u64)
                ),
                bytes: d.wasted_delta,
                growth_index: None,
                duplicate_index: Some(di),
                class_index: None,
            });
        }
    }
    if !same {
        for (ci, c) in classes.iter().enumerate().take(opts.top) {
            let d = c.spike_retained as i64 - c.base_retained as i64;
            if d <= 0 {
                break;
            }
            findings.push(Finding {
                kind: "class".into(),
                text: format!(
                    "{}: {} → {} objects (+{} retained)",
                    c.name,
                    c.base_count,
                    c.spike_count,
                    human_bytes(d as u64)
                ),
                bytes: d,
                growth_index: None,
                duplicate_index: None,
                class_index: Some(ci),
            });
        }
    }
    // Keep the verdict about what matters: drop lines under 1% of the total growth.
    let floor = (spike.total_size() as i64 - base.total_size() as i64).abs() / 100;
    findings.retain(|f| f.bytes >= floor);
    findings.sort_by_key(|f| std::cmp::Reverse(f.bytes));
    findings.truncate(opts.top.max(1));
    let class_count = classes.len();
    if opts.class_limit > 0 {
        classes.truncate(opts.class_limit);
    }
    let detached = |h: &Heap| (0..h.node_count() as u32).filter(|&o| h.dom_state(o) == 2).count() as u64;
    DiffReport {
        detached_dom: (detached(base), detached(spike)),
        base: totals(base),
        spike: totals(spike),
        total_growth: spike.total_size() as i64 - base.total_size() as i64,
        id_match,
        class_mode: if same { "ids" } else { "counts" }.into(),
        findings,
        growth,
        duplicates: dups,
        duplicate_strings: dup_strings,
        class_count,
        classes,
    }
}
