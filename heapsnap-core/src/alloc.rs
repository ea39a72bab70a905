//! A global allocator for the binaries: the system allocator, with every large block advised
//! to use transparent huge pages (Linux).
//!
//! Why: the columns and per-node arrays are hundreds of MB of fresh memory, and on a virtual
//! machine the first touch of each 4 KiB page costs more than the work done in it (measured
//! here: writing 600 MB of fresh `vec![0u32; n]` takes 250–350 ms with 4 KiB pages and
//! 105–135 ms with 2 MiB pages). Advising large blocks only (8 MiB and up) keeps small ones as
//! they are; a huge page is still allocated only when the program touches it, so an untouched
//! zeroed column (`trace_node_id`) stays free.
//!
//! Use it from a binary with `#[global_allocator] static A: heapsnap_core::alloc::HugePages =
//! heapsnap_core::alloc::HugePages;`. On other systems it is the system allocator.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct HugePages;

/// Asks for huge pages on the whole 2 MiB-aligned part of `[ptr, ptr + size)`.
fn advise(ptr: *mut u8, size: usize) {
    // Blocks from a few huge pages' worth up are advised.
    #[cfg(target_os = "linux")]
    const MIN_HUGE: usize = 8 << 20;
    #[cfg(target_os = "linux")]
    const HUGE_PAGE: usize = 2 << 20;
    #[cfg(target_os = "linux")]
    if !ptr.is_null() && size >= MIN_HUGE {
        let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
        let end = (ptr as usize + size) & !(HUGE_PAGE - 1);
        if end > start {
            // SAFETY: the range lies inside a block this allocator just handed out; the advice
            // changes how the kernel backs it, never its contents. A refusal (no THP support)
            // leaves ordinary pages, which is correct, so the result is ignored.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, size);
}

// SAFETY: every call is forwarded to `System` with the same arguments; `advise` only passes
// advice about memory it returned.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let ptr = unsafe { System.alloc(layout) };
        advise(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        advise(ptr, layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's arguments.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        advise(new, new_size);
        new
    }
}
