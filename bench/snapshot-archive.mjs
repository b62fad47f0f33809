// Writes a snapshot archive (what `muster snapshot save` writes) of a store with N KV entries,
// for bench/snapshot-stall.sh to restore into real servers. The store is built in this process
// from the compiled modules of dist/ (run `npm ci` first) and saved through the servers'
// snapshot endpoint, so the archive is exactly what a server would write. Keys are those of the
// large-store test in src/server/snapshot-endpoint.test.ts: service/app-<i % 1000>/config/<i>,
// each with a 32-byte value.
//   node bench/snapshot-archive.mjs N OUT
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [nText, out] = process.argv.slice(2);
const n = Number(nText);
if (!Number.isSafeInteger(n) || n < 1 || !out) {
  process.stderr.write('usage: node bench/snapshot-archive.mjs N OUT   (N: keys, at least 1)\n');
  process.exit(2);
}
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { StateRestorer, Store } = await load('state/index.js');
const { Fsm, InMemoryLog, RaftFsm } = await load('fsm/index.js');
const { ManualClock } = await load('lib/index.js');
const { SoloRaft } = await load('server/raft-view.js');
const { SnapshotEndpoint } = await load('server/snapshot-endpoint.js');

const clock = new ManualClock(Date.now());
const store = new Store(clock);
const fsm = new Fsm(store);
const log = new InMemoryLog(fsm);
log.applySync({ type: 'noop' });
const restorer = new StateRestorer();
const value = new TextEncoder().encode('v'.repeat(32));
for (let i = 0; i < n; i++) {
  const key = `service/app-${i % 1000}/config/${String(i).padStart(8, '0')}`;
  restorer.add({ t: 'kvs', v: { key, value, flags: 0n, session: '', lockIndex: 0, createIndex: 2, modifyIndex: 2 } });
}
restorer.add({ t: 'index', table: 'kvs', index: 2 });
log.applySync({ type: 'noop' });
fsm.install(restorer.finish(), log.lastIndex);

const raft = new SoloRaft({ id: '00000000-0000-4000-8000-000000000001', node: 'bench', address: '127.0.0.1:8300' }, log);
const endpoint = new SnapshotEndpoint({ fsm: new RaftFsm(fsm), log, raft, datacenter: 'dc1', clock });
const saved = await endpoint.save('', { consistency: 'stale' });
await pipeline(Readable.from(saved.archive), createWriteStream(out));
