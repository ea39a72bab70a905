//! §4 Class names ("Constructor" column), plain-object interfaces, class keys with
//! locations, and display names of single objects.
//!
//! Class names are deduplicated by text (DevTools dedups its own added names by text and
//! uses V8's string index for the rest; V8 interns names, so the two agree except when an
//! added name equals an existing V8 string — DevTools then shows two rows with the same
//! public key and keeps the later one; we merge them into one).

use std::collections::HashMap;

use indexmap::IndexMap;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde::Serialize;

use super::util::{cmp_utf16, format_property_name, utf16_len};
use crate::snapshot::Location;
use crate::{EdgeType, NodeType, Snapshot};

const MAX_INTERFACE_NAME_LENGTH: usize = 120;
const MIN_OBJECT_COUNT_PER_INTERFACE: f64 = 2.0;
const MIN_OBJECT_PROPORTION_PER_INTERFACE: f64 = 1000.0;

/// An inferred plain-object shape (`{x, y}`), as DevTools' `interfaceDefinitions()` JSON
/// (the `count` field leaks into DevTools' JSON too).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct InterfaceDefinition {
    pub name: String,
    pub properties: Vec<String>,
    #[serde(default)]
    pub count: usize,
}

/// A Summary row's identity: a class name, plus the constructor location for objects that
/// have one (`"<script>,<line>,<column>,<name>"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClassKey {
    pub name: u32,
    pub location: Option<(u32, u32, u32)>,
}

#[derive(Clone, Debug, Default)]
pub struct Classes {
    /// Class name texts.
    pub names: Vec<String>,
    pub keys: Vec<ClassKey>,
    /// Class key per node ordinal.
    pub node_key: Vec<u32>,
    pub interfaces: Vec<InterfaceDefinition>,
}

impl Classes {
    pub fn key_name(&self, key: u32) -> &str {
        &self.names[self.keys[key as usize].name as usize]
    }

    /// DevTools' public class key: the location string, or `","` + class name.
    pub fn public_key(&self, key: u32) -> String {
        let k = &self.keys[key as usize];
        let name = &self.names[k.name as usize];
        match k.location {
            Some((s, l, c)) => format!("{s},{l},{c},{name}"),
            None => format!(",{name}"),
        }
    }
}

#[derive(Default)]
struct Names {
    texts: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.texts.len() as u32;
        self.texts.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        i
    }
}

/// §4.2's plain object: type object, name exactly `Object` (as text: escapes decoded, as in
/// [`calculate_with`]).
fn is_plain_object(s: &Snapshot, n: usize) -> bool {
    let name = s.nodes.name[n];
    s.nodes.ty[n] == NodeType::OBJECT
        && match s.strings.raw(name) {
            Some(raw) if raw.contains(&b'\\') => s.strings.get(name) == "Object",
            raw => raw == Some(b"Object".as_slice()),
        }
}

/// §4.1 shortening: `<div id="a">` → `<div>`, `Detached <div class=x>` → `Detached <div>`.
pub fn shorten_tag_name(name: &str) -> Option<String> {
    if name.starts_with('<') {
        return Some(match name.find(' ') {
            Some(sp) => format!("{}>", &name[..sp]),
            None => name.to_owned(),
        });
    }
    if let Some(rest) = name.strip_prefix("Detached <") {
        return Some(match rest.find(' ') {
            Some(sp) => format!("{}>", &name[..10 + sp]),
            None => name.to_owned(),
        });
    }
    None
}

/// Runs §4.1, §4.2 (infer + apply) and §4.4.
pub fn calculate(s: &Snapshot, locations: &[Location]) -> Classes {
    calculate_with(s, locations, None)
}

/// [`calculate`], but applying the given interface definitions instead of inferring this
/// snapshot's own (the Comparison view's base side, §7: `aggregatesForDiff` applies the
/// current snapshot's definitions).
pub fn calculate_with(s: &Snapshot, locations: &[Location], interfaces: Option<&[InterfaceDefinition]>) -> Classes {
    let n = s.node_count();
    let mut names = Names::default();
    let hidden = names.intern("(system)");
    let code = names.intern("(compiled code)");
    let function = names.intern("Function");
    let regexp = names.intern("RegExp");
    let object = names.intern("Object");
    let mut by_string = vec![u32::MAX; s.strings.len()];
    let mut by_type = [u32::MAX; 256];
    let mut class_of: Vec<u32> = Vec::with_capacity(n);
    // Plain objects (§4.2: type object, raw name exactly `Object`), ascending.
    let mut plain: Vec<u32> = Vec::new();
    for o in 0..n {
        let t = s.nodes.ty[o];
        let c = match t {
            NodeType::HIDDEN => hidden,
            NodeType::OBJECT | NodeType::NATIVE => {
                let si = s.nodes.name[o];
                let c = match by_string.get(si as usize) {
                    Some(&c) if c != u32::MAX => c,
                    _ => {
                        let text = s.strings.get(si);
                        let c = match shorten_tag_name(&text) {
                            Some(short) => names.intern(&short),
                            None => names.intern(&text),
                        };
                        if let Some(slot) = by_string.get_mut(si as usize) {
                            *slot = c;
                        }
                        c
                    }
                };
                // Only the raw text `Object` interns as the class `Object` (a tag name starts
                // with `<`), so the class says whether the raw name is exactly `Object`.
                if t == NodeType::OBJECT && c == object {
                    plain.push(o as u32);
                }
                c
            }
            NodeType::CODE => code,
            NodeType::CLOSURE => function,
            NodeType::REGEXP => regexp,
            _ => {
                let slot = &mut by_type[t.0 as usize];
                if *slot == u32::MAX {
                    *slot = names.intern(&format!("({})", s.node_type_name(t)));
                }
                *slot
            }
        };
        class_of.push(c);
    }
    drop(by_string);

    let properties = PropertyNames::new(s, &plain, interfaces.unwrap_or_default());
    // Each definition with the ranks of its properties.
    let (interfaces, ranks) = match interfaces {
        Some(defs) => {
            let ranks =
                defs.iter().map(|d| d.properties.iter().map(|p| properties.of_definition[p.as_str()]).collect());
            (defs.to_vec(), ranks.collect())
        }
        None => infer_interfaces(s, &plain, &properties).into_iter().unzip(),
    };
    apply_interfaces(s, &plain, &properties, &interfaces, ranks, &mut names, &mut class_of);
    drop((plain, properties));

    // §4.4 keys. Locations: the last record per node wins (DevTools' Map.set), so a stable
    // sort by node and a cursor that moves with the ordinal, taking each node's last record.
    let mut locs: Vec<&Location> = locations.iter().collect();
    locs.sort_by_key(|l| l.node);
    let mut next_loc = 0usize;
    let mut keys: Vec<ClassKey> = Vec::new();
    let mut key_by_name = vec![u32::MAX; names.texts.len()];
    let mut key_by_loc: FxHashMap<ClassKey, u32> = FxHashMap::default();
    for (o, c) in class_of.iter_mut().enumerate() {
        let mut loc = None;
        while next_loc < locs.len() && locs[next_loc].node as usize <= o {
            let l = locs[next_loc];
            if l.node as usize == o {
                loc = Some((l.script_id, l.line, l.column));
            }
            next_loc += 1;
        }
        let loc = loc.filter(|_| s.nodes.ty[o] == NodeType::OBJECT);
        let key = match loc {
            None => {
                let slot = &mut key_by_name[*c as usize];
                if *slot == u32::MAX {
                    *slot = keys.len() as u32;
                    keys.push(ClassKey { name: *c, location: None });
                }
                *slot
            }
            Some(l) => {
                let k = ClassKey { name: *c, location: Some(l) };
                *key_by_loc.entry(k.clone()).or_insert_with(|| {
                    keys.push(k);
                    keys.len() as u32 - 1
                })
            }
        };
        *c = key;
    }
    Classes { names: names.texts, keys, node_key: class_of, interfaces }
}

/// The property names of plain objects (and of the interface definitions applied), ranked in
/// JavaScript's string order (UTF-16 code units; equal texts share a rank), so inference and
/// application compare and hash numbers: each text is read once here, not once per object.
struct PropertyNames {
    /// Per string index: its entry in `names`, or `u32::MAX` when no plain object's property
    /// edge names it.
    slot: Vec<u32>,
    names: Vec<PropertyName>,
    /// The ranks of the definitions' property texts (also those no object here has).
    of_definition: FxHashMap<String, u32>,
}

#[derive(Clone, Copy)]
struct PropertyName {
    rank: u32,
    /// Its length in an interface label (`formatPropertyName`, in UTF-16 units).
    label_len: u32,
    is_proto: bool,
}

impl PropertyNames {
    fn new(s: &Snapshot, plain: &[u32], defs: &[InterfaceDefinition]) -> PropertyNames {
        let mut slot = vec![u32::MAX; if plain.is_empty() { 0 } else { s.strings.len() }];
        let mut indices: Vec<u32> = Vec::new();
        for &o in plain {
            for e in s.edges_of(o) {
                let ni = s.edges.name_or_index[e];
                if s.edges.ty[e] == EdgeType::PROPERTY && slot.get(ni as usize) == Some(&u32::MAX) {
                    slot[ni as usize] = indices.len() as u32;
                    indices.push(ni);
                }
            }
        }
        // Every text to rank: the snapshot's (by entry) and the definitions'.
        let mut texts: Vec<(std::borrow::Cow<'_, str>, Option<u32>)> =
            indices.iter().enumerate().map(|(k, &ni)| (s.strings.get(ni), Some(k as u32))).collect();
        texts.extend(defs.iter().flat_map(|d| &d.properties).map(|p| (std::borrow::Cow::Borrowed(p.as_str()), None)));
        texts.sort_by(|a, b| cmp_utf16(&a.0, &b.0));
        let mut names = vec![PropertyName { rank: 0, label_len: 0, is_proto: false }; indices.len()];
        let mut of_definition = FxHashMap::default();
        let mut rank = 0u32;
        for (i, (text, entry)) in texts.iter().enumerate() {
            if i > 0 && texts[i - 1].0 != *text {
                rank += 1;
            }
            match entry {
                Some(k) => {
                    names[*k as usize] = PropertyName {
                        rank,
                        label_len: utf16_len(&format_property_name(text)) as u32,
                        is_proto: text == "__proto__",
                    }
                }
                None => _ = of_definition.insert(text.to_string(), rank),
            }
        }
        PropertyNames { slot, names, of_definition }
    }

    /// The property name of a plain object's property edge.
    fn of_edge(&self, s: &Snapshot, e: usize) -> PropertyName {
        self.names[self.slot[s.edges.name_or_index[e] as usize] as usize]
    }
}

/// §4.2 inference: label each plain object by its first property names (up to 120 UTF-16
/// units), keep labels shared by at least max(2, objects / 1000) objects. Labels are counted
/// by their names' ranks (the same texts), and spelled out only for those kept.
fn infer_interfaces(s: &Snapshot, plain: &[u32], properties: &PropertyNames) -> Vec<(InterfaceDefinition, Vec<u32>)> {
    // Label (ranks) → the first object's property string indices and the count.
    type Candidates = IndexMap<Vec<u32>, (Vec<u32>, usize), FxBuildHasher>;
    let mut candidates = Candidates::default();
    let mut label: Vec<u32> = Vec::new();
    let mut props: Vec<u32> = Vec::new();
    for &o in plain {
        let mut len16 = 1;
        label.clear();
        props.clear();
        for e in s.edges_of(o) {
            if s.edges.ty[e] != EdgeType::PROPERTY {
                continue;
            }
            let name = properties.of_edge(s, e);
            if name.is_proto {
                continue;
            }
            let flen = name.label_len as usize;
            if len16 > 1 && len16 + flen > MAX_INTERFACE_NAME_LENGTH {
                break;
            }
            if len16 != 1 {
                len16 += 2;
            }
            len16 += flen;
            label.push(name.rank);
            props.push(s.edges.name_or_index[e]);
        }
        if props.is_empty() {
            continue;
        }
        match candidates.get_mut(label.as_slice()) {
            Some(c) => c.1 += 1,
            None => {
                candidates.insert(label.clone(), (props.clone(), 1));
            }
        }
    }
    let mut sorted: Vec<_> = candidates.into_iter().collect();
    sorted.sort_by_key(|c| std::cmp::Reverse(c.1 .1)); // stable
    let min_count = MIN_OBJECT_COUNT_PER_INTERFACE.max(plain.len() as f64 / MIN_OBJECT_PROPORTION_PER_INTERFACE);
    let mut out = Vec::new();
    for (ranks, (props, count)) in sorted {
        if (count as f64) < min_count {
            break;
        }
        let properties: Vec<String> = props.iter().map(|&i| s.strings.get(i).into_owned()).collect();
        let names: Vec<std::borrow::Cow<'_, str>> = properties.iter().map(|p| format_property_name(p)).collect();
        out.push((InterfaceDefinition { name: format!("{{{}}}", names.join(", ")), properties, count }, ranks));
    }
    out
}

struct TrieNode {
    next: FxHashMap<u32, u32>,
    /// (property count, definition index, class name id)
    match_info: Option<(usize, usize, u32)>,
    greatest_next: Option<u32>,
}

fn better(a: (usize, usize, u32), b: Option<(usize, usize, u32)>) -> (usize, usize, u32) {
    match b {
        None => a,
        Some(b) if a.0 > b.0 => a,
        Some(b) if b.0 > a.0 => b,
        Some(b) => {
            if a.1 <= b.1 {
                a
            } else {
                b
            }
        }
    }
}

/// §4.2 application: an object takes the definition with the most properties that are a
/// subset of its own (ties: the earlier definition); otherwise it stays `Object`. The trie
/// and the objects' sorted names are ranks, in the same order as the texts.
fn apply_interfaces(
    s: &Snapshot,
    plain: &[u32],
    properties: &PropertyNames,
    defs: &[InterfaceDefinition],
    ranks: Vec<Vec<u32>>,
    names: &mut Names,
    class_of: &mut [u32],
) {
    if defs.is_empty() {
        return;
    }
    let new_node = || TrieNode { next: FxHashMap::default(), match_info: None, greatest_next: None };
    let mut trie = vec![new_node()];
    for (di, (d, mut props)) in defs.iter().zip(ranks).enumerate() {
        props.sort_unstable();
        let mut cur = 0usize;
        for p in props {
            let next = match trie[cur].next.get(&p) {
                Some(&x) => x as usize,
                None => {
                    let x = trie.len();
                    trie.push(new_node());
                    trie[cur].next.insert(p, x as u32);
                    let g = &mut trie[cur].greatest_next;
                    *g = Some(g.map_or(p, |g| g.max(p)));
                    x
                }
            };
            cur = next;
        }
        if trie[cur].match_info.is_none() {
            let name = names.intern(&d.name);
            trie[cur].match_info = Some((d.properties.len(), di, name));
        }
    }
    let object = names.intern("Object");
    let initial = (0usize, usize::MAX, object);
    let mut props: Vec<u32> = Vec::new();
    let mut states: Vec<u32> = Vec::new();
    let mut snapshot_states: Vec<u32> = Vec::new();
    for &o in plain {
        props.clear();
        props.extend(
            s.edges_of(o).filter(|&e| s.edges.ty[e] == EdgeType::PROPERTY).map(|e| properties.of_edge(s, e).rank),
        );
        props.sort_unstable();
        states.clear();
        states.push(0);
        let mut m = better(initial, trie[0].match_info);
        for &p in &props {
            snapshot_states.clear();
            snapshot_states.extend_from_slice(&states);
            for &st in &snapshot_states {
                let node = &trie[st as usize];
                if node.greatest_next.is_none_or(|g| p >= g) {
                    states.retain(|&x| x != st);
                }
                if let Some(&nx) = node.next.get(&p) {
                    if !states.contains(&nx) {
                        states.push(nx);
                    }
                    m = better(m, trie[nx as usize].match_info);
                }
            }
            if states.is_empty() {
                break;
            }
        }
        class_of[o as usize] = m.2;
    }
}

/// §4.3 `JSHeapSnapshotNode.name()`: flattened cons strings, `{a, b, …, z}` for plain
/// objects, else the (possibly "Detached "-renamed) raw name.
pub fn display_name(s: &Snapshot, n: u32) -> String {
    let t = s.nodes.ty[n as usize];
    if t == NodeType::CONCATENATED_STRING {
        return cons_string_name(s, n);
    }
    if is_plain_object(s, n as usize) {
        return plain_object_name(s, n);
    }
    s.node_name(n).into_owned()
}

fn cons_string_name(s: &Snapshot, n: u32) -> String {
    let mut stack = vec![n];
    let mut name = String::new();
    let mut len16 = 0usize;
    // DevTools stops at 1024 UTF-16 units only; a hostile file whose cons string contains
    // itself (with empty parts) would then never stop, so the walk is also bounded in steps.
    // V8's cons strings have non-empty parts, so real names never come near the step bound.
    let mut steps = 0u32;
    while len16 < 1024 && steps < 1 << 16 {
        steps += 1;
        let Some(v) = stack.pop() else { break };
        if s.nodes.ty[v as usize] != NodeType::CONCATENATED_STRING {
            let part = s.node_name(v);
            len16 += utf16_len(&part);
            name.push_str(&part);
            continue;
        }
        let (mut first, mut second) = (0u32, 0u32);
        for e in s.edges_of(v) {
            if first != 0 && second != 0 {
                break;
            }
            if s.edges.ty[e] == EdgeType::INTERNAL {
                match s.strings.raw(s.edges.name_or_index[e]) {
                    Some(b"first") => first = s.edges.to[e],
                    Some(b"second") => second = s.edges.to[e],
                    _ => {}
                }
            }
        }
        stack.push(second);
        stack.push(first);
    }
    name
}

fn plain_object_name(s: &Snapshot, n: u32) -> String {
    let range = s.edges_of(n);
    if range.is_empty() {
        return "{}".to_owned();
    }
    let mut start = String::from("{");
    let mut end = String::from("}");
    let (mut start16, mut end16) = (1usize, 1usize);
    let mut from_start = range.start as i64;
    let mut from_end = range.end as i64 - 1;
    let mut next_from_end = false;
    while from_start <= from_end {
        let e = if next_from_end { from_end } else { from_start } as usize;
        let name = s.strings.get(s.edges.name_or_index[e]);
        if s.edges.ty[e] != EdgeType::PROPERTY || name == "__proto__" {
            if next_from_end {
                from_end -= 1;
            } else {
                from_start += 1;
            }
            continue;
        }
        let f = format_property_name(&name);
        let flen = utf16_len(&f);
        if start16 > 1 && start16 + end16 + flen > 100 {
            break;
        }
        if next_from_end {
            from_end -= 1;
            if end16 > 1 {
                end.insert_str(0, ", ");
                end16 += 2;
            }
            end.insert_str(0, &f);
            end16 += flen;
        } else {
            from_start += 1;
            if start16 > 1 {
                start.push_str(", ");
                start16 += 2;
            }
            start.push_str(&f);
            start16 += flen;
        }
        next_from_end = !next_from_end;
    }
    if from_start <= from_end {
        start.push_str(", …");
    }
    if end16 > 1 {
        start.push_str(", ");
    }
    start + &end
}
