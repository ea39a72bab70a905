//! §3.1 Reverse edges: a counting sort of edges by target ordinal. Each node's slice lists
//! its retainers in **reverse global edge order** (DevTools fills each slice from its end),
//! which the Retainers view's tie-breaks depend on.

use crate::Snapshot;

#[derive(Clone, Debug, Default)]
pub struct Retainers {
    /// `first[n]..first[n + 1]` bounds node n's slice; `len() == node_count + 1`.
    pub first: Vec<u32>,
    /// Per slot: the retaining edge's index.
    pub edges: Vec<u32>,
    /// Per slot: the retaining edge's source ordinal.
    pub sources: Vec<u32>,
}

impl Retainers {
    pub fn build(s: &Snapshot) -> Retainers {
        let n = s.node_count();
        let m = s.edge_count();
        let mut first = count_targets(&s.edges.to, n);
        // Inclusive prefix sums: first[t] = end of t's slice.
        let mut acc = 0u32;
        for c in first.iter_mut().take(n) {
            acc += *c;
            *c = acc;
        }
        first[n] = m as u32;
        let mut edges = vec![0u32; m];
        let mut sources = vec![0u32; m];
        for src in 0..n {
            for e in s.edges_of(src as u32) {
                let t = s.edges.to[e] as usize;
                first[t] -= 1;
                let slot = first[t] as usize;
                edges[slot] = e as u32;
                sources[slot] = src as u32;
            }
        }
        Retainers { first, edges, sources }
    }

    #[inline]
    pub fn range(&self, n: u32) -> std::ops::Range<usize> {
        self.first[n as usize] as usize..self.first[n as usize + 1] as usize
    }

    pub fn count(&self, n: u32) -> usize {
        self.range(n).len()
    }

    pub fn heap_bytes(&self) -> usize {
        (self.first.len() + self.edges.len() + self.sources.len()) * 4
    }
}

/// Per-target edge counts (len n + 1, last slot 0). One pass on one thread: per-thread count
/// arrays would cost more in fresh memory (4N each) than they save in time.
fn count_targets(to: &[u32], n: usize) -> Vec<u32> {
    let mut v = vec![0u32; n + 1];
    for &t in to {
        v[t as usize] += 1;
    }
    v
}
