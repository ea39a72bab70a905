//! §3.7–3.9 Dominator tree, retained sizes and the dominated-node index.
//!
//! Semidominators as in Lengauer–Tarjan (simple eval/link with path compression), then
//! immediate dominators by Semi-NCA (Georgiadis), fully iterative, on
//! `G1 = essential edges ∪ {root → v : v ≠ root has no essential incoming edge}`. Every node
//! reachable in G1 gets its exact immediate dominator in G1; nodes still unreachable
//! (clusters retained only by each other) get the root and retain only themselves —
//! exactly what DevTools' three DFS phases produce. All arrays are indexed by DFS number
//! (1-based, 0 = none) for locality and freed when the pass ends.

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
}

/// A vertex of Lengauer–Tarjan's link-eval forest: its ancestor and the least semidominator
/// on its compressed path (`semi[label]`; the label itself is never asked for). 8 bytes, so an
/// entry never straddles two cache lines. All zero (no ancestor) until the vertex is linked,
/// so the forest starts as untouched zeroed memory.
#[derive(Clone, Copy, Default)]
#[repr(C, align(8))]
struct ForestEntry {
    ancestor: u32,
    label_semi: u32,
}

/// LT's `eval` with path compression for a linked vertex `v`, while vertex `w` is processed:
/// the least semidominator on the forest path above `v` (excluding the tree root).
///
/// Vertices are linked in decreasing number order, so at `w` a vertex is a forest root (not
/// linked) exactly when its number is at most `w`: that test replaces reading the ancestor's
/// entry to see whether it has an ancestor, one random read less per step.
#[inline]
fn eval_linked(v: u32, w: u32, forest: &mut [ForestEntry], cstack: &mut Vec<u32>) -> u32 {
    let entry = forest[v as usize];
    if entry.ancestor <= w {
        return entry.label_semi;
    }
    // Up to the last vertex whose ancestor is a root, then compress on the way back.
    let mut x = v;
    loop {
        let a = forest[x as usize].ancestor;
        if a <= w {
            break;
        }
        cstack.push(x);
        x = a;
    }
    while let Some(x) = cstack.pop() {
        let a = forest[forest[x as usize].ancestor as usize];
        let e = &mut forest[x as usize];
        e.label_semi = e.label_semi.min(a.label_semi);
        e.ancestor = a.ancestor;
    }
    forest[v as usize].label_semi
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
    /// exactly once), for `w` up to `g1 + 1`.
    fn build(s: &Snapshot, essential: &BitVec, num: &[u32], mut indegree: Vec<u32>, g1: usize) -> Predecessors {
        indegree.truncate(g1 + 2);
        // Inclusive prefix sums, then each slice filled from its end.
        let mut first = indegree;
        let mut acc = 0u32;
        for c in first.iter_mut() {
            acc += *c;
            *c = acc;
        }
        let mut sources = vec![0u32; acc as usize];
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
    fn of(&self, w: u32) -> &[u32] {
        &self.sources[self.first[w as usize] as usize..self.first[w as usize + 1] as usize]
    }
}

/// Immediate dominators over the essential edges.
pub fn compute(s: &Snapshot, essential: &BitVec) -> DominatorResult {
    let n = s.node_count();
    let root = s.root();
    // num[ordinal] = DFS number (0 = unvisited); vertex[number] = ordinal. `num` and
    // `indegree` are read at random before they are written: populated up front.
    let mut num = pages::zeroed_populated::<u32>(n);
    let mut vertex = vec![0u32; n + 1];
    let mut parent = vec![0u32; n + 1];
    // Essential in-degree per DFS number, for the predecessor index.
    let mut indegree = pages::zeroed_populated::<u32>(n + 2);
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
    let preds = Predecessors::build(s, essential, &num, indegree, g1);

    // Semidominators (LT's step 2), in DFS-number space, in decreasing number order. A source
    // numbered below w is not linked yet: its own number is its eval, with no forest read;
    // only the others go through the forest (one 8-byte entry per vertex on the path).
    let mut semi = vec![0u32; g1 + 1];
    semi[1] = 1;
    let mut forest = vec![ForestEntry::default(); g1 + 1];
    let mut cstack: Vec<u32> = Vec::new();
    // How many vertices ahead the forest entries of their sources are asked for (the loop
    // waits on these random reads).
    const AHEAD: u32 = 8;
    for w in (2..=g1 as u32).rev() {
        if w > AHEAD {
            for &v in preds.of(w - AHEAD) {
                prefetch(&forest, v as usize);
            }
        }
        let sources = preds.of(w);
        let mut sw = w;
        for &v in sources {
            let candidate = if v < w { v } else { eval_linked(v, w, &mut forest, &mut cstack) };
            sw = sw.min(candidate);
        }
        if sources.is_empty() {
            sw = 1; // an orphan: reached through the root's added edge
        }
        semi[w as usize] = sw;
        forest[w as usize] = ForestEntry { ancestor: parent[w as usize], label_semi: sw };
    }
    drop((forest, cstack, preds));

    // Immediate dominators by Semi-NCA: idom(w) is the nearest common ancestor of parent(w)
    // and semi(w) in the dominator tree built so far, found by climbing from parent(w) to
    // the first vertex numbered at most semi(w). `parent` becomes `idom` in place (vertices
    // below w are already converted). No buckets, unlike LT's step 3.
    let mut idom = parent;
    for w in 2..=g1 {
        let mut d = idom[w];
        while d > semi[w] {
            d = idom[d as usize];
        }
        idom[w] = d;
    }
    drop(semi);

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
    DominatorResult { dom: dom_ord, order, unreachable_from_root: n - reached_from_root, unreachable_in_g1: n - g1 }
}

/// §3.8: `retained[v] = self[v]`, then in reverse numbering order (root excluded)
/// `retained[idom(v)] += retained[v]`. u64 sums: totals above 2^32 stay exact.
pub fn retained_sizes(s: &Snapshot, dom: &[u32], order: &[u32]) -> Vec<u64> {
    let n = s.node_count();
    let mut retained: Vec<u64> = s.nodes.self_size.iter().map(|&v| v as u64).collect();
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
pub fn dominated_index(dom: &[u32], root: u32) -> (Vec<u32>, Vec<u32>) {
    let n = dom.len();
    let mut first = vec![0u32; n + 1];
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
    let mut children = vec![0u32; total as usize];
    for (v, &d) in dom.iter().enumerate() {
        if v as u32 != root {
            first[d as usize + 1] -= 1;
            children[first[d as usize + 1] as usize] = v as u32;
        }
    }
    first.copy_within(1.., 0);
    first[n] = total;
    (first, children)
}
