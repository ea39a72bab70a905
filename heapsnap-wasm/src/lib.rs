//! Browser bindings for heapsnap-core. Filled in by the viewer work (issue 5).
