/**
 * Preload for the end-to-end benchmark (`NODE_OPTIONS=--import <this file>` in each stage process):
 * counts the operations the stage asks of the cloud services, by wrapping the official clients'
 * prototypes, and prints the running totals every second as one line
 * `SLUICE_BENCH_OPS {...}` on stderr. The benchmark takes each stage's last line.
 *
 * Counted: HTTP requests served (= function invocations) and their durations; Pub/Sub messages
 * published and their bytes (data + attributes, and the 1,000-byte billing minimum); Firestore
 * document reads (transaction/doc gets, query results) and writes (set/create/update/delete in
 * transactions and batches — calls inside a transaction attempt that is later retried are counted
 * too, so this slightly over-counts under contention); BigQuery streaming-insert rows and bytes
 * (JSON size, 1 KB billing minimum per row); GCS object writes. Firestore commit sizes (for
 * `bench:faults`): the largest commit (`maxCommitBytes`, every write of one transaction or batch,
 * measured as Firestore's request limit is: `firestoreCommitSize`) and the largest document written
 * (`maxDocumentBytes`, `firestoreDocumentSize`), by the functions in shared/limits that the
 * enforcing wrappers use (imported as TypeScript, which Node 24 strips natively).
 */
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(`${process.cwd()}/package.json`);
const ops = {
  invocations: 0,
  invocationMs: 0,
  pubsubMessages: 0,
  pubsubBytes: 0,
  pubsubBilledBytes: 0,
  firestoreReads: 0,
  firestoreWrites: 0,
  firestoreDeletes: 0,
  bqRows: 0,
  bqBytes: 0,
  bqBilledBytes: 0,
  gcsWrites: 0,
  firestoreCommits: 0,
  maxCommitBytes: 0,
  maxDocumentBytes: 0,
  /** Wall time spent waiting on each service (sum over calls; concurrent calls overlap). */
  firestoreTxnMs: 0,
  pubsubPublishMs: 0,
  bqInsertMs: 0,
  gcsWriteMs: 0,
};

// The local host's outer server re-emits each request on the framework's server: count a request once.
const counted = new WeakSet();
const origEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request' && res && typeof res.once === 'function' && !counted.has(req)) {
    counted.add(req);
    const t0 = performance.now();
    ops.invocations += 1;
    res.once('finish', () => {
      ops.invocationMs += performance.now() - t0;
    });
  }
  return origEmit.apply(this, arguments);
};

function wrap(proto, name, count) {
  const orig = proto?.[name];
  if (typeof orig !== 'function') return;
  proto[name] = function (...args) {
    try {
      count.apply(this, args);
    } catch {
      /* counting never breaks the call */
    }
    return orig.apply(this, args);
  };
}

/**
 * Wraps an async method: `onSettled(result, elapsedMs, fulfilled)` once the promise it returns
 * settles (`result` is undefined when it rejected). Counting never breaks the call.
 */
function onSettle(proto, name, onSettled) {
  const orig = proto?.[name];
  if (typeof orig !== 'function') return;
  proto[name] = function (...args) {
    const t0 = performance.now();
    const out = orig.apply(this, args);
    if (out && typeof out.then === 'function') {
      const settle = (r, fulfilled) => {
        try {
          onSettled(r, performance.now() - t0, fulfilled);
        } catch {
          /* ignore */
        }
      };
      out.then((r) => settle(r, true), () => settle(undefined, false));
    }
    return out;
  };
}

/** Calls `onResult(result)` when the method's promise fulfils. */
const wrapAsync = (proto, name, onResult) => onSettle(proto, name, (r, _ms, fulfilled) => fulfilled && onResult(r));

/** Adds the wall time of each call's promise, fulfilled or not, to `ops[key]`. */
const timeAsync = (proto, name, key) => onSettle(proto, name, (_r, ms) => (ops[key] += ms));

try {
  const fs = require('@google-cloud/firestore');
  // Every write reaches a WriteBatch (a transaction's go through its own): count them there once.
  for (const m of ['set', 'create', 'update']) wrap(fs.WriteBatch.prototype, m, () => (ops.firestoreWrites += 1));
  wrap(fs.WriteBatch.prototype, 'delete', () => (ops.firestoreDeletes += 1));
  wrapAsync(fs.Transaction.prototype, 'get', (r) => (ops.firestoreReads += r?.docs ? Math.max(1, r.docs.length) : 1));
  wrapAsync(fs.Transaction.prototype, 'getAll', (r) => (ops.firestoreReads += Array.isArray(r) ? r.length : 1));
  wrapAsync(fs.DocumentReference.prototype, 'get', () => (ops.firestoreReads += 1));
  wrapAsync(fs.Query.prototype, 'get', (r) => (ops.firestoreReads += Math.max(1, r?.docs?.length ?? 0)));
  wrapAsync(fs.Firestore.prototype, 'getAll', (r) => (ops.firestoreReads += Array.isArray(r) ? r.length : 1));
  timeAsync(fs.Firestore.prototype, 'runTransaction', 'firestoreTxnMs');
  // Commit sizes: every write reaches a WriteBatch (a transaction holds one), measured as it is
  // made; a batch's writes add up at its commit (`_reset` starts a retried transaction's over).
  const limits = await import(new URL('../shared/limits/firestore.ts', import.meta.url).href);
  const pending = new WeakMap();
  const add = (batch, bytes) => pending.set(batch, (pending.get(batch) ?? 0) + bytes);
  for (const m of ['set', 'create', 'update']) {
    wrap(fs.WriteBatch.prototype, m, function (ref, data) {
      const bytes = limits.firestoreDocumentSize(ref.path, data && typeof data === 'object' ? data : {});
      ops.maxDocumentBytes = Math.max(ops.maxDocumentBytes, bytes);
      add(this, bytes);
    });
  }
  wrap(fs.WriteBatch.prototype, 'delete', function (ref) {
    add(this, limits.firestoreDocumentNameSize(ref.path));
  });
  wrap(fs.WriteBatch.prototype, '_reset', function () {
    pending.delete(this);
  });
  wrap(fs.WriteBatch.prototype, '_commit', function () {
    ops.firestoreCommits += 1;
    ops.maxCommitBytes = Math.max(ops.maxCommitBytes, pending.get(this) ?? 0);
    pending.delete(this);
  });
} catch { /* stage without Firestore */ }

try {
  const { Topic } = require('@google-cloud/pubsub');
  wrap(Topic.prototype, 'publishMessage', (m) => {
    const attrs = Object.entries(m?.attributes ?? {}).reduce((s, [k, v]) => s + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
    const bytes = (m?.data ? Buffer.byteLength(m.data) : 0) + attrs + (m?.orderingKey ? Buffer.byteLength(m.orderingKey) : 0);
    ops.pubsubMessages += 1;
    ops.pubsubBytes += bytes;
    ops.pubsubBilledBytes += Math.max(1000, bytes);
  });
  timeAsync(Topic.prototype, 'publishMessage', 'pubsubPublishMs');
} catch { /* stage without Pub/Sub */ }

try {
  const { Table } = require('@google-cloud/bigquery');
  wrap(Table.prototype, 'insert', (rows) => {
    for (const r of Array.isArray(rows) ? rows : [rows]) {
      const b = Buffer.byteLength(JSON.stringify(r?.json ?? r));
      ops.bqRows += 1;
      ops.bqBytes += b;
      ops.bqBilledBytes += Math.max(1024, b);
    }
  });
  timeAsync(Table.prototype, 'insert', 'bqInsertMs');
} catch { /* stage without BigQuery */ }

// @google-cloud/storage ships separate CommonJS and ESM builds (two File classes): the stages
// import the ESM one, so wrap what `import` resolves.
try {
  const { File } = await import(require.resolve('@google-cloud/storage').replace(/build\/cjs\//, 'build/esm/'));
  // `save` writes through `createWriteStream`: count the stream (every upload), time the save.
  wrap(File.prototype, 'createWriteStream', () => (ops.gcsWrites += 1));
  timeAsync(File.prototype, 'save', 'gcsWriteMs');
} catch { /* stage without GCS */ }

let last = '';
setInterval(() => {
  const rounded = Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, k.endsWith('Ms') ? Math.round(v) : v]));
  const line = JSON.stringify(rounded);
  if (line !== last) {
    last = line;
    process.stderr.write(`SLUICE_BENCH_OPS ${line}\n`);
  }
}, 1000).unref();
