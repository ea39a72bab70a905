//! heapsnap-core: reads V8 heap snapshots (`.heapsnapshot`) into a compact graph and
//! computes what Chrome DevTools computes on them (dominators, retained sizes, distances,
//! class names, Summary and Statistics), plus what DevTools does not (diffs that attribute
//! growth, duplicate-object clusters, retainer paths). No I/O policy, no printing.
//!
//! Data flow: bytes → [`parse`] → [`Snapshot`] (columns) → [`analysis`] → reports.
//! See ARCHITECTURE.md at the repository root.

pub mod analysis;
pub mod diff;
pub mod duplicates;
pub mod error;
pub mod meta;
pub mod pages;
pub mod parse;
pub mod paths;
pub mod query;
pub mod redact;
pub mod snapshot;
pub mod strings;

pub use error::{Error, ErrorKind, Result, Section};
pub use meta::{Header, Meta};
pub use snapshot::{EdgeType, NodeType, Snapshot};
pub use strings::StringTable;
