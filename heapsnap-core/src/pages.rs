//! Bringing fresh memory in with one call instead of a page fault per 4 KiB page.
//!
//! Why: the columns and per-node arrays are hundreds of MB of fresh memory, and on a virtual
//! machine a page fault costs more than the work done in the page. Measured on the bench VM
//! (benches/RESULTS.md): faulting fresh memory in runs at 0.5–2.4 GB/s, `MADV_POPULATE_WRITE`
//! at 1.6–3 GB/s. Worse, an array read at random before it is written (a DFS's "visited"
//! numbers, in-degree counters) first maps the shared zero page and then faults again on the
//! write, flushing the TLB of every core. Populating such an array once, up front, avoids
//! both. (Transparent huge pages are no help there: on that VM a fresh 2 MiB page costs 2.5×
//! more per byte than 4 KiB ones, as free page reporting hands memory back to the host in
//! 2 MiB blocks, so every fresh huge page is a host fault.)
//!
//! Only memory the program writes anyway is populated; a zeroed column written only where
//! nonzero (`trace_node_id`) is left to stay untouched.

/// Maps every page of `slice` for writing, without changing its contents. Linux only (a
/// no-op elsewhere, and on kernels before 5.14, where the pages fault in as before).
pub fn populate<T>(slice: &mut [T]) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let bytes = std::mem::size_of_val(slice);
        if bytes < 16 * PAGE {
            return;
        }
        let start = slice.as_mut_ptr() as usize & !(PAGE - 1);
        let end = slice.as_mut_ptr() as usize + bytes;
        // SAFETY: [start, end) lies in pages that hold `slice` (start is its first byte rounded
        // down to its page), which this caller may write. The advice maps those pages as a
        // write would, leaving their contents as they are. An error (an old kernel) leaves the
        // pages to fault in on first use, which is correct, so it is ignored.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_POPULATE_WRITE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = slice;
}

/// A zeroed vector of `n` items, populated ([`populate`]): for arrays read and written at
/// random.
pub fn zeroed_populated<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    populate(&mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populating_keeps_the_contents() {
        let mut v: Vec<u32> = (0..1_000_000).collect();
        populate(&mut v[3..777_777]);
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u32));
        let z: Vec<u64> = zeroed_populated(1 << 20);
        assert!(z.len() == 1 << 20 && z.iter().all(|&x| x == 0));
    }

    /// How many of the pages holding `v` are resident, of how many.
    #[cfg(target_os = "linux")]
    fn resident<T>(v: &[T]) -> (usize, usize) {
        let start = v.as_ptr() as usize & !4095;
        let len = v.as_ptr() as usize + std::mem::size_of_val(v) - start;
        let mut pages = vec![0u8; len.div_ceil(4096)];
        // SAFETY: the range covers pages of a live allocation; `pages` has one byte per page.
        let rc = unsafe { libc::mincore(start as *mut libc::c_void, len, pages.as_mut_ptr()) };
        assert_eq!(rc, 0);
        (pages.iter().filter(|&&p| p & 1 != 0).count(), pages.len())
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn populated_memory_is_resident_before_it_is_touched() {
        // 64 MB: a fresh mapping of its own, whose pages a plain zeroed vector leaves unmapped.
        let n = 16 << 20;
        let plain = vec![0u32; n];
        let (mapped, pages) = resident(&plain);
        assert!(pages >= n / 1024 && mapped < pages / 10, "a fresh zeroed block starts unmapped");
        let (mapped, pages) = resident(&zeroed_populated::<u32>(n));
        assert_eq!(mapped, pages, "every page mapped");
    }
}
