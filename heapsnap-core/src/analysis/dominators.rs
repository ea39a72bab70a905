//! §3.7–3.9 Dominator tree, retained sizes and the dominated-node index.
//!
//! Lengauer–Tarjan (simple eval/link with path compression), fully iterative, on
//! `G1 = essential edges ∪ {root → v : v ≠ root has no essential incoming edge}`. Every node
//! reachable in G1 gets its exact immediate dominator in G1; nodes still unreachable
//! (clusters retained only by each other) get the root and retain only themselves —
//! exactly what DevTools' three DFS phases produce. All arrays are indexed by DFS number
//! (1-based, 0 = none) for locality and freed when the pass ends.

use super::retainers::Retainers;
use super::util::BitVec;
use crate::Snapshot;

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

/// True if no essential edge points at `n`.
#[inline]
pub fn has_no_essential_retainer(ret: &Retainers, essential: &BitVec, n: u32) -> bool {
    !ret.range(n).any(|i| essential.get(ret.edges[i] as usize))
}

pub fn compute(s: &Snapshot, ret: &Retainers, essential: &BitVec) -> DominatorResult {
    let n = s.node_count();
    let root = s.root();
    // num[ordinal] = DFS number (0 = unvisited); vertex[number] = ordinal.
    let mut num = vec![0u32; n];
    let mut vertex = vec![0u32; n + 1];
    let mut parent = vec![0u32; n + 1];
    let mut count = 0u32;
    let mut stack: Vec<(u32, u32)> = Vec::new();

    let mut dfs = |start: u32, start_parent: u32, num: &mut [u32], vertex: &mut [u32], parent: &mut [u32], count: &mut u32| {
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
                if num[w as usize] == 0 {
                    child = Some(w);
                    break;
                }
            }
            match child {
                Some(w) => {
                    *count += 1;
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
        for v in 0..n as u32 {
            if num[v as usize] == 0 && v != root && has_no_essential_retainer(ret, essential, v) {
                dfs(v, 1, &mut num, &mut vertex, &mut parent, &mut count);
            }
        }
    }
    drop(stack);
    let g1 = count as usize;

    // Semidominators and the implicit idoms (LT, steps 2 and 3), in DFS-number space.
    let mut semi: Vec<u32> = (0..=g1 as u32).collect();
    let mut label: Vec<u32> = (0..=g1 as u32).collect();
    let mut ancestor = vec![0u32; g1 + 1];
    let mut dom = vec![0u32; g1 + 1];
    let mut bucket_head = vec![0u32; g1 + 1];
    let mut bucket_next = vec![0u32; g1 + 1];
    let mut cstack: Vec<u32> = Vec::new();

    #[inline]
    fn eval(v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], cstack: &mut Vec<u32>) -> u32 {
        if ancestor[v as usize] == 0 {
            return v;
        }
        // Iterative compress.
        let mut x = v;
        while ancestor[ancestor[x as usize] as usize] != 0 {
            cstack.push(x);
            x = ancestor[x as usize];
        }
        while let Some(x) = cstack.pop() {
            let a = ancestor[x as usize] as usize;
            if semi[label[a] as usize] < semi[label[x as usize] as usize] {
                label[x as usize] = label[a];
            }
            ancestor[x as usize] = ancestor[a];
        }
        label[v as usize]
    }

    for w in (2..=g1 as u32).rev() {
        let wo = vertex[w as usize];
        let mut orphan = true;
        for i in ret.range(wo) {
            if !essential.get(ret.edges[i] as usize) {
                continue;
            }
            orphan = false;
            let v = num[ret.sources[i] as usize];
            if v == 0 || v as usize > g1 {
                continue; // a retainer outside G1 (a clique node): cannot lower semi.
            }
            let u = eval(v, &mut ancestor, &mut label, &semi, &mut cstack);
            if semi[u as usize] < semi[w as usize] {
                semi[w as usize] = semi[u as usize];
            }
        }
        if orphan {
            semi[w as usize] = 1;
        }
        let sw = semi[w as usize] as usize;
        bucket_next[w as usize] = bucket_head[sw];
        bucket_head[sw] = w;
        let p = parent[w as usize];
        ancestor[w as usize] = p; // link
        let mut b = bucket_head[p as usize];
        bucket_head[p as usize] = 0;
        while b != 0 {
            let u = eval(b, &mut ancestor, &mut label, &semi, &mut cstack);
            dom[b as usize] = if semi[u as usize] < semi[b as usize] { u } else { p };
            b = bucket_next[b as usize];
        }
    }
    drop((label, ancestor, bucket_head, bucket_next, cstack));
    dom[1] = 1;
    for w in 2..=g1 {
        if dom[w] != semi[w] {
            dom[w] = dom[dom[w] as usize];
        }
    }
    drop(semi);
    drop(parent);

    // Back to ordinals; nodes outside G1 are dominated by the root.
    let mut dom_ord = vec![root; n];
    for w in 1..=g1 {
        dom_ord[vertex[w] as usize] = vertex[dom[w] as usize];
    }
    drop(dom);
    vertex.truncate(g1 + 1);
    vertex.remove(0);
    let mut order = vertex;
    if g1 < n {
        order.reserve_exact(n - g1);
        for v in 0..n as u32 {
            if num[v as usize] == 0 {
                order.push(v);
            }
        }
    }
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
    let mut fill: Vec<u32> = first[1..].to_vec();
    let mut children = vec![0u32; first[n] as usize];
    for (v, &d) in dom.iter().enumerate() {
        if v as u32 != root {
            fill[d as usize] -= 1;
            children[fill[d as usize] as usize] = v as u32;
        }
    }
    (first, children)
}
