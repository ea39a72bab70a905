//! The parsed snapshot as a compact, ordinal-indexed graph: struct-of-arrays node columns,
//! CSR edges in file order (a node's edges are `first_edge[n]..first_edge[n+1]`).
//! Types are normalized to fixed codes so analysis code can match on them whatever order the
//! file's `meta` lists them in.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::meta::{EdgeLayout, Header, NodeLayout, TypeNames};
use crate::strings::StringTable;

/// A node type, normalized: V8's known types have the fixed codes below (V8's own order);
/// a type name this crate does not know gets `UNKNOWN_BASE + its index in meta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct NodeType(pub u8);

impl NodeType {
    pub const HIDDEN: NodeType = NodeType(0);
    pub const ARRAY: NodeType = NodeType(1);
    pub const STRING: NodeType = NodeType(2);
    pub const OBJECT: NodeType = NodeType(3);
    pub const CODE: NodeType = NodeType(4);
    pub const CLOSURE: NodeType = NodeType(5);
    pub const REGEXP: NodeType = NodeType(6);
    pub const NUMBER: NodeType = NodeType(7);
    pub const NATIVE: NodeType = NodeType(8);
    pub const SYNTHETIC: NodeType = NodeType(9);
    pub const CONCATENATED_STRING: NodeType = NodeType(10);
    pub const SLICED_STRING: NodeType = NodeType(11);
    pub const SYMBOL: NodeType = NodeType(12);
    pub const BIGINT: NodeType = NodeType(13);
    pub const OBJECT_SHAPE: NodeType = NodeType(14);
    pub const WASM_OBJECT: NodeType = NodeType(15);
    pub const UNKNOWN_BASE: u8 = 32;

    pub const KNOWN: [&'static str; 16] = [
        "hidden",
        "array",
        "string",
        "object",
        "code",
        "closure",
        "regexp",
        "number",
        "native",
        "synthetic",
        "concatenated string",
        "sliced string",
        "symbol",
        "bigint",
        "object shape",
        "wasm object",
    ];

    pub fn from_name(name: &str, meta_index: usize) -> NodeType {
        match Self::KNOWN.iter().position(|k| *k == name) {
            Some(code) => NodeType(code as u8),
            None => NodeType(Self::UNKNOWN_BASE.saturating_add(meta_index.min(200) as u8)),
        }
    }

    /// `len` × [`NodeType::HIDDEN`] (code 0), without writing them.
    pub fn zeroed_column(len: usize) -> Vec<NodeType> {
        zeroed_codes(len)
    }

    pub fn is_string(self) -> bool {
        matches!(self, Self::STRING | Self::CONCATENATED_STRING | Self::SLICED_STRING)
    }
}

/// An edge type, normalized like [`NodeType`]. `INVISIBLE` is DevTools' own addition; no
/// file edge has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct EdgeType(pub u8);

impl EdgeType {
    pub const CONTEXT: EdgeType = EdgeType(0);
    pub const ELEMENT: EdgeType = EdgeType(1);
    pub const PROPERTY: EdgeType = EdgeType(2);
    pub const INTERNAL: EdgeType = EdgeType(3);
    pub const HIDDEN: EdgeType = EdgeType(4);
    pub const SHORTCUT: EdgeType = EdgeType(5);
    pub const WEAK: EdgeType = EdgeType(6);
    pub const INVISIBLE: EdgeType = EdgeType(7);
    pub const UNKNOWN_BASE: u8 = 32;

    pub const KNOWN: [&'static str; 8] =
        ["context", "element", "property", "internal", "hidden", "shortcut", "weak", "invisible"];

    pub fn from_name(name: &str, meta_index: usize) -> EdgeType {
        match Self::KNOWN.iter().position(|k| *k == name) {
            Some(code) => EdgeType(code as u8),
            None => EdgeType(Self::UNKNOWN_BASE.saturating_add(meta_index.min(200) as u8)),
        }
    }

    /// `len` × [`EdgeType::CONTEXT`] (code 0), without writing them.
    pub fn zeroed_column(len: usize) -> Vec<EdgeType> {
        zeroed_codes(len)
    }

    /// Element and hidden edges carry a number; every other type a string index.
    pub fn has_string_name(self) -> bool {
        !matches!(self, Self::ELEMENT | Self::HIDDEN)
    }
}

/// The shallow size of node `n` held in `NodeColumns::self_size` and `big_self_size`.
pub(crate) fn self_size_in(sizes: &[u32], big: &BTreeMap<u32, u64>, n: u32) -> u64 {
    let s = sizes[n as usize];
    if s == u32::MAX {
        big.get(&n).copied().unwrap_or(u32::MAX as u64)
    } else {
        s as u64
    }
}

/// Sets the shallow size of node `n` in the two columns of [`self_size_in`].
pub(crate) fn set_self_size_in(sizes: &mut [u32], big: &mut BTreeMap<u32, u64>, n: u32, size: u64) {
    if size >= u32::MAX as u64 {
        sizes[n as usize] = u32::MAX;
        big.insert(n, size);
    } else {
        sizes[n as usize] = size as u32;
        big.remove(&n);
    }
}

/// A zeroed `Vec` of a one-byte code type, from the allocator's zeroed memory (which large
/// allocations get as untouched pages) rather than by writing every byte.
fn zeroed_codes<T: Copy>(len: usize) -> Vec<T> {
    const { assert!(std::mem::size_of::<T>() == 1 && std::mem::align_of::<T>() == 1) };
    let mut bytes = std::mem::ManuallyDrop::new(vec![0u8; len]);
    // SAFETY: T is a one-byte `repr(transparent)` wrapper of u8 (checked size and alignment,
    // callers below), so the allocation's layout and the all-zero contents are valid for T.
    unsafe { Vec::from_raw_parts(bytes.as_mut_ptr().cast::<T>(), bytes.len(), bytes.capacity()) }
}

/// Node columns, one entry per node ordinal.
#[derive(Clone, Debug, Default)]
pub struct NodeColumns {
    pub ty: Vec<NodeType>,
    /// Index into the string table.
    pub name: Vec<u32>,
    pub id: Vec<u32>,
    /// Shallow size; `u32::MAX` means "look in `big_self_size`" (sizes of 4 GiB and more).
    pub self_size: Vec<u32>,
    pub big_self_size: BTreeMap<u32, u64>,
    /// CSR offsets into the edge columns, `len() == node_count + 1`.
    pub first_edge: Vec<u32>,
    /// 0 unknown, 1 attached, 2 detached; empty when the file has no such field.
    pub detachedness: Vec<u8>,
    /// Node fields this crate does not interpret, by name (e.g. `trace_node_id`).
    pub extra: Vec<(String, Vec<u32>)>,
}

/// Edge columns, one entry per edge, grouped by source node in node order.
#[derive(Clone, Debug, Default)]
pub struct EdgeColumns {
    pub ty: Vec<EdgeType>,
    /// A string index, or for element/hidden edges a plain number.
    pub name_or_index: Vec<u32>,
    /// Target node ordinal (the file's `to_node` divided by the node field count).
    pub to: Vec<u32>,
    pub extra: Vec<(String, Vec<u32>)>,
}

/// One entry of the `locations` section: where an object's constructor or function lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub node: u32,
    pub script_id: u32,
    pub line: u32,
    pub column: u32,
}

/// The sections we keep but do not interpret yet (allocation tracking, timeline).
#[derive(Clone, Debug, Default)]
pub struct TraceData {
    pub trace_function_infos: Vec<u32>,
    /// The `trace_tree` nested array, as its JSON text.
    pub trace_tree_json: String,
    pub samples: Vec<u64>,
}

/// A parsed heap snapshot. Immutable after parsing except for the shallow-size transfer,
/// which DevTools applies in place.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub header: Header,
    pub node_layout: Option<NodeLayout>,
    pub edge_layout: Option<EdgeLayout>,
    pub type_names: TypeNames,
    pub nodes: NodeColumns,
    pub edges: EdgeColumns,
    pub strings: StringTable,
    pub locations: Vec<Location>,
    pub trace: TraceData,
    /// Set when the file's strings were missing and names are placeholders (`--salvage`).
    pub salvaged: bool,
}

impl Snapshot {
    pub fn node_count(&self) -> usize {
        self.nodes.ty.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.to.len()
    }

    /// The root ordinal (V8 always writes it first; DevTools honours `root_index`).
    pub fn root(&self) -> u32 {
        match (self.header.root_index, self.node_layout.as_ref()) {
            (Some(ix), Some(l)) if ix > 0 => (ix / l.field_count as u64) as u32,
            _ => 0,
        }
    }

    pub fn self_size(&self, n: u32) -> u64 {
        self_size_in(&self.nodes.self_size, &self.nodes.big_self_size, n)
    }

    pub fn set_self_size(&mut self, n: u32, size: u64) {
        set_self_size_in(&mut self.nodes.self_size, &mut self.nodes.big_self_size, n, size)
    }

    pub fn node_type(&self, n: u32) -> NodeType {
        self.nodes.ty[n as usize]
    }

    pub fn node_id(&self, n: u32) -> u32 {
        self.nodes.id[n as usize]
    }

    pub fn node_name(&self, n: u32) -> std::borrow::Cow<'_, str> {
        self.strings.get(self.nodes.name[n as usize])
    }

    pub fn detachedness(&self, n: u32) -> u8 {
        self.nodes.detachedness.get(n as usize).copied().unwrap_or(0)
    }

    /// The edge index range of node `n`.
    pub fn edges_of(&self, n: u32) -> std::ops::Range<usize> {
        self.nodes.first_edge[n as usize] as usize..self.nodes.first_edge[n as usize + 1] as usize
    }

    pub fn edge_type(&self, e: usize) -> EdgeType {
        self.edges.ty[e]
    }

    pub fn edge_target(&self, e: usize) -> u32 {
        self.edges.to[e]
    }

    /// An edge's name as DevTools shows it: the string for string-named edges, the decimal
    /// index for element and hidden edges.
    pub fn edge_name(&self, e: usize) -> std::borrow::Cow<'_, str> {
        let v = self.edges.name_or_index[e];
        if self.edges.ty[e].has_string_name() {
            self.strings.get(v)
        } else {
            std::borrow::Cow::Owned(v.to_string())
        }
    }

    /// The type name as listed in the file's meta (or V8's name for known codes).
    pub fn node_type_name(&self, t: NodeType) -> &str {
        if t.0 < NodeType::UNKNOWN_BASE {
            NodeType::KNOWN.get(t.0 as usize).copied().unwrap_or("unknown")
        } else {
            let i = (t.0 - NodeType::UNKNOWN_BASE) as usize;
            self.type_names.node.get(i).map(String::as_str).unwrap_or("unknown")
        }
    }

    pub fn edge_type_name(&self, t: EdgeType) -> &str {
        if t.0 < EdgeType::UNKNOWN_BASE {
            EdgeType::KNOWN.get(t.0 as usize).copied().unwrap_or("unknown")
        } else {
            let i = (t.0 - EdgeType::UNKNOWN_BASE) as usize;
            self.type_names.edge.get(i).map(String::as_str).unwrap_or("unknown")
        }
    }

    pub fn extra_native_bytes(&self) -> u64 {
        self.header.extra_native_bytes.map(|b| b.max(0.0) as u64).unwrap_or(0)
    }

    /// Assembles a snapshot from parsed columns (layouts and type names come from the header).
    pub fn from_columns(
        header: Header,
        nodes: NodeColumns,
        edges: EdgeColumns,
        strings: StringTable,
    ) -> Result<Snapshot> {
        Ok(Snapshot {
            node_layout: Some(header.meta.node_layout()?),
            edge_layout: Some(header.meta.edge_layout()?),
            type_names: header.meta.type_names()?,
            header,
            nodes,
            edges,
            strings,
            ..Default::default()
        })
    }

    /// Builds a snapshot from already-split flat arrays, as the file lays them out (tests,
    /// synthetic graphs). Validates exactly as the parser does, through the same record code.
    pub fn from_flat(header: Header, nodes: &[u64], edges: &[u64], strings: StringTable) -> Result<Snapshot> {
        crate::parse::from_flat(header, nodes, edges, strings)
    }
}
