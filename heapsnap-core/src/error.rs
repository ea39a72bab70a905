//! One error type for everything that reads snapshot bytes: it always names the section and
//! the byte offset, so a truncated or hostile file is diagnosed, never just "invalid JSON".

use std::fmt;

/// The part of a `.heapsnapshot` file an error was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// Before the `"snapshot"` header or between sections.
    File,
    /// The `"snapshot": {meta, node_count, ...}` header.
    Header,
    Nodes,
    Edges,
    TraceFunctionInfos,
    TraceTree,
    Samples,
    Locations,
    Strings,
}

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Section::File => "file",
            Section::Header => "snapshot header",
            Section::Nodes => "nodes",
            Section::Edges => "edges",
            Section::TraceFunctionInfos => "trace_function_infos",
            Section::TraceTree => "trace_tree",
            Section::Samples => "samples",
            Section::Locations => "locations",
            Section::Strings => "strings",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What went wrong, coarsely, so callers (the CLI's `check`, `--salvage`) can react.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input ended before the section was complete.
    Truncated,
    /// Bytes that do not belong there (not a number, missing bracket, bad escape...).
    Syntax,
    /// Well-formed but inconsistent: counts that disagree, an edge past the node array,
    /// a meta field missing.
    Invalid,
    /// A header count that the file size cannot possibly hold; refused before allocating.
    TooLarge,
    /// Reading the file failed.
    Io,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub section: Section,
    /// Byte offset into the input where the problem was seen.
    pub offset: u64,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, section: Section, offset: u64, message: impl Into<String>) -> Self {
        Error { kind, section, offset, message: message.into() }
    }
    pub fn truncated(section: Section, offset: u64, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Truncated, section, offset, message)
    }
    pub fn syntax(section: Section, offset: u64, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Syntax, section, offset, message)
    }
    pub fn invalid(section: Section, offset: u64, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, section, offset, message)
    }
    pub fn io(err: &std::io::Error) -> Self {
        Self::new(ErrorKind::Io, Section::File, 0, err.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (in {}, at byte {})", self.message, self.section, self.offset)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
