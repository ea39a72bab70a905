//! Parsing `.heapsnapshot` bytes into a [`crate::Snapshot`]: mapped (parallel) or pushed chunks.
