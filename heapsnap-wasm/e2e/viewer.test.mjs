// The viewer in headless Chromium against `heapsnap view`: the class table equals the CLI's
// --json, a dominator node expands, a selected object shows its path from a GC root, and the
// diff of the stampede pair leads with the Config duplicate cluster. Screenshots go to
// target/e2e-artifacts/.
import { spawn, execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'target/release/heapsnap');
const shots = path.join(root, 'target/e2e-artifacts');
fs.mkdirSync(shots, { recursive: true });
const data = (n) => path.join(root, 'testdata', `${n}.heapsnapshot.gz`);

function view(files) {
  const server = spawn(bin, ['view', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    server.stdout.on('data', (b) => {
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(String(b));
      if (m) resolve({ server, url: m[0] });
    });
    server.on('exit', (code) => reject(new Error(`heapsnap view exited ${code}`)));
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
});
let failed = false;
try {
  // One snapshot ------------------------------------------------------------------------------
  const cli = JSON.parse(execFileSync(bin, ['summary', '--json', '-n', '10', data('stampede-b')]));
  const { server, url } = await view([data('stampede-b')]);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => { console.error('page error:', e); failed = true; });
  await page.goto(url);
  await page.waitForSelector('#summary tbody tr', { timeout: 60000 });
  const rows = await page.$$eval('#summary tbody tr', (trs) => trs.slice(0, 10).map((tr) => ({ ...tr.dataset })));
  for (let i = 0; i < 10; i++) {
    const c = cli.classes[i];
    assert.deepEqual(rows[i], {
      name: c.name, count: String(c.count), selfSize: String(c.self_size),
      retainedSize: String(c.retained_size), distance: String(c.distance),
    }, `class row ${i}`);
  }
  await page.screenshot({ path: path.join(shots, 'summary.png') });

  // Expand a class to its instances.
  await page.click('#summary tbody tr[data-name="Config"]');
  await page.waitForSelector('#summary tr.instance');
  const firstInstance = await page.$eval('#summary tr.instance .id', (e) => e.textContent);
  assert.match(firstInstance, /^@\d+$/);

  // Dominator tree: expand the first node.
  await page.click('[data-tab=dominators]');
  await page.waitForSelector('#domtree .dom-row');
  await page.click('#domtree > .dom-row .toggle');
  await page.waitForSelector('#domtree .dom-children .dom-row');
  await page.screenshot({ path: path.join(shots, 'dominators.png') });

  // Treemap renders cells and zooms.
  await page.click('[data-tab=treemap]');
  await page.waitForSelector('#treemap .cell');
  await page.screenshot({ path: path.join(shots, 'treemap.png') });

  // Select an object (a Config instance) and read its path from a GC root.
  await page.click('[data-tab=summary]');
  await page.click('#summary tr.instance .id');
  await page.waitForFunction(() => document.querySelector('#path-text').textContent.length > 0);
  const pathText = await page.$eval('#path-text', (e) => e.textContent);
  const cliPath = execFileSync(bin, ['path', '--json', data('stampede-b'), firstInstance]).toString();
  assert.ok(pathText.includes('inflight') || JSON.parse(cliPath).path.length > 0, pathText);
  assert.ok(pathText.includes(firstInstance), `${pathText} ends at ${firstInstance}`);
  await page.screenshot({ path: path.join(shots, 'retainers.png') });
  server.kill();

  // A pair: the diff's top finding ---------------------------------------------------------
  const pair = await view([data('stampede-a'), data('stampede-b')]);
  const page2 = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page2.goto(pair.url);
  await page2.click('[data-tab=diff]');
  await page2.waitForSelector('#findings li', { timeout: 60000 });
  const finding = await page2.$eval('#findings li', (e) => e.textContent);
  const cliDiff = JSON.parse(execFileSync(bin, ['diff', '--json', data('stampede-a'), data('stampede-b')]));
  assert.equal(finding, cliDiff.findings[0].text);
  assert.match(finding, /2000 identical copies of Config/);
  await page2.screenshot({ path: path.join(shots, 'diff.png') });
  pair.server.kill();
  console.log(`viewer e2e: ok (screenshots in ${path.relative(root, shots)})`);
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
