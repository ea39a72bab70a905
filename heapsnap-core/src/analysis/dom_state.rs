//! §3.2 DOM link state: seed from the `detachedness` column, propagate attached state, then
//! detached state, through native nodes only; rename detached natives `"Detached " + name`.

use std::collections::HashMap;

use crate::{EdgeType, NodeType, Snapshot};

pub const UNKNOWN: u8 = 0;
pub const ATTACHED: u8 = 1;
pub const DETACHED: u8 = 2;

/// Returns the per-node state (0 unknown, 1 attached, 2 detached) after propagation, and
/// renames detached native nodes in place (new strings are appended to the table).
pub fn propagate(s: &mut Snapshot) -> Vec<u8> {
    let n = s.node_count();
    if s.nodes.detachedness.is_empty() {
        // Old snapshots: natives named "Detached ..." are detached; no propagation.
        let mut state = vec![UNKNOWN; n];
        for (o, st) in state.iter_mut().enumerate() {
            if s.nodes.ty[o] == NodeType::NATIVE && s.node_name(o as u32).starts_with("Detached ") {
                *st = DETACHED;
            }
        }
        return state;
    }
    let mut state: Vec<u8> = s.nodes.detachedness.iter().map(|&d| d.min(3)).collect();
    let mut visited = vec![false; n];
    let mut attached: Vec<u32> = Vec::new();
    let mut detached: Vec<u32> = Vec::new();
    let mut renamed: HashMap<u32, u32> = HashMap::new();

    let mut process = |s: &mut Snapshot,
                       state: &mut [u8],
                       o: u32,
                       new_state: u8,
                       attached: &mut Vec<u32>,
                       detached: &mut Vec<u32>| {
        let ou = o as usize;
        if visited[ou] {
            return;
        }
        visited[ou] = true;
        if s.nodes.ty[ou] != NodeType::NATIVE {
            return;
        }
        state[ou] = new_state;
        if new_state == ATTACHED {
            attached.push(o);
        } else if new_state == DETACHED {
            let old = s.nodes.name[ou];
            let new = *renamed.entry(old).or_insert_with(|| {
                let text = format!("Detached {}", s.strings.get(old));
                s.strings.push_string(&text)
            });
            s.nodes.name[ou] = new;
            detached.push(o);
        }
    };
    let follows = |t: EdgeType| !matches!(t, EdgeType::HIDDEN | EdgeType::INVISIBLE | EdgeType::WEAK);

    for o in 0..n as u32 {
        let st = state[o as usize];
        if st != UNKNOWN {
            process(s, &mut state, o, st, &mut attached, &mut detached);
        }
    }
    while let Some(p) = attached.pop() {
        for e in s.edges_of(p) {
            if follows(s.edges.ty[e]) {
                let c = s.edges.to[e];
                process(s, &mut state, c, ATTACHED, &mut attached, &mut detached);
            }
        }
    }
    while let Some(p) = detached.pop() {
        if state[p as usize] == ATTACHED {
            continue;
        }
        for e in s.edges_of(p) {
            if follows(s.edges.ty[e]) {
                let c = s.edges.to[e];
                process(s, &mut state, c, DETACHED, &mut attached, &mut detached);
            }
        }
    }
    state
}
