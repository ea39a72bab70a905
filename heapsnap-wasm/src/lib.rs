//! Browser bindings for heapsnap-core: a [`Viewer`] is fed `File.stream()` chunks (inside a
//! Web Worker), then answers the page's queries as JSON strings from
//! [`heapsnap_core::query`], the same answers the MCP server gives.

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{ChunkedParser, ParseOptions};
use heapsnap_core::query;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Viewer {
    parser: Option<ChunkedParser<'static>>,
    heap: Option<Heap>,
}

fn js(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn text(v: Value) -> String {
    v.to_string()
}

#[wasm_bindgen]
impl Viewer {
    /// A viewer expecting `total_len` bytes (0 when unknown, e.g. a decompressed stream).
    #[wasm_bindgen(constructor)]
    pub fn new(total_len: f64) -> Viewer {
        let opts = ParseOptions::default();
        let parser =
            if total_len > 0.0 { ChunkedParser::with_len(opts, total_len as u64) } else { ChunkedParser::new(opts) };
        Viewer { parser: Some(parser), heap: None }
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.parser.as_mut().ok_or_else(|| js("already finished"))?.push(chunk).map_err(js)
    }

    /// Ends the input and runs the analysis; returns counts and totals as JSON.
    pub fn finish(&mut self) -> Result<String, JsError> {
        let parser = self.parser.take().ok_or_else(|| js("already finished"))?;
        let heap = Heap::analyze(parser.finish().map_err(js)?);
        let root = heap.snapshot().node_id(heap.root());
        let info = json!({
            "nodes": heap.node_count(),
            "edges": heap.snapshot().edge_count(),
            "total_size": heap.total_size(),
            "root_id": root,
        });
        self.heap = Some(heap);
        Ok(text(info))
    }

    fn heap(&self) -> Result<&Heap, JsError> {
        self.heap.as_ref().ok_or_else(|| js("the snapshot is not loaded yet"))
    }

    pub fn summary(&self, limit: usize, filter: Option<String>) -> Result<String, JsError> {
        Ok(text(query::summary(self.heap()?, limit, filter.as_deref())))
    }

    pub fn instances(&self, class_name: &str, offset: usize, limit: usize) -> Result<String, JsError> {
        query::find(self.heap()?, Some(class_name), None, offset, limit).map(text).map_err(js)
    }

    pub fn dominated(&self, id: f64, offset: usize, limit: usize) -> Result<String, JsError> {
        query::dominated(self.heap()?, id as u64, offset, limit).map(text).map_err(js)
    }

    pub fn retainers(&self, id: f64, depth: usize, limit: usize) -> Result<String, JsError> {
        query::retainers(self.heap()?, id as u64, depth, limit).map(text).map_err(js)
    }

    pub fn path_to_root(&self, id: f64) -> Result<String, JsError> {
        query::path_to_root(self.heap()?, id as u64, 64).map(text).map_err(js)
    }

    pub fn duplicates(&self, limit: usize) -> Result<String, JsError> {
        Ok(text(query::duplicates(self.heap()?, limit)))
    }

    /// This snapshot as the spike, `baseline` as the base: the `heapsnap diff` report.
    pub fn diff(&self, baseline: &Viewer, limit: usize) -> Result<String, JsError> {
        Ok(text(query::diff(baseline.heap()?, self.heap()?, limit)))
    }
}
