#!/usr/bin/env node
'use strict';
// Unfiltered query held by a pending tool call: ONE process, TWO snapshots.
//   query-a (baseline): a small filtered query ran and finished; `pendingCalls` is empty.
//   query-b: an agent's tool call ran `collection.find({})` with no filter; the driver
//     materialised 20000*scale Doc objects into one Array `results`, and the pending call's
//     callback closure (`onResults`) captured it. The call stays in `pendingCalls`.
//
//   node query.js [OUTDIR] [--scale N]   -> OUTDIR/query-a.heapsnapshot, query-b.heapsnapshot
const {parseArgs, snapshot, n} = require('./lib');

const STATUS = ['open', 'closed', 'pending', 'archived'];
const OWNERS = ['ada', 'grace', 'linus', 'barbara'];

class Doc {
  constructor(seq) {
    this._id = 'doc-' + String(seq).padStart(8, '0');
    this.seq = seq;
    this.status = STATUS[seq % 4];
    this.owner = OWNERS[(seq >> 2) % 4];
  }
}

class Collection {
  constructor(name, size) { this.name = name; this.size = size; }
  // A driver-like cursor: every call deserialises fresh Doc objects.
  find(filter, limit = Infinity) {
    const out = [];
    for (let seq = 0; seq < this.size && out.length < limit; seq++) {
      const status = STATUS[seq % 4];
      if (filter.status && filter.status !== status) continue;
      out.push(new Doc(seq));
    }
    return out;
  }
}

class PendingCall {
  constructor(id, tool, args, callback) { this.id = id; this.tool = tool; this.args = args; this.callback = callback; this.startedAt = 1700000000000 + id; }
}

const args = parseArgs({});
const docs = new Collection('tickets', n(20000, args.scale));
const pendingCalls = new Map();
globalThis.queryApp = {docs, pendingCalls, Doc, Collection, PendingCall};

// Baseline: a bounded, filtered query that completes and is released (in its own function,
// so that no stack slot keeps its result alive while the snapshot is taken).
function runBaselineQuery() {
  const few = docs.find({status: 'open'}, 20);
  return few.length;
}
globalThis.queryApp.completed = runBaselineQuery();

function callTool(id, tool, filter) {
  const results = docs.find(filter);
  const summary = {tool, count: results.length};
  const onResults = function onResults(send) { send(summary, results); };
  pendingCalls.set(id, new PendingCall(id, tool, {filter}, onResults));
}
// Snapshots are taken from a later task, with no generator frames on the stack.
setImmediate(() => {
  snapshot(args.out, 'query-a');
  callTool(7, 'mongo.find', {});
  setImmediate(() => snapshot(args.out, 'query-b'));
});
