// How long the browser viewer takes to show a big snapshot: `heapsnap view FILE`, headless
// Chromium, time from opening the page to the first Summary row (download, streaming parse
// and the whole analysis in wasm, on one thread), beside the native `heapsnap summary` on
// the same file. Usage: node benches/viewer.mjs FILE   (after ./heapsnap-wasm/build.sh and
// cargo build --release; playwright-core comes from heapsnap-wasm/e2e).
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(root, 'heapsnap-wasm/e2e/package.json'));
const { chromium } = require('playwright-core');
const bin = path.join(root, 'target/release/heapsnap');
const file = process.argv[2];
if (!file) {
  console.error('usage: node benches/viewer.mjs FILE');
  process.exit(2);
}

let t = performance.now();
execFileSync(bin, ['summary', '--json', '--quiet', file], { maxBuffer: 1 << 26 });
const native = (performance.now() - t) / 1000;

const server = spawn(bin, ['view', file], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  server.stdout.on('data', (b) => {
    const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(String(b));
    if (m) resolve(m[0]);
  });
  server.on('exit', (code) => reject(new Error(`heapsnap view exited ${code}`)));
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  // The page must keep answering while the worker parses: the longest gap between
  // animation frames is the stall a person would feel.
  await page.addInitScript(() => {
    window.__longestFrameGap = 0;
    let last = performance.now();
    const tick = (now) => {
      window.__longestFrameGap = Math.max(window.__longestFrameGap, now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  t = performance.now();
  await page.goto(url);
  await page.waitForSelector('#summary tbody tr', { timeout: 30 * 60 * 1000 });
  const viewer = (performance.now() - t) / 1000;
  const gap = await page.evaluate(() => window.__longestFrameGap);
  console.log(`${path.basename(file)}: viewer ${viewer.toFixed(1)} s to the first Summary row ` +
    `(longest frame gap ${gap.toFixed(0)} ms); native summary ${native.toFixed(1)} s`);
} finally {
  await browser.close();
  server.kill();
}
