#!/usr/bin/env node
// Prints the root node's outgoing edges of a .heapsnapshot (or .heapsnapshot.gz):
// type, name and target (type, name, id). Used to tell whether a producer writes
// root -> global "user roots" (shortcut edges) or only root -> (GC roots).
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const file = process.argv[2];
if (!file) { console.error('usage: root-edges.js SNAPSHOT[.gz]'); process.exit(2); }
let buf = fs.readFileSync(file);
if (file.endsWith('.gz')) buf = zlib.gunzipSync(buf);
const s = JSON.parse(buf.toString('utf8'));
const m = s.snapshot.meta;
const nf = m.node_fields.length, ef = m.edge_fields.length;
const nTypes = m.node_types[0], eTypes = m.edge_types[0];
const nType = nf => m.node_fields.indexOf(nf), eIdx = x => m.edge_fields.indexOf(x);
const N = s.nodes, E = s.edges, S = s.strings;
const ecount = N[nType('edge_count')];
const out = [];
for (let e = 0; e < ecount; e++) {
  const off = e * ef;
  const et = eTypes[E[off + eIdx('type')]];
  const nameOrIndex = E[off + eIdx('name_or_index')];
  const to = E[off + eIdx('to_node')];
  const ename = (et === 'element' || et === 'hidden') ? nameOrIndex : S[nameOrIndex];
  out.push({edge_type: et, edge_name: ename, to_type: nTypes[N[to + nType('type')]],
    to_name: S[N[to + nType('name')]], to_id: N[to + nType('id')]});
}
console.log(JSON.stringify({file, node_count: N.length / nf, edge_count: E.length / ef,
  node_fields: m.node_fields, root_edges: out}, null, 1));
