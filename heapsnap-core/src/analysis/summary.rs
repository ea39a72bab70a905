//! §5 Summary view: per class key count, Σ self (nodes with self size > 0 after the
//! transfer), min distance, and the class retained size without double counting (a node
//! counts unless a proper dominator-tree ancestor is a counted-eligible node of the same
//! key), via an explicit-stack walk of the dominator tree.

use serde::Serialize;

use super::util::cmp_utf16;
use super::Heap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassSummary {
    /// DevTools' public class key: `,<name>` or `<script>,<line>,<column>,<name>`.
    pub key: String,
    pub name: String,
    pub count: u64,
    pub self_size: u64,
    pub retained_size: u64,
    pub distance: i32,
}

/// Per class key: count, Σ self, min distance and the first ordinal counted, over nodes with
/// a self size.
#[derive(Clone)]
struct Rows {
    count: Vec<u64>,
    selfs: Vec<u64>,
    dist: Vec<i32>,
    first_seen: Vec<u32>,
}

impl Rows {
    fn new(k: usize) -> Rows {
        Rows { count: vec![0; k], selfs: vec![0; k], dist: vec![i32::MAX; k], first_seen: vec![u32::MAX; k] }
    }

    fn add(mut self, h: &Heap, o: u32) -> Rows {
        let size = h.snapshot().self_size(o);
        if size != 0 {
            let c = h.classes.node_key[o as usize] as usize;
            self.first_seen[c] = self.first_seen[c].min(o);
            self.count[c] += 1;
            self.selfs[c] += size;
            self.dist[c] = self.dist[c].min(h.distances[o as usize]);
        }
        self
    }

    #[cfg_attr(not(feature = "parallel"), allow(dead_code))]
    fn merge(mut self, other: Rows) -> Rows {
        for c in 0..self.count.len() {
            self.count[c] += other.count[c];
            self.selfs[c] += other.selfs[c];
            self.dist[c] = self.dist[c].min(other.dist[c]);
            self.first_seen[c] = self.first_seen[c].min(other.first_seen[c]);
        }
        self
    }
}

pub fn summary(h: &Heap) -> Vec<ClassSummary> {
    let n = h.node_count() as u32;
    let k = h.classes.keys.len();
    // The per-node sums (over node ranges when parallel) beside the dominator-tree walk.
    let (Rows { count, selfs, dist, first_seen }, retained) = super::util::join(
        || {
            // One range per thread: the rows are per class, and there may be many classes.
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                let parts = rayon::current_num_threads() as u64;
                let cut = |p: u64| (n as u64 * p / parts) as u32;
                (0..parts)
                    .into_par_iter()
                    .map(|p| (cut(p)..cut(p + 1)).fold(Rows::new(k), |r, o| r.add(h, o)))
                    .reduce(|| Rows::new(k), Rows::merge)
            }
            #[cfg(not(feature = "parallel"))]
            (0..n).fold(Rows::new(k), |r, o| r.add(h, o))
        },
        || class_retained(h),
    );
    let mut rows: Vec<usize> = (0..k).filter(|&c| count[c] > 0).collect();
    rows.sort_by_key(|&c| first_seen[c]);
    let mut out: Vec<ClassSummary> = rows
        .into_iter()
        .map(|c| ClassSummary {
            key: h.classes.public_key(c as u32),
            name: h.classes.key_name(c as u32).to_owned(),
            count: count[c],
            self_size: selfs[c],
            retained_size: retained[c],
            distance: dist[c],
        })
        .collect();
    out.sort_by(|a, b| b.retained_size.cmp(&a.retained_size).then_with(|| cmp_utf16(&a.name, &b.name)));
    out
}

/// `calculateClassesRetainedSize` for the "all objects" filter.
fn class_retained(h: &Heap) -> Vec<u64> {
    let s = h.snapshot();
    let k = h.classes.keys.len();
    let mut max_ret = vec![0u64; k];
    let mut seen = vec![false; k];
    let mut list: Vec<u32> = vec![s.root()];
    // (list length at which the class stops being "seen", class key)
    let mut marks: Vec<(usize, u32)> = Vec::new();
    while let Some(v) = list.pop() {
        let c = h.classes.node_key[v as usize];
        let children = h.dominated(v);
        if !seen[c as usize] && s.self_size(v) != 0 {
            max_ret[c as usize] += h.retained[v as usize];
            if !children.is_empty() {
                seen[c as usize] = true;
                marks.push((list.len(), c));
            }
        }
        list.extend_from_slice(children);
        let l = list.len();
        while let Some(&(at, c)) = marks.last() {
            if at != l {
                break;
            }
            marks.pop();
            seen[c as usize] = false;
        }
    }
    max_ret
}
