#!/usr/bin/env node
'use strict';
// Detached DOM leak in Chromium: ONE page, TWO snapshots, taken over CDP
// (HeapProfiler.takeHeapSnapshot, chunks from HeapProfiler.addHeapSnapshotChunk).
// The page renders "cards" (<div class="card"><h3>…</h3><ul><li>…</li> x5</ul></div>),
// removes them from the document when they are "closed", but keeps every removed card
// in the JS array `window.closedCards` (the leak).
//   chromium-detached-a: after 40*scale leaked cards (+ 10 cards still attached)
//   chromium-detached-b: after another 60*scale leaked cards (100*scale in total)
//
//   node detached-dom.js [OUTDIR] [--scale N] [--expose-internals 0|1] [--prefix NAME]
//
// --expose-internals 1 (default) is what current DevTools asks for when you click "Take
// snapshot"; 0 gives the CDP default (regular mode).
const fs = require('fs');
const path = require('path');
const {parseArgs, n} = require('./lib');
const {chromium} = require('playwright-core');

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>detached-dom leak</title></head>
<body>
<h1>Cards</h1>
<section id="board"></section>
<script>
  window.closedCards = [];
  let nextId = 0;
  function renderCard() {
    const id = nextId++;
    const card = document.createElement('div');
    card.className = 'card';
    card.id = 'card-' + id;
    const h = document.createElement('h3');
    h.textContent = 'Card ' + id;
    card.appendChild(h);
    const ul = document.createElement('ul');
    for (let i = 0; i < 5; i++) {
      const li = document.createElement('li');
      li.textContent = 'item ' + id + '.' + i;
      ul.appendChild(li);
    }
    card.appendChild(ul);
    card.addEventListener('click', () => card.classList.toggle('open'));
    document.getElementById('board').appendChild(card);
    return card;
  }
  function closeCard(card) {
    card.remove();
    window.closedCards.push(card); // leak: the removed subtree stays reachable
  }
  window.leak = function (count) {
    for (let i = 0; i < count; i++) closeCard(renderCard());
    return window.closedCards.length;
  };
  window.keepAttached = function (count) {
    for (let i = 0; i < count; i++) renderCard();
    return document.querySelectorAll('.card').length;
  };
</script>
</body></html>`;

async function takeSnapshot(cdp, file, exposeInternals) {
  await cdp.send('HeapProfiler.collectGarbage');
  const fd = fs.openSync(file, 'w');
  const onChunk = ({chunk}) => fs.writeSync(fd, chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const t0 = Date.now();
  await cdp.send('HeapProfiler.takeHeapSnapshot', {reportProgress: false, exposeInternals, captureNumericValue: false});
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  fs.closeSync(fd);
  console.log(`${path.basename(file, '.heapsnapshot')}: ${file} ${(fs.statSync(file).size / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function main() {
  const args = parseArgs({exposeInternals: 1, prefix: 'chromium-detached'});
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--disable-extensions'],
  });
  try {
    const page = await browser.newPage();
    await page.setContent(HTML);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    const expose = !!args.exposeInternals;
    await page.evaluate(c => window.keepAttached(c), 10);
    await page.evaluate(c => window.leak(c), n(40, args.scale));
    await takeSnapshot(cdp, path.join(args.out, args.prefix + '-a.heapsnapshot'), expose);
    await page.evaluate(c => window.leak(c), n(60, args.scale));
    await takeSnapshot(cdp, path.join(args.out, args.prefix + '-b.heapsnapshot'), expose);
    console.log(`${await browser.version()} leaked cards: ${await page.evaluate(() => window.closedCards.length)}`);
  } finally {
    await browser.close();
  }
}
main().catch(e => { console.error(e); process.exit(1); });
