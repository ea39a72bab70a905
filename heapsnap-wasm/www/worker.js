// Runs the wasm engine off the page's thread: streams a File (or a URL served by
// `heapsnap view`) into the chunked parser, gunzipping on the way, then answers queries.
import init, { Viewer } from './pkg/heapsnap_wasm.js';

const ready = init();
const viewers = {};

async function load(slot, source) {
  let stream, total, gz;
  if (typeof source === 'string') {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`${source}: HTTP ${response.status}`);
    total = Number(response.headers.get('content-length')) || 0;
    gz = response.headers.get('x-heapsnap-name')?.endsWith('.gz') ?? false;
    stream = response.body;
  } else {
    total = source.size;
    gz = source.name.endsWith('.gz');
    stream = source.stream();
  }
  let done = 0, last = 0;
  const counted = stream.pipeThrough(new TransformStream({
    transform(chunk, out) {
      done += chunk.byteLength;
      if (done - last > (1 << 20) || done === total) { last = done; postMessage({ progress: { slot, done, total } }); }
      out.enqueue(chunk);
    },
  }));
  const bytes = gz ? counted.pipeThrough(new DecompressionStream('gzip')) : counted;
  const viewer = new Viewer(gz ? 0 : total);
  const reader = bytes.getReader();
  for (;;) {
    const { done: end, value } = await reader.read();
    if (end) break;
    viewer.push(value);
  }
  postMessage({ progress: { slot, done: total, total, analyzing: true } });
  const info = JSON.parse(viewer.finish());
  viewers[slot]?.free();
  viewers[slot] = viewer;
  return info;
}

function viewer(slot) {
  const v = viewers[slot];
  if (!v) throw new Error(`no snapshot loaded in slot ${slot}`);
  return v;
}

const ops = {
  load: (a) => load(a.slot, a.source),
  summary: (a) => viewer(a.slot).summary(a.limit, a.filter || undefined),
  instances: (a) => viewer(a.slot).instances(a.className, a.offset, a.limit),
  dominated: (a) => viewer(a.slot).dominated(a.id, a.offset, a.limit),
  retainers: (a) => viewer(a.slot).retainers(a.id, a.depth, a.limit),
  path: (a) => viewer(a.slot).path_to_root(a.id),
  duplicates: (a) => viewer(a.slot).duplicates(a.limit),
  diff: (a) => viewer(a.spike).diff(viewer(a.base), a.limit),
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    await ready;
    const out = await ops[op](args);
    postMessage({ id, result: typeof out === 'string' ? JSON.parse(out) : out });
  } catch (e) {
    postMessage({ id, error: String(e?.message ?? e) });
  }
};
