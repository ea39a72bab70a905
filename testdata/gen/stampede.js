#!/usr/bin/env node
'use strict';
// Cache stampede: ONE process, TWO snapshots.
//   stampede-a (baseline): the config cache holds one Config (version "v41"); `inflight`
//     (a Map of request id -> InflightRequest) is empty.
//   stampede-b (spike): the config cache was cleared before the new version was ready, so
//     each of 2000*scale in-flight requests parsed and built its own copy of the identical
//     "v42" Config (same nested structure and values) and keeps it in `inflight`. The old
//     v41 Config is still held (stampede.previous, for rollback), so b has exactly
//     2000*scale more Config objects than a, and none of a's objects is gone.
//
//   node stampede.js [OUTDIR] [--scale N]   -> OUTDIR/stampede-a.heapsnapshot, stampede-b.heapsnapshot
//
// Each Config: 1 Config, 1 `limits` Object, 1 `features` Object, 1 `routes` Array of 4
// RouteRule, each RouteRule with a `methods` Array; see README for the exact counts.
const {parseArgs, snapshot, n} = require('./lib');

const CONFIG_TEXT = (version) => JSON.stringify({
  version,
  service: 'checkout',
  limits: {maxBodyBytes: 1048576, timeoutMs: 2500, retries: 3},
  features: {newPricing: true, fraudCheck: true, giftCards: false, region: 'eu-west-1'},
  routes: [
    {path: '/cart', methods: ['GET', 'POST'], upstream: 'cart-svc:8080', timeoutMs: 800},
    {path: '/pay', methods: ['POST'], upstream: 'pay-svc:8443', timeoutMs: 2000},
    {path: '/orders', methods: ['GET'], upstream: 'orders-svc:8080', timeoutMs: 1200},
    {path: '/health', methods: ['GET', 'HEAD'], upstream: 'local', timeoutMs: 100},
  ],
});

class RouteRule {
  constructor(r) { this.path = r.path; this.methods = r.methods; this.upstream = r.upstream; this.timeoutMs = r.timeoutMs; }
}
class Config {
  constructor(raw) {
    this.version = raw.version;
    this.service = raw.service;
    this.limits = raw.limits;
    this.features = raw.features;
    this.routes = raw.routes.map(r => new RouteRule(r));
  }
}
class InflightRequest {
  constructor(id, config) { this.id = id; this.startedAt = 1700000000000 + id; this.config = config; }
}

const configCache = new Map();
const inflight = new Map();
globalThis.stampede = {configCache, inflight, Config, RouteRule, InflightRequest};

function loadConfig(version) {
  return new Config(JSON.parse(CONFIG_TEXT(version)));
}

function deployV42(requests) {
  const previous = configCache.get('checkout');
  globalThis.stampede.previous = previous; // kept for rollback: the one v41 Config survives
  // The cache is invalidated before v42 is loaded; every request misses and builds its own copy.
  configCache.clear();
  for (let id = 1; id <= requests; id++) {
    let cfg = configCache.get('checkout');
    if (!cfg) cfg = loadConfig('v42'); // the bug: nobody stores it, nobody shares it
    inflight.set(id, new InflightRequest(id, cfg));
  }
}

const args = parseArgs({});
configCache.set('checkout', loadConfig('v41'));
// Snapshots are taken from later tasks, with no generator frames on the stack.
setImmediate(() => {
  snapshot(args.out, 'stampede-a');
  deployV42(n(2000, args.scale));
  setImmediate(() => snapshot(args.out, 'stampede-b'));
});
