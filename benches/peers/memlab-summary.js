// memlab's equivalent of `heapsnap summary`: load a snapshot with retained sizes
// (getFullHeapFromFile computes dominators) and total retained size per class name.
// usage: node --max-old-space-size=N memlab-summary.js FILE
'use strict';
const {getFullHeapFromFile} = require('@memlab/heap-analysis');

(async () => {
  const t0 = Date.now();
  const heap = await getFullHeapFromFile(process.argv[2]);
  const loaded = Date.now();
  const byClass = new Map();
  heap.nodes.forEach((node) => {
    const row = byClass.get(node.name) || {count: 0, self: 0};
    row.count++;
    row.self += node.self_size;
    byClass.set(node.name, row);
  });
  const top = [...byClass.entries()].sort((a, b) => b[1].self - a[1].self).slice(0, 5);
  console.log(JSON.stringify({nodes: heap.nodes.length, load_ms: loaded - t0, total_ms: Date.now() - t0, top}));
})().catch((e) => { console.error(e); process.exit(1); });
