import { describe, expect, it } from 'vitest';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { limits, ManualClock, nullLogger, SeededRng } from '../lib/index.js';
import { kvsGet, Store, type WatchSet } from '../state/index.js';
import { blockingQuery, type BlockingDeps } from './blocking.js';
import { Server } from './endpoints.js';
import { SoloRaft } from './raft-view.js';

function setup(yieldAfterWake?: () => Promise<void>) {
  const clock = new ManualClock(0);
  const store = new Store(clock);
  const log = new InMemoryLog(new Fsm(store));
  const put = (key: string, value: string) =>
    log.applySync({ type: 'kvs', op: 'set', key, value: new TextEncoder().encode(value), flags: 0n, index: 0, session: '' });
  const deps: BlockingDeps = { store, clock, rng: new SeededRng(1), yieldAfterWake };
  let runs = 0;
  const query = (ws: WatchSet | undefined) => {
    runs++;
    return { index: kvsGet(store, 'k', ws).index, value: null };
  };
  return { clock, store, put, deps, query, runs: () => runs };
}

const ticks = async (n = 10): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('blockingQuery', () => {
  it('returns once the index passes minIndex, and on timeout with the unchanged index', async () => {
    const s = setup();
    s.put('k', 'a');
    const first = await blockingQuery(s.deps, { minIndex: 0, waitMs: 0 }, s.query);
    const woken = blockingQuery(s.deps, { minIndex: first.index, waitMs: 60_000 }, s.query);
    await ticks();
    s.put('k', 'b');
    expect((await woken).index).toBeGreaterThan(first.index);
    const timed = blockingQuery(s.deps, { minIndex: (await woken).index, waitMs: 1_000 }, s.query);
    await ticks();
    s.clock.advance(1_000 + 1_000 / 16 + 1);
    expect((await timed).index).toBe((await woken).index);
  });

  it('a woken query waits for yieldAfterWake before it runs again (the agent answers the waking write first)', async () => {
    let release: () => void = () => {};
    const s = setup(() => new Promise<void>((resolve) => (release = resolve)));
    s.put('k', 'a');
    const index = kvsGet(s.store, 'k').index;
    let done = false;
    const woken = blockingQuery(s.deps, { minIndex: index, waitMs: 60_000 }, s.query).then((r) => ((done = true), r));
    await ticks();
    expect(s.runs()).toBe(1);
    s.put('k', 'b');
    await ticks();
    expect([s.runs(), done]).toEqual([1, false]);
    release();
    expect((await woken).index).toBeGreaterThan(index);
    expect(s.runs()).toBe(2);
  });
});

describe('a long prefix read in slices (Server.kvList, readTurn)', () => {
  const keys = limits.readSliceEntries * 2 + 100;

  function server() {
    const clock = new ManualClock(0);
    const store = new Store(clock);
    const log = new InMemoryLog(new Fsm(store));
    const raft = new SoloRaft({ id: 'b2f1e3d0-0000-4000-8000-000000000001', node: 'n1', address: '127.0.0.1:8300' }, log);
    const put = (key: string): void => {
      log.applySync({ type: 'kvs', op: 'set', key, value: new TextEncoder().encode('v'), flags: 0n, index: 0, session: '' });
    };
    for (let i = 0; i < keys; i++) put(`p/${String(i).padStart(6, '0')}`);
    // Each turn waits for the test to let it go, so the test can write between two slices.
    const turns: Array<() => void> = [];
    const readTurn = (): Promise<void> => new Promise<void>((resolve) => turns.push(resolve));
    const srv = new Server({ store, log, clock, rng: new SeededRng(1), logger: nullLogger, datacenter: 'dc1', rpcAddress: '127.0.0.1:8300', raft, newID: () => 'id', readTurn });
    const nextTurn = async (): Promise<void> => {
      for (let i = 0; i < 100 && turns.length === 0; i++) await Promise.resolve();
      expect(turns.length).toBe(1);
      turns.shift()!();
    };
    return { srv, store, put, nextTurn, turnsWaiting: () => turns.length, index: () => kvsGet(store, 'p/000000').index };
  }

  const opts = (minIndex: number, signal?: AbortSignal) => ({ datacenter: '', consistency: 'default' as const, minIndex, waitMs: 60_000, signal });

  it('answers the version it started on, whatever is written between slices', async () => {
    const s = server();
    const start = s.index();
    const read = s.srv.kvList('p/', opts(0));
    await s.nextTurn();
    s.put('p/zzz');
    await s.nextTurn();
    const r = await read;
    expect(r.value.length).toBe(keys);
    expect(r.meta.index).toBe(start);
    expect(s.turnsWaiting()).toBe(0);
  });

  it('a blocking read woken by a write between its slices is not left waiting', async () => {
    const s = server();
    const start = s.index();
    const read = s.srv.kvList('p/', opts(start));
    await s.nextTurn();
    s.put('p/zzz'); // the first run's version has no such key and the index it reports is `start`
    await s.nextTurn();
    // The watch fired during the first run, so the read runs again at once (in slices again).
    await s.nextTurn();
    await s.nextTurn();
    const r = await read;
    expect(r.meta.index).toBeGreaterThan(start);
    expect(r.value.length).toBe(keys + 1);
  });

  it('stops when its caller gives up', async () => {
    const s = server();
    const ac = new AbortController();
    const read = s.srv.kvList('p/', opts(0, ac.signal));
    ac.abort();
    await s.nextTurn();
    await expect(read).rejects.toThrow('read cancelled by the caller');
    expect(s.turnsWaiting()).toBe(0);
  });

  it('a blocking read stopped mid-scan leaves no watch behind', async () => {
    const s = server();
    const before = s.store.watchCount();
    const ac = new AbortController();
    const read = s.srv.kvList('p/', opts(s.index(), ac.signal));
    ac.abort();
    await s.nextTurn();
    await expect(read).rejects.toThrow('read cancelled by the caller');
    expect(s.store.watchCount()).toBe(before);
  });

  it('a short read runs in one piece, with no turn', async () => {
    const s = server();
    const r = await s.srv.kvKeys('p/0000', '', opts(0));
    expect(r.value.length).toBe(100);
    expect(s.turnsWaiting()).toBe(0);
  });
});
