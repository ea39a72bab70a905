'use strict';
// Shared helpers for the snapshot generators: argument parsing, a seeded PRNG and
// writing a heap snapshot with v8.writeHeapSnapshot().
const fs = require('fs');
const path = require('path');
const v8 = require('v8');

function parseArgs(defaults) {
  const args = {out: path.resolve(__dirname, '..'), scale: 1, ...defaults};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { args.out = path.resolve(a); continue; }
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const val = argv[i + 1];
    i++;
    args[key] = typeof defaults[key] === 'string' ? val : Number(val);
    if (key === 'out') args.out = path.resolve(val);
  }
  if (!(args.scale > 0)) throw new Error('--scale must be > 0');
  fs.mkdirSync(args.out, {recursive: true});
  return args;
}

// Deterministic PRNG (mulberry32) so the same scale gives the same heap contents.
function rng(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Writes OUT/NAME.heapsnapshot (default options: what `node --heapsnapshot-signal`,
// `v8.writeHeapSnapshot()` and most tooling produce) and logs its size.
function snapshot(outDir, name) {
  if (global.gc) { global.gc(); global.gc(); }
  const file = path.join(outDir, name + '.heapsnapshot');
  const t0 = Date.now();
  v8.writeHeapSnapshot(file);
  const mb = fs.statSync(file).size / 1e6;
  console.log(`${name}: ${file} ${mb.toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return file;
}

const n = (base, scale) => Math.max(1, Math.round(base * scale));

module.exports = {parseArgs, rng, snapshot, n};
