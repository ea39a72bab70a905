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

pub fn summary(h: &Heap) -> Vec<ClassSummary> {
    let s = h.snapshot();
    let n = s.node_count();
    let k = h.classes.keys.len();
    let mut count = vec![0u64; k];
    let mut selfs = vec![0u64; k];
    let mut dist = vec![i32::MAX; k];
    let mut first_seen = vec![u32::MAX; k];
    for o in 0..n as u32 {
        let size = s.self_size(o);
        if size == 0 {
            continue;
        }
        let c = h.classes.node_key[o as usize] as usize;
        if count[c] == 0 {
            first_seen[c] = o;
        }
        count[c] += 1;
        selfs[c] += size;
        dist[c] = dist[c].min(h.distances[o as usize]);
    }
    let retained = class_retained(h);
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
