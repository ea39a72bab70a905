//! §3.5 Shallow-size transfer (`JSHeapSnapshot.calculateShallowSizes`): hidden and array
//! nodes (and `system / ExternalStringData` natives) owned by exactly one other node have
//! their self size moved onto that owner. Runs only when the snapshot has user roots.

use std::collections::BTreeMap;

use super::well_known::{Name, WellKnown};
use crate::snapshot::{self_size_in, set_self_size_in};
use crate::{EdgeType, NodeType, Snapshot};

const UNVISITED: u32 = u32::MAX;
const MULTIPLE: u32 = u32::MAX - 1;

/// Moves sizes in place. Returns how many nodes gave their size away.
pub fn transfer(s: &mut Snapshot) -> usize {
    let owners = owners(s, &WellKnown::find(s));
    let mut lent = LentSizes::take(s);
    let moved = apply(s, &mut lent, &owners);
    lent.give_back(s);
    moved
}

/// The owner of each node (itself, another node, or none), by a walk that only reads the
/// snapshot, so it can run beside other readers.
///
/// A node of a type that can be owned takes the owner of the first node to reach it, and
/// becomes `MULTIPLE` when a second owner does; each change is passed on to its children.
/// That reaches the same fixed point in any order, so the owned-type nodes are taken in
/// ordinal order (their edges read in sequence), each followed by what it passes on while
/// it is fresh in cache, rather than from a stack of every node; and an edge's target is
/// looked up in the owners (4 bytes a node) only when its type (1 byte) can be owned.
pub fn owners(s: &Snapshot, names: &WellKnown) -> Vec<u32> {
    let n = s.node_count();
    assert!((n as u64) < MULTIPLE as u64, "too many nodes for calculateShallowSizes");
    let may_be_owned = |t: NodeType| t == NodeType::HIDDEN || t == NodeType::ARRAY || t == NodeType::NATIVE;
    let mut owners = vec![0u32; n];
    for (i, o) in owners.iter_mut().enumerate() {
        let t = s.nodes.ty[i];
        let unowned = may_be_owned(t) && (t != NodeType::NATIVE || names.is(Name::ExternalStringData, s.nodes.name[i]));
        *o = if unowned { UNVISITED } else { i as u32 };
    }
    let mut worklist: Vec<u32> = Vec::new();
    for i in 0..n as u32 {
        if owners[i as usize] != i {
            continue;
        }
        worklist.push(i);
        while let Some(id) = worklist.pop() {
            let owner = owners[id as usize];
            for e in s.edges_of(id) {
                let t = s.edges.to[e];
                if s.edges.ty[e] == EdgeType::WEAK || !may_be_owned(s.nodes.ty[t as usize]) {
                    continue;
                }
                let cur = owners[t as usize];
                if cur == UNVISITED {
                    owners[t as usize] = owner;
                    worklist.push(t);
                } else if cur == t || cur == owner || cur == MULTIPLE {
                } else {
                    owners[t as usize] = MULTIPLE;
                    worklist.push(t);
                }
            }
        }
    }
    owners
}

/// The self-size columns taken out of a [`Snapshot`], so that the sizes can move while other
/// threads read the rest of it (nothing else during the dominator pass reads sizes). While
/// they are out, the snapshot's size columns are empty: a reader would fail loudly.
pub struct LentSizes {
    sizes: Vec<u32>,
    big: BTreeMap<u32, u64>,
}

impl LentSizes {
    pub fn take(s: &mut Snapshot) -> LentSizes {
        LentSizes { sizes: std::mem::take(&mut s.nodes.self_size), big: std::mem::take(&mut s.nodes.big_self_size) }
    }

    pub fn give_back(self, s: &mut Snapshot) {
        s.nodes.self_size = self.sizes;
        s.nodes.big_self_size = self.big;
    }
}

/// Moves each owned node's size onto its owner (not onto the root or a synthetic node), in
/// the sizes lent out of `s`.
pub fn apply(s: &Snapshot, lent: &mut LentSizes, owners: &[u32]) -> usize {
    let n = s.node_count();
    let root = s.root();
    let LentSizes { sizes, big } = lent;
    let mut moved = 0;
    for i in 0..n as u32 {
        let o = owners[i as usize];
        if o == UNVISITED || o == MULTIPLE || o == i {
            continue;
        }
        if s.nodes.ty[o as usize] == NodeType::SYNTHETIC || o == root {
            continue;
        }
        let size = self_size_in(sizes, big, i);
        set_self_size_in(sizes, big, i, 0);
        let total = self_size_in(sizes, big, o) + size;
        set_self_size_in(sizes, big, o, total);
        moved += 1;
    }
    moved
}
