#!/usr/bin/env node
'use strict';
// A big snapshot for benchmarks: the service.js heap at a scale picked to give a file of
// about --target-mb MB (within ~15%). Written OUTSIDE the repository by default:
//   node big.js --target-mb 1000 [--out DIR] [--name NAME]
//     -> ${TMPDIR:-/tmp}/heapsnap-bench/NAME.heapsnapshot (NAME defaults to big-<N>mb)
// Re-executes itself with --max-old-space-size sized for the target. Calibrated on Node 20:
// ~3.6 MB of Node baseline plus ~1.1 MB per service scale unit, and about
// 14 k nodes / 59 k edges per MB. Do not commit the output.
const path = require('path');
const os = require('os');
const fs = require('fs');
const {spawnSync} = require('child_process');

const argv = process.argv.slice(2);
const get = (k, d) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : d; };
const targetMb = Number(get('--target-mb', 100));
const outDir = path.resolve(get('--out', path.join(process.env.TMPDIR || os.tmpdir(), 'heapsnap-bench')));
const name = get('--name', `big-${targetMb}mb`);

if (!process.env.HEAPSNAP_BIG_CHILD) {
  const heapMb = Math.max(2048, Math.round(targetMb * 3 + 1024));
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, '--expose-gc', __filename, ...argv],
    {stdio: 'inherit', env: {...process.env, HEAPSNAP_BIG_CHILD: '1'}});
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s (heap limit ${heapMb} MB)`);
  process.exit(0);
}

const {build} = require('./service');
const {snapshot} = require('./lib');
fs.mkdirSync(outDir, {recursive: true});
// Longer ids and indices at large scales make each unit a little bigger.
const perUnit = 1.11 * (1 + 0.05 * Math.max(0, Math.log10(Math.max(1, targetMb) / 50)));
const scale = Math.max(1, (targetMb - 3.6) / perUnit);
const t0 = Date.now();
globalThis.app = build(scale, 1);
console.log(`built service heap at scale ${scale.toFixed(1)} in ${((Date.now() - t0) / 1000).toFixed(1)} s, ` +
  `heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
snapshot(outDir, name);
