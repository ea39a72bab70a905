//! §3.6 Distances: BFS from the user roots (distance 1), then from the root (at
//! 100 000 000 if a user root was found, else 0). Weak edges are never followed; the JS
//! filter drops `sloppy_function_map` from a hidden NativeContext, descriptor links of
//! `(map descriptors)` arrays, and the first edge of each WeakMap ephemeron pair.

use std::collections::{HashSet, VecDeque};

use super::essential::WeakMapNames;
use super::flags::is_user_root;
use super::util::js_parse_int;
use super::well_known::{Name, WellKnown};
use crate::{EdgeType, NodeType, Snapshot};

pub const NO_DISTANCE: i32 = -5;
pub const BASE_SYSTEM_DISTANCE: i32 = 100_000_000;
pub const BASE_UNREACHABLE_DISTANCE: i32 = 200_000_000;

struct Filter<'a> {
    s: &'a Snapshot,
    names: &'a WellKnown,
    weak_maps: &'a WeakMapNames,
    pending: HashSet<String>,
}

impl Filter<'_> {
    fn accepts(&mut self, node: u32, e: usize) -> bool {
        let s = self.s;
        let nt = s.nodes.ty[node as usize];
        let et = s.edges.ty[e];
        let names = self.names;
        if nt == NodeType::HIDDEN
            && et.has_string_name()
            && names.is(Name::SloppyFunctionMap, s.edges.name_or_index[e])
            && names.is(Name::NativeContext, s.nodes.name[node as usize])
        {
            return false;
        }
        if nt == NodeType::ARRAY && names.is(Name::MapDescriptors, s.nodes.name[node as usize]) {
            let idx = if et.has_string_name() {
                js_parse_int(&s.strings.get(s.edges.name_or_index[e]))
            } else {
                Some(s.edges.name_or_index[e] as f64)
            };
            return match idx {
                Some(i) => i < 2.0 || i % 3.0 != 1.0,
                None => true,
            };
        }
        if et == EdgeType::INTERNAL {
            if let Some(m) = self.weak_maps.get(s.edges.name_or_index[e]) {
                if !self.pending.remove(&m.duplicated_part) {
                    let part = m.duplicated_part.clone();
                    self.pending.insert(part);
                    return false;
                }
            }
        }
        true
    }
}

pub fn calculate(s: &Snapshot, names: &WellKnown, weak_maps: &WeakMapNames) -> Vec<i32> {
    let n = s.node_count();
    let root = s.root();
    let mut dist = vec![NO_DISTANCE; n];
    // A ring buffer holds only the frontier, not every node reached.
    let mut queue: VecDeque<u32> = VecDeque::new();
    let mut filter = Filter { s, names, weak_maps, pending: HashSet::new() };
    for e in s.edges_of(root) {
        let c = s.edges.to[e];
        if is_user_root(s, c) {
            dist[c as usize] = 1;
            queue.push_back(c);
        }
    }
    let found_user_roots = !queue.is_empty();
    bfs(s, &mut queue, &mut dist, &mut filter);
    dist[root as usize] = if found_user_roots { BASE_SYSTEM_DISTANCE } else { 0 };
    queue.clear();
    queue.push_back(root);
    bfs(s, &mut queue, &mut dist, &mut filter);
    dist
}

fn bfs(s: &Snapshot, queue: &mut VecDeque<u32>, dist: &mut [i32], filter: &mut Filter<'_>) {
    while let Some(v) = queue.pop_front() {
        let d = dist[v as usize] + 1;
        for e in s.edges_of(v) {
            if s.edges.ty[e] == EdgeType::WEAK {
                continue;
            }
            let c = s.edges.to[e];
            if dist[c as usize] != NO_DISTANCE {
                continue;
            }
            if !filter.accepts(v, e) {
                continue;
            }
            dist[c as usize] = d;
            queue.push_back(c);
        }
    }
}
