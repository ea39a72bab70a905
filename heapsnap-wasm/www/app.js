// The page: asks the worker (which owns the wasm engine) and renders the answers.
const worker = new Worker('worker.js', { type: 'module' });
const pending = new Map();
let nextId = 0;
const state = { spike: null, base: null, sort: { key: 'retained_size', desc: true }, classes: [], rootId: 1 };

worker.onmessage = ({ data }) => {
  if (data.progress) return showProgress(data.progress);
  const p = pending.get(data.id);
  pending.delete(data.id);
  data.error ? p.reject(new Error(data.error)) : p.resolve(data.result);
};
const ask = (op, args) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  worker.postMessage({ id, op, args });
});

const $ = (s) => document.querySelector(s);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  for (const k of kids) e.append(k);
  return e;
};
const units = ['B', 'kB', 'MB', 'GB', 'TB'];
function bytes(n) {
  let i = 0, v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return i === 0 ? `${n} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
const count = (n) => n.toLocaleString('en-US');
const idLink = (id) => {
  const a = el('span', { className: 'id', textContent: `@${id}` });
  a.onclick = () => selectObject(id);
  return a;
};
const status = (text, error = false) => { $('#status').textContent = text; $('#status').className = error ? 'error' : ''; };

function showProgress({ slot, done, total, analyzing }) {
  let bar = document.getElementById(`bar-${slot}`);
  if (!bar) { bar = el('div', { id: `bar-${slot}`, className: 'bar' }, el('div')); $('#progress').append(bar); }
  bar.firstChild.style.width = total ? `${Math.min(100, (100 * done) / total)}%` : '100%';
  status(analyzing ? `analyzing ${slot}…` : `reading ${slot}: ${bytes(done)}${total ? ' of ' + bytes(total) : ''}`);
}

async function load(slot, source, name) {
  const t0 = performance.now();
  const info = await ask('load', { slot, source });
  state[slot] = { ...info, name };
  status(`${name}: ${count(info.nodes)} nodes, ${count(info.edges)} edges, ${bytes(info.total_size)} — loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  document.body.dataset.loaded = Object.keys(state).filter((k) => (k === 'spike' || k === 'base') && state[k]).join(' ');
  if (slot === 'spike') {
    state.rootId = info.root_id;
    await Promise.all([renderSummary(), renderDominators(), renderTreemap([info.root_id]), renderDuplicates()]);
  }
  if (state.spike && state.base) await renderDiff();
}

// Summary ------------------------------------------------------------------------------------
async function renderSummary() {
  const r = await ask('summary', { slot: 'spike', limit: 200, filter: $('#filter').value });
  state.classes = r.classes;
  drawSummary();
}
function drawSummary() {
  const { key, desc } = state.sort;
  const rows = [...state.classes].sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (desc ? -1 : 1));
  const body = $('#summary tbody');
  body.replaceChildren();
  for (const c of rows) {
    const tr = el('tr', { className: 'class-row' },
      el('td', { textContent: c.name }), el('td', { className: 'num', textContent: c.distance }),
      el('td', { className: 'num', textContent: count(c.count) }), el('td', { className: 'num', textContent: bytes(c.self_size) }),
      el('td', { className: 'num', textContent: bytes(c.retained_size) }));
    Object.assign(tr.dataset, { name: c.name, count: c.count, selfSize: c.self_size, retainedSize: c.retained_size, distance: c.distance });
    tr.onclick = () => toggleInstances(tr, c.name);
    body.append(tr);
  }
}
async function toggleInstances(tr, name) {
  if (tr.dataset.open) {
    while (tr.nextSibling?.classList.contains('instance')) tr.nextSibling.remove();
    delete tr.dataset.open;
    return;
  }
  tr.dataset.open = '1';
  const r = await ask('instances', { slot: 'spike', className: name, offset: 0, limit: 20 });
  let after = tr;
  for (const o of r.objects) {
    const row = el('tr', { className: 'instance' },
      el('td', {}, idLink(o.id), ' ', o.name.slice(0, 60)), el('td', { className: 'num', textContent: o.distance }),
      el('td'), el('td', { className: 'num', textContent: bytes(o.self_size) }), el('td', { className: 'num', textContent: bytes(o.retained_size) }));
    after.after(row);
    after = row;
  }
}
document.querySelectorAll('#summary th').forEach((th) => {
  th.onclick = () => {
    const key = th.dataset.key;
    state.sort = { key, desc: state.sort.key === key ? !state.sort.desc : key !== 'name' };
    drawSummary();
  };
});
let filterTimer;
$('#filter').oninput = () => { clearTimeout(filterTimer); filterTimer = setTimeout(renderSummary, 200); };

// Dominator tree -----------------------------------------------------------------------------
function domRow(o) {
  const toggle = el('span', { className: 'toggle', textContent: o.dominated_count ? '▸' : ' ' });
  const kids = el('div', { className: 'dom-children' });
  const row = el('div', { className: 'dom-row' }, toggle, idLink(o.id), ` ${o.class_name} `,
    el('span', { textContent: `retained ${bytes(o.retained_size)}, self ${bytes(o.self_size)}` }), kids);
  row.dataset.id = o.id;
  toggle.onclick = async () => {
    if (!o.dominated_count) return;
    if (kids.childElementCount) { kids.replaceChildren(); toggle.textContent = '▸'; return; }
    const r = await ask('dominated', { slot: 'spike', id: o.id, offset: 0, limit: 50 });
    kids.replaceChildren(...r.children.map(domRow));
    toggle.textContent = '▾';
  };
  return row;
}
async function renderDominators() {
  const r = await ask('dominated', { slot: 'spike', id: state.rootId, offset: 0, limit: 50 });
  $('#domtree').replaceChildren(...r.children.map(domRow));
}

// Treemap: the dominator tree by retained size, slice-and-dice, click to zoom ------------------
async function renderTreemap(trail) {
  const id = trail[trail.length - 1];
  const r = await ask('dominated', { slot: 'spike', id, offset: 0, limit: 60 });
  $('#crumbs').replaceChildren(...trail.map((t, i) => {
    const s = el('span', { textContent: i === 0 ? '(root)' : `@${t}` });
    s.onclick = () => renderTreemap(trail.slice(0, i + 1));
    return el('span', {}, i ? ' › ' : '', s);
  }));
  const box = $('#treemap');
  box.replaceChildren();
  const total = r.children.reduce((s, c) => s + c.retained_size, 0) || 1;
  layout(r.children, 0, 0, 100, 100, true, total).forEach(([c, x, y, w, h]) => {
    const cell = el('div', { className: 'cell', title: `${c.class_name} @${c.id}: ${bytes(c.retained_size)}`,
      textContent: `${c.class_name} ${bytes(c.retained_size)}` });
    Object.assign(cell.style, { left: `${x}%`, top: `${y}%`, width: `${w}%`, height: `${h}%` });
    cell.onclick = () => (c.dominated_count ? renderTreemap([...trail, c.id]) : selectObject(c.id));
    box.append(cell);
  });
}
function layout(items, x, y, w, h, horizontal, total) {
  // Alternating slices: the biggest item takes its share along one axis, the rest recurse.
  const out = [];
  let rest = total;
  for (const c of items) {
    if (c.retained_size <= 0 || w < 0.5 || h < 0.5) break;
    const f = c.retained_size / rest;
    if (horizontal) { out.push([c, x, y, w * f, h]); x += w * f; w -= w * f; }
    else { out.push([c, x, y, w, h * f]); y += h * f; h -= h * f; }
    rest -= c.retained_size;
    horizontal = !horizontal;
  }
  return out;
}

// Retainers -----------------------------------------------------------------------------------
async function selectObject(id) {
  document.querySelector('[data-tab=retainers]').click();
  $('#object-id').value = id;
  try {
    const [p, r] = await Promise.all([ask('path', { slot: 'spike', id }), ask('retainers', { slot: 'spike', id, depth: 3, limit: 10 })]);
    $('#path-text').textContent = p.text;
    $('#retainer-tree').replaceChildren(retainerList(r.retainers));
  } catch (e) { $('#path-text').textContent = e.message; }
}
function retainerList(items) {
  return el('ul', {}, ...(items || []).map((r) => el('li', {}, `${r.edge} in `, idLink(r.object.id), ` ${r.object.class_name} (${bytes(r.object.retained_size)})`,
    r.retainers ? retainerList(r.retainers) : '')));
}
$('#show-object').onclick = () => selectObject(Number($('#object-id').value.replace('@', '')));

// Diff and duplicates --------------------------------------------------------------------------
async function renderDiff() {
  const d = await ask('diff', { base: 'base', spike: 'spike', limit: 20 });
  $('#diff-head').textContent = `${bytes(d.base.total_size)} → ${bytes(d.spike.total_size)} (${d.total_growth >= 0 ? '+' : ''}${bytes(Math.abs(d.total_growth))})`;
  $('#findings').replaceChildren(...d.findings.map((f) => el('li', { textContent: f.text })));
  $('#growth tbody').replaceChildren(...(d.growth || []).map((g) => el('tr', {},
    el('td', {}, `${g.holder.class_name} `, idLink(g.holder.id)), el('td', { textContent: g.class_name }),
    el('td', { className: 'num', textContent: count(g.count) }), el('td', { className: 'num', textContent: bytes(g.bytes) }),
    el('td', { className: 'num', textContent: `+${bytes(g.growth_bytes)}` }))));
  $('#comparison tbody').replaceChildren(...d.classes.map((c) => el('tr', {},
    el('td', { textContent: c.name }), ...[c.new_count, c.deleted_count, c.count_delta].map((n) => el('td', { className: 'num', textContent: count(n ?? 0) })),
    ...[c.alloc_size, c.freed_size].map((n) => el('td', { className: 'num', textContent: bytes(n) })),
    el('td', { className: 'num', textContent: `${c.size_delta < 0 ? '−' : '+'}${bytes(Math.abs(c.size_delta))}` }))));
}
async function renderDuplicates() {
  const d = await ask('duplicates', { slot: 'spike', limit: 30 });
  $('#clusters tbody').replaceChildren(...d.clusters.map((c) => el('tr', {},
    el('td', {}, c.class_name, ' ', idLink(c.example.id)), el('td', { className: 'num', textContent: count(c.count) }),
    el('td', { className: 'num', textContent: bytes(c.self_size) }), el('td', { className: 'num', textContent: bytes(c.wasted_size) }),
    el('td', { textContent: c.common_holder ? `${c.common_holder.class_name} @${c.common_holder.id}` : '' }))));
  $('#dupstrings tbody').replaceChildren(...d.strings.map((s) => el('tr', {},
    el('td', { textContent: s.text.slice(0, 80) }), el('td', { className: 'num', textContent: count(s.count) }),
    el('td', { className: 'num', textContent: bytes(s.wasted_size) }))));
}

// Tabs, files, drop, and files preloaded by `heapsnap view` ------------------------------------
document.querySelectorAll('#tabs button').forEach((b) => {
  b.onclick = () => {
    document.querySelectorAll('#tabs button, .tab').forEach((x) => x.classList.remove('active'));
    b.classList.add('active');
    $(`#tab-${b.dataset.tab}`).classList.add('active');
  };
});
const guard = (p) => p.catch((e) => status(e.message, true));
$('#file-spike').onchange = (e) => guard(load('spike', e.target.files[0], e.target.files[0].name));
$('#file-base').onchange = (e) => guard(load('base', e.target.files[0], e.target.files[0].name));
const drop = $('#drop');
drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const files = [...e.dataTransfer.files];
  guard((async () => {
    if (files.length > 1) await load('base', files[0], files[0].name);
    await load('spike', files[files.length - 1], files[files.length - 1].name);
  })());
};
guard((async () => {
  const r = await fetch('api/files').catch(() => null);
  if (!r?.ok) return;
  const files = await r.json();
  if (files.length > 1) await load('base', files[0].url, files[0].name);
  if (files.length) await load('spike', files[files.length - 1].url, files[files.length - 1].name);
})());
