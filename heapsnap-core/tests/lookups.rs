//! The lookups front ends make, against plain reference implementations: the Retainers
//! view's pages (`paths::retainers_of`) against every shown retainer stably sorted by
//! (distance, display name in UTF-16 order); `Heap::find_by_id` against a linear search.

mod common;

use heapsnap_core::analysis::util::cmp_utf16;
use heapsnap_core::analysis::Heap;
use heapsnap_core::paths::{edge_label, is_shown_retainer, retainer_count, retainers_of};

/// (edge label, retainer id) of every row, in DevTools' order, by comparison sort.
fn reference_rows(h: &Heap, n: u32) -> Vec<(String, u32)> {
    let mut rows: Vec<(u32, usize)> = h.retainers(n).filter(|&(s, e)| is_shown_retainer(h, s, e)).collect();
    rows.sort_by(|a, b| {
        h.distance(a.0).cmp(&h.distance(b.0)).then_with(|| cmp_utf16(&h.display_name(a.0), &h.display_name(b.0)))
    });
    rows.into_iter().map(|(s, e)| (edge_label(h, e), h.snapshot().node_id(s))).collect()
}

#[test]
fn pages_of_the_most_retained_objects_match_a_full_sort() {
    let h = common::heap("node-service");
    let mut by_count: Vec<(usize, u32)> = (0..h.node_count() as u32).map(|n| (retainer_count(&h, n), n)).collect();
    by_count.sort_unstable_by(|a, b| b.cmp(a));
    // The most retained objects have hundreds of rows over several distances.
    assert!(by_count[0].0 >= 100, "largest retainer list: {}", by_count[0].0);
    for &(count, n) in by_count.iter().take(8) {
        let want = reference_rows(&h, n);
        assert_eq!(want.len(), count);
        for (offset, limit) in
            [(0, 1), (0, 5), (0, 50), (3, 7), (count / 2, 10), (count.saturating_sub(2), 10), (0, count + 5)]
        {
            let got: Vec<(String, u32)> =
                retainers_of(&h, n, offset, limit).into_iter().map(|r| (r.edge, r.object.id)).collect();
            let end = (offset + limit).min(count);
            assert_eq!(got, want[offset.min(end)..end], "object {n}, rows {offset}+{limit}");
        }
        assert!(retainers_of(&h, n, 0, 0).is_empty());
    }
}

#[test]
fn find_by_id_matches_a_linear_search_when_ids_do_not_ascend() {
    // A spike snapshot lists objects kept from the baseline among new ones: ids out of order.
    let h = common::heap("stampede-b");
    let ids = &h.snapshot().nodes.id;
    assert!(ids.windows(2).any(|w| w[0] >= w[1]), "stampede-b's ids ascend; pick another file");
    let linear = |id: u32| ids.iter().position(|&x| x == id).map(|o| o as u32);
    for o in (0..h.node_count()).step_by(7) {
        let id = ids[o];
        assert_eq!(h.find_by_id(id), linear(id));
        assert_eq!(h.find_by_id(id + 1), linear(id + 1));
    }
    assert_eq!(h.find_by_id(u32::MAX), linear(u32::MAX));
    assert_eq!(h.find_by_id(0), linear(0));
}
