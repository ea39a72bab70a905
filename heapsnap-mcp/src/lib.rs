//! `heapsnap mcp`: a Model Context Protocol server (stdio) that lets an AI agent open heap
//! snapshots and ask what grew, what is duplicated and who holds it.
//!
//! - [`tools`]: open snapshots by handle; answers come from `heapsnap_core::query`.
//! - [`bounded`]: clipping and redaction of string contents before anything leaves.
//! - [`access`]: which files an agent may open.
//! This file only declares the tools (names, schemas, descriptions) and maps errors.

pub mod access;
pub mod bounded;
pub mod tools;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, ServerCapabilities, ServerConfig};
use rmcp::{schemars, tool, tool_handler, tool_router, ErrorData, ServerHandler, ServiceExt};
use serde::Deserialize;
use serde_json::Value;

use access::Access;
use tools::{clamp, Registry};

#[derive(Clone, Debug)]
pub struct Config {
    /// Directories (or files) the agent may open snapshots from.
    pub allow: Vec<PathBuf>,
    /// Replace string contents in every answer.
    pub redact: bool,
}

#[derive(Clone)]
pub struct HeapsnapServer {
    access: Access,
    redact: bool,
    registry: Arc<Mutex<Registry>>,
    tool_router: ToolRouter<Self>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct OpenArgs {
    /// Path of a .heapsnapshot (or .heapsnapshot.gz) file, absolute or relative to the server's directory.
    pub path: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct HandleArgs {
    /// Handle returned by open_snapshot.
    pub handle: String,
    /// Maximum entries to return (default 20, at most 200).
    pub limit: Option<usize>,
    /// Replace string contents by length and hash in this answer.
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SummaryArgs {
    pub handle: String,
    /// Maximum classes to return (default 20, at most 200).
    pub limit: Option<usize>,
    /// Only classes whose name contains this text (case-insensitive).
    pub filter: Option<String>,
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct DiffArgs {
    /// Handle of the earlier snapshot.
    pub baseline: String,
    /// Handle of the later snapshot.
    pub spike: String,
    /// Maximum findings, holders, clusters and classes (default 10, at most 200).
    pub limit: Option<usize>,
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ObjectArgs {
    pub handle: String,
    /// Object id as DevTools shows it (@123 → 123).
    pub id: u64,
    /// retainers: levels up the retainer tree (default 3, at most 8). path_to_root: unused.
    pub depth: Option<usize>,
    /// Entries per page or per level (default 10 for retainers, 50 for inspect; at most 200).
    pub limit: Option<usize>,
    /// inspect: index of the first outgoing edge to return (paging).
    pub offset: Option<usize>,
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct FindArgs {
    pub handle: String,
    /// Exact class name as in summary (e.g. "Config", "(string)", "{name, roles}").
    pub class: Option<String>,
    /// Text contained in string objects.
    pub string: Option<String>,
    pub limit: Option<usize>,
    /// Index of the first match to return (paging).
    pub offset: Option<usize>,
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct CloseArgs {
    pub handle: String,
}

fn fail(message: String) -> ErrorData {
    ErrorData::invalid_params(message, None)
}

#[tool_router]
impl HeapsnapServer {
    pub fn new(config: &Config) -> Result<Self, String> {
        Ok(HeapsnapServer {
            access: Access::new(&config.allow)?,
            redact: config.redact,
            registry: Arc::default(),
            tool_router: Self::tool_router(),
        })
    }

    fn answer(&self, mut value: Value, redact: Option<bool>) -> Result<CallToolResult, ErrorData> {
        bounded::bound(&mut value, self.redact || redact.unwrap_or(false));
        let text = serde_json::to_string_pretty(&value).expect("JSON values serialize");
        Ok(CallToolResult::success(vec![ContentBlock::text(text)]))
    }

    fn open(&self, handle: &str) -> Result<Arc<tools::Open>, ErrorData> {
        self.registry.lock().expect("registry lock").get(handle).map_err(fail)
    }

    #[tool(description = "Load a V8 heap snapshot (.heapsnapshot or .heapsnapshot.gz) and keep it in memory. \
        Returns a handle for the other tools, with node/edge counts, total size in bytes and load time. \
        Open a baseline and a spike to compare them with diff.")]
    async fn open_snapshot(&self, Parameters(a): Parameters<OpenArgs>) -> Result<CallToolResult, ErrorData> {
        let path = self.access.resolve(&a.path).map_err(fail)?;
        let loaded = tokio::task::spawn_blocking(move || tools::load(&path))
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?
            .map_err(fail)?;
        let (handle, open) = self.registry.lock().expect("registry lock").insert(loaded);
        self.answer(tools::opened(&handle, &open), None)
    }

    #[tool(description = "Free a snapshot opened with open_snapshot.")]
    async fn close_snapshot(&self, Parameters(a): Parameters<CloseArgs>) -> Result<CallToolResult, ErrorData> {
        self.registry.lock().expect("registry lock").close(&a.handle).map_err(fail)?;
        self.answer(serde_json::json!({"closed": a.handle}), None)
    }

    #[tool(description = "Classes (constructors) by retained size, as Chrome DevTools' Summary view: \
        name, count, shallow (self) size, retained size, distance; plus DevTools' Statistics. Sizes in bytes.")]
    async fn summary(&self, Parameters(a): Parameters<SummaryArgs>) -> Result<CallToolResult, ErrorData> {
        let o = self.open(&a.handle)?;
        self.answer(tools::summary(&o.heap, clamp(a.limit, 20), a.filter.as_deref()), a.redact)
    }

    #[tool(description = "The objects with the largest retained size: id (@id), type, name, class, sizes, distance.")]
    async fn top_objects(&self, Parameters(a): Parameters<HandleArgs>) -> Result<CallToolResult, ErrorData> {
        let o = self.open(&a.handle)?;
        self.answer(tools::top_objects(&o.heap, clamp(a.limit, 20)), a.redact)
    }

    #[tool(description = "Compare a baseline and a spike snapshot: the verdict (top findings), growth attributed \
        to the objects that hold it with their retaining paths, duplicate-object clusters and duplicate strings that \
        appeared or grew, and DevTools' Comparison table. Detects snapshots from different processes.")]
    async fn diff(&self, Parameters(a): Parameters<DiffArgs>) -> Result<CallToolResult, ErrorData> {
        let (base, spike) = (self.open(&a.baseline)?, self.open(&a.spike)?);
        let limit = clamp(a.limit, 10);
        let report = tokio::task::spawn_blocking(move || tools::diff(&base.heap, &spike.heap, limit))
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        self.answer(report, a.redact)
    }

    #[tool(description = "Clusters of structurally identical objects (same class, properties and content) with \
        count, wasted bytes, an example with its retaining path and the common holder; and duplicate strings.")]
    async fn duplicates(&self, Parameters(a): Parameters<HandleArgs>) -> Result<CallToolResult, ErrorData> {
        let o = self.open(&a.handle)?;
        let limit = clamp(a.limit, 10);
        let report = tokio::task::spawn_blocking(move || tools::duplicates(&o.heap, limit))
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        self.answer(report, a.redact)
    }

    #[tool(description = "Who keeps an object alive: its retainers (object and edge, in DevTools' Retainers order, \
        weak edges hidden), and theirs, `depth` levels up.")]
    async fn retainers(&self, Parameters(a): Parameters<ObjectArgs>) -> Result<CallToolResult, ErrorData> {
        let o = self.open(&a.handle)?;
        let tree = tools::retainers(&o.heap, a.id, a.depth.unwrap_or(3), clamp(a.limit, 10)).map_err(fail)?;
        self.answer(tree, a.redact)
    }

    #[tool(description = "The shortest retaining path from a GC root to an object, as DevTools' Retainers view \
        shows it (e.g. global → Map @12 .get('cache') → Array @34 [0]).")]
    async fn path_to_root(&self, Parameters(a): Parameters<ObjectArgs>) -> Result<CallToolResult, ErrorData> {
        let o = self.open(&a.handle)?;
        self.answer(tools::path_to_root(&o.heap, a.id, 64).map_err(fail)?, a.redact)
    }

    #[tool(description = "One object: class, sizes, distance, its immediate dominator, how many retainers and \
        dominated objects it has, and its outgoing edges with names and targets (paged by offset and limit).")]
    async fn inspect(&self, Parameters(a): Parameters<ObjectArgs>) -> Result<CallToolResult, ErrorData> {
        let o = self.open(&a.handle)?;
        let v = tools::inspect(&o.heap, a.id, a.offset.unwrap_or(0), clamp(a.limit, 50)).map_err(fail)?;
        self.answer(v, a.redact)
    }

    #[tool(description = "Find objects: all instances of a class (by exact Summary name), or string objects \
        containing a text. Largest retained size first; returns the total count and the first `limit`.")]
    async fn find(&self, Parameters(a): Parameters<FindArgs>) -> Result<CallToolResult, ErrorData> {
        let o = self.open(&a.handle)?;
        let v = tools::find(&o.heap, a.class.as_deref(), a.string.as_deref(), a.offset.unwrap_or(0), clamp(a.limit, 20)).map_err(fail)?;
        self.answer(v, a.redact)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for HeapsnapServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_instructions(
            "heapsnap answers why a V8 (Node.js / Chromium) heap grew. Start with open_snapshot on a baseline and a \
             spike, then diff; follow a finding's object id with retainers, path_to_root and inspect. Sizes are bytes; \
             ids are DevTools' @ids.",
        )
    }
}

/// Serves MCP on stdin/stdout until the client disconnects.
pub fn serve_stdio(config: &Config) -> Result<(), String> {
    let server = HeapsnapServer::new(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let service = server.serve(rmcp::transport::stdio()).await.map_err(|e| e.to_string())?;
        service.waiting().await.map_err(|e| e.to_string())?;
        Ok(())
    })
}
