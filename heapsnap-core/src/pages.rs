//! Bringing fresh memory in with one call instead of a page fault per 4 KiB page.
//!
//! Why: the columns and per-node arrays are hundreds of MB of fresh memory, and on a virtual
//! machine a page fault costs more than the work done in the page. Measured on the bench VMs
//! (benches/RESULTS.md): faulting fresh memory in runs at 0.4–2.9 GB/s, `MADV_POPULATE_WRITE`
//! at 0.5–4 GB/s, by how long ago the host took the memory back. Worse, an array read at
//! random before it is written (a DFS's "visited" numbers, in-degree counters) first maps the
//! shared zero page and then faults again on the write, flushing the TLB of every core. Populating such an array once, up front, avoids
//! both. (Transparent huge pages are no help there: on that VM a fresh 2 MiB page costs 2.5×
//! more per byte than 4 KiB ones, as free page reporting hands memory back to the host in
//! 2 MiB blocks, so every fresh huge page is a host fault.)
//!
//! Where a core would otherwise wait, the mapping-in moves there: [`Ranges`] hands memory one
//! thread allocated to another to map in before the first gets to it (the dominator pass's
//! 0.5 GB, mapped in beside the flags: on a 1 GB snapshot the pass went from 1.2–1.7 s to
//! 0.75–0.8 s).
//!
//! Only memory the program writes anyway is populated; a zeroed column written only where
//! nonzero (`trace_node_id`) is left to stay untouched.

/// Maps every page of `slice` for writing, without changing its contents. Linux only (a
/// no-op elsewhere, and on kernels before 5.14, where the pages fault in as before).
pub fn populate<T>(slice: &mut [T]) {
    populate_range(slice.as_mut_ptr() as usize, std::mem::size_of_val(slice));
}

/// Memory to be mapped in by another thread than the one that will use it: address ranges,
/// so the handle is `Send` and borrows nothing. Mapping pages in never changes their
/// contents, so [`Ranges::populate`] is sound even while the owner reads and writes the same
/// memory, or after it has freed it (the advice then fails, or maps pages of whatever is
/// there now, unchanged).
#[derive(Clone, Debug, Default)]
pub struct Ranges(Vec<(usize, usize)>);

impl Ranges {
    /// Adds the pages holding `slice`, to be mapped after those added before.
    pub fn add<T>(&mut self, slice: &[T]) {
        self.0.push((slice.as_ptr() as usize, std::mem::size_of_val(slice)));
    }

    /// Maps every range in. With `parallel`, in pieces that any idle core takes: the thread
    /// that handed the memory over helps once its own work is done, instead of waiting.
    pub fn populate(&self) {
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            const PIECE: usize = 8 << 20;
            let pieces: Vec<(usize, usize)> = self
                .0
                .iter()
                .flat_map(|&(start, len)| (0..len).step_by(PIECE).map(move |at| (start + at, PIECE.min(len - at))))
                .collect();
            pieces.into_par_iter().for_each(|(start, len)| populate_range(start, len));
        }
        #[cfg(not(feature = "parallel"))]
        for &(start, len) in &self.0 {
            populate_range(start, len);
        }
    }
}

fn populate_range(start: usize, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        if len < 16 * PAGE {
            return;
        }
        let from = start & !(PAGE - 1);
        // SAFETY: the advice maps pages as a write would, leaving their contents as they are,
        // so any address range is sound to pass; an error (a range no longer mapped, a kernel
        // before 5.14) leaves the pages to fault in on first use, which is correct, so it is
        // ignored.
        unsafe { libc::madvise(from as *mut libc::c_void, start + len - from, libc::MADV_POPULATE_WRITE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populating_keeps_the_contents() {
        let mut v: Vec<u32> = (0..1_000_000).collect();
        populate(&mut v[3..777_777]);
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u32));
        let mut z = vec![0u64; 1 << 20];
        populate(&mut z);
        assert!(z.iter().all(|&x| x == 0));
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
        let mut populated = vec![0u32; n];
        populate(&mut populated);
        let (mapped, pages) = resident(&populated);
        assert_eq!(mapped, pages, "every page mapped");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn ranges_are_mapped_in_from_another_thread() {
        let n = 16 << 20;
        let (a, b) = (vec![0u32; n], vec![0u64; n / 2]);
        let mut ranges = Ranges::default();
        ranges.add(&a);
        ranges.add(&b);
        assert!(resident(&a).0 < resident(&a).1 / 10 && resident(&b).0 < resident(&b).1 / 10);
        std::thread::spawn(move || ranges.populate()).join().unwrap();
        for (mapped, pages) in [resident(&a), resident(&b)] {
            assert_eq!(mapped, pages, "every page mapped");
        }
        assert!(a.iter().all(|&x| x == 0) && b.iter().all(|&x| x == 0));
    }
}
