//! Any bytes: the mapped parser and the chunked parser (split where the input says) must agree
//! on success or failure, never panic, and what parses must analyze and report without panic.
#![no_main]

use std::sync::Arc;

use heapsnap_core::analysis::Heap;
use heapsnap_core::parse::{parse_bytes, ChunkedParser, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |&b| b as usize % (data.len().max(1)));
    let whole = parse_bytes(Arc::new(data.to_vec()), &ParseOptions::default());
    let mut chunked = ChunkedParser::with_len(ParseOptions::default(), data.len() as u64);
    let streamed = chunked.push(&data[..split]).and_then(|_| chunked.push(&data[split..])).and_then(|_| chunked.finish());
    assert_eq!(whole.is_ok(), streamed.is_ok(), "mapped {:?} vs chunked {:?}", whole.as_ref().err(), streamed.as_ref().err());
    if let Ok(snapshot) = whole {
        let heap = Heap::analyze(snapshot);
        let _ = (heap.summary(), heap.statistics(), heap.top_objects(3));
    }
    let salvage = ParseOptions { salvage: true, ..Default::default() };
    if let Ok(snapshot) = parse_bytes(Arc::new(data.to_vec()), &salvage) {
        let _ = Heap::analyze(snapshot).summary();
    }
});
