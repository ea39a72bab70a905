//! Node and edge records: turning the flat integers of `nodes` and `edges` into the
//! snapshot's columns, by the roles `meta` gives each field. One conversion, two ways of
//! storing: straight into preallocated column slices (a mapped file, in parallel pieces),
//! or appended (pushed chunks, test fixtures).

use crate::error::{Error, Result, Section};
use crate::meta::Header;
use crate::pages;
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
    Extra,
    /// A repeated field name: DevTools reads the first occurrence, so do we.
    Ignored,
}

/// Where each interpreted field sits in a record (the first field of each name, as for the
/// roles): the batch path reads fields by position instead of matching every role.
#[derive(Clone, Debug, Default)]
struct NodePositions {
    ty: usize,
    name: usize,
    id: usize,
    self_size: usize,
    edge_count: usize,
    detachedness: Option<usize>,
    /// Position of each `extra` column's field.
    extra: Vec<usize>,
}

/// How to read node records: each field's role and the file's type table.
#[derive(Clone, Debug)]
pub struct NodeSchema {
    pub field_count: usize,
    roles: Vec<NodeRole>,
    at: NodePositions,
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
        for (_, at) in &layout.extra {
            roles[*at] = NodeRole::Extra;
        }
        roles[layout.ty] = NodeRole::Type;
        roles[layout.name] = NodeRole::Name;
        roles[layout.id] = NodeRole::Id;
        roles[layout.self_size] = NodeRole::SelfSize;
        roles[layout.edge_count] = NodeRole::EdgeCount;
        if let Some(d) = layout.detachedness {
            roles[d] = NodeRole::Detachedness;
        }
        let at = NodePositions {
            ty: layout.ty,
            name: layout.name,
            id: layout.id,
            self_size: layout.self_size,
            edge_count: layout.edge_count,
            detachedness: layout.detachedness,
            extra: layout.extra.iter().map(|(_, at)| *at).collect(),
        };
        Ok(NodeSchema {
            field_count: layout.field_count,
            roles,
            at,
            types: names.node.iter().enumerate().map(|(i, s)| NodeType::from_name(s, i)).collect(),
            has_detachedness: layout.detachedness.is_some(),
            extra_names: layout.extra.into_iter().map(|(name, _)| name).collect(),
        })
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
#[derive(Clone, Copy)]
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
    /// Converts a record, or names what is wrong with it (the first bad field in file order).
    fn convert(&self, rec: &[u64], offset: u64) -> Result<Node> {
        if let Some(node) = self.quick(rec) {
            return Ok(node);
        }
        for (&v, role) in rec.iter().zip(&self.roles) {
            match *role {
                NodeRole::Type => {
                    self.types.get(v as usize).ok_or_else(|| {
                        Error::invalid(Section::Nodes, offset, format!("node type {v} is not in meta.node_types"))
                    })?;
                }
                NodeRole::Name => _ = narrow(v, Section::Nodes, offset, "node name")?,
                NodeRole::Id => _ = narrow(v, Section::Nodes, offset, "node id")?,
                NodeRole::EdgeCount => _ = narrow(v, Section::Nodes, offset, "edge_count")?,
                NodeRole::SelfSize | NodeRole::Detachedness | NodeRole::Extra | NodeRole::Ignored => {}
            }
        }
        unreachable!("quick refuses only records with a bad type or a field beyond 32 bits")
    }

    /// Converts a record that has nothing wrong with it.
    #[inline(always)]
    fn quick(&self, rec: &[u64]) -> Option<Node> {
        let a = &self.at;
        let ty = *self.types.get(rec[a.ty] as usize)?;
        let (name, id, edge_count) = (rec[a.name], rec[a.id], rec[a.edge_count]);
        if (name | id | edge_count) > u32::MAX as u64 {
            return None;
        }
        let detachedness = a.detachedness.map_or(0, |d| rec[d].min(255) as u8);
        Some(Node {
            ty,
            name: name as u32,
            id: id as u32,
            self_size: rec[a.self_size],
            edge_count: edge_count as u32,
            detachedness,
        })
    }
}

/// Where converted records go.
pub trait RecordSink {
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()>;

    /// Stores the whole records of `values` (`width` values each, back to back) up to the
    /// first one that does not convert, and returns how many it stored. The fast path hands
    /// records over in batches this way; a refused record is read again by the general
    /// scanner, whose [`RecordSink::record`] names the error and its offset.
    fn records(&mut self, values: &[u64], width: usize) -> usize {
        values.chunks_exact(width).take_while(|rec| self.record(rec, 0).is_ok()).count()
    }

    /// Maps in the memory the sink is about to fill ([`crate::pages::populate`]), on the
    /// thread that fills it, before the scan starts.
    fn populate(&mut self) {}
}

/// A flat list of values (records of any width, appended in order).
impl RecordSink for Vec<u64> {
    fn record(&mut self, rec: &[u64], _offset: u64) -> Result<()> {
        self.extend_from_slice(rec);
        Ok(())
    }

    fn records(&mut self, values: &[u64], width: usize) -> usize {
        self.extend_from_slice(values);
        values.len() / width
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
    /// One more than the largest string index a stored node names (the table must be that long).
    pub names_needed: u64,
}

impl NodeSlices<'_> {
    /// Stores a converted record; false when the piece is already full.
    #[inline(always)]
    fn store(&mut self, node: Node, rec: &[u64]) -> bool {
        let i = self.written;
        if i >= self.ty.len() {
            return false;
        }
        self.ty[i] = node.ty;
        self.name[i] = node.name;
        self.names_needed = self.names_needed.max(node.name as u64 + 1);
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
        for (col, &at) in self.extra.iter_mut().zip(&self.schema.at.extra) {
            let v = rec[at] as u32;
            if v != 0 {
                col[i] = v;
            }
        }
        self.written += 1;
        true
    }
}

impl RecordSink for NodeSlices<'_> {
    fn populate(&mut self) {
        // Not `detachedness` and `extra`: written only where nonzero, mostly never touched.
        pages::populate(self.ty);
        pages::populate(self.name);
        pages::populate(self.id);
        pages::populate(self.self_size);
        pages::populate(self.counts);
    }

    #[inline]
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
        let node = self.schema.convert(rec, offset)?;
        if !self.store(node, rec) {
            return Err(Error::invalid(Section::Nodes, offset, "more node records than counted"));
        }
        Ok(())
    }

    fn records(&mut self, values: &[u64], width: usize) -> usize {
        // Eight records a step where the CPU can, then one by one for the rest.
        #[cfg(target_arch = "x86_64")]
        let simd = if avx512::available() {
            // SAFETY: the CPU has the instructions (checked just above).
            unsafe { avx512::nodes(self, values, width) }
        } else {
            0
        };
        #[cfg(not(target_arch = "x86_64"))]
        let simd = 0;
        let values = &values[simd * width..];
        let NodeSlices {
            schema,
            first,
            written,
            ty,
            name,
            id,
            self_size,
            counts,
            detachedness,
            extra,
            big_sizes,
            names_needed,
        } = self;
        let mut largest_name = 0u32;
        let (from, n) = (*written, (values.len() / width).min(ty.len() - *written));
        // Five columns written in step, without a bounds check per store; the sparse ones
        // (detachedness, extra fields) only where nonzero.
        let columns = ty[from..from + n]
            .iter_mut()
            .zip(&mut name[from..from + n])
            .zip(&mut id[from..from + n])
            .zip(&mut self_size[from..from + n])
            .zip(&mut counts[from..from + n]);
        let mut stored = 0;
        for (rec, ((((ty, name), id), size), count)) in values.chunks_exact(width).zip(columns) {
            let Some(node) = schema.quick(rec) else { break };
            (*ty, *name, *id, *count) = (node.ty, node.name, node.id, node.edge_count);
            largest_name = largest_name.max(node.name);
            *size = small_size(node.self_size);
            let i = from + stored;
            if node.self_size >= u32::MAX as u64 {
                big_sizes.push(((*first + i) as u32, node.self_size));
            }
            if node.detachedness != 0 {
                if let Some(d) = detachedness.get_mut(i) {
                    *d = node.detachedness;
                }
            }
            for (col, &at) in extra.iter_mut().zip(&schema.at.extra) {
                let v = rec[at] as u32;
                if v != 0 {
                    col[i] = v;
                }
            }
            stored += 1;
        }
        if stored > 0 {
            *names_needed = (*names_needed).max(largest_name as u64 + 1);
        }
        *written += stored;
        simd + stored
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
    /// As [`NodeSlices::names_needed`].
    pub names_needed: u64,
}

impl NodeAppender {
    pub fn new(schema: NodeSchema, reserve: usize) -> Self {
        let cols = schema.columns(reserve, 0);
        NodeAppender { schema, cols, names_needed: 0 }
    }

    /// Appends a converted record; false past 2^32 - 1 nodes.
    #[inline(always)]
    fn store(&mut self, node: Node, rec: &[u64]) -> bool {
        let c = &mut self.cols;
        let ordinal = c.ty.len();
        if ordinal >= u32::MAX as usize {
            return false;
        }
        c.ty.push(node.ty);
        c.name.push(node.name);
        self.names_needed = self.names_needed.max(node.name as u64 + 1);
        c.id.push(node.id);
        c.self_size.push(small_size(node.self_size));
        if node.self_size >= u32::MAX as u64 {
            c.big_self_size.insert(ordinal as u32, node.self_size);
        }
        c.first_edge.push(node.edge_count);
        if self.schema.has_detachedness {
            c.detachedness.push(node.detachedness);
        }
        for ((_, col), &at) in c.extra.iter_mut().zip(&self.schema.at.extra) {
            col.push(rec[at] as u32);
        }
        true
    }
}

impl RecordSink for NodeAppender {
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
        let node = self.schema.convert(rec, offset)?;
        if !self.store(node, rec) {
            return Err(Error::new(crate::ErrorKind::TooLarge, Section::Nodes, offset, "more than 2^32 nodes"));
        }
        Ok(())
    }

    fn records(&mut self, values: &[u64], width: usize) -> usize {
        let mut n = 0;
        for rec in values.chunks_exact(width) {
            match self.schema.quick(rec) {
                Some(node) if self.store(node, rec) => n += 1,
                _ => break,
            }
        }
        n
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
    check_edge_total(cols, announced, offset)
}

/// Checks that CSR offsets (`first_edge`, summed) end at the edges the header announced (if
/// given).
pub fn check_edge_total(cols: &NodeColumns, announced: Option<u64>, offset: u64) -> Result<()> {
    let sum = cols.first_edge.last().map_or(0, |&n| n as u64);
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
    /// `2 ≤ node_fields < 2^8`: the reciprocal gives exact quotients below 2^48.
    reciprocal_exact: bool,
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
            reciprocal_exact: (2..1 << 8).contains(&node_fields),
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

    /// Converts a record, or names what is wrong with it.
    fn convert(&self, rec: &[u64], offset: u64) -> Result<(EdgeType, u32, u32)> {
        if let Some(edge) = self.quick(rec) {
            return Ok(edge);
        }
        let t = rec[self.ty];
        if self.types.get(t as usize).is_none() {
            return Err(Error::invalid(Section::Edges, offset, format!("edge type {t} is not in meta.edge_types")));
        }
        narrow(rec[self.name_or_index], Section::Edges, offset, "edge name_or_index")?;
        let to = rec[self.to_node];
        Err(Error::invalid(
            Section::Edges,
            offset,
            format!("edge to_node {to} is not the index of one of the {} nodes", self.node_count),
        ))
    }

    /// Converts a record that has nothing wrong with it: (type, name or index, target ordinal).
    #[inline(always)]
    fn quick(&self, rec: &[u64]) -> Option<(EdgeType, u32, u32)> {
        let ty = *self.types.get(rec[self.ty] as usize)?;
        let name = u32::try_from(rec[self.name_or_index]).ok()?;
        Some((ty, name, self.target(rec[self.to_node])?))
    }

    /// The ordinal `to` names, if it names a node. With the reciprocal when it applies: a
    /// quotient that multiplies back to `to` and is below the node count (< 2^32) means
    /// `to` < 2^40, inside the range where the reciprocal is exact.
    #[inline(always)]
    fn target(&self, to: u64) -> Option<u32> {
        let q = if self.reciprocal_exact {
            let q = ((to as u128 * self.node_reciprocal as u128) >> 64) as u64;
            if q.wrapping_mul(self.node_fields) != to {
                return None;
            }
            q
        } else {
            self.node_ordinal(to)?
        };
        (q < self.node_count).then_some(q as u32)
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
    /// One more than the largest string index a stored edge names (element and hidden edges
    /// carry numbers, not names).
    pub names_needed: u64,
}

/// The string index an edge names plus one, or 0 for an element or hidden edge.
#[inline(always)]
fn name_needs(ty: EdgeType, name: u32) -> u64 {
    if ty.has_string_name() {
        name as u64 + 1
    } else {
        0
    }
}

impl EdgeSlices<'_> {
    /// Stores a converted record; false when the piece is already full.
    #[inline(always)]
    fn store(&mut self, (ty, name, to): (EdgeType, u32, u32), rec: &[u64]) -> bool {
        let i = self.written;
        if i >= self.ty.len() {
            return false;
        }
        self.ty[i] = ty;
        self.name_or_index[i] = name;
        self.names_needed = self.names_needed.max(name_needs(ty, name));
        self.to[i] = to;
        for (col, (_, at)) in self.extra.iter_mut().zip(&self.schema.extra) {
            if rec[*at] != 0 {
                col[i] = rec[*at] as u32;
            }
        }
        self.written += 1;
        true
    }
}

impl RecordSink for EdgeSlices<'_> {
    fn populate(&mut self) {
        pages::populate(self.ty);
        pages::populate(self.name_or_index);
        pages::populate(self.to);
    }

    #[inline]
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
        let edge = self.schema.convert(rec, offset)?;
        if !self.store(edge, rec) {
            return Err(Error::invalid(Section::Edges, offset, "more edge records than counted"));
        }
        Ok(())
    }

    fn records(&mut self, values: &[u64], width: usize) -> usize {
        let schema = self.schema;
        if !schema.extra.is_empty() {
            return values
                .chunks_exact(width)
                .take_while(|rec| schema.quick(rec).is_some_and(|e| self.store(e, rec)))
                .count();
        }
        // Eight records a step where the CPU can, then one by one for the rest.
        #[cfg(target_arch = "x86_64")]
        let simd = if avx512::available() {
            // SAFETY: the CPU has the instructions (checked just above).
            unsafe { avx512::edges(self, values, width) }
        } else {
            0
        };
        #[cfg(not(target_arch = "x86_64"))]
        let simd = 0;
        let values = &values[simd * width..];
        // The usual layout: three columns written in step, without a bounds check per store.
        let (from, n) = (self.written, (values.len() / width).min(self.ty.len() - self.written));
        let columns = self.ty[from..from + n]
            .iter_mut()
            .zip(&mut self.name_or_index[from..from + n])
            .zip(&mut self.to[from..from + n]);
        let (mut stored, mut needed) = (0, self.names_needed);
        for (rec, ((ty, name), to)) in values.chunks_exact(width).zip(columns) {
            let Some(edge) = schema.quick(rec) else { break };
            (*ty, *name, *to) = edge;
            needed = needed.max(name_needs(edge.0, edge.1));
            stored += 1;
        }
        self.names_needed = needed;
        self.written += stored;
        simd + stored
    }
}

/// The slice sinks' batch conversion, eight records a step: each field of eight records is
/// gathered into one vector, checked and converted there (type codes by table, the target
/// ordinal by a float division checked by an exact multiplication), and stored narrowed. A
/// group with anything unusual (an invalid field, a size of 4 GiB or more, a type table too
/// big for a register) stops the vector loop; the scalar loop takes that group from its first
/// record, so both give the same columns.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::*;

    pub fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
    }

    /// Lane r: r × width + at, the index of field `at` of record r.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq")]
    fn field_indices(width: usize, at: usize) -> __m512i {
        let w = width as i64;
        _mm512_add_epi64(
            _mm512_mullo_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi64(w)),
            _mm512_set1_epi64(at as i64),
        )
    }

    /// Field `at` of the 8 records from `values[base..]`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq")]
    fn gather(values: &[u64], base: usize, indices: __m512i, width: usize) -> __m512i {
        assert!(base + 8 * width <= values.len());
        // SAFETY: every index is below 8 × width, inside `values[base..]` (asserted).
        unsafe { _mm512_i64gather_epi64::<8>(indices, values.as_ptr().add(base).cast()) }
    }

    /// A table of up to 16 codes (one per file type index) in two registers, or None.
    #[target_feature(enable = "avx512f,avx512bw,avx512dq")]
    fn code_table(codes: &[u8]) -> Option<(__m512i, __m512i)> {
        if codes.len() > 16 {
            return None;
        }
        let mut t = [0i64; 16];
        for (slot, &c) in t.iter_mut().zip(codes) {
            *slot = c as i64;
        }
        // SAFETY: each load reads 8 of the 16 entries of `t`.
        Some(unsafe { (_mm512_loadu_epi64(t.as_ptr()), _mm512_loadu_epi64(t.as_ptr().add(8))) })
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq")]
    fn store_u32s(column: &mut [u32], at: usize, v: __m512i) {
        let out: &mut [u32; 8] = (&mut column[at..at + 8]).try_into().expect("8 slots");
        // SAFETY: the store writes the 8 u32 of `out`.
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), _mm512_cvtepi64_epi32(v)) }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq")]
    fn store_bytes<T>(column: &mut [T], at: usize, v: __m512i) {
        const { assert!(std::mem::size_of::<T>() == 1) };
        let out = &mut column[at..at + 8];
        // SAFETY: the store writes 8 one-byte entries of `out` (T is one byte, asserted), and
        // the values are codes of T (type tables hold only valid codes).
        unsafe { _mm_storel_epi64(out.as_mut_ptr().cast(), _mm512_cvtepi64_epi8(v)) }
    }

    const U32_MAX: i64 = u32::MAX as i64;

    #[target_feature(enable = "avx512f,avx512bw,avx512dq")]
    pub fn edges(e: &mut EdgeSlices, values: &[u64], width: usize) -> usize {
        let schema = e.schema;
        let codes: Vec<u8> = schema.types.iter().map(|t| t.0).collect();
        let Some((low, high)) = code_table(&codes) else { return 0 };
        if !schema.extra.is_empty() || !schema.reciprocal_exact {
            return 0;
        }
        let groups = (values.len() / width).min(e.ty.len() - e.written) / 8;
        let (ty_at, name_at, to_at) = (
            field_indices(width, schema.ty),
            field_indices(width, schema.name_or_index),
            field_indices(width, schema.to_node),
        );
        let types = _mm512_set1_epi64(codes.len() as i64);
        let fields = _mm512_set1_epi64(schema.node_fields as i64);
        let inverse = _mm512_set1_pd(1.0 / schema.node_fields as f64);
        let nodes = _mm512_set1_epi64(schema.node_count as i64);
        let mut needed = _mm512_setzero_si512();
        let mut done = 0;
        while done < groups {
            let base = done * 8 * width;
            let t = gather(values, base, ty_at, width);
            let name = gather(values, base, name_at, width);
            let to = gather(values, base, to_at, width);
            // The ordinal `to` names: rounded quotient, exact when it multiplies back (a `to`
            // that does not fit a double's 53 bits cannot multiply back to itself below 2^40).
            let q = _mm512_cvt_roundpd_epu64::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(_mm512_mul_pd(
                _mm512_cvtepu64_pd(to),
                inverse,
            ));
            let valid = _mm512_cmplt_epu64_mask(t, types)
                & _mm512_cmple_epu64_mask(name, _mm512_set1_epi64(U32_MAX))
                & _mm512_cmpeq_epi64_mask(_mm512_mullo_epi64(q, fields), to)
                & _mm512_cmplt_epu64_mask(q, nodes);
            if valid != 0xFF {
                break;
            }
            let code = _mm512_permutex2var_epi64(low, t, high);
            let at = e.written + done * 8;
            store_bytes(e.ty, at, code);
            store_u32s(e.name_or_index, at, name);
            store_u32s(e.to, at, q);
            // Element and hidden edges carry a number, not a string index.
            let named = _mm512_cmpneq_epi64_mask(code, _mm512_set1_epi64(EdgeType::ELEMENT.0 as i64))
                & _mm512_cmpneq_epi64_mask(code, _mm512_set1_epi64(EdgeType::HIDDEN.0 as i64));
            needed = _mm512_mask_max_epu64(needed, named, needed, _mm512_add_epi64(name, _mm512_set1_epi64(1)));
            done += 1;
        }
        e.names_needed = e.names_needed.max(_mm512_reduce_max_epu64(needed));
        e.written += done * 8;
        done * 8
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512dq")]
    pub fn nodes(n: &mut NodeSlices, values: &[u64], width: usize) -> usize {
        let schema = n.schema;
        let codes: Vec<u8> = schema.types.iter().map(|t| t.0).collect();
        let Some((low, high)) = code_table(&codes) else { return 0 };
        let at = &schema.at;
        let groups = (values.len() / width).min(n.ty.len() - n.written) / 8;
        let (ty_at, name_at, id_at, size_at, count_at) = (
            field_indices(width, at.ty),
            field_indices(width, at.name),
            field_indices(width, at.id),
            field_indices(width, at.self_size),
            field_indices(width, at.edge_count),
        );
        let det_at = at.detachedness.map(|d| field_indices(width, d));
        let extra_at: Vec<__m512i> = at.extra.iter().map(|&x| field_indices(width, x)).collect();
        let types = _mm512_set1_epi64(codes.len() as i64);
        let narrow = _mm512_set1_epi64(U32_MAX);
        let mut needed = _mm512_setzero_si512();
        let mut done = 0;
        while done < groups {
            let base = done * 8 * width;
            let t = gather(values, base, ty_at, width);
            let name = gather(values, base, name_at, width);
            let id = gather(values, base, id_at, width);
            let size = gather(values, base, size_at, width);
            let count = gather(values, base, count_at, width);
            // Sizes of 4 GiB and more go to the big-size table: the scalar loop's.
            let valid = _mm512_cmplt_epu64_mask(t, types)
                & _mm512_cmple_epu64_mask(name, narrow)
                & _mm512_cmple_epu64_mask(id, narrow)
                & _mm512_cmple_epu64_mask(count, narrow)
                & _mm512_cmplt_epu64_mask(size, narrow);
            if valid != 0xFF {
                break;
            }
            let i = n.written + done * 8;
            store_bytes(n.ty, i, _mm512_permutex2var_epi64(low, t, high));
            store_u32s(n.name, i, name);
            store_u32s(n.id, i, id);
            store_u32s(n.self_size, i, size);
            store_u32s(n.counts, i, count);
            needed = _mm512_max_epu64(needed, _mm512_add_epi64(name, _mm512_set1_epi64(1)));
            // The sparse columns: only lanes that are not zero are written.
            let mut lanes = [0u64; 8];
            if let Some(d) = det_at {
                let det = gather(values, base, d, width);
                let mut set = _mm512_test_epi64_mask(det, det);
                if set != 0 && !n.detachedness.is_empty() {
                    // SAFETY: the store writes the 8 entries of `lanes`.
                    unsafe { _mm512_storeu_epi64(lanes.as_mut_ptr().cast(), det) };
                    while set != 0 {
                        let r = set.trailing_zeros() as usize;
                        n.detachedness[i + r] = lanes[r].min(255) as u8;
                        set &= set - 1;
                    }
                }
            }
            for (col, &x) in n.extra.iter_mut().zip(&extra_at) {
                let v = gather(values, base, x, width);
                let mut set = _mm512_test_epi64_mask(v, _mm512_set1_epi64(U32_MAX));
                if set != 0 {
                    // SAFETY: the store writes the 8 entries of `lanes`.
                    unsafe { _mm512_storeu_epi64(lanes.as_mut_ptr().cast(), v) };
                    while set != 0 {
                        let r = set.trailing_zeros() as usize;
                        col[i + r] = lanes[r] as u32;
                        set &= set - 1;
                    }
                }
            }
            done += 1;
        }
        n.names_needed = n.names_needed.max(_mm512_reduce_max_epu64(needed));
        n.written += done * 8;
        done * 8
    }
}

pub struct EdgeAppender {
    pub schema: EdgeSchema,
    pub cols: EdgeColumns,
    /// As [`EdgeSlices::names_needed`].
    pub names_needed: u64,
}

impl EdgeAppender {
    pub fn new(schema: EdgeSchema, reserve: usize) -> Self {
        let cols = schema.columns(reserve, 0);
        EdgeAppender { schema, cols, names_needed: 0 }
    }
}

impl EdgeAppender {
    fn store(&mut self, (ty, name, to): (EdgeType, u32, u32), rec: &[u64]) {
        let c = &mut self.cols;
        c.ty.push(ty);
        c.name_or_index.push(name);
        self.names_needed = self.names_needed.max(name_needs(ty, name));
        c.to.push(to);
        for ((_, col), (_, at)) in c.extra.iter_mut().zip(&self.schema.extra) {
            col.push(rec[*at] as u32);
        }
    }
}

impl RecordSink for EdgeAppender {
    fn record(&mut self, rec: &[u64], offset: u64) -> Result<()> {
        let edge = self.schema.convert(rec, offset)?;
        self.store(edge, rec);
        Ok(())
    }

    fn records(&mut self, values: &[u64], width: usize) -> usize {
        let mut n = 0;
        for rec in values.chunks_exact(width) {
            let Some(edge) = self.schema.quick(rec) else { break };
            self.store(edge, rec);
            n += 1;
        }
        n
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
            reciprocal_exact: (2..1 << 8).contains(&node_fields),
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
            let mut s = schema(d);
            for &v in &values {
                assert_eq!(s.node_ordinal(v), (v % d == 0).then(|| v / d), "{v} / {d}");
            }
            // The parse's check: a node ordinal below the node count (at most 2^32 - 1).
            for count in [1000, u32::MAX as u64] {
                s.node_count = count;
                for &v in &values {
                    let want = (v % d == 0 && v / d < count).then(|| (v / d) as u32);
                    assert_eq!(s.target(v), want, "{v} / {d} below {count}");
                }
            }
        }
    }
}
