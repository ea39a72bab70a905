//! Node and edge records: turning the flat integers of `nodes` and `edges` into the
//! snapshot's columns, by the roles `meta` gives each field. One conversion, two ways of
//! storing: straight into preallocated column slices (a mapped file, in parallel pieces),
//! or appended (pushed chunks, test fixtures).

use crate::error::{Error, Result, Section};
use crate::meta::Header;
use crate::snapshot::{EdgeColumns, EdgeType, NodeColumns, NodeType};

/// What a node field means, by its position in a record.
#[derive(Clone, Copy, Debug)]
enum NodeRole {
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    Detachedness,
    Extra(usize),
    /// A repeated field name: DevTools reads the first occurrence, so do we.
    Ignored,
}

/// How to read node records: each field's role and the file's type table.
#[derive(Clone, Debug)]
pub struct NodeSchema {
    pub field_count: usize,
    roles: Vec<NodeRole>,
    types: Vec<NodeType>,
    has_detachedness: bool,
    extra_names: Vec<String>,
}

impl NodeSchema {
    pub fn new(header: &Header) -> Result<Self> {
        let layout = header.meta.node_layout()?;
        let names = header.meta.type_names()?;
        if layout.field_count == 0 {
            return Err(Error::invalid(Section::Header, 0, "meta.node_fields is empty"));
        }
        let mut roles = vec![NodeRole::Ignored; layout.field_count];
        for (k, (_, at)) in layout.extra.iter().enumerate() {
            roles[*at] = NodeRole::Extra(k);
        }
        roles[layout.ty] = NodeRole::Type;
        roles[layout.name] = NodeRole::Name;
        roles[layout.id] = NodeRole::Id;
        roles[layout.self_size] = NodeRole::SelfSize;
        roles[layout.edge_count] = NodeRole::EdgeCount;
        if let Some(d) = layout.detachedness {
            roles[d] = NodeRole::Detachedness;
        }
        Ok(NodeSchema {
            field_count: layout.field_count,
            roles,
            types: names.node.iter().enumerate().map(|(i, s)| NodeType::from_name(s, i)).collect(),
            has_detachedness: layout.detachedness.is_some(),
            extra_names: layout.extra.into_iter().map(|(name, _)| name).collect(),
        })
    }

    pub fn extra_count(&self) -> usize {
        self.extra_names.len()
    }

    /// Empty columns with room for `nodes` records, their `extra` columns named.
    pub fn columns(&self, nodes: usize, len: usize) -> NodeColumns {
        let det_reserve = if self.has_detachedness { nodes } else { 0 };
        let mut cols = NodeColumns {
            ty: Vec::with_capacity(nodes),
            name: Vec::with_capacity(nodes),
            id: Vec::with_capacity(nodes),
            self_size: Vec::with_capacity(nodes),
            first_edge: Vec::with_capacity(nodes + 1),
            detachedness: Vec::with_capacity(det_reserve),
            extra: self.extra_names.iter().map(|n| (n.clone(), Vec::with_capacity(nodes))).collect(),
            ..Default::default()
        };
        cols.first_edge.push(0);
        if len > 0 {
            // Zeroed allocations, not `resize`: large ones are fresh pages the parallel scan
            // pages in, and a column written only where nonzero (`trace_node_id`,
            // `detachedness` are mostly 0) may never be paged in at all.
            cols.ty = NodeType::zeroed_column(len);
            cols.name = vec![0; len];
            cols.id = vec![0; len];
            cols.self_size = vec![0; len];
            cols.first_edge = vec![0; len + 1];
            if self.has_detachedness {
                cols.detachedness = vec![0; len];
            }
            for (_, col) in &mut cols.extra {
                *col = vec![0; len];
            }
        }
        cols
    }
}

/// One node record, converted.
struct Node {
    ty: NodeType,
    name: u32,
    id: u32,
    self_size: u64,
    edge_count: u32,
    detachedness: u8,
}

fn narrow(v: u64, section: Section, offset: u64, field: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::invalid(section, offset, format!("{field} {v} does not fit 32 bits")))
}

impl NodeSchema {
    fn convert(&self, rec: &[u64], extra: &mut [u32], offset: u64) -> Result<Node> {
        let mut node = Node { ty: NodeType::HIDDEN, name: 0, id: 0, self_size: 0, edge_count: 0, detachedness: 0 };
        for (&v, role) in rec.iter().zip(&self.roles) {
            match *role {
                NodeRole::Type => {
                    node.ty = *self.types.get(v as usize).ok_or_else(|| {
                        Error::invalid(Section::Nodes, offset, format!("node type {v} is not in meta.node_types"))
                    })?
                }
                NodeRole::Name => node.name = narrow(v, Section::Nodes, offset, "node name")?,
                NodeRole::Id => node.id = narrow(v, Section::Nodes, offset, "node id")?,
                NodeRole::SelfSize => node.self_size = v,
                NodeRole::EdgeCount => node.edge_count = narrow(v, Section::Nodes, offset, "edge_count")?,
                NodeRole::Detachedness => node.detachedness = v.min(255) as u8,
                NodeRole::Extra(k) => extra[k] = v as u32,
                NodeRole::Ignored => {}
            }
        }
        Ok(node)
    }
}

/// Where converted records go.
pub trait RecordSink {
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()>;
}

/// A flat list of values (records of any width, appended in order).
impl RecordSink for Vec<u64> {
    fn record(&mut self, rec: &[u64], _offset: u64) -> Result<()> {
        self.extend_from_slice(rec);
        Ok(())
    }
}

/// Node columns as mutable slices covering one piece of the array; `first` is the ordinal of
/// its first record. Edge counts go to `counts` (later prefix-summed into `first_edge`).
pub struct NodeSlices<'a> {
    pub schema: &'a NodeSchema,
    pub first: usize,
    pub written: usize,
    pub ty: &'a mut [NodeType],
    pub name: &'a mut [u32],
    pub id: &'a mut [u32],
    pub self_size: &'a mut [u32],
    pub counts: &'a mut [u32],
    pub detachedness: &'a mut [u8],
    pub extra: Vec<&'a mut [u32]>,
    pub big_sizes: Vec<(u32, u64)>,
    pub extra_buf: Vec<u32>,
}

impl RecordSink for NodeSlices<'_> {
    #[inline]
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
        let i = self.written;
        if i >= self.ty.len() {
            return Err(Error::invalid(Section::Nodes, offset, "more node records than counted"));
        }
        let node = self.schema.convert(rec, &mut self.extra_buf, offset)?;
        self.ty[i] = node.ty;
        self.name[i] = node.name;
        self.id[i] = node.id;
        self.self_size[i] = small_size(node.self_size);
        if node.self_size >= u32::MAX as u64 {
            self.big_sizes.push(((self.first + i) as u32, node.self_size));
        }
        self.counts[i] = node.edge_count;
        if node.detachedness != 0 {
            if let Some(d) = self.detachedness.get_mut(i) {
                *d = node.detachedness;
            }
        }
        for (col, &v) in self.extra.iter_mut().zip(&self.extra_buf) {
            if v != 0 {
                col[i] = v;
            }
        }
        self.written += 1;
        Ok(())
    }
}

fn small_size(size: u64) -> u32 {
    size.min(u32::MAX as u64) as u32
}

/// Node columns grown record by record. `first_edge` holds edge counts at `1..` until
/// [`finish_nodes`] sums them.
pub struct NodeAppender {
    pub schema: NodeSchema,
    pub cols: NodeColumns,
    extra_buf: Vec<u32>,
}

impl NodeAppender {
    pub fn new(schema: NodeSchema, reserve: usize) -> Self {
        let cols = schema.columns(reserve, 0);
        let extra_buf = vec![0; schema.extra_names.len()];
        NodeAppender { schema, cols, extra_buf }
    }
}

impl RecordSink for NodeAppender {
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
        let node = self.schema.convert(rec, &mut self.extra_buf, offset)?;
        let c = &mut self.cols;
        let ordinal = c.ty.len();
        if ordinal >= u32::MAX as usize {
            return Err(Error::new(crate::ErrorKind::TooLarge, Section::Nodes, offset, "more than 2^32 nodes"));
        }
        c.ty.push(node.ty);
        c.name.push(node.name);
        c.id.push(node.id);
        c.self_size.push(small_size(node.self_size));
        if node.self_size >= u32::MAX as u64 {
            c.big_self_size.insert(ordinal as u32, node.self_size);
        }
        c.first_edge.push(node.edge_count);
        if self.schema.has_detachedness {
            c.detachedness.push(node.detachedness);
        }
        for ((_, col), &v) in c.extra.iter_mut().zip(&self.extra_buf) {
            col.push(v);
        }
        Ok(())
    }
}

/// Turns per-node edge counts (in `first_edge[1..]`) into CSR offsets and checks they add up
/// to the edges the header announced (if given).
pub fn finish_nodes(cols: &mut NodeColumns, announced: Option<u64>, offset: u64) -> Result<()> {
    let mut sum: u64 = 0;
    for slot in cols.first_edge.iter_mut().skip(1) {
        sum += *slot as u64;
        if sum > u32::MAX as u64 {
            return Err(Error::new(crate::ErrorKind::TooLarge, Section::Nodes, offset, "more than 2^32 edges"));
        }
        *slot = sum as u32;
    }
    match announced {
        Some(edge_count) if edge_count != sum => Err(Error::invalid(
            Section::Nodes,
            offset,
            format!("nodes' edge counts sum to {sum}, but the header announces {edge_count} edges"),
        )),
        _ => Ok(()),
    }
}

/// How to read edge records.
#[derive(Clone, Debug)]
pub struct EdgeSchema {
    pub field_count: usize,
    ty: usize,
    name_or_index: usize,
    to_node: usize,
    types: Vec<EdgeType>,
    extra: Vec<(String, usize)>,
    /// For checking `to_node`: the node record width and count.
    node_fields: u64,
    node_count: u64,
    /// ⌈2^64 / node_fields⌉, for [`EdgeSchema::node_ordinal`].
    node_reciprocal: u64,
}

impl EdgeSchema {
    pub fn new(header: &Header, node_fields: usize, node_count: usize) -> Result<Self> {
        let layout = header.meta.edge_layout()?;
        let names = header.meta.type_names()?;
        if layout.field_count == 0 {
            return Err(Error::invalid(Section::Header, 0, "meta.edge_fields is empty"));
        }
        Ok(EdgeSchema {
            field_count: layout.field_count,
            ty: layout.ty,
            name_or_index: layout.name_or_index,
            to_node: layout.to_node,
            types: names.edge.iter().enumerate().map(|(i, s)| EdgeType::from_name(s, i)).collect(),
            extra: layout.extra,
            node_fields: node_fields as u64,
            node_count: node_count as u64,
            node_reciprocal: (u64::MAX / node_fields.max(1) as u64).wrapping_add(1),
        })
    }

    pub fn columns(&self, edges: usize, len: usize) -> EdgeColumns {
        let mut cols = EdgeColumns {
            ty: Vec::with_capacity(edges),
            name_or_index: Vec::with_capacity(edges),
            to: Vec::with_capacity(edges),
            extra: self.extra.iter().map(|(n, _)| (n.clone(), Vec::with_capacity(edges))).collect(),
        };
        if len > 0 {
            cols.ty = EdgeType::zeroed_column(len);
            cols.name_or_index = vec![0; len];
            cols.to = vec![0; len];
            for (_, col) in &mut cols.extra {
                *col = vec![0; len];
            }
        }
        cols
    }

    #[inline]
    fn convert(&self, rec: &[u64], offset: u64) -> Result<(EdgeType, u32, u32)> {
        let t = rec[self.ty];
        let ty = *self.types.get(t as usize).ok_or_else(|| {
            Error::invalid(Section::Edges, offset, format!("edge type {t} is not in meta.edge_types"))
        })?;
        let name = narrow(rec[self.name_or_index], Section::Edges, offset, "edge name_or_index")?;
        let to = rec[self.to_node];
        let ordinal = self.node_ordinal(to);
        if ordinal.is_none_or(|n| n >= self.node_count) {
            return Err(Error::invalid(
                Section::Edges,
                offset,
                format!("edge to_node {to} is not the index of one of the {} nodes", self.node_count),
            ));
        }
        Ok((ty, name, ordinal.unwrap_or(0) as u32))
    }

    /// `to / node_fields` if it divides evenly. Once per edge, so by multiplying with the
    /// divisor's reciprocal (`node_reciprocal`) rather than dividing: exact for every
    /// `to < 2^48` when `2 ≤ node_fields < 2^8`; larger values are beyond any node anyway.
    #[inline]
    fn node_ordinal(&self, to: u64) -> Option<u64> {
        if to >= 1 << 48 || !(2..1 << 8).contains(&self.node_fields) {
            return to.is_multiple_of(self.node_fields).then(|| to / self.node_fields);
        }
        let q = ((to as u128 * self.node_reciprocal as u128) >> 64) as u64;
        (q * self.node_fields == to).then_some(q)
    }
}

pub struct EdgeSlices<'a> {
    pub schema: &'a EdgeSchema,
    pub written: usize,
    pub ty: &'a mut [EdgeType],
    pub name_or_index: &'a mut [u32],
    pub to: &'a mut [u32],
    pub extra: Vec<&'a mut [u32]>,
}

impl RecordSink for EdgeSlices<'_> {
    #[inline]
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
        let i = self.written;
        if i >= self.ty.len() {
            return Err(Error::invalid(Section::Edges, offset, "more edge records than counted"));
        }
        let (ty, name, to) = self.schema.convert(rec, offset)?;
        self.ty[i] = ty;
        self.name_or_index[i] = name;
        self.to[i] = to;
        for (col, (_, at)) in self.extra.iter_mut().zip(&self.schema.extra) {
            if rec[*at] != 0 {
                col[i] = rec[*at] as u32;
            }
        }
        self.written += 1;
        Ok(())
    }
}

pub struct EdgeAppender {
    pub schema: EdgeSchema,
    pub cols: EdgeColumns,
}

impl EdgeAppender {
    pub fn new(schema: EdgeSchema, reserve: usize) -> Self {
        let cols = schema.columns(reserve, 0);
        EdgeAppender { schema, cols }
    }
}

impl RecordSink for EdgeAppender {
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
        let (ty, name, to) = self.schema.convert(rec, offset)?;
        let c = &mut self.cols;
        c.ty.push(ty);
        c.name_or_index.push(name);
        c.to.push(to);
        for ((_, col), (_, at)) in c.extra.iter_mut().zip(&self.schema.extra) {
            col.push(rec[*at] as u32);
        }
        Ok(())
    }
}

/// Groups a stream of integers into records of `width` and hands each to a sink.
pub struct Assembler {
    buf: Vec<u64>,
    filled: usize,
}

impl Assembler {
    pub fn new(width: usize) -> Self {
        Assembler { buf: vec![0; width], filled: 0 }
    }

    #[inline]
    pub fn push(&mut self, v: u64, offset: u64, sink: &mut impl RecordSink) -> Result<()> {
        self.buf[self.filled] = v;
        self.filled += 1;
        if self.filled == self.buf.len() {
            self.filled = 0;
            sink.record(&self.buf, offset)?;
        }
        Ok(())
    }

    pub fn width(&self) -> usize {
        self.buf.len()
    }

    /// Values still to come before the current record is complete (the width when aligned).
    pub fn missing(&self) -> usize {
        self.buf.len() - self.filled
    }

    /// True when no record is half-read.
    pub fn is_aligned(&self) -> bool {
        self.filled == 0
    }
}

/// Hands already-split values to a sink as records of `width`; the values must hold whole
/// records.
pub fn push_records(values: &[u64], width: usize, sink: &mut impl RecordSink, section: Section) -> Result<()> {
    let mut records = Assembler::new(width);
    for &v in values {
        records.push(v, 0, sink)?;
    }
    if !records.is_aligned() {
        return Err(Error::invalid(section, 0, format!("the {section} values do not make whole records")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(node_fields: u64) -> EdgeSchema {
        EdgeSchema {
            field_count: 3,
            ty: 0,
            name_or_index: 1,
            to_node: 2,
            types: Vec::new(),
            extra: Vec::new(),
            node_fields,
            node_count: u64::MAX,
            node_reciprocal: (u64::MAX / node_fields).wrapping_add(1),
        }
    }

    #[test]
    fn node_ordinal_equals_division() {
        let mut values: Vec<u64> = (0..5000).collect();
        values.extend([(1 << 48) - 1, 1 << 48, u64::MAX, u32::MAX as u64 * 7, 999_999_999_999_999]);
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> (x % 40 + 16));
        }
        for d in 1..=300u64 {
            let s = schema(d);
            for &v in &values {
                assert_eq!(s.node_ordinal(v), (v % d == 0).then(|| v / d), "{v} / {d}");
            }
        }
    }
}
