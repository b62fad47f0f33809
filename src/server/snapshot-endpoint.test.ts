import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Fsm, InMemoryLog, RaftFsm } from '../fsm/index.js';
import { ManualClock, nullLogger, SeededRng } from '../lib/index.js';
import { readArchive } from '../snapshot/index.js';
import { StateRestorer, stateHash, Store } from '../state/index.js';
import { Server } from './endpoints.js';
import { SoloRaft } from './raft-view.js';
import { SnapshotEndpoint } from './snapshot-endpoint.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function node(): { store: Store; fsm: Fsm; log: InMemoryLog; server: Server; snapshots: SnapshotEndpoint; compactions: number[] } {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new Store(clock);
  const fsm = new Fsm(store);
  const log = new InMemoryLog(fsm);
  log.applySync({ type: 'noop' });
  const raft = new SoloRaft({ id: 'b2f1e3d0-0000-4000-8000-000000000001', node: 'n1', address: '127.0.0.1:8300' }, log);
  const server = new Server({ store, log, clock, rng: new SeededRng(1), logger: nullLogger, datacenter: 'dc1', rpcAddress: '127.0.0.1:8300', raft, newID: () => 'id' });
  const compactions: number[] = [];
  const snapshots = new SnapshotEndpoint({ fsm: new RaftFsm(fsm), log, raft, datacenter: 'dc1', clock, compact: async () => void compactions.push(log.lastIndex) });
  return { store, fsm, log, server, snapshots, compactions };
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const put = (s: Server, key: string, value: string): Promise<boolean> => s.kvApply('', { op: 'set', key, value: enc(value), flags: 0n, index: 0, session: '' });
const get = async (s: Server, key: string): Promise<string | undefined> => {
  const r = await s.kvGet(key, { datacenter: '', consistency: 'default', minIndex: 0, waitMs: 0 });
  return r.value?.value ? new TextDecoder().decode(r.value.value) : undefined;
};

describe('SnapshotEndpoint', () => {
  it('saves an archive at the current index and restores it, waking a blocking query', async () => {
    const a = node();
    await put(a.server, 'hello', 'world');
    await put(a.server, 'other', '1');
    const saved = await a.snapshots.save('', { consistency: 'default' });
    expect(saved.index).toBe(3);
    const archive = await collect(saved.archive);
    const meta = await readArchive(chunksOf(archive, 1000));
    expect(meta).toMatchObject({ Version: 1, Index: 3, Term: 1, ConfigurationIndex: 1 });
    expect(meta.ID).toBe('1-3-1700000000000');
    expect(meta.Configuration.Servers).toEqual([{ Suffrage: 0, ID: 'b2f1e3d0-0000-4000-8000-000000000001', Address: '127.0.0.1:8300' }]);

    await put(a.server, 'hello', 'goodbye');
    await put(a.server, 'new', 'x');
    const before = await a.server.kvGet('hello', { datacenter: '', consistency: 'default', minIndex: 0, waitMs: 0 });
    const blocked = a.server.kvGet('hello', { datacenter: '', consistency: 'default', minIndex: before.meta.index, waitMs: 60_000 });
    let returned = false;
    void blocked.then(() => (returned = true));
    await Promise.resolve();
    expect(returned).toBe(false);

    await a.snapshots.restore('', chunksOf(archive, 333));
    const woke = await blocked;
    expect(new TextDecoder().decode(woke.value!.value!)).toBe('world');
    expect(await get(a.server, 'new')).toBeUndefined();
    expect(a.compactions).toEqual([a.log.lastIndex]);

    // Into a fresh server (disaster recovery): the same state, and writes go on.
    const b = node();
    await b.snapshots.restore('', chunksOf(archive, 4096));
    expect(await get(b.server, 'hello')).toBe('world');
    await put(b.server, 'later', 'y');
    expect(await get(b.server, 'later')).toBe('y');
  });

  it('refuses a bad archive with Consul\'s text and changes nothing', async () => {
    const a = node();
    await put(a.server, 'keep', 'me');
    const archive = Buffer.from(await collect((await a.snapshots.save('', { consistency: 'stale' })).archive));
    const tar = gunzipSync(archive);
    tar[1024 + 512 + 10] = tar[1024 + 512 + 10]! ^ 0xff; // a byte of state.bin
    const { gzipSync } = await import('node:zlib');
    await put(a.server, 'keep', 'changed');
    await expect(a.snapshots.restore('', chunksOf(gzipSync(tar), 100))).rejects.toThrow('failed to read snapshot file: failed checking integrity of snapshot: hash check failed for "state.bin"');
    await expect(a.snapshots.restore('', chunksOf(new Uint8Array(0), 1))).rejects.toThrow('failed to decompress snapshot: EOF');
    expect(await get(a.server, 'keep')).toBe('changed');
    expect(a.fsm.staging.view()).toBeUndefined();
  });

  it('answers a request for another datacenter with "No path to datacenter"', async () => {
    const a = node();
    await expect(a.snapshots.save('dc9', { consistency: 'default' })).rejects.toThrow('No path to datacenter');
    await expect(a.snapshots.restore('dc9', chunksOf(new Uint8Array(0), 1))).rejects.toThrow('No path to datacenter');
  });

  it('saves and restores a large store (SNAPSHOT_TEST_KEYS: 100k by default, 1M by hand), logging the longest event-loop stall', { timeout: 600_000 }, async () => {
    const keys = Number(process.env['SNAPSHOT_TEST_KEYS'] ?? 100_000);
    const a = node();
    const restorer = new StateRestorer();
    const value = enc('v'.repeat(32));
    for (let i = 0; i < keys; i++) {
      const key = `service/app-${i % 1000}/config/${String(i).padStart(8, '0')}`;
      restorer.add({ t: 'kvs', v: { key, value, flags: 0n, session: '', lockIndex: 0, createIndex: 2, modifyIndex: 2 } });
    }
    restorer.add({ t: 'index', table: 'kvs', index: 2 });
    a.log.applySync({ type: 'noop' });
    a.fsm.install(restorer.finish(), a.log.lastIndex);
    const wanted = stateHash(a.store.state);

    // The longest garbage-collection pause of each phase, to tell GC from our own work in a stall.
    let gcMaxMs = 0;
    let gcKind = '';
    const gcKinds: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak callbacks' };
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.duration > gcMaxMs) [gcMaxMs, gcKind] = [e.duration, gcKinds[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? '?'];
      }
    });
    gc.observe({ entryTypes: ['gc'] });
    // The observer reports on a later turn of the loop: let it, then take the phase's figure.
    const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const gcLongest = (): string => {
      const text = `${gcMaxMs.toFixed(1)} ms ${gcKind}`;
      [gcMaxMs, gcKind] = [0, ''];
      return text;
    };
    await tick();
    gcLongest(); // the fill's
    const stalls = monitorEventLoopDelay({ resolution: 5 });
    stalls.enable();
    let started = performance.now();
    const saved = await a.snapshots.save('', { consistency: 'default' });
    const archive = await collect(saved.archive);
    const saveMs = performance.now() - started;
    stalls.disable();
    const saveStallMs = stalls.max / 1e6;
    await tick();
    const saveGc = gcLongest();

    const b = node();
    stalls.reset();
    stalls.enable();
    started = performance.now();
    await b.snapshots.restore('', chunksOf(archive, 64 * 1024));
    const restoreMs = performance.now() - started;
    stalls.disable();
    const restoreStallMs = stalls.max / 1e6;
    await tick();
    const restoreGc = gcLongest();
    gc.disconnect();
    // eslint-disable-next-line no-console -- the measured figures are the point of this test
    console.log(
      `${keys} keys: archive ${(archive.length / 1e6).toFixed(1)} MB; save ${saveMs.toFixed(0)} ms (longest event-loop stall ${saveStallMs.toFixed(1)} ms); ` +
        `restore ${restoreMs.toFixed(0)} ms (longest stall ${restoreStallMs.toFixed(1)} ms); longest GC pause: save ${saveGc}, restore ${restoreGc}`,
    );
    expect(stateHash(b.store.state)).toBe(wanted);
  });
});
