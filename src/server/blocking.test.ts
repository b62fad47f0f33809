import { describe, expect, it } from 'vitest';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { ManualClock, SeededRng } from '../lib/index.js';
import { kvsGet, Store, type WatchSet } from '../state/index.js';
import { blockingQuery, type BlockingDeps } from './blocking.js';

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
