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
#[derive(Clone, Copy)]
struct Row {
    count: u64,
    selfs: u64,
    dist: i32,
    first_seen: u32,
}

const EMPTY: Row = Row { count: 0, selfs: 0, dist: i32::MAX, first_seen: u32::MAX };

/// The rows of the nodes in `range`, in one pass over the columns it reads.
fn rows(h: &Heap, range: std::ops::Range<u32>) -> Vec<Row> {
    let mut rows = vec![EMPTY; h.classes.keys.len()];
    let (from, to) = (range.start as usize, range.end as usize);
    let columns =
        h.snapshot().nodes.self_size[from..to].iter().zip(&h.classes.node_key[from..to]).zip(&h.distances[from..to]);
    for (o, ((&size, &c), &dist)) in (range.start..).zip(columns) {
        if size != 0 {
            let size = if size == u32::MAX { h.snapshot().self_size(o) } else { size as u64 };
            let row = &mut rows[c as usize];
            row.first_seen = row.first_seen.min(o);
            row.count += 1;
            row.selfs += size;
            row.dist = row.dist.min(dist);
        }
    }
    rows
}

#[cfg_attr(not(feature = "parallel"), allow(dead_code))]
fn merge(mut rows: Vec<Row>, other: Vec<Row>) -> Vec<Row> {
    for (r, o) in rows.iter_mut().zip(other) {
        r.count += o.count;
        r.selfs += o.selfs;
        r.dist = r.dist.min(o.dist);
        r.first_seen = r.first_seen.min(o.first_seen);
    }
    rows
}

pub fn summary(h: &Heap) -> Vec<ClassSummary> {
    let n = h.node_count() as u32;
    let k = h.classes.keys.len();
    // The per-node sums (over node ranges when parallel) beside the dominator-tree walk.
    let (rows_of, retained) = super::util::join(
        || {
            // One range per thread: the rows are per class, and there may be many classes.
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                let parts = rayon::current_num_threads() as u64;
                let cut = |p: u64| (n as u64 * p / parts) as u32;
                (0..parts).into_par_iter().map(|p| rows(h, cut(p)..cut(p + 1))).reduce(|| vec![EMPTY; k], merge)
            }
            #[cfg(not(feature = "parallel"))]
            rows(h, 0..n)
        },
        || class_retained(h),
    );
    let mut classes: Vec<usize> = (0..k).filter(|&c| rows_of[c].count > 0).collect();
    classes.sort_by_key(|&c| rows_of[c].first_seen);
    let mut out: Vec<ClassSummary> = classes
        .into_iter()
        .map(|c| ClassSummary {
            key: h.classes.public_key(c as u32),
            name: h.classes.key_name(c as u32).to_owned(),
            count: rows_of[c].count,
            self_size: rows_of[c].selfs,
            retained_size: retained[c],
            distance: rows_of[c].dist,
        })
        .collect();
    out.sort_by(|a, b| b.retained_size.cmp(&a.retained_size).then_with(|| cmp_utf16(&a.name, &b.name)));
    out
}

/// `calculateClassesRetainedSize` for the "all objects" filter: a walk down the dominator
/// tree, where a node counts unless its class is "seen" on its path from the root.
/// The walk's reads are at random, so alone it took as long as the rest of the Summary
/// (1 GB snapshot: 0.15 s); with more than one thread, parts of the tree go to tasks of
/// their own, each with the seen classes of its path (see [`class_retained_split`]).
fn class_retained(h: &Heap) -> Vec<u64> {
    let root = h.snapshot().root();
    #[cfg(feature = "parallel")]
    if rayon::current_num_threads() > 1 {
        return class_retained_split(h, (h.retained[root as usize] / 256).max(1), 4096);
    }
    walk(h, &[root], &mut vec![false; h.classes.keys.len()], |children, _, list| list.extend_from_slice(children))
}

/// [`class_retained`] in tasks. Walked by a task of its own: a child retaining at least `big`
/// bytes whose siblings together retain `big` more (a chain is no work to share), and the
/// children of a node with `wide` or more, `wide` at a time (a cache's entries).
#[cfg(feature = "parallel")]
fn class_retained_split(h: &Heap, big: u64, wide: usize) -> Vec<u64> {
    use std::sync::Mutex;
    fn task<'s>(
        scope: &rayon::Scope<'s>,
        h: &'s Heap,
        starts: &'s [u32],
        mut seen: Vec<bool>,
        (big, wide): (u64, usize),
        sums: &'s Mutex<Vec<u64>>,
    ) {
        let own = walk(h, starts, &mut seen, |children: &'s [u32], seen, list| {
            let spawn = |starts: &'s [u32]| {
                let seen = seen.to_vec();
                scope.spawn(move |scope| task(scope, h, starts, seen, (big, wide), sums));
            };
            if children.len() >= wide {
                children.chunks(wide).for_each(spawn);
                return;
            }
            let siblings: u64 = children.iter().map(|&c| h.retained[c as usize]).sum();
            for c in children {
                let r = h.retained[*c as usize];
                if r >= big && r.saturating_add(big) <= siblings {
                    spawn(std::slice::from_ref(c));
                } else {
                    list.push(*c);
                }
            }
        });
        let mut sums = sums.lock().unwrap_or_else(|e| e.into_inner());
        for (s, o) in sums.iter_mut().zip(own) {
            *s += o;
        }
    }
    let sums = Mutex::new(vec![0u64; h.classes.keys.len()]);
    let root = [h.snapshot().root()];
    rayon::scope(|scope| task(scope, h, &root, vec![false; h.classes.keys.len()], (big, wide), &sums));
    sums.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The class sums of the dominator subtrees of `starts`, with `seen` the classes seen on
/// their path from the root (as it was again on return). `push(children, seen, list)` puts
/// the children of a node onto the walk's `list`, or those of them it does not walk itself.
fn walk<'h>(
    h: &'h Heap,
    starts: &[u32],
    seen: &mut [bool],
    mut push: impl FnMut(&'h [u32], &[bool], &mut Vec<u32>),
) -> Vec<u64> {
    let s = h.snapshot();
    let mut max_ret = vec![0u64; seen.len()];
    let mut list: Vec<u32> = starts.to_vec();
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
        push(children, seen, &mut list);
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

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn heap(name: &str) -> Heap {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata").join(name);
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()).read_to_end(&mut bytes).unwrap();
        Heap::analyze(crate::parse::parse_bytes(std::sync::Arc::new(bytes), &Default::default()).unwrap())
    }

    /// The walk in tasks, split as finely as it goes (every node with two children hands them
    /// on), as the bench splits it, and not at all, sums to what one walk does.
    #[test]
    #[cfg(feature = "parallel")]
    fn class_retained_in_tasks_equals_one_walk() {
        for name in ["node-service.heapsnapshot.gz", "chromium-detached-a.heapsnapshot.gz"] {
            let h = heap(name);
            let root = h.snapshot().root();
            let one = walk(&h, &[root], &mut vec![false; h.classes.keys.len()], |c, _, list| list.extend_from_slice(c));
            assert!(one.iter().filter(|&&r| r > 0).count() > 10, "{name}: a walk with classes to tell apart");
            let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
            for (big, wide) in [(1, 2), ((h.retained[root as usize] / 256).max(1), 4096), (u64::MAX, usize::MAX)] {
                assert_eq!(pool.install(|| class_retained_split(&h, big, wide)), one, "{name}: big {big}, wide {wide}");
            }
        }
    }
}
