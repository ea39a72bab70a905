#!/usr/bin/env node
'use strict';
// A service-like heap: an LRU-ish response cache (Map of CacheEntry objects holding nested
// arrays and strings), Session class instances, route handler closures capturing state,
// Buffers and typed arrays, and plain objects of a few shapes. Everything hangs off
// globalThis.app so it is reachable from the global object.
//
//   node service.js [OUTDIR] [--scale N] [--name NAME]     -> OUTDIR/NAME.heapsnapshot
//
// Counts at scale 1 (all multiplied by --scale and rounded):
//   Session 300, CacheEntry 400 (LruCache limit 400), handler closures 100 (name `handleRoute`),
//   Buffer 40 x 1 KiB, Float64Array 20 x 256, Metric 200 ({name, value, unit}),
//   Point 200 plain {x, y}, AuditEvent 150 plain {type, at, actor, detail}.
const {parseArgs, rng, snapshot, n} = require('./lib');

class Session {
  constructor(id, user, createdAt) {
    this.id = id;
    this.user = user;
    this.createdAt = createdAt;
    this.scopes = ['read', 'write'];
    this.history = [];
    this.lastSeen = createdAt;
  }
  touch(path, at) {
    this.history.push(path);
    if (this.history.length > 8) this.history.shift();
    this.lastSeen = at;
  }
}

class CacheEntry {
  constructor(key, value, size) {
    this.key = key;
    this.value = value;
    this.size = size;
    this.hits = 0;
  }
}

// Map iteration order is insertion order: delete + set moves a key to the back.
class LruCache {
  constructor(limit) { this.limit = limit; this.map = new Map(); this.evictions = 0; }
  get(key) {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key); this.map.set(key, e); e.hits++;
    return e.value;
  }
  set(key, value, size) {
    if (this.map.has(key)) this.map.delete(key);
    this.map.set(key, new CacheEntry(key, value, size));
    while (this.map.size > this.limit) { this.map.delete(this.map.keys().next().value); this.evictions++; }
  }
}

const USERS = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis', 'frances'];
const ROUTES = ['/api/items', '/api/items/:id', '/api/users', '/api/users/:id', '/api/search', '/health'];

function makeHandler(route, shared) {
  const stats = {route, calls: 0, errors: 0, totalMs: 0};
  const label = 'handler for ' + route;
  return function handleRoute(req) {
    stats.calls++;
    shared.requests++;
    return label + ' ' + req.id + ' ' + stats.calls;
  };
}

function build(scale, seed = 1) {
  const rand = rng(seed);
  const pick = arr => arr[Math.floor(rand() * arr.length)];
  const app = {name: 'heapsnap-service', startedAt: 1700000000000};
  const shared = {requests: 0};

  app.sessions = new Map();
  for (let i = 0; i < n(300, scale); i++) {
    const s = new Session('sess-' + i.toString(36).padStart(6, '0'), pick(USERS), 1700000000000 + i * 1000);
    for (let j = 0; j < 1 + (i % 5); j++) s.touch(pick(ROUTES), 1700000000000 + i * 1000 + j);
    app.sessions.set(s.id, s);
  }

  const limit = n(400, scale);
  app.cache = new LruCache(limit);
  // Insert 1.5x the limit so the cache has evicted, then read some keys back.
  for (let i = 0; i < Math.round(limit * 1.5); i++) {
    const rows = [];
    for (let r = 0; r < 4; r++) rows.push([i, r, 'row-' + i + '-' + r, Math.floor(rand() * 1000)]);
    const value = {query: 'SELECT * FROM items WHERE shard = ' + i, rows, tags: [pick(USERS), pick(ROUTES)],
      body: 'payload:' + i + ':' + 'x'.repeat(32)};
    app.cache.set('q:' + i, value, 64 * rows.length);
  }
  for (let i = 0; i < limit; i += 7) app.cache.get('q:' + (Math.round(limit * 1.5) - 1 - i));

  app.handlers = [];
  for (let i = 0; i < n(100, scale); i++) app.handlers.push(makeHandler(ROUTES[i % ROUTES.length] + '#' + i, shared));
  for (let i = 0; i < app.handlers.length * 3; i++) app.handlers[i % app.handlers.length]({id: i});

  app.buffers = [];
  for (let i = 0; i < n(40, scale); i++) app.buffers.push(Buffer.alloc(1024, i & 0xff));
  app.series = [];
  for (let i = 0; i < n(20, scale); i++) {
    const f = new Float64Array(256);
    for (let j = 0; j < f.length; j++) f[j] = i + j / 256;
    app.series.push(f);
  }

  class Metric { constructor(name, value, unit) { this.name = name; this.value = value; this.unit = unit; } }
  app.metrics = [];
  for (let i = 0; i < n(200, scale); i++) app.metrics.push(new Metric('metric_' + (i % 50), i * 1.5, i % 2 ? 'ms' : 'bytes'));
  app.points = [];
  for (let i = 0; i < n(200, scale); i++) app.points.push({x: i, y: i * 2});
  app.audit = [];
  for (let i = 0; i < n(150, scale); i++) {
    app.audit.push({type: i % 3 ? 'login' : 'logout', at: 1700000000000 + i, actor: pick(USERS), detail: {ip: '10.0.0.' + (i % 250), ok: i % 11 !== 0}});
  }
  app.Metric = Metric;
  return app;
}

module.exports = {build, Session, CacheEntry, LruCache};

if (require.main === module) {
  const args = parseArgs({name: 'node-service', seed: 1});
  globalThis.app = build(args.scale, args.seed);
  // From a later task, so no stack slot of the builder keeps a temporary alive.
  setImmediate(() => snapshot(args.out, args.name));
}
