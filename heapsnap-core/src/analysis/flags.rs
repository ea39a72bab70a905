//! §3.3 Node flags: `canBeQueried` (1), `detachedDOMTreeNode` (2), `pageObject` (4); and the
//! snapshot-level "has user roots" test that switches several passes on. `canBeQueried`
//! feeds no number DevTools shows (sizes, distances, classes), so it has a pass of its own,
//! run only when a flag byte is asked for.

use super::util::BitVec;
use crate::{EdgeType, NodeType, Snapshot};

pub const CAN_BE_QUERIED: u8 = 1;
pub const DETACHED_DOM_TREE_NODE: u8 = 2;
pub const PAGE_OBJECT: u8 = 4;

/// `(Document DOM trees)`: the synthetic root child older Blink added.
pub fn is_document_dom_trees_root(s: &Snapshot, n: u32) -> bool {
    s.nodes.ty[n as usize] == NodeType::SYNTHETIC
        && s.strings.raw(s.nodes.name[n as usize]) == Some(b"(Document DOM trees)".as_slice())
}

/// `JSHeapSnapshot.isUserRoot`: a non-synthetic node, or `(Document DOM trees)`.
pub fn is_user_root(s: &Snapshot, n: u32) -> bool {
    s.nodes.ty[n as usize] != NodeType::SYNTHETIC || is_document_dom_trees_root(s, n)
}

/// `#hasUserRoots`: some child of the root is a user root.
pub fn has_user_roots(s: &Snapshot) -> bool {
    let root = s.root();
    s.edges_of(root).any(|e| is_user_root(s, s.edges.to[e]))
}

/// canBeQueried: a DFS from the root's non-synthetic children over edges that are not
/// hidden, invisible, internal or weak.
pub fn can_be_queried(s: &Snapshot) -> BitVec {
    let mut queryable = BitVec::new(s.node_count());
    let mut stack: Vec<u32> = Vec::new();
    for e in s.edges_of(s.root()) {
        let c = s.edges.to[e];
        if s.nodes.ty[c as usize] != NodeType::SYNTHETIC && !queryable.get(c as usize) {
            queryable.set(c as usize);
            stack.push(c);
        }
    }
    while let Some(p) = stack.pop() {
        for e in s.edges_of(p) {
            let c = s.edges.to[e] as usize;
            if queryable.get(c) {
                continue;
            }
            if matches!(s.edges.ty[e], EdgeType::HIDDEN | EdgeType::INVISIBLE | EdgeType::INTERNAL | EdgeType::WEAK) {
                continue;
            }
            queryable.set(c);
            stack.push(c as u32);
        }
    }
    queryable
}

/// The `detachedDOMTreeNode` and `pageObject` flags (`canBeQueried` is [`can_be_queried`]).
pub fn calculate(s: &Snapshot, dom_state: &[u8]) -> Vec<u8> {
    let n = s.node_count();
    let mut flags = vec![0u8; n];
    let root = s.root();
    let mut stack: Vec<u32> = Vec::new();

    // detachedDOMTreeNode: natives whose propagated state is detached.
    for (o, f) in flags.iter_mut().enumerate() {
        if s.nodes.ty[o] == NodeType::NATIVE && dom_state[o] == super::dom_state::DETACHED {
            *f |= DETACHED_DOM_TREE_NODE;
        }
    }

    // pageObject: from the root's shortcut targets and element targets that are
    // `(Document DOM trees)`, everything reachable over non-weak edges.
    for e in s.edges_of(root) {
        let c = s.edges.to[e];
        let t = s.edges.ty[e];
        if t == EdgeType::ELEMENT {
            if !is_document_dom_trees_root(s, c) {
                continue;
            }
        } else if t != EdgeType::SHORTCUT {
            continue;
        }
        stack.push(c);
        flags[c as usize] |= PAGE_OBJECT;
    }
    while let Some(p) = stack.pop() {
        for e in s.edges_of(p) {
            let c = s.edges.to[e] as usize;
            if flags[c] & PAGE_OBJECT != 0 || s.edges.ty[e] == EdgeType::WEAK {
                continue;
            }
            flags[c] |= PAGE_OBJECT;
            stack.push(c as u32);
        }
    }
    flags
}
