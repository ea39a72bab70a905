//! §3.7–3.9 Dominator tree, retained sizes and the dominated-node index.
//!
//! Semidominators as in Lengauer–Tarjan (simple eval/link with path compression), then
//! immediate dominators by Semi-NCA (Georgiadis), fully iterative, on
//! `G1 = essential edges ∪ {root → v : v ≠ root has no essential incoming edge}`. Every node
//! reachable in G1 gets its exact immediate dominator in G1; nodes still unreachable
//! (clusters retained only by each other) get the root and retain only themselves —
//! exactly what DevTools' three DFS phases produce. All arrays are indexed by DFS number
//! (1-based, 0 = none) for locality; their memory ([`Scratch`]) is reused for the results.

use super::util::{prefetch, BitVec};
use crate::{pages, Snapshot};

pub struct DominatorResult {
    /// Immediate dominator per ordinal; the root's is itself.
    pub dom: Vec<u32>,
    /// Ordinals in DevTools' numbering order: the DFS from the root, the DFS from each
    /// orphan, then the remaining (clique) nodes in ordinal order.
    pub order: Vec<u32>,
    /// Nodes the DFS from the root did not reach (DevTools' "N nodes are unreachable").
    pub unreachable_from_root: usize,
    /// Nodes reachable neither from the root nor from an orphan.
    pub unreachable_in_g1: usize,
    /// The pass's working memory, mapped in already: [`retained_sizes`] and
    /// [`dominated_index`] write their results into it.
    pub spare: Spare,
}

/// Memory the dominator pass is done with (any contents), handed on to the steps after it
/// so that they write into mapped pages instead of fresh ones: the link-eval forest for the
/// retained sizes, the predecessor index (offsets, lists) for the dominated index.
pub struct Spare {
    pub retained: Vec<u64>,
    pub dominated_first: Vec<u32>,
    pub dominated: Vec<u32>,
}

/// The pass's working memory, allocated (untouched) before the pass so that another core can
/// map it in ([`Scratch::ranges`], [`Scratch::add_sources`]) while this one works up to it:
/// faulting it in took up to half the pass's time on the bench VM (1 GB snapshot: 1.2–1.7 s
/// with, 0.75–0.8 s without).
/// `num` and `indegree` are read at random before they are written, so unmapped they would
/// fault twice a page (the shared zero page, then a copy on write).
pub struct Scratch {
    num: Vec<u32>,
    indegree: Vec<u32>,
    vertex: Vec<u32>,
    parent: Vec<u32>,
    forest: Vec<u64>,
    sources: Vec<u32>,
}

impl Scratch {
    /// All of it but the predecessor lists, whose size the essential edges set.
    pub fn new(node_count: usize) -> Scratch {
        let n = node_count;
        Scratch {
            num: vec![0; n],
            indegree: vec![0; n + 2],
            vertex: vec![0; n + 1],
            parent: vec![0; n + 1],
            forest: vec![0; n + 1],
            sources: Vec::new(),
        }
    }

    /// The memory [`Scratch::new`] allocated, in the order the pass first uses it.
    pub fn ranges(&self) -> pages::Ranges {
        let mut r = pages::Ranges::default();
        r.add(&self.num);
        r.add(&self.indegree);
        r.add(&self.vertex);
        r.add(&self.parent);
        r.add(&self.forest);
        r
    }

    /// Allocates the predecessor lists (G1's essential edges, at most all essential edges);
    /// returns their memory.
    pub fn add_sources(&mut self, essential: &BitVec) -> pages::Ranges {
        self.sources = vec![0; essential.count_ones()];
        let mut r = pages::Ranges::default();
        r.add(&self.sources);
        r
    }
}

/// A vertex of Lengauer–Tarjan's link-eval forest, one word: its ancestor (low half) and the
/// least semidominator on its compressed path (high half; `semi[label]`, the label itself is
/// never asked for). One aligned word never straddles two cache lines. Zero (no ancestor)
/// until the vertex is linked, so the forest starts as untouched zeroed memory.
#[inline]
fn forest_entry(ancestor: u32, label_semi: u32) -> u64 {
    ancestor as u64 | (label_semi as u64) << 32
}

#[inline]
fn ancestor(entry: u64) -> u32 {
    entry as u32
}

#[inline]
fn label_semi(entry: u64) -> u32 {
    (entry >> 32) as u32
}

/// LT's `eval` with path compression for a linked vertex `v`, while vertex `w` is processed:
/// the least semidominator on the forest path above `v` (excluding the tree root).
///
/// Vertices are linked in decreasing number order, so at `w` a vertex is a forest root (not
/// linked) exactly when its number is at most `w`: that test replaces reading the ancestor's
/// entry to see whether it has an ancestor, one random read less per step.
#[inline]
fn eval_linked(v: u32, w: u32, forest: &mut [u64], cstack: &mut Vec<u32>) -> u32 {
    let entry = forest[v as usize];
    if ancestor(entry) <= w {
        return label_semi(entry);
    }
    // Up to the last vertex whose ancestor is a root, then compress on the way back.
    let mut x = v;
    loop {
        let a = ancestor(forest[x as usize]);
        if a <= w {
            break;
        }
        cstack.push(x);
        x = a;
    }
    while let Some(x) = cstack.pop() {
        let e = forest[x as usize];
        let a = forest[ancestor(e) as usize];
        forest[x as usize] = forest_entry(ancestor(a), label_semi(e).min(label_semi(a)));
    }
    label_semi(forest[v as usize])
}

/// Essential predecessors in DFS-number space: for each vertex number, the numbers of the
/// sources of its essential incoming edges that lie in G1. Indexed by number, the
/// semidominator loop reads them in order; without edge indices, half a retainer index.
struct Predecessors {
    first: Vec<u32>,
    sources: Vec<u32>,
}

impl Predecessors {
    /// `num` maps ordinals to DFS numbers `1..=g1` (0 outside G1); `indegree[w]` is how many
    /// essential edges from G1 reach number `w` (counted by the DFS, which examines each
    /// exactly once), for `w` up to `g1 + 1`. `sources` is memory to fill (any contents).
    fn build(
        s: &Snapshot,
        essential: &BitVec,
        num: &[u32],
        mut indegree: Vec<u32>,
        g1: usize,
        mut sources: Vec<u32>,
    ) -> Predecessors {
        indegree.truncate(g1 + 2);
        // Inclusive prefix sums, then each slice filled from its end.
        let mut first = indegree;
        let mut acc = 0u32;
        for c in first.iter_mut() {
            acc += *c;
            *c = acc;
        }
        sources.resize(acc as usize, 0);
        let to = &s.edges.to;
        for u in 0..s.node_count() {
            let nu = num[u];
            if nu == 0 {
                continue;
            }
            for e in s.edges_of(u as u32) {
                // Edges are read in order: the targets' numbers a little ahead.
                prefetch(num, to.get(e + 16).map_or(0, |&t| t as usize));
                if essential.get(e) {
                    let t = num[to[e] as usize] as usize;
                    if t != 0 {
                        first[t] -= 1;
                        sources[first[t] as usize] = nu;
                    }
                }
            }
        }
        Predecessors { first, sources }
    }

    #[inline]
    fn of(&self, w: usize) -> &[u32] {
        &self.sources[self.first[w] as usize..self.first[w + 1] as usize]
    }
}

/// Immediate dominators over the essential edges.
pub fn compute(s: &Snapshot, essential: &BitVec) -> DominatorResult {
    let mut scratch = Scratch::new(s.node_count());
    scratch.ranges().populate();
    scratch.add_sources(essential);
    compute_in(s, essential, scratch)
}

/// [`compute`] in memory allocated beforehand, its sources added (see [`Scratch`]).
pub fn compute_in(s: &Snapshot, essential: &BitVec, scratch: Scratch) -> DominatorResult {
    // num[ordinal] = DFS number (0 = unvisited); vertex[number] = ordinal; indegree[number]
    // = essential in-degree, for the predecessor index.
    let Scratch { mut num, mut indegree, mut vertex, mut parent, mut forest, sources } = scratch;
    let n = s.node_count();
    assert!(num.len() == n, "scratch sized for this snapshot");
    let root = s.root();
    let mut count = 0u32;
    let mut stack: Vec<(u32, u32)> = Vec::new();

    let mut dfs =
        |start: u32, start_parent: u32, num: &mut [u32], vertex: &mut [u32], parent: &mut [u32], count: &mut u32| {
            *count += 1;
            num[start as usize] = *count;
            vertex[*count as usize] = start;
            parent[*count as usize] = start_parent;
            stack.push((start, s.nodes.first_edge[start as usize]));
            while let Some(top) = stack.last_mut() {
                let (v, ref mut next) = *top;
                let end = s.nodes.first_edge[v as usize + 1];
                let mut child = None;
                while *next < end {
                    let e = *next as usize;
                    *next += 1;
                    if !essential.get(e) {
                        continue;
                    }
                    let w = s.edges.to[e];
                    let nw = num[w as usize];
                    if nw == 0 {
                        child = Some(w);
                        break;
                    }
                    indegree[nw as usize] += 1;
                }
                match child {
                    Some(w) => {
                        *count += 1;
                        indegree[*count as usize] += 1;
                        num[w as usize] = *count;
                        vertex[*count as usize] = w;
                        parent[*count as usize] = num[v as usize];
                        stack.push((w, s.nodes.first_edge[w as usize]));
                    }
                    None => {
                        stack.pop();
                    }
                }
            }
        };

    dfs(root, 0, &mut num, &mut vertex, &mut parent, &mut count);
    let reached_from_root = count as usize;
    if reached_from_root < n {
        // Orphans (no essential incoming edge) start DFS trees of their own, in ordinal order,
        // hanging off the root (G1's added edges).
        let mut retained = BitVec::new(n);
        for (e, &t) in s.edges.to.iter().enumerate() {
            if essential.get(e) {
                retained.set(t as usize);
            }
        }
        for v in 0..n as u32 {
            if num[v as usize] == 0 && v != root && !retained.get(v as usize) {
                dfs(v, 1, &mut num, &mut vertex, &mut parent, &mut count);
            }
        }
    }
    drop(stack);
    let g1 = count as usize;
    let mut preds = Predecessors::build(s, essential, &num, indegree, g1, sources);

    // Semidominators (LT's step 2), in DFS-number space, in decreasing number order. A source
    // numbered below w is not linked yet: its own number is its eval, with no forest read;
    // only the others go through the forest (one 8-byte entry per vertex on the path).
    // semi(w) goes into first[w + 1], which no vertex after w reads (4 bytes a node less at
    // the pass's peak than an array of its own).
    let mut cstack: Vec<u32> = Vec::new();
    // How many vertices ahead the forest entries of their sources are asked for (the loop
    // waits on these random reads).
    const AHEAD: usize = 8;
    for w in (2..=g1).rev() {
        if w > AHEAD {
            for &v in preds.of(w - AHEAD) {
                prefetch(&forest, v as usize);
            }
        }
        let (sources, w32) = (preds.of(w), w as u32);
        let mut sw = w32;
        for &v in sources {
            let candidate = if v < w32 { v } else { eval_linked(v, w32, &mut forest, &mut cstack) };
            sw = sw.min(candidate);
        }
        if sources.is_empty() {
            sw = 1; // an orphan: reached through the root's added edge
        }
        preds.first[w + 1] = sw;
        forest[w] = forest_entry(parent[w], sw);
    }
    drop(cstack);
    let Predecessors { first, sources } = preds;
    let semi = |w: usize| first[w + 1];

    // Immediate dominators by Semi-NCA: idom(w) is the nearest common ancestor of parent(w)
    // and semi(w) in the dominator tree built so far, found by climbing from parent(w) to
    // the first vertex numbered at most semi(w). `parent` becomes `idom` in place (vertices
    // below w are already converted). No buckets, unlike LT's step 3.
    let mut idom = parent;
    for w in 2..=g1 {
        let mut d = idom[w];
        while d > semi(w) {
            d = idom[d as usize];
        }
        idom[w] = d;
    }

    // Back to ordinals, in `num`'s memory (the DFS numbers are no longer needed once the
    // nodes outside G1, which keep DevTools' ordinal order at the end of `order`, are listed).
    let mut outside = Vec::with_capacity(n - g1);
    if g1 < n {
        outside.extend((0..n as u32).filter(|&v| num[v as usize] == 0));
    }
    let mut dom_ord = num;
    dom_ord.fill(root);
    for w in 1..=g1 {
        dom_ord[vertex[w] as usize] = vertex[idom[w] as usize];
    }
    drop(idom);
    vertex.truncate(g1 + 1);
    vertex.remove(0);
    let mut order = vertex;
    order.extend_from_slice(&outside);
    DominatorResult {
        dom: dom_ord,
        order,
        unreachable_from_root: n - reached_from_root,
        unreachable_in_g1: n - g1,
        spare: Spare { retained: forest, dominated_first: first, dominated: sources },
    }
}

/// §3.8: `retained[v] = self[v]`, then in reverse numbering order (root excluded)
/// `retained[idom(v)] += retained[v]`. u64 sums: totals above 2^32 stay exact. Written into
/// `memory` (any contents), which grows if it must.
pub fn retained_sizes(s: &Snapshot, dom: &[u32], order: &[u32], memory: Vec<u64>) -> Vec<u64> {
    let n = s.node_count();
    let mut retained = memory;
    retained.clear();
    retained.extend(s.nodes.self_size.iter().map(|&v| v as u64));
    for (&o, &b) in &s.nodes.big_self_size {
        if (o as usize) < n {
            retained[o as usize] = b;
        }
    }
    for &v in order.iter().skip(1).rev() {
        let d = dom[v as usize] as usize;
        retained[d] += retained[v as usize];
    }
    retained
}

/// §3.9: children of each node in the dominator tree (ordinals), a counting sort by
/// dominator; inside a slice children are in descending ordinal order, as in DevTools.
/// Written into `first` and `children` (any contents), which grow if they must.
pub fn dominated_index(dom: &[u32], root: u32, mut first: Vec<u32>, mut children: Vec<u32>) -> (Vec<u32>, Vec<u32>) {
    let n = dom.len();
    first.clear();
    first.resize(n + 1, 0);
    for (v, &d) in dom.iter().enumerate() {
        if v as u32 != root {
            first[d as usize + 1] += 1;
        }
    }
    for i in 1..=n {
        first[i] += first[i - 1];
    }
    // Filling each slice from its end moves first[d + 1] down to the slice's start, which is
    // the old first[d]: one shift afterwards restores the offsets, with no cursor array.
    let total = first[n];
    children.clear();
    children.resize(total as usize, 0);
    for (v, &d) in dom.iter().enumerate() {
        if v as u32 != root {
            first[d as usize + 1] -= 1;
            children[first[d as usize + 1] as usize] = v as u32;
        }
    }
    first.copy_within(1.., 0);
    first[n] = total;
    // The memory handed in may be larger (the predecessor lists'): the rest goes back.
    children.shrink_to_fit();
    (first, children)
}
