//! Seeded random snapshots: dominators must equal petgraph's `simple_fast` run on our
//! zero-copy petgraph view of G1 (essential edges + root→orphan edges), nodes outside G1
//! must be dominated by the root, and retained sizes must equal the brute-force definition
//! (Σ sizes of G1-reachable nodes that become unreachable when v is removed).

mod common;

use heapsnap_core::analysis::{EssentialGraph, Heap};
use petgraph::algo::dominators::simple_fast;
use petgraph::visit::IntoNeighbors;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_snapshot(seed: u64) -> heapsnap_core::Snapshot {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut b = common::Builder::default();
    let n = 2 + r.below(30) as usize;
    let user_roots = r.below(2) == 0;
    b.node("synthetic", "", 1, 0);
    let types = ["object", "object", "object", "array", "hidden", "native", "string", "synthetic", "closure"];
    for i in 1..n {
        let t = types[r.below(types.len() as u64) as usize];
        let name = ["Foo", "Bar", "Object", "(object properties)", "x"][r.below(5) as usize];
        b.node(t, name, 2 * i as u64 + 1, r.below(100));
    }
    // Root edges: a (GC roots)-like element edge, and shortcut user roots sometimes.
    let k = 1 + r.below(3);
    for _ in 0..k {
        let to = 1 + r.below(n as u64 - 1) as usize;
        let ty = if user_roots && r.below(2) == 0 { "shortcut" } else { "element" };
        b.edge(0, ty, "1", to);
    }
    let etypes = ["property", "property", "element", "internal", "weak", "shortcut", "hidden", "context"];
    for from in 1..n {
        for _ in 0..r.below(4) {
            let to = r.below(n as u64) as usize; // may be a self-loop or the root
            let ty = etypes[r.below(etypes.len() as u64) as usize];
            let name = if ty == "element" || ty == "hidden" { "3".to_owned() } else { "p".to_owned() };
            b.edge(from, ty, &name, to);
        }
    }
    // Some WeakMap ephemeron pairs: table→value and key→value internal edges.
    if n > 4 && r.below(3) == 0 {
        let (t, key, v) = (
            1 + r.below(n as u64 - 1) as usize,
            1 + r.below(n as u64 - 1) as usize,
            1 + r.below(n as u64 - 1) as usize,
        );
        let (tid, kid, vid) = (2 * t + 1, 2 * key + 1, 2 * v + 1);
        let part = format!(" / part of key (K @{kid}) -> value (V @{vid}) pair in WeakMap (table @{tid})");
        b.edge(t, "internal", &format!("7{part}"), v);
        b.edge(key, "internal", &format!("9{part}"), v);
    }
    b.build()
}

fn reach(g: EssentialGraph<'_>, root: u32, removed: Option<u32>, n: usize) -> Vec<bool> {
    let mut seen = vec![false; n];
    if Some(root) == removed {
        return seen;
    }
    seen[root as usize] = true;
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        for w in g.neighbors(v) {
            if Some(w) != removed && !seen[w as usize] {
                seen[w as usize] = true;
                stack.push(w);
            }
        }
    }
    seen
}

#[test]
fn random_graphs_match_petgraph_and_brute_force() {
    let mut with_orphans = 0;
    let mut with_cliques = 0;
    for seed in 1..=400u64 {
        let h = Heap::analyze(random_snapshot(seed));
        let n = h.node_count();
        let root = h.root();
        let g = EssentialGraph::with_orphan_edges(&h);
        let doms = simple_fast(g, root);
        let r = reach(g, root, None, n);
        if !h.orphans().is_empty() {
            with_orphans += 1;
        }
        if h.unreachable_clique_count() > 0 {
            with_cliques += 1;
        }
        assert_eq!(h.dominator(root), root);
        for v in 0..n as u32 {
            if v == root {
                continue;
            }
            if r[v as usize] {
                assert_eq!(Some(h.dominator(v)), doms.immediate_dominator(v), "seed {seed} node {v}");
            } else {
                assert_eq!(h.dominator(v), root, "seed {seed}: node {v} outside G1");
            }
        }
        let total: u64 = (0..n as u32).map(|v| h.shallow_size(v)).sum();
        assert_eq!(h.retained_size(root), total, "seed {seed}");
        for v in 0..n as u32 {
            if v == root {
                continue;
            }
            let expected = if r[v as usize] {
                let r2 = reach(g, root, Some(v), n);
                (0..n).filter(|&u| r[u] && !r2[u]).map(|u| h.shallow_size(u as u32)).sum()
            } else {
                h.shallow_size(v)
            };
            assert_eq!(h.retained_size(v), expected, "seed {seed} node {v}");
        }
        // The dominated index is the inverse of the dominator array.
        for v in 0..n as u32 {
            for &c in h.dominated(v) {
                assert_eq!(h.dominator(c), v);
            }
        }
        // Retainers: exactly the incoming edges, in reverse global edge order.
        let s = h.snapshot();
        for v in 0..n as u32 {
            let got: Vec<usize> = h.retainers(v).map(|(_, e)| e).collect();
            let mut want: Vec<usize> = (0..s.edge_count()).filter(|&e| s.edges.to[e] == v).collect();
            want.reverse();
            assert_eq!(got, want);
            for (src, e) in h.retainers(v) {
                assert!(s.edges_of(src).contains(&e));
            }
        }
    }
    assert!(with_orphans > 50, "{with_orphans}");
    assert!(with_cliques > 10, "{with_cliques}");
}
