//! A zero-copy petgraph view of the essential-edge graph, so petgraph's algorithms (notably
//! `petgraph::algo::dominators::simple_fast`) run on a snapshot directly. NodeId = ordinal.
//! With [`EssentialGraph::with_orphan_edges`] the root also points at every orphan (a node
//! other than the root with no essential incoming edge): the graph `G1` of §3.7.

use petgraph::visit::{
    GraphBase, GraphRef, IntoNeighbors, IntoNeighborsDirected, IntoNodeIdentifiers, NodeCount, NodeIndexable, VisitMap,
    Visitable,
};
use petgraph::Direction;

use super::util::BitVec;
use super::Heap;

#[derive(Clone, Copy)]
pub struct EssentialGraph<'a> {
    heap: &'a Heap,
    orphans: Option<&'a [u32]>,
}

impl<'a> EssentialGraph<'a> {
    /// Essential edges only.
    pub fn new(heap: &'a Heap) -> Self {
        EssentialGraph { heap, orphans: None }
    }
    /// Essential edges plus root → orphan edges.
    pub fn with_orphan_edges(heap: &'a Heap) -> Self {
        EssentialGraph { heap, orphans: Some(heap.orphans()) }
    }
    pub fn root(&self) -> u32 {
        self.heap.snapshot().root()
    }
}

impl GraphBase for EssentialGraph<'_> {
    type NodeId = u32;
    type EdgeId = usize;
}

impl GraphRef for EssentialGraph<'_> {}

/// A visited-set, one bit per node.
pub struct VisitBits(BitVec);

impl VisitMap<u32> for VisitBits {
    fn visit(&mut self, a: u32) -> bool {
        let was = self.0.get(a as usize);
        self.0.set(a as usize);
        !was
    }
    fn is_visited(&self, a: &u32) -> bool {
        self.0.get(*a as usize)
    }
    fn unvisit(&mut self, a: u32) -> bool {
        let was = self.0.get(a as usize);
        self.0.clear(a as usize);
        was
    }
}

pub struct Neighbors<'a> {
    heap: &'a Heap,
    edges: std::ops::Range<usize>,
    extra: std::slice::Iter<'a, u32>,
}

impl Iterator for Neighbors<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        for e in self.edges.by_ref() {
            if self.heap.essential.get(e) {
                return Some(self.heap.snapshot().edges.to[e]);
            }
        }
        self.extra.next().copied()
    }
}

pub struct Incoming<'a> {
    heap: &'a Heap,
    slots: std::ops::Range<usize>,
    from_root: bool,
}

impl Iterator for Incoming<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let r = self.heap.retainer_index();
        for i in self.slots.by_ref() {
            if self.heap.essential.get(r.edges[i] as usize) {
                return Some(r.sources[i]);
            }
        }
        if std::mem::take(&mut self.from_root) {
            return Some(self.heap.snapshot().root());
        }
        None
    }
}

impl<'a> IntoNeighbors for EssentialGraph<'a> {
    type Neighbors = Neighbors<'a>;
    fn neighbors(self, a: u32) -> Neighbors<'a> {
        let extra = match self.orphans {
            Some(o) if a == self.root() => o.iter(),
            _ => [].iter(),
        };
        Neighbors { heap: self.heap, edges: self.heap.snapshot().edges_of(a), extra }
    }
}

impl<'a> IntoNeighborsDirected for EssentialGraph<'a> {
    type NeighborsDirected = Directed<'a>;
    fn neighbors_directed(self, a: u32, d: Direction) -> Self::NeighborsDirected {
        match d {
            Direction::Outgoing => Directed::Out(self.neighbors(a)),
            Direction::Incoming => {
                let from_root = self.orphans.is_some_and(|o| o.binary_search(&a).is_ok());
                Directed::In(Incoming { heap: self.heap, slots: self.heap.retainer_index().range(a), from_root })
            }
        }
    }
}

pub enum Directed<'a> {
    Out(Neighbors<'a>),
    In(Incoming<'a>),
}

impl Iterator for Directed<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        match self {
            Directed::Out(i) => i.next(),
            Directed::In(i) => i.next(),
        }
    }
}

impl IntoNodeIdentifiers for EssentialGraph<'_> {
    type NodeIdentifiers = std::ops::Range<u32>;
    fn node_identifiers(self) -> Self::NodeIdentifiers {
        0..self.heap.node_count() as u32
    }
}

impl NodeCount for EssentialGraph<'_> {
    fn node_count(&self) -> usize {
        self.heap.node_count()
    }
}

impl NodeIndexable for EssentialGraph<'_> {
    fn node_bound(&self) -> usize {
        self.heap.node_count()
    }
    fn to_index(&self, a: u32) -> usize {
        a as usize
    }
    fn from_index(&self, i: usize) -> u32 {
        i as u32
    }
}

impl Visitable for EssentialGraph<'_> {
    type Map = VisitBits;
    fn visit_map(&self) -> VisitBits {
        VisitBits(BitVec::new(self.heap.node_count()))
    }
    fn reset_map(&self, map: &mut VisitBits) {
        map.0 = BitVec::new(self.heap.node_count());
    }
}
