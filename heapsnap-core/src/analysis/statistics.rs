//! §8 Statistics view (`JSHeapSnapshot.calculateStatistics`), on sizes after the transfer.

use serde::{Deserialize, Serialize};

use super::util::BitVec;
use super::well_known::{Name, WellKnown};
use crate::{EdgeType, NodeType, Snapshot};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    pub total: u64,
    pub native: NativeStatistics,
    pub v8heap: V8HeapStatistics,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeStatistics {
    pub total: u64,
    pub typed_arrays: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V8HeapStatistics {
    pub total: u64,
    pub code: u64,
    pub js_arrays: u64,
    pub strings: u64,
    pub system: u64,
}

/// The per-category sums, before the total (the root's retained size) is known.
#[derive(Clone, Copy, Default)]
pub struct Acc {
    native: u64,
    typed: u64,
    code: u64,
    strings: u64,
    arrays: u64,
    system: u64,
}

impl Acc {
    #[cfg_attr(not(feature = "parallel"), allow(dead_code))]
    fn add(mut self, o: Acc) -> Acc {
        self.native += o.native;
        self.typed += o.typed;
        self.code += o.code;
        self.strings += o.strings;
        self.arrays += o.arrays;
        self.system += o.system;
        self
    }
}

fn visit(s: &Snapshot, names: &WellKnown, single: &SingleRetainer, o: u32, mut acc: Acc) -> Acc {
    let size = s.self_size(o);
    let t = s.nodes.ty[o as usize];
    if t == NodeType::HIDDEN {
        acc.system += size;
    } else if t == NodeType::NATIVE {
        acc.native += size;
        if names.is(Name::JsArrayBufferData, s.nodes.name[o as usize]) {
            acc.typed += size;
        }
    } else if t == NodeType::CODE {
        acc.code += size;
    } else if t.is_string() {
        acc.strings += size;
    } else if names.is(Name::Array, s.nodes.name[o as usize]) {
        acc.arrays += array_size(s, names, single, o);
    }
    acc
}

/// `calculateArraySize`: the node's size plus its first internal `elements` target's size
/// when that target has exactly one retainer.
fn array_size(s: &Snapshot, names: &WellKnown, single: &SingleRetainer, o: u32) -> u64 {
    let mut size = s.self_size(o);
    for e in s.edges_of(o) {
        if s.edges.ty[e] != EdgeType::INTERNAL {
            continue;
        }
        if !names.is(Name::Elements, s.edges.name_or_index[e]) {
            continue;
        }
        let t = s.edges.to[e];
        if single.has_one(t) {
            size += s.self_size(t);
        }
        break;
    }
    size
}

/// Which nodes have exactly one retaining edge: two bits a node (seen, seen again), all that
/// `calculateArraySize` asks of the retainers.
pub struct SingleRetainer {
    once: BitVec,
    more: BitVec,
}

impl SingleRetainer {
    pub fn new(s: &Snapshot) -> Self {
        let mut once = BitVec::new(s.node_count());
        let mut more = BitVec::new(s.node_count());
        for &t in &s.edges.to {
            if once.get(t as usize) {
                more.set(t as usize);
            } else {
                once.set(t as usize);
            }
        }
        SingleRetainer { once, more }
    }

    fn has_one(&self, n: u32) -> bool {
        self.once.get(n as usize) && !self.more.get(n as usize)
    }
}

/// The sums over every node (sizes after the transfer); [`finish`] adds the total.
pub fn tally(s: &Snapshot, names: &WellKnown, single: &SingleRetainer) -> Acc {
    let n = s.node_count() as u32;
    #[cfg(feature = "parallel")]
    let acc = {
        use rayon::prelude::*;
        (0..n).into_par_iter().fold(Acc::default, |a, o| visit(s, names, single, o, a)).reduce(Acc::default, Acc::add)
    };
    #[cfg(not(feature = "parallel"))]
    let acc = (0..n).fold(Acc::default(), |a, o| visit(s, names, single, o, a));
    acc
}

/// The Statistics view from the sums and the total size (`HeapSnapshot.totalSize`).
pub fn finish(s: &Snapshot, acc: Acc, total_size: u64) -> Statistics {
    let native = s.extra_native_bytes() + acc.native;
    Statistics {
        total: total_size,
        native: NativeStatistics { total: native, typed_arrays: acc.typed },
        v8heap: V8HeapStatistics {
            total: total_size.saturating_sub(native),
            code: acc.code,
            js_arrays: acc.arrays,
            strings: acc.strings,
            system: acc.system,
        },
    }
}
