//! The `"snapshot"` header: field layouts and counts. Everything about the file's shape is
//! read from here by name; nothing downstream assumes positions.

use serde::Deserialize;

use crate::error::{Error, Result, Section};

/// The header as written by V8 (`"snapshot": {...}`), deserialized with serde.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Header {
    pub meta: Meta,
    pub node_count: u64,
    pub edge_count: u64,
    #[serde(default)]
    pub trace_function_count: u64,
    /// Native memory the embedder reported without a node; DevTools adds it to the total.
    #[serde(default)]
    pub extra_native_bytes: Option<f64>,
    #[serde(default)]
    pub root_index: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Meta {
    pub node_fields: Vec<String>,
    /// `node_types[0]` is the list of type names; the rest describe the other fields.
    pub node_types: Vec<serde_json::Value>,
    pub edge_fields: Vec<String>,
    pub edge_types: Vec<serde_json::Value>,
    #[serde(default)]
    pub trace_function_info_fields: Vec<String>,
    #[serde(default)]
    pub trace_node_fields: Vec<String>,
    #[serde(default)]
    pub sample_fields: Option<Vec<String>>,
    #[serde(default)]
    pub location_fields: Option<Vec<String>>,
}

/// Where each known node field sits in a node record, found by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeLayout {
    pub field_count: usize,
    pub ty: usize,
    pub name: usize,
    pub id: usize,
    pub self_size: usize,
    pub edge_count: usize,
    pub detachedness: Option<usize>,
    /// Fields we do not interpret (`trace_node_id`, newer V8 additions), carried as columns.
    pub extra: Vec<(String, usize)>,
}

/// Where each edge field sits in an edge record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeLayout {
    pub field_count: usize,
    pub ty: usize,
    pub name_or_index: usize,
    pub to_node: usize,
    pub extra: Vec<(String, usize)>,
}

/// The file's node and edge type names, as listed in `meta`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TypeNames {
    pub node: Vec<String>,
    pub edge: Vec<String>,
}

fn find(fields: &[String], name: &str, what: &str) -> Result<usize> {
    fields
        .iter()
        .position(|f| f == name)
        .ok_or_else(|| Error::invalid(Section::Header, 0, format!("meta.{what} has no \"{name}\" field")))
}

fn type_names(types: &[serde_json::Value], what: &str) -> Result<Vec<String>> {
    let list = types
        .first()
        .and_then(|v| v.as_array())
        .ok_or_else(|| Error::invalid(Section::Header, 0, format!("meta.{what}[0] is not a list of type names")))?;
    list.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::invalid(Section::Header, 0, format!("meta.{what}[0] holds a non-string")))
        })
        .collect()
}

impl Meta {
    pub fn node_layout(&self) -> Result<NodeLayout> {
        let f = &self.node_fields;
        let known = ["type", "name", "id", "self_size", "edge_count", "detachedness"];
        let layout = NodeLayout {
            field_count: f.len(),
            ty: find(f, "type", "node_fields")?,
            name: find(f, "name", "node_fields")?,
            id: find(f, "id", "node_fields")?,
            self_size: find(f, "self_size", "node_fields")?,
            edge_count: find(f, "edge_count", "node_fields")?,
            detachedness: f.iter().position(|x| x == "detachedness"),
            extra: f
                .iter()
                .enumerate()
                .filter(|(_, x)| !known.contains(&x.as_str()))
                .map(|(i, x)| (x.clone(), i))
                .collect(),
        };
        Ok(layout)
    }

    pub fn edge_layout(&self) -> Result<EdgeLayout> {
        let f = &self.edge_fields;
        let known = ["type", "name_or_index", "to_node"];
        Ok(EdgeLayout {
            field_count: f.len(),
            ty: find(f, "type", "edge_fields")?,
            name_or_index: find(f, "name_or_index", "edge_fields")?,
            to_node: find(f, "to_node", "edge_fields")?,
            extra: f
                .iter()
                .enumerate()
                .filter(|(_, x)| !known.contains(&x.as_str()))
                .map(|(i, x)| (x.clone(), i))
                .collect(),
        })
    }

    pub fn type_names(&self) -> Result<TypeNames> {
        Ok(TypeNames {
            node: type_names(&self.node_types, "node_types")?,
            edge: type_names(&self.edge_types, "edge_types")?,
        })
    }
}
