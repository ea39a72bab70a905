//! The parser on hand-written files whose columns are known: layouts as each producer writes
//! them, every chunk split, the parallel piece path on a multi-megabyte array, and errors
//! that name the section and byte offset.

use std::sync::Arc;

use heapsnap_core::parse::{parse_bytes, ChunkedParser, ParseOptions};
use heapsnap_core::{ErrorKind, NodeType, Section, Snapshot};

const NODE_TYPES: &str = r#"["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"]"#;
const EDGE_TYPES: &str = r#"["context","element","property","internal","hidden","shortcut","weak"]"#;

/// A snapshot file with the given node fields (names), arrays and strings.
fn file(
    node_fields: &[&str],
    edge_fields: &[&str],
    nodes: &[u64],
    edges: &[u64],
    strings: &[&str],
    tail: &str,
) -> String {
    let nf = node_fields.len();
    let ef = edge_fields.len();
    let q = |v: &[&str]| v.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(",");
    let nums = |v: &[u64], w: usize| {
        v.chunks(w).map(|r| r.iter().map(u64::to_string).collect::<Vec<_>>().join(",")).collect::<Vec<_>>().join(",\n")
    };
    format!(
        "{{\"snapshot\":{{\"meta\":{{\"node_fields\":[{}],\"node_types\":[{NODE_TYPES}],\"edge_fields\":[{}],\"edge_types\":[{EDGE_TYPES}]}},\"node_count\":{},\"edge_count\":{},\"trace_function_count\":0}},\n\"nodes\":[{}],\n\"edges\":[{}]{tail},\n\"strings\":[{}]}}\n",
        q(node_fields),
        q(edge_fields),
        nodes.len() / nf,
        edges.len() / ef,
        nums(nodes, nf),
        nums(edges, ef),
        strings.iter().map(|s| serde_json::to_string(s).unwrap()).collect::<Vec<_>>().join(",\n"),
    )
}

fn whole(text: &str) -> Result<Snapshot, heapsnap_core::Error> {
    parse_bytes(Arc::new(text.as_bytes().to_vec()), &ParseOptions::default())
}

fn chunked(text: &str, cuts: &[usize]) -> Result<Snapshot, heapsnap_core::Error> {
    chunked_into(ChunkedParser::new(ParseOptions::default()), text, cuts)
}

fn chunked_into(mut p: ChunkedParser, text: &str, cuts: &[usize]) -> Result<Snapshot, heapsnap_core::Error> {
    let mut at = 0;
    for &c in cuts.iter().chain(std::iter::once(&text.len())) {
        p.push(&text.as_bytes()[at..c])?;
        at = c;
    }
    p.finish()
}

/// Everything a parse produces that analysis reads, as comparable values.
fn columns(s: &Snapshot) -> impl PartialEq + std::fmt::Debug {
    let names: Vec<String> = (0..s.strings.len() as u32).map(|i| s.strings.get(i).into_owned()).collect();
    (
        (s.nodes.ty.clone(), s.nodes.name.clone(), s.nodes.id.clone(), s.nodes.self_size.clone()),
        (
            s.nodes.first_edge.clone(),
            s.nodes.detachedness.clone(),
            s.nodes.extra.clone(),
            s.nodes.big_self_size.clone(),
        ),
        (s.edges.ty.clone(), s.edges.name_or_index.clone(), s.edges.to.clone(), s.edges.extra.clone()),
        names,
    )
}

const NODE7: [&str; 7] = ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"];
const EDGE3: [&str; 3] = ["type", "name_or_index", "to_node"];

/// Node's layout: root → A (property "a"), root → B (element 0), A → B (weak "w").
fn small_node_file() -> String {
    let nodes = [9, 0, 1, 0, 2, 0, 0, /**/ 3, 1, 3, 40, 1, 7, 1, /**/ 2, 2, 5, 16, 0, 0, 2];
    let edges = [2, 3, 7, /**/ 1, 0, 14, /**/ 6, 4, 14];
    file(&NODE7, &EDGE3, &nodes, &edges, &["", "Obj", "text \"quoted\" \u{e9}", "a", "w"], "")
}

#[test]
fn node_layout_columns() {
    let s = whole(&small_node_file()).unwrap();
    assert_eq!(s.node_count(), 3);
    assert_eq!(s.nodes.ty, vec![NodeType::SYNTHETIC, NodeType::OBJECT, NodeType::STRING]);
    assert_eq!(s.nodes.id, vec![1, 3, 5]);
    assert_eq!((s.self_size(1), s.self_size(2)), (40, 16));
    assert_eq!(s.nodes.first_edge, vec![0, 2, 3, 3]);
    assert_eq!(s.nodes.detachedness, vec![0, 1, 2]);
    assert_eq!(s.nodes.extra, vec![("trace_node_id".to_string(), vec![0, 7, 0])]);
    assert_eq!(s.edges.to, vec![1, 2, 2]);
    assert_eq!(s.node_name(2), "text \"quoted\" é");
    assert_eq!((s.edge_name(0), s.edge_name(1), s.edge_name(2)), ("a".into(), "0".into(), "w".into()));
}

#[test]
fn chromium_layout_and_unknown_fields_in_any_order() {
    // Chromium: 6 node fields, no trace_node_id. A future V8: fields reordered, extras added.
    let chromium = ["type", "name", "id", "self_size", "edge_count", "detachedness"];
    let nodes = [9, 0, 1, 0, 1, 0, /**/ 3, 1, 3, 40, 0, 2];
    let s = whole(&file(&chromium, &EDGE3, &nodes, &[2, 0, 6], &["", "Obj"], "")).unwrap();
    assert!(s.nodes.extra.is_empty());
    assert_eq!((s.edges.to.clone(), s.nodes.detachedness.clone()), (vec![1], vec![0, 2]));

    let future = ["id", "edge_count", "future_a", "self_size", "type", "name"];
    let nodes = [1, 1, 77, 0, 9, 0, /**/ 3, 0, 88, 40, 3, 1];
    let edges = [6, 5, 2, 1]; // to_node, extra, type, name
    let s =
        whole(&file(&future, &["to_node", "edge_extra", "type", "name_or_index"], &nodes, &edges, &["", "Obj"], ""))
            .unwrap();
    assert_eq!(s.nodes.id, vec![1, 3]);
    assert_eq!(s.nodes.ty, vec![NodeType::SYNTHETIC, NodeType::OBJECT]);
    assert_eq!(s.node_name(1), "Obj");
    assert_eq!(s.nodes.extra, vec![("future_a".to_string(), vec![77, 88])]);
    assert_eq!(s.edges.extra, vec![("edge_extra".to_string(), vec![5])]);
    assert!(s.nodes.detachedness.is_empty());
    assert_eq!((s.edges.to[0], s.edge_name(0)), (1, "Obj".into()));
}

#[test]
fn every_chunk_split_parses_the_same() {
    let text = small_node_file();
    let want = columns(&whole(&text).unwrap());
    for a in 0..=text.len() {
        assert_eq!(columns(&chunked(&text, &[a]).unwrap()), want, "split at {a}");
    }
    for a in (0..text.len()).step_by(7) {
        for b in (a..text.len()).step_by(5) {
            assert_eq!(columns(&chunked(&text, &[a, b]).unwrap()), want, "split at {a}, {b}");
        }
    }
    // One byte at a time.
    let cuts: Vec<usize> = (1..text.len()).collect();
    assert_eq!(columns(&chunked(&text, &cuts).unwrap()), want);
}

/// A chain of `n` objects, big enough that the mapped path splits the arrays into many pieces.
fn chain(n: u64) -> (String, Vec<u64>, Vec<u64>) {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for i in 0..n {
        let size = if i == n / 2 { 5 << 32 } else { i * 3 % 1000 };
        let more = u64::from(i + 1 < n);
        nodes.extend_from_slice(&[3, 1 + i % 2, i * 2 + 1, size, more, i % 11, i % 3]);
        if more == 1 {
            edges.extend_from_slice(&[2, 1 + i % 2, (i + 1) * 7]);
        }
    }
    (file(&NODE7, &EDGE3, &nodes, &edges, &["", "A", "B"], ""), nodes, edges)
}

#[test]
fn parallel_pieces_equal_the_known_columns_and_the_chunked_parse() {
    let n = 300_000u64;
    let (text, nodes, edges) = chain(n);
    assert!(text.len() > 8 << 20, "big enough for several pieces");
    let s = whole(&text).unwrap();
    assert_eq!(s.node_count() as u64, n);
    let ids: Vec<u32> = nodes.chunks(7).map(|r| r[2] as u32).collect();
    assert_eq!(s.nodes.id, ids);
    let sizes: Vec<u64> = (0..n as u32).map(|o| s.self_size(o)).collect();
    assert_eq!(sizes, nodes.chunks(7).map(|r| r[3]).collect::<Vec<_>>());
    assert_eq!(s.self_size((n / 2) as u32), 5 << 32);
    assert_eq!(s.edges.to, edges.chunks(3).map(|r| (r[2] / 7) as u32).collect::<Vec<_>>());
    assert_eq!(s.nodes.first_edge[n as usize], (n - 1) as u32);
    let cuts: Vec<usize> = (1..40).map(|k| text.len() * k / 40 + k).collect();
    assert_eq!(columns(&chunked(&text, &cuts).unwrap()), columns(&s));
}

#[test]
fn fast_and_general_scanners_agree_at_every_chunk_size() {
    // Long enough for the fast path, with a stretch of records it declines (spaces, tabs,
    // a 16-digit number) that the general scanner reads, between stretches it takes.
    let (text, _, _) = chain(3000);
    let edges_at = text.find("\"edges\"").unwrap();
    let (head, tail) = text.split_at(edges_at);
    let middle = head.len() / 2;
    let odd = head[middle..middle + 4000].replace(",\n", " ,\n\t");
    let head = format!("{}{}{}", &head[..middle], odd, &head[middle + 4000..]);
    let text = format!("{head}{tail}").replacen("[3,1,1,0,1,0,0,\n", "[3,1,1,0000000000000000,1,0,0,\n", 1);
    assert!(text.contains("0000000000000000") && text.contains(" ,\n\t"), "both declined shapes are present");
    let want = columns(&whole(&text).unwrap());
    assert_eq!(want, columns(&whole(&chain(3000).0).unwrap()), "only the layout differs");
    for size in (1..300).step_by(13).chain([4093, 65536]) {
        let cuts: Vec<usize> = (1..=text.len() / size).map(|k| k * size).filter(|&c| c < text.len()).collect();
        assert_eq!(columns(&chunked(&text, &cuts).unwrap()), want, "chunks of {size}");
    }
}

#[test]
fn other_sections_are_kept_and_unknown_keys_skipped() {
    let tail = r#","trace_function_infos":[1,2,3,4,5,6],"trace_tree":[1,2,[3,[]]],"samples":[10,3],"locations":[7,4,10,2, 8,1,1,1],"future":{"x":[1,"]"]}"#;
    let nodes = [9, 0, 1, 0, 1, 0, 0, /**/ 3, 1, 3, 40, 0, 0, 0];
    let mut text = file(&NODE7, &EDGE3, &nodes, &[2, 0, 7], &["", "Obj"], tail);
    text.insert_str(text.find("\"meta\"").unwrap(), "\"unknown_header_key\":[1],");
    let s = whole(&text).unwrap();
    assert_eq!(s.trace.trace_function_infos, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(s.trace.trace_tree_json, "[1,2,[3,[]]]");
    assert_eq!(s.trace.samples, vec![10, 3]);
    // The second location names no node (8 is not a multiple of 7): dropped, as DevTools does.
    assert_eq!(s.locations.len(), 1);
    assert_eq!((s.locations[0].node, s.locations[0].script_id, s.locations[0].line), (1, 4, 10));
    assert_eq!(columns(&chunked(&text, &[text.len() / 2]).unwrap()), columns(&s));
}

#[test]
fn sections_read_ahead_beside_the_edges_are_taken_only_from_their_own_offset() {
    // The mapped parse reads `locations` and `strings` ahead from the first `"locations"` and
    // `"strings"` keys after the edges. Decoys inside an unknown section come first here: the
    // read-ahead finds them, and the machine must not take them.
    let nodes = [9, 0, 1, 0, 1, 0, 0, /**/ 3, 1, 3, 40, 0, 0, 0];
    let decoy = r#","future":{"locations":[0,9,9,9],"strings":["decoy"]},"locations":[7,4,10,2]"#;
    let text = file(&NODE7, &EDGE3, &nodes, &[2, 0, 7], &["", "Obj"], decoy);
    let s = whole(&text).unwrap();
    assert_eq!((s.strings.len(), s.strings.get(1).as_ref()), (2, "Obj"));
    assert_eq!(s.locations.len(), 1);
    assert_eq!((s.locations[0].node, s.locations[0].script_id, s.locations[0].line), (1, 4, 10));
    assert_eq!(columns(&chunked(&text, &[text.len() / 2]).unwrap()), columns(&s));

    // Without decoys the read-ahead is taken; the result is the chunked parse's.
    let plain = file(&NODE7, &EDGE3, &nodes, &[2, 0, 7], &["", "Obj", "x\\\"y"], r#","locations":[7,4,10,2]"#);
    let s = whole(&plain).unwrap();
    assert_eq!(s.strings.get(2).as_ref(), "x\\\"y");
    assert_eq!(columns(&chunked(&plain, &[plain.len() / 3]).unwrap()), columns(&s));

    // A read-ahead that fails is dropped: the machine reads the section itself and reports
    // the error at the same place as the chunked parse.
    let broken = plain.replace(r#""Obj","#, r#""Obj" 7,"#);
    let e = err(&broken);
    assert_eq!((e.kind, e.section), (ErrorKind::Syntax, Section::Strings));
    assert_eq!(e.offset as usize, broken.find(" 7,").unwrap() + 1);
    let e = err(&plain.replace("[7,4,10,2]", "[7,4,1x,2]"));
    assert_eq!((e.kind, e.section), (ErrorKind::Syntax, Section::Locations));

    // The read-ahead also converts the locations to records; where it cannot (not whole
    // records), the machine converts them itself and says why, as the chunked parse does.
    let two = plain.replace("[7,4,10,2]", "[7,4,10,2,0,3,5,6]");
    let (s, c) = (whole(&two).unwrap(), chunked(&two, &[two.len() / 2]).unwrap());
    let rows = |s: &Snapshot| s.locations.iter().map(|l| (l.node, l.script_id, l.line, l.column)).collect::<Vec<_>>();
    assert_eq!(rows(&s), vec![(1, 4, 10, 2), (0, 3, 5, 6)]);
    assert_eq!(rows(&c), rows(&s));
    let cut = plain.replace("[7,4,10,2]", "[7,4,10]");
    let e = err(&cut);
    assert_eq!((e.kind, e.section), (ErrorKind::Invalid, Section::Locations));
    assert_eq!(e.message, "locations do not hold whole records");
    assert_eq!(chunked(&cut, &[cut.len() / 2]).unwrap_err().message, e.message);
}

fn err(text: &str) -> heapsnap_core::Error {
    let e = whole(text).expect_err("must fail");
    // Told the length, as the browser viewer is, the chunked parser refuses what the mapped one does.
    let told = ChunkedParser::with_len(ParseOptions::default(), text.len() as u64);
    let c = chunked_into(told, text, &[text.len() / 3]).expect_err("chunked must fail too");
    assert_eq!((e.kind, e.section), (c.kind, c.section), "{e} vs {c}");
    e
}

#[test]
fn errors_name_section_and_offset() {
    let good = small_node_file();
    let e = err("<html>");
    assert_eq!((e.kind, e.section, e.offset), (ErrorKind::Syntax, Section::File, 0));

    // An edge to a node index that does not exist.
    let bad = good.replace("\"edges\":[2,3,7", "\"edges\":[2,3,700");
    let e = err(&bad);
    assert_eq!((e.kind, e.section), (ErrorKind::Invalid, Section::Edges));
    assert_eq!(e.offset as usize, bad.find("700").unwrap() + 3);

    // A letter inside the nodes array.
    let bad = good.replace("3,1,3,40", "3,1,3,4x");
    let e = err(&bad);
    assert_eq!(
        (e.kind, e.section, e.offset as usize),
        (ErrorKind::Syntax, Section::Nodes, bad.find("4x").unwrap() + 1)
    );

    // Edge counts that disagree with the edges array.
    let e = err(&good.replace("\"edge_count\":3", "\"edge_count\":4"));
    assert_eq!((e.kind, e.section), (ErrorKind::Invalid, Section::Nodes));

    // A header that claims more than the file can hold: an error, and nothing was sized from
    // the claim (the arrays are sized from their content).
    let hostile = good.replace("\"node_count\":3", "\"node_count\":4000000000");
    let e = err(&hostile);
    assert_eq!((e.kind, e.section), (ErrorKind::TooLarge, Section::Header));
    assert!(e.message.contains("4000000000"), "{e}");
    // Cut, the same file is diagnosed as truncated, not as a lying header.
    let e = whole(&hostile[..hostile.find("3,1,3,40").unwrap()]).unwrap_err();
    assert_eq!((e.kind, e.section), (ErrorKind::Truncated, Section::Nodes));

    // A meta without a required field.
    let e = err(&good.replace("\"self_size\"", "\"size\""));
    assert_eq!((e.kind, e.section), (ErrorKind::Invalid, Section::Header));
    assert!(e.message.contains("self_size"), "{e}");

    // A node name past the strings table.
    let e = err(&good.replace(",\n\"w\"]", "]"));
    assert_eq!((e.kind, e.section), (ErrorKind::Invalid, Section::Edges));
}

#[test]
fn truncation_is_diagnosed_and_strings_can_be_salvaged() {
    let good = small_node_file();
    for cut in (0..good.trim_end().len() - 1).filter(|&c| good.is_char_boundary(c)) {
        let e = err(&good[..cut]);
        assert!(e.offset as usize <= cut, "cut {cut}: {e}");
        assert!(matches!(e.kind, ErrorKind::Truncated | ErrorKind::Invalid), "cut {cut}: {e}");
    }
    let cut = &good[..good.find("\"text ").unwrap() + 3];
    let e = whole(cut).unwrap_err();
    assert_eq!((e.kind, e.section), (ErrorKind::Truncated, Section::Strings));
    assert!(e.message.contains("nodes complete (3)") && e.message.contains("2 strings, cut short"), "{e}");

    let salvage = ParseOptions { salvage: true, ..Default::default() };
    let s = parse_bytes(Arc::new(cut.as_bytes().to_vec()), &salvage).unwrap();
    assert!(s.salvaged);
    assert_eq!((s.node_name(1), s.node_name(2)), ("Obj".into(), "<string 2>".into()));
    assert_eq!(s.edge_name(2), "<string 4>");
    assert_eq!(s.nodes.first_edge, vec![0, 2, 3, 3]);
    // Without the edges there is nothing to salvage.
    let cut = &good[..good.find("1,0,14").unwrap()];
    assert_eq!(parse_bytes(Arc::new(cut.as_bytes().to_vec()), &salvage).unwrap_err().section, Section::Edges);

    // A name index far past the table (a cut or hostile file) costs one placeholder per index
    // in use, not one per index below it; equal indexes share theirs.
    let nodes = [9, 0, 1, 0, 2, 0, 0, /**/ 3, 4_000_000_000u64, 3, 40, 1, 7, 1, /**/ 2, 2, 5, 16, 0, 0, 2];
    let edges = [2, 4_000_000_000, 7, /**/ 1, 0, 14, /**/ 6, 3_999_999_999, 14];
    let far = file(&NODE7, &EDGE3, &nodes, &edges, &["", "Obj", "t"], "");
    assert!(whole(&far).is_err());
    let s = parse_bytes(Arc::new(far.into_bytes()), &salvage).unwrap();
    assert!(s.salvaged);
    assert_eq!(s.strings.len(), 5);
    assert_eq!(s.node_name(1), "<string 4000000000>");
    assert_eq!((s.edge_name(0), s.edge_name(2)), ("<string 4000000000>".into(), "<string 3999999999>".into()));
    assert_eq!(s.nodes.name[1], s.edges.name_or_index[0]);
}

/// `text` with the values of its `key` array (`"nodes"`, `"edges"`) laid out anew: a `\n`
/// before the comma ahead of value `i` where `newline_before(i)`. V8 puts one before every
/// record; the test files above put one after every record's comma (the same length).
fn relayout(text: &str, key: &str, newline_before: impl Fn(usize) -> bool) -> String {
    let open = text.find(&format!("\"{key}\":[")).unwrap() + key.len() + 4;
    let close = open + text[open..].find(']').unwrap();
    let mut body = String::with_capacity(close - open);
    for (i, v) in text[open..close].split(',').map(str::trim).enumerate() {
        if i > 0 {
            body.push_str(if newline_before(i) { "\n," } else { "," });
        }
        body.push_str(v);
    }
    format!("{}{body}{}", &text[..open], &text[close..])
}

/// V8's own layout: a record a line, every line after the first starting with its comma.
fn v8_lines(text: &str) -> String {
    let v8 = relayout(&relayout(text, "nodes", |i| i % 7 == 0), "edges", |i| i % 3 == 0);
    assert_eq!(v8.len(), text.len(), "the same bytes, moved");
    v8
}

#[test]
fn v8_lines_read_in_one_pass_as_any_layout_is_read() {
    // Many pieces of nodes and of edges (8 MB of edges, past what the guess at their end
    // samples), with a size of 4 GiB and more, extra and detachedness values: the same columns
    // in V8's layout (read in one pass), in the test layout (counted first), and pushed in
    // chunks.
    let n = 600_000;
    let (counted, _, _) = chain(n as u64);
    let want = columns(&whole(&counted).unwrap());
    let v8 = v8_lines(&counted);
    assert!(v8.contains("0,0\n,3,") && !v8.contains(",\n3,"), "V8's layout");
    assert_eq!(columns(&whole(&v8).unwrap()), want);
    let cuts: Vec<usize> = (1..20).map(|k| v8.len() * k / 20 + k).collect();
    assert_eq!(columns(&chunked(&v8, &cuts).unwrap()), want);

    let nodes_at = v8.find("\"nodes\"").unwrap();
    let nodes_len = v8.find("\"edges\"").unwrap() - nodes_at;
    let values_per_mb = (1 << 20) * n * 7 / nodes_len;
    // Lines that do not start records: everywhere, and only across a stretch of more than a
    // piece in the middle (whichever cut falls there is off a record). Two records a line over
    // most of the edges (their rate misleads the guess at where the edges end, from which the
    // sections after them are read ahead). No newlines at all, as Chromium writes.
    let middle = n * 7 / 2;
    let layouts: Vec<(&str, String)> = vec![
        ("every fifth value", relayout(&v8, "nodes", |i| i % 5 == 0)),
        (
            "off records mid-array",
            relayout(&v8, "nodes", |i| i % if i.abs_diff(middle) < values_per_mb { 5 } else { 7 } == 0),
        ),
        ("two edges a line first", relayout(&v8, "edges", |i| i % if i < n * 3 * 4 / 5 { 6 } else { 3 } == 0)),
        ("no newlines", relayout(&relayout(&v8, "nodes", |_| false), "edges", |_| false)),
    ];
    for (what, text) in &layouts {
        assert_eq!(columns(&whole(text).unwrap()), want, "{what}");
    }
}

#[test]
fn v8_lines_that_disagree_with_the_header_or_stop_short_fail_as_any_layout_does() {
    let (counted, _, _) = chain(100_000);
    let v8 = v8_lines(&counted);
    // The same error, at the same offset, whichever way the arrays were read.
    let same = |change: &dyn Fn(&str) -> String, what: &str| {
        let (a, b) = (err(&change(&v8)), err(&change(&counted)));
        assert_eq!((a.kind, a.section, a.offset, &a.message), (b.kind, b.section, b.offset, &b.message), "{what}");
        a
    };
    let e = same(&|t| t.replace("\"node_count\":100000", "\"node_count\":99999"), "fewer nodes announced");
    assert_eq!((e.kind, e.section), (ErrorKind::Invalid, Section::Nodes));
    assert!(e.message.contains("99999"), "{e}");
    let e = same(&|t| t.replace("\"node_count\":100000", "\"node_count\":100001"), "more nodes announced");
    assert!(e.message.contains("100001"), "{e}");
    same(&|t| t.replace("\"edge_count\":99999", "\"edge_count\":99998"), "fewer edges announced");
    // One edge more than the nodes' counts: the edges array disagrees with them.
    let e = same(&|t| t.replacen("\"edges\":[2,1,7", "\"edges\":[2,1,7,2,1,7", 1), "an edge too many");
    assert_eq!((e.kind, e.section), (ErrorKind::Invalid, Section::Edges));
    // A letter deep in a multi-piece array (the layouts keep every digit in its place), and a
    // cut inside each array.
    let digit = (v8.len() * 3 / 10..).find(|&i| v8.as_bytes()[i].is_ascii_digit()).unwrap();
    assert!(digit < v8.find("\"edges\"").unwrap(), "inside the nodes");
    let e = same(&|t| format!("{}x{}", &t[..digit], &t[digit + 1..]), "a letter");
    assert_eq!((e.kind, e.section, e.offset as usize), (ErrorKind::Syntax, Section::Nodes, digit));
    for section in ["\"edges\"", "\"strings\""] {
        let e = same(&|t| t[..t.find(section).unwrap() - 1000].to_string(), section);
        assert_eq!(e.kind, ErrorKind::Truncated, "{e}");
    }
}
