#!/usr/bin/env node
'use strict';
// Makes a devtools-reference.sh output deterministic and compact:
// drops the timing fields (load_ms, query_ms, compare_ms), replaces absolute paths
// (file, base) by the snapshot's committed name, and writes one nodes_detail row per line.
//   node normalize.js IN.json OUT.json NAME [BASE_NAME]
const fs = require('fs');
const [inp, out, name, baseName] = process.argv.slice(2);
const j = JSON.parse(fs.readFileSync(inp, 'utf8'));
for (const k of ['load_ms', 'query_ms', 'compare_ms']) delete j[k];
if ('file' in j) j.file = name;
if ('base' in j) j.base = baseName;
const detail = j.nodes_detail;
delete j.nodes_detail;
let s = JSON.stringify(j, null, 1);
if (detail) {
  s = s.slice(0, -2) + ',\n "nodes_detail": [\n' + detail.map(r => '  ' + JSON.stringify(r)).join(',\n') + '\n ]\n}';
}
JSON.parse(s); // sanity
fs.writeFileSync(out, s + '\n');
