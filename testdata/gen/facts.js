#!/usr/bin/env node
'use strict';
// Prints analyzer-independent facts about a committed snapshot, computed straight from the
// file plus its DevTools reference (dominators): per-class counts, and for one object of a
// class the chain of immediate dominators up to the root.
//   node facts.js NAME [CLASS ...]     (NAME as in testdata/NAME.heapsnapshot.gz)
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const dir = path.resolve(__dirname, '..');
const [name, ...classes] = process.argv.slice(2);
const s = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, name + '.heapsnapshot.gz'))));
const ref = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, 'reference', name + '.devtools.json.gz'))));
const m = s.snapshot.meta, nf = m.node_fields.length, N = s.nodes, S = s.strings, T = m.node_types[0];
const f = k => m.node_fields.indexOf(k);
const byId = new Map(), firstEdge = new Map();
const E = s.edges, ef = m.edge_fields.length, ET = m.edge_types[0];
for (let i = 0, e = 0; i < N.length; i += nf) { byId.set(N[i + f('id')], i); firstEdge.set(i, e); e += N[i + f('edge_count')] * ef; }
// name of an edge from node index `from` to node index `to`, if there is one
const edgeName = (from, to) => {
  const e0 = firstEdge.get(from), e1 = e0 + N[from + f('edge_count')] * ef;
  for (let e = e0; e < e1; e += ef) {
    if (E[e + 2] !== to) continue;
    const t = ET[E[e]];
    return t === 'element' || t === 'hidden' ? `[${E[e + 1]}]` : `${t}:${S[E[e + 1]]}`;
  }
  return '(indirect)';
};
const label = i => `${T[N[i + f('type')]]} ${JSON.stringify(S[N[i + f('name')]].slice(0, 60))} @${N[i + f('id')]}`;
const dom = new Map(ref.nodes_detail.map(r => [r[0], r]));
console.log(`${name}: ${ref.nodes} nodes, ${ref.edges} edges, total_size ${ref.total_size}`);
for (const c of classes) {
  const cls = ref.classes.find(x => x.name === c);
  console.log(`  class ${c}: ${cls ? `count ${cls.count}, self ${cls.self_size}, retained ${cls.retained_size}, distance ${cls.distance}` : 'absent'}`);
  // first object of that class (type object/closure named c)
  for (let i = 0; i < N.length; i += nf) {
    if (S[N[i + f('name')]] !== c || !['object', 'closure'].includes(T[N[i + f('type')]])) continue;
    let id = N[i + f('id')];
    const chain = [];
    for (let k = 0; k < 12 && id !== 1; k++) {
      const r = dom.get(id);
      chain.push(`${label(byId.get(id))} ret=${r[2]} d=${r[3]}` + (r[4] !== id ? ` (via ${edgeName(byId.get(r[4]), byId.get(id))})` : ''));
      id = r[4];
    }
    console.log('    dominator chain of the first one:\n      ' + chain.join('\n      <- '));
    break;
  }
}
