//! DevTools-equal analysis over a [`crate::Snapshot`]: [`Heap::analyze`] runs Chrome
//! DevTools' heap snapshot pipeline (`HeapSnapshot.initialize`, spec §3), with the same
//! results, in this order:
//!
//! 1. DOM state + "Detached " (§3.2)
//! 2. flags incl. pageObject (§3.3); beside them, on the second core, the dominator pass's
//!    memory is mapped in
//! 3. essential-edge bitmap (§3.4)
//! 4. dominators (Semi-NCA on G1, §3.7: DFS, then essential predecessors in DFS-number
//!    space); beside them, on the second core, the predecessor lists' memory mapped in, the
//!    shallow-size transfer (§3.5: the ownership walk, then the size moves, on self sizes
//!    lent out of the snapshot, which none of the others reads), distances (§3.6), class
//!    names, interfaces, class keys (§4) and which nodes have one retainer, none of which
//!    needs the others' results
//! 5. retained sizes and the dominated index (§3.8–3.9); beside them the statistics' sums (§8)
//!
//! DevTools builds the full retainer index (§3.1) first; here it is built on first use
//! ([`Heap::retainer_index`]): the Summary and a diff's class rows never need it, and the
//! dominator pass needs only essential predecessors, without edge indices.
//!
//! # Memory (N nodes, E edges; beyond the Snapshot itself)
//! Kept for the Heap's lifetime: essential bits E/8, flags N, DOM state N, dominators 4N,
//! dominated index 8N, retained 8N, distances 4N, class key 4N; for 13M nodes ≈ 0.37 GB.
//! The retainer index, once asked for, adds 4(N+1)+8E (≈ 0.36 GB at 13M/39M).
//! Transient, freed when the phase ends (fresh memory costs time as well as space: the
//! kernel zeroes every new page, so scratch is sized to what each step needs):
//! - DOM state: visited N bytes + stacks.
//! - flags: one DFS stack (≤ 4N); `canBeQueried`, once a flag byte is asked for, N/8 more.
//! - essential edges: per node range (16 or fewer), its words of the bitmap and a WeakMap
//!   edge-name cache (a bit per string).
//! - dominators, allocated before the flags: num, in-degree (then the predecessor offsets,
//!   then semi), vertex, parent 4N each, the link-eval forest 8N and the predecessor lists
//!   4 per essential edge, + DFS stack ≤ 8N; at 13M/39M ≈ 0.45 GB, the peak. The results
//!   live on in it: dominators in num, the numbering order in vertex, retained sizes in the
//!   forest, the dominated index in the predecessor offsets and lists; parent is freed.
//! - beside them: the transfer's owners 4N + worklist (≤ 8N); distances' BFS frontier (≤ 4N)
//!   and the WeakMap pair set; classes' per-string class cache and property-name ranks
//!   (4·|strings| each) and interface candidates; two bits a node for "one retainer".
//! - retained/dominated/statistics: nothing new (the dominator pass's memory).

pub mod classes;
pub mod distances;
pub mod dom_state;
pub mod dominators;
pub mod essential;
pub mod flags;
pub mod graph;
pub mod retainers;
pub mod statistics;
pub mod summary;
pub mod transfer;
pub mod util;
pub mod well_known;

use std::sync::OnceLock;

use serde::Serialize;

pub use classes::{ClassKey, Classes, InterfaceDefinition};
pub use distances::{BASE_SYSTEM_DISTANCE, BASE_UNREACHABLE_DISTANCE, NO_DISTANCE};
pub use graph::EssentialGraph;
pub use retainers::Retainers;
pub use statistics::Statistics;
pub use summary::ClassSummary;
use util::BitVec;

use crate::Snapshot;

/// The pipeline steps, in order, as reported to [`Heap::analyze_with`]'s callback (each is
/// reported when it starts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    DomState,
    Flags,
    EssentialEdges,
    /// The dominator tree, with the shallow-size transfer, distances and class names
    /// computed alongside (on another thread when there is one).
    Dominators,
    /// Retained sizes and the dominated-node index, with the statistics alongside.
    RetainedSizes,
    Done,
}

/// One object of [`Heap::top_objects`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectInfo {
    pub id: u32,
    #[serde(rename = "type")]
    pub ty: String,
    pub name: String,
    pub class_name: String,
    pub self_size: u64,
    pub retained_size: u64,
    pub distance: i32,
}

/// A snapshot with everything DevTools computes on it. Owns the [`Snapshot`], whose self
/// sizes have been transferred in place (§3.5) and detached natives renamed (§3.2).
pub struct Heap {
    snapshot: Snapshot,
    /// Built on first use: the Summary and the diff's class rows never need it.
    retainers: OnceLock<Retainers>,
    essential: BitVec,
    dom_state: Vec<u8>,
    /// `detachedDOMTreeNode` and `pageObject`; `canBeQueried` is `queryable`, built on first use.
    flags: Vec<u8>,
    queryable: OnceLock<BitVec>,
    has_user_roots: bool,
    dominators: Vec<u32>,
    dominated_first: Vec<u32>,
    dominated: Vec<u32>,
    retained: Vec<u64>,
    distances: Vec<i32>,
    classes: Classes,
    statistics: Statistics,
    unreachable_from_root: usize,
    unreachable_in_g1: usize,
    ids_sorted: bool,
    /// Ordinals in id order, built on the first lookup when ids do not ascend (a snapshot
    /// taken after an earlier one lists old and new objects interleaved).
    by_id: OnceLock<Vec<u32>>,
    orphans: OnceLock<Vec<u32>>,
}

impl Heap {
    pub fn analyze(snapshot: Snapshot) -> Heap {
        Self::analyze_with(snapshot, &|_| {})
    }

    pub fn analyze_with(mut snapshot: Snapshot, progress: &dyn Fn(Phase)) -> Heap {
        progress(Phase::DomState);
        let dom_state = dom_state::propagate(&mut snapshot);
        let has_user_roots = flags::has_user_roots(&snapshot);
        let weak_maps = essential::WeakMapNames::find(&snapshot);
        let names = well_known::WellKnown::find(&snapshot);
        // The dominator pass's memory is allocated first and mapped in on the second core
        // while the first computes the flags (else the pass faults it in itself, up to half
        // its time on a VM). Then, beside the pass, the second core maps in the predecessor lists
        // (sized by the essential edges) and starts on everything else that only reads the
        // graph: the transfer's ownership walk, distances, class names, the statistics'
        // retainer counts, and their sums when no sizes are to move (no user roots: snapshots
        // of current Chrome). Those are nested joins, not one sequence, so the first core
        // takes what is left when its pass ends.
        progress(Phase::Flags);
        let mut scratch = dominators::Scratch::new(snapshot.node_count());
        let scratch_pages = scratch.ranges();
        let (flags, ()) = util::join(|| flags::calculate(&snapshot, &dom_state), || scratch_pages.populate());
        progress(Phase::EssentialEdges);
        let essential = essential::compute(&snapshot, &flags, &weak_maps);
        progress(Phase::Dominators);
        let sources_pages = scratch.add_sources(&essential);
        // The sizes move beside the pass: until the statistics' sums (which wait for them
        // when they move) nothing reads them.
        let mut lent = has_user_roots.then(|| transfer::LentSizes::take(&mut snapshot));
        let (d, ((_, distances), (classes, (single_retainer, early)))) = util::join(
            || dominators::compute_in(&snapshot, &essential, scratch),
            || {
                sources_pages.populate();
                util::join(
                    || {
                        util::join(
                            || {
                                if let Some(sizes) = lent.as_mut() {
                                    transfer::apply(&snapshot, sizes, &transfer::owners(&snapshot, &names));
                                }
                            },
                            || distances::calculate(&snapshot, &names, &weak_maps),
                        )
                    },
                    || {
                        util::join(
                            || classes::calculate(&snapshot, &snapshot.locations),
                            || {
                                let single = statistics::SingleRetainer::new(&snapshot);
                                let early = (!has_user_roots).then(|| statistics::tally(&snapshot, &names, &single));
                                (single, early)
                            },
                        )
                    },
                )
            },
        );
        if let Some(sizes) = lent {
            sizes.give_back(&mut snapshot);
        }
        // The dominator tree's two products side by side, and the statistics' sums if not
        // done yet.
        progress(Phase::RetainedSizes);
        let spare = d.spare;
        let ((retained, (dominated_first, dominated)), (sums, ids_sorted)) = util::join(
            || {
                util::join(
                    || dominators::retained_sizes(&snapshot, &d.dom, &d.order, spare.retained),
                    || dominators::dominated_index(&d.dom, snapshot.root(), spare.dominated_first, spare.dominated),
                )
            },
            || {
                let sums = early.unwrap_or_else(|| statistics::tally(&snapshot, &names, &single_retainer));
                (sums, snapshot.nodes.id.windows(2).all(|w| w[0] < w[1]))
            },
        );
        drop((d.order, single_retainer));
        let total = retained[snapshot.root() as usize] + snapshot.extra_native_bytes();
        let statistics = statistics::finish(&snapshot, sums, total);
        progress(Phase::Done);
        Heap {
            snapshot,
            retainers: OnceLock::new(),
            essential,
            dom_state,
            flags,
            queryable: OnceLock::new(),
            has_user_roots,
            dominators: d.dom,
            dominated_first,
            dominated,
            retained,
            distances,
            classes,
            statistics,
            unreachable_from_root: d.unreachable_from_root,
            unreachable_in_g1: d.unreachable_in_g1,
            ids_sorted,
            by_id: OnceLock::new(),
            orphans: OnceLock::new(),
        }
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Gives the (size-transferred, renamed) snapshot back.
    pub fn into_snapshot(self) -> Snapshot {
        self.snapshot
    }

    pub fn node_count(&self) -> usize {
        self.snapshot.node_count()
    }

    pub fn root(&self) -> u32 {
        self.snapshot.root()
    }

    /// Self size after the transfer.
    pub fn shallow_size(&self, n: u32) -> u64 {
        self.snapshot.self_size(n)
    }

    pub fn retained_size(&self, n: u32) -> u64 {
        self.retained[n as usize]
    }

    /// Immediate dominator (ordinal); the root's is itself.
    pub fn dominator(&self, n: u32) -> u32 {
        self.dominators[n as usize]
    }

    /// Children in the dominator tree, in descending ordinal order (DevTools' order).
    pub fn dominated(&self, n: u32) -> &[u32] {
        &self.dominated[self.dominated_first[n as usize] as usize..self.dominated_first[n as usize + 1] as usize]
    }

    /// BFS distance (§3.6); [`NO_DISTANCE`] (−5) when unreachable.
    pub fn distance(&self, n: u32) -> i32 {
        self.distances[n as usize]
    }

    /// Index into [`Heap::classes`]`().keys`.
    pub fn class_key(&self, n: u32) -> u32 {
        self.classes.node_key[n as usize]
    }

    pub fn class_name(&self, n: u32) -> &str {
        self.classes.key_name(self.class_key(n))
    }

    /// DevTools' public class key of a node (`,Foo` or `7,10,2,Foo`).
    pub fn public_class_key(&self, n: u32) -> String {
        self.classes.public_key(self.class_key(n))
    }

    pub fn classes(&self) -> &Classes {
        &self.classes
    }

    pub fn interface_definitions(&self) -> &[InterfaceDefinition] {
        &self.classes.interfaces
    }

    /// This snapshot's class keys recomputed under other interface definitions (usually the
    /// other snapshot's, as DevTools' Comparison view does for the base snapshot, §7). The
    /// Heap's own classes are unchanged; they are what is returned (borrowed) when `defs` name
    /// the same shapes as this snapshot's own definitions, as the result would be equal.
    pub fn class_keys_under(&self, defs: &[InterfaceDefinition]) -> std::borrow::Cow<'_, Classes> {
        let own = self.interface_definitions();
        let same_shapes = defs.len() == own.len()
            && defs.iter().zip(own).all(|(a, b)| a.name == b.name && a.properties == b.properties);
        if same_shapes {
            return std::borrow::Cow::Borrowed(&self.classes);
        }
        std::borrow::Cow::Owned(classes::calculate_with(&self.snapshot, &self.snapshot.locations, Some(defs)))
    }

    /// Whether node ids ascend with the ordinal (V8 writes them so); [`Heap::find_by_id`]
    /// binary-searches then.
    pub fn ids_sorted(&self) -> bool {
        self.ids_sorted
    }

    /// One object as reports show it.
    pub fn object_info(&self, n: u32) -> ObjectInfo {
        let mut name = self.display_name(n);
        if name.len() > 200 {
            let mut cut = 199;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            name.truncate(cut);
            name.push('…');
        }
        ObjectInfo {
            id: self.snapshot.node_id(n),
            ty: self.snapshot.node_type_name(self.snapshot.node_type(n)).to_owned(),
            name,
            class_name: self.class_name(n).to_owned(),
            self_size: self.shallow_size(n),
            retained_size: self.retained_size(n),
            distance: self.distance(n),
        }
    }

    /// §4.3 name of a single object.
    pub fn display_name(&self, n: u32) -> String {
        classes::display_name(&self.snapshot, n)
    }

    /// Retainers of `n` as (source ordinal, edge index), in DevTools' slice order (reverse
    /// global edge order).
    pub fn retainers(&self, n: u32) -> impl Iterator<Item = (u32, usize)> + '_ {
        let r = self.retainer_index();
        r.range(n).map(move |i| (r.sources[i], r.edges[i] as usize))
    }

    /// The reverse edge index (§3.1), built on first use (about 0.3 s and 8 bytes an edge
    /// on a 1 GB snapshot).
    pub fn retainer_index(&self) -> &Retainers {
        self.retainers.get_or_init(|| Retainers::build(&self.snapshot))
    }

    pub fn is_essential(&self, edge: usize) -> bool {
        self.essential.get(edge)
    }

    /// Propagated DOM link state: 0 unknown, 1 attached, 2 detached.
    pub fn dom_state(&self, n: u32) -> u8 {
        self.dom_state[n as usize]
    }

    /// §3.3 flag byte (`flags::CAN_BE_QUERIED | DETACHED_DOM_TREE_NODE | PAGE_OBJECT`).
    pub fn flags(&self, n: u32) -> u8 {
        let queryable = self.queryable.get_or_init(|| flags::can_be_queried(&self.snapshot));
        self.flags[n as usize] | if queryable.get(n as usize) { flags::CAN_BE_QUERIED } else { 0 }
    }

    /// Root retained size + `extra_native_bytes` (`HeapSnapshot.totalSize`).
    pub fn total_size(&self) -> u64 {
        self.retained[self.root() as usize] + self.snapshot.extra_native_bytes()
    }

    /// Nodes the essential-edge DFS from the root does not reach (DevTools' console
    /// warning "N nodes are unreachable from the root").
    pub fn unreachable_count(&self) -> usize {
        self.unreachable_from_root
    }

    /// Nodes reachable neither from the root nor from an orphan (DevTools' "Still found N
    /// unreachable nodes"); they are dominated by the root and retain only themselves.
    pub fn unreachable_clique_count(&self) -> usize {
        self.unreachable_in_g1
    }

    pub fn has_user_roots(&self) -> bool {
        self.has_user_roots
    }

    pub fn statistics(&self) -> Statistics {
        self.statistics
    }

    pub fn summary(&self) -> Vec<ClassSummary> {
        summary::summary(self)
    }

    /// The `limit` objects with the largest retained size (ties: lower ordinal first).
    pub fn top_objects(&self, limit: usize) -> Vec<ObjectInfo> {
        let n = self.node_count();
        let cmp = |a: &u32, b: &u32| self.retained[*b as usize].cmp(&self.retained[*a as usize]).then(a.cmp(b));
        let mut ords: Vec<u32> = (0..n as u32).collect();
        if limit < n {
            if limit == 0 {
                return Vec::new();
            }
            ords.select_nth_unstable_by(limit - 1, cmp);
            ords.truncate(limit);
        }
        ords.sort_unstable_by(cmp);
        ords.into_iter()
            .map(|o| ObjectInfo {
                id: self.snapshot.node_id(o),
                ty: self.snapshot.node_type_name(self.snapshot.node_type(o)).to_owned(),
                name: self.display_name(o),
                class_name: self.class_name(o).to_owned(),
                self_size: self.shallow_size(o),
                retained_size: self.retained_size(o),
                distance: self.distance(o),
            })
            .collect()
    }

    /// The ordinal of the node with this id.
    pub fn find_by_id(&self, id: u32) -> Option<u32> {
        let ids = &self.snapshot.nodes.id;
        if self.ids_sorted {
            return ids.binary_search(&id).ok().map(|i| i as u32);
        }
        let by_id = self.by_id.get_or_init(|| {
            // Sorting (id, ordinal) pairs keeps the sort's reads sequential; equal ids (a
            // malformed file) keep the lowest ordinal first, as a linear search would find.
            let mut pairs: Vec<(u32, u32)> = ids.iter().enumerate().map(|(o, &id)| (id, o as u32)).collect();
            util::sort_unstable(&mut pairs);
            let mut ordinals: Vec<u32> = pairs.into_iter().map(|(_, o)| o).collect();
            ordinals.shrink_to_fit();
            ordinals
        });
        let at = by_id.partition_point(|&o| ids[o as usize] < id);
        by_id.get(at).copied().filter(|&o| ids[o as usize] == id)
    }

    /// Nodes other than the root with no essential incoming edge, ascending (computed on
    /// first use; the dominator pass attaches them to the root).
    pub fn orphans(&self) -> &[u32] {
        self.orphans.get_or_init(|| {
            let root = self.root();
            (0..self.node_count() as u32)
                .filter(|&v| {
                    let r = self.retainer_index();
                    v != root && !r.range(v).any(|i| self.essential.get(r.edges[i] as usize))
                })
                .collect()
        })
    }
}
