//! `heapsnap mcp`: a Model Context Protocol server (stdio) that lets an AI agent open heap
//! snapshots and ask what grew, what is duplicated and who holds it.
//!
//! - [`registry`]: snapshots loaded once and kept by handle.
//! - [`tools`]: the answers, as plain functions over heapsnap-core's reports.
//! - [`bounded`]: limits, clipped strings, a cap on answer size.
//! - [`redact`]: string contents replaced by length and hash.
//! - [`access`]: which files an agent may open.
//!
//! This file declares the tools (names, argument schemas, descriptions for the model) and
//! turns every failure into a tool error the model can read; nothing an agent sends stops
//! the server (work runs on blocking threads, so even a panic ends only that call).

pub mod access;
pub mod bounded;
pub mod redact;
pub mod registry;
pub mod tools;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use heapsnap_core::analysis::Heap;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{schemars, tool, tool_handler, tool_router, ServerHandler, ServiceExt};
use serde::Deserialize;
use serde_json::{json, Value};

use access::Access;
use bounded::{limit, MAX_LIMIT};
use redact::Redactor;
use registry::{Open, Registry};

#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Directories (or single files) the agent may open snapshots from. Empty: the working
    /// directory (see [`Access::default_grants`]).
    pub allow: Vec<PathBuf>,
    /// Replace string contents in every answer (a call cannot turn this off).
    pub redact: bool,
}

#[derive(Clone)]
pub struct HeapsnapServer {
    access: Access,
    redact_all: bool,
    redactor: Redactor,
    registry: Arc<Mutex<Registry>>,
    tool_router: ToolRouter<Self>,
}

/// An object id as DevTools shows it: `123` or `"@123"`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ObjectId {
    Number(u64),
    Text(String),
}

impl ObjectId {
    pub fn value(&self) -> Result<u64, String> {
        match self {
            ObjectId::Number(n) => Ok(*n),
            ObjectId::Text(t) => t
                .trim()
                .trim_start_matches('@')
                .parse()
                .map_err(|_| format!("{t:?} is not an object id (give a number such as 123 or \"@123\")")),
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct OpenArgs {
    /// Path of a .heapsnapshot or .heapsnapshot.gz file: absolute, or relative to a directory
    /// the server was allowed to read (or its working directory).
    pub path: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct HandleOnly {
    /// Handle returned by open_snapshot.
    pub handle: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SummaryArgs {
    /// Handle returned by open_snapshot.
    pub handle: String,
    /// Only classes whose name contains this text (case-insensitive), e.g. "config".
    pub filter: Option<String>,
    /// Index of the first class to return (paging). Default 0.
    pub offset: Option<usize>,
    /// How many classes to return. Default 20, at most 200.
    pub limit: Option<usize>,
    /// Replace string contents by length and hash in this answer.
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct PagedArgs {
    /// Handle returned by open_snapshot.
    pub handle: String,
    /// Index of the first entry to return (paging). Default 0.
    pub offset: Option<usize>,
    /// How many entries to return. Default 10 (duplicates) or 20, at most 200.
    pub limit: Option<usize>,
    /// Replace string contents by length and hash in this answer.
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct DiffArgs {
    /// Handle of the earlier (baseline) snapshot.
    pub baseline: String,
    /// Handle of the later snapshot, the one with more memory.
    pub spike: String,
    /// How many findings, holders, duplicate clusters, strings and class rows. Default 10, at most 25.
    pub limit: Option<usize>,
    /// Replace string contents by length and hash in this answer.
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct RetainersArgs {
    /// Handle returned by open_snapshot.
    pub handle: String,
    /// Object id (@id in DevTools), e.g. 12345 or "@12345".
    pub id: ObjectId,
    /// Levels up the retainer tree: 1 = direct retainers only. Default 2, at most 8.
    pub depth: Option<usize>,
    /// Retainers listed per object at each level. Default 10, at most 200.
    pub limit: Option<usize>,
    /// Replace string contents by length and hash in this answer.
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ObjectArgs {
    /// Handle returned by open_snapshot.
    pub handle: String,
    /// Object id (@id in DevTools), e.g. 12345 or "@12345".
    pub id: ObjectId,
    /// Replace string contents by length and hash in this answer.
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct PagedObjectArgs {
    /// Handle returned by open_snapshot.
    pub handle: String,
    /// Object id (@id in DevTools), e.g. 12345 or "@12345".
    pub id: ObjectId,
    /// Index of the first entry to return (paging). Default 0.
    pub offset: Option<usize>,
    /// How many entries to return. Default 50 (inspect) or 20, at most 200.
    pub limit: Option<usize>,
    /// Replace string contents by length and hash in this answer.
    pub redact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct FindArgs {
    /// Handle returned by open_snapshot.
    pub handle: String,
    /// Exact class name as summary shows it, e.g. "Config", "Map", "(string)", "{name, roles}".
    pub class: Option<String>,
    /// Text that string objects contain (case-sensitive), e.g. "https://".
    pub string: Option<String>,
    /// Index of the first match to return (paging). Default 0.
    pub offset: Option<usize>,
    /// How many matches to return. Default 20, at most 200.
    pub limit: Option<usize>,
    /// Replace string contents by length and hash in this answer.
    pub redact: Option<bool>,
}

/// Runs CPU-bound work off the protocol's threads; a panic becomes an error message.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(f).await.map_err(|e| format!("internal error (please report): {e}"))?
}

fn id_of(id: &ObjectId) -> Result<u64, String> {
    id.value()
}

#[tool_router]
impl HeapsnapServer {
    pub fn new(config: &Config) -> Result<Self, String> {
        let grants = if config.allow.is_empty() { Access::default_grants() } else { config.allow.clone() };
        Ok(HeapsnapServer {
            access: Access::new(&grants)?,
            redact_all: config.redact,
            redactor: Redactor::new(),
            registry: Arc::default(),
            tool_router: Self::tool_router(),
        })
    }

    /// An answer for the model: redacted if asked, strings clipped, size checked; or the
    /// error message as a tool error (`isError`), which the model sees and can act on.
    fn reply(&self, result: Result<Value, String>, heaps: &[&Heap], redact: Option<bool>) -> CallToolResult {
        let text = result.and_then(|mut v| {
            if self.redact_all || redact == Some(true) {
                self.redactor.redact(&mut v, heaps);
            }
            bounded::clip_strings(&mut v);
            bounded::render(&v)
        });
        match text {
            Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
        }
    }

    fn open(&self, handle: &str) -> Result<Arc<Open>, String> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner()).get(handle)
    }

    /// Looks up one snapshot, runs `f` on it off the protocol threads, and replies.
    async fn on_heap(
        &self,
        handle: &str,
        redact: Option<bool>,
        f: impl FnOnce(&Heap) -> Result<Value, String> + Send + 'static,
    ) -> CallToolResult {
        let o = match self.open(handle) {
            Ok(o) => o,
            Err(e) => return self.reply(Err(e), &[], None),
        };
        let worker = o.clone();
        let result = blocking(move || f(&worker.heap)).await;
        self.reply(result, &[&o.heap], redact)
    }

    #[tool(description = "Load a V8 heap snapshot file (.heapsnapshot, or .heapsnapshot.gz) from a Node.js or \
        Chromium process and keep it in memory. Returns a handle for the other tools, with node and edge counts, \
        the total heap size in bytes and the load time. Open a baseline and a later (spike) snapshot to compare \
        them with diff. Opening an already open file returns its handle without reloading.")]
    async fn open_snapshot(&self, Parameters(a): Parameters<OpenArgs>) -> CallToolResult {
        let path = match self.access.resolve(&a.path) {
            Ok(p) => p,
            Err(e) => return self.reply(Err(e), &[], None),
        };
        let existing = {
            let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
            match registry.by_path(&path) {
                Some(o) => Ok(Some(o)),
                None => registry.has_room().map(|()| None),
            }
        };
        let (open, fresh) = match existing {
            Err(e) => return self.reply(Err(e), &[], None),
            Ok(Some(o)) => (o, false),
            Ok(None) => match blocking(move || registry::load(&path)).await {
                Ok(loaded) => match self.registry.lock().unwrap_or_else(|p| p.into_inner()).insert(loaded) {
                    Ok(inserted) => inserted,
                    Err(e) => return self.reply(Err(e), &[], None),
                },
                Err(e) => return self.reply(Err(e), &[], None),
            },
        };
        let mut v = open.describe();
        v["already_open"] = json!(!fresh);
        self.reply(Ok(v), &[], None)
    }

    #[tool(description = "The snapshots open now: handle, path, counts, total size.")]
    async fn list_snapshots(&self) -> CallToolResult {
        let all = self.registry.lock().unwrap_or_else(|p| p.into_inner()).list();
        self.reply(Ok(json!({ "snapshots": all.iter().map(|o| o.describe()).collect::<Vec<_>>() })), &[], None)
    }

    #[tool(description = "Free the memory of a snapshot opened with open_snapshot.")]
    async fn close_snapshot(&self, Parameters(a): Parameters<HandleOnly>) -> CallToolResult {
        let closed = self.registry.lock().unwrap_or_else(|p| p.into_inner()).close(&a.handle);
        self.reply(closed.map(|()| json!({ "closed": a.handle })), &[], None)
    }

    #[tool(description = "Classes (constructors) by retained size, as Chrome DevTools' Summary view shows them: \
        name, object count, shallow (self) size, retained size, distance from a root; plus the snapshot's totals and \
        DevTools' Statistics (code, strings, arrays, typed arrays, system). Sizes are bytes. `matched` is how many \
        classes pass the filter; page with offset.")]
    async fn summary(&self, Parameters(a): Parameters<SummaryArgs>) -> CallToolResult {
        let (offset, limit) = (a.offset.unwrap_or(0), limit(a.limit, 20, MAX_LIMIT));
        self.on_heap(&a.handle, a.redact, move |h| Ok(tools::summary(h, a.filter.as_deref(), offset, limit))).await
    }

    #[tool(description = "The single objects with the largest retained size (what each alone keeps alive): id \
        (DevTools' @id), type, name, class, self and retained size in bytes, distance.")]
    async fn top_objects(&self, Parameters(a): Parameters<PagedArgs>) -> CallToolResult {
        let (offset, limit) = (a.offset.unwrap_or(0), limit(a.limit, 20, MAX_LIMIT));
        self.on_heap(&a.handle, a.redact, move |h| Ok(tools::top_objects(h, offset, limit))).await
    }

    #[tool(description = "Compare a baseline and a later snapshot (the report of `heapsnap diff --json`): \
        `findings` is the verdict, ranked; `growth` attributes new objects to the old object that holds them, \
        with its retaining path; `duplicates` are clusters of identical objects that appeared or grew (with an \
        example id, the common holder and the retainer edge most copies hang from); `duplicate_strings`; \
        `classes` are DevTools' Comparison rows (new, deleted, deltas). `id_match` says whether both come from \
        one process (ids comparable). Follow an object id with retainers, path_to_root or inspect.")]
    async fn diff(&self, Parameters(a): Parameters<DiffArgs>) -> CallToolResult {
        let (base, spike) = match (self.open(&a.baseline), self.open(&a.spike)) {
            (Ok(b), Ok(s)) => (b, s),
            (Err(e), _) | (_, Err(e)) => return self.reply(Err(e), &[], None),
        };
        let limit = limit(a.limit, 10, 25);
        let key = (base.handle.clone(), spike.handle.clone(), limit);
        let cached = self.registry.lock().unwrap_or_else(|p| p.into_inner()).cached_diff(&key);
        let report = match cached {
            Some(r) => Ok(r),
            None => {
                let (b, s) = (base.clone(), spike.clone());
                let computed = blocking(move || Ok(Arc::new(tools::diff(&b.heap, &s.heap, limit)))).await;
                if let Ok(r) = &computed {
                    self.registry.lock().unwrap_or_else(|p| p.into_inner()).cache_diff(key, r.clone());
                }
                computed
            }
        };
        self.reply(report.map(|r| (*r).clone()), &[&spike.heap, &base.heap], a.redact)
    }

    #[tool(description = "Clusters of structurally identical objects in one snapshot (same class, properties and \
        content, compared several edges deep): count, bytes wasted on the copies, an example id with its retaining \
        path, the common holder and the retainer edge most copies hang from; then duplicated strings. Many copies \
        of one object usually mean a cache that is not reused.")]
    async fn duplicates(&self, Parameters(a): Parameters<PagedArgs>) -> CallToolResult {
        let (offset, limit) = (a.offset.unwrap_or(0), limit(a.limit, 10, MAX_LIMIT));
        self.on_heap(&a.handle, a.redact, move |h| Ok(tools::duplicates(h, offset, limit))).await
    }

    #[tool(description = "Who keeps an object alive: its retainers (the object holding it and the edge, e.g. \
        `.config` or `[3]` or `.get('key')`), in DevTools' Retainers order (closest to a root first, weak edges \
        hidden), and their retainers, `depth` levels up. `total_retainers` tells how many exist at each node.")]
    async fn retainers(&self, Parameters(a): Parameters<RetainersArgs>) -> CallToolResult {
        let (depth, limit) = (limit(a.depth, 2, 8), limit(a.limit, 10, MAX_LIMIT));
        self.on_heap(&a.handle, a.redact, move |h| tools::retainers(h, id_of(&a.id)?, depth, limit)).await
    }

    #[tool(description = "The retaining path from a GC root (or Node's global) to an object, as DevTools' \
        Retainers view auto-expands it: steps with edge names, and the same as one line of text \
        (e.g. global @7 .cache → Map @12 .get('users') → Array @34 [0] → User @56).")]
    async fn path_to_root(&self, Parameters(a): Parameters<ObjectArgs>) -> CallToolResult {
        self.on_heap(&a.handle, a.redact, move |h| tools::path_to_root(h, id_of(&a.id)?, 64)).await
    }

    #[tool(description = "One object: type, name, class, self and retained size, distance, its immediate \
        dominator (the object whose release would free it), how many retainers and dominated objects it has, and \
        its outgoing edges (edge name, edge type, target object), paged with offset and limit.")]
    async fn inspect(&self, Parameters(a): Parameters<PagedObjectArgs>) -> CallToolResult {
        let (offset, limit) = (a.offset.unwrap_or(0), limit(a.limit, 50, MAX_LIMIT));
        self.on_heap(&a.handle, a.redact, move |h| tools::inspect(h, id_of(&a.id)?, offset, limit)).await
    }

    #[tool(description = "What an object alone keeps alive: its children in the dominator tree, largest retained \
        size first, each with how many objects it dominates in turn. Walk down from a big holder to the objects \
        that make up its size.")]
    async fn dominated(&self, Parameters(a): Parameters<PagedObjectArgs>) -> CallToolResult {
        let (offset, limit) = (a.offset.unwrap_or(0), limit(a.limit, 20, MAX_LIMIT));
        self.on_heap(&a.handle, a.redact, move |h| tools::dominated(h, id_of(&a.id)?, offset, limit)).await
    }

    #[tool(description = "Find objects: all instances of a class (`class`: the exact name summary shows), or all \
        string objects containing a text (`string`). Largest retained size first; returns the total `count` and \
        one page of objects with their ids.")]
    async fn find(&self, Parameters(a): Parameters<FindArgs>) -> CallToolResult {
        let (offset, limit) = (a.offset.unwrap_or(0), limit(a.limit, 20, MAX_LIMIT));
        self.on_heap(&a.handle, a.redact, move |h| {
            tools::find(h, a.class.as_deref(), a.string.as_deref(), offset, limit)
        })
        .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for HeapsnapServer {
    fn get_info(&self) -> ServerConfig {
        let redaction =
            if self.redact_all { " String contents are redacted (length and hash) in every answer." } else { "" };
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("heapsnap", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!(
                "heapsnap answers why a V8 (Node.js / Chromium) heap grew, with Chrome DevTools' own numbers. Open a \
                 baseline and a spike snapshot with open_snapshot, then call diff; follow a finding's object id with \
                 retainers, path_to_root, inspect and dominated. For one snapshot: summary, top_objects, duplicates, \
                 find. Sizes are bytes; ids are DevTools' @ids. Answers are bounded: page with offset and limit.{redaction}"
            ))
    }
}

/// Serves MCP on stdin/stdout until the client disconnects.
pub fn serve_stdio(config: &Config) -> Result<(), String> {
    let server = HeapsnapServer::new(config)?;
    if server.access.roots().is_empty() {
        eprintln!("heapsnap mcp: started in the filesystem root without --allow: no snapshot can be opened");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let service = server.serve(rmcp::transport::stdio()).await.map_err(|e| e.to_string())?;
        service.waiting().await.map_err(|e| e.to_string())?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    //! The server's own behavior, calling the tool handlers in process: handles, errors that
    //! leave the server serving, server-wide redaction. (`tests/mcp_e2e.py` drives the same
    //! over stdio with the official Python SDK.)
    use super::*;

    fn server(redact: bool) -> HeapsnapServer {
        let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata");
        HeapsnapServer::new(&Config { allow: vec![testdata], redact }).unwrap()
    }

    fn text(r: &CallToolResult) -> String {
        r.content[0].as_text().expect("a text answer").text.clone()
    }

    fn ok(r: CallToolResult) -> Value {
        assert_eq!(r.is_error, Some(false), "{}", text(&r));
        serde_json::from_str(&text(&r)).unwrap()
    }

    fn err(r: CallToolResult) -> String {
        assert_eq!(r.is_error, Some(true), "expected an error, got {}", text(&r));
        text(&r)
    }

    async fn open(s: &HeapsnapServer, path: &str) -> Value {
        ok(s.open_snapshot(Parameters(OpenArgs { path: path.into() })).await)
    }

    fn find_args(handle: &str, string: &str, redact: Option<bool>) -> FindArgs {
        FindArgs {
            handle: handle.into(),
            class: None,
            string: Some(string.into()),
            offset: None,
            limit: Some(3),
            redact,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn loads_once_and_survives_bad_requests() {
        let s = server(false);
        let a = open(&s, "stampede-a.heapsnapshot.gz").await;
        assert_eq!(
            (a["handle"].as_str(), a["already_open"].as_bool(), a["nodes"].as_u64()),
            (Some("stampede-a"), Some(false), Some(39483))
        );
        let again = open(&s, "../testdata/./stampede-a.heapsnapshot.gz").await;
        assert_eq!((again["handle"].as_str(), again["already_open"].as_bool()), (Some("stampede-a"), Some(true)));
        assert_eq!(ok(s.list_snapshots().await)["snapshots"].as_array().unwrap().len(), 1);

        let e = err(s
            .summary(Parameters(SummaryArgs {
                handle: "nope".into(),
                filter: None,
                offset: None,
                limit: None,
                redact: None,
            }))
            .await);
        assert!(e.contains("\"nope\"") && e.contains("stampede-a"), "{e}");
        let obj = |id: ObjectId| ObjectArgs { handle: "stampede-a".into(), id, redact: None };
        assert!(err(s.path_to_root(Parameters(obj(ObjectId::Number(999_999_999)))).await)
            .contains("no object with id @999999999"));
        assert!(
            err(s.path_to_root(Parameters(obj(ObjectId::Text("config".into())))).await).contains("not an object id")
        );
        for bad in ["../Cargo.toml", "/etc/passwd", "../heapsnap-mcp/../../../etc/passwd"] {
            let e = err(s.open_snapshot(Parameters(OpenArgs { path: bad.into() })).await);
            assert!(e.contains("outside"), "{bad}: {e}");
        }
        assert!(err(s.open_snapshot(Parameters(OpenArgs { path: "README.md".into() })).await)
            .contains("not a readable heap snapshot"));
        assert!(err(s.open_snapshot(Parameters(OpenArgs { path: "reference".into() })).await)
            .contains("not a regular file"));

        // Still serving, and "@id" text works like a number.
        let root = ok(s
            .top_objects(Parameters(PagedArgs {
                handle: "stampede-a".into(),
                offset: None,
                limit: Some(1),
                redact: None,
            }))
            .await);
        let id = root["objects"][0]["id"].as_u64().unwrap();
        let p = ok(s.path_to_root(Parameters(obj(ObjectId::Text(format!("@{id}"))))).await);
        assert_eq!(p["object"]["id"], id);

        ok(s.close_snapshot(Parameters(HandleOnly { handle: "stampede-a".into() })).await);
        assert!(err(s.close_snapshot(Parameters(HandleOnly { handle: "stampede-a".into() })).await)
            .contains("none is open"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redaction_per_call_and_server_wide() {
        let s = server(false);
        let b = open(&s, "stampede-b.heapsnapshot.gz").await;
        let h = b["handle"].as_str().unwrap();
        assert!(text(&s.find(Parameters(find_args(h, "svc:", None))).await).contains("svc:"));
        let red = text(&s.find(Parameters(find_args(h, "svc:", Some(true)))).await);
        assert!(!red.contains("svc:") && red.contains("<string len="), "{red}");

        let s = server(true);
        let b = open(&s, "stampede-b.heapsnapshot.gz").await;
        let h = b["handle"].as_str().unwrap();
        // A call cannot turn server-wide redaction off.
        let red = text(&s.find(Parameters(find_args(h, "svc:", Some(false)))).await);
        assert!(!red.contains("svc:") && red.contains("<string len="), "{red}");
        let a = open(&s, "stampede-a.heapsnapshot.gz").await;
        let args =
            || DiffArgs { baseline: a["handle"].as_str().unwrap().into(), spike: h.into(), limit: None, redact: None };
        let d = text(&s.diff(Parameters(args())).await);
        assert!(!d.contains("-svc:") && d.contains("InflightRequest"), "{d}");
        // The second diff comes from the cache, identical.
        let again = s.diff(Parameters(args())).await;
        assert_eq!(text(&again), d);
    }
}
