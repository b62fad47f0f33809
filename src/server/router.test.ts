import { describe, expect, it } from 'vitest';
import { SeededRng } from '../lib/index.js';
import { ServerRouter } from './router.js';

const names = (r: ServerRouter): string[] => r.all().map((s) => s.name);

describe('the server list of a client agent', () => {
  it('uses the first server until a call to it fails, then the next', () => {
    const r = new ServerRouter(new SeededRng(1));
    for (const n of ['a', 'b', 'c']) r.upsert({ name: n, address: `${n}:8300` });
    const first = r.find()!;
    r.failed(first);
    expect(r.find()!.name).not.toBe(first.name);
    expect(names(r).at(-1)).toBe(first.name);
    // A failure reported for a server that is no longer first changes nothing.
    const order = names(r);
    r.failed(first);
    expect(names(r)).toEqual(order);
  });

  it('updates a known server in place and forgets a removed one', () => {
    const r = new ServerRouter(new SeededRng(2));
    expect(r.upsert({ name: 'a', address: 'a:8300' })).toBe(true);
    expect(r.upsert({ name: 'a', address: 'a2:8300' })).toBe(false);
    expect(r.all()).toEqual([{ name: 'a', address: 'a2:8300' }]);
    expect(r.remove('a')).toBe(true);
    expect(r.remove('a')).toBe(false);
    expect(r.find()).toBeUndefined();
  });

  it('spreads clients over the servers: the first server differs between clients', () => {
    const firsts = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      const r = new ServerRouter(new SeededRng(seed));
      for (const n of ['a', 'b', 'c']) r.upsert({ name: n, address: `${n}:8300` });
      firsts.add(r.find()!.name);
    }
    expect(firsts).toEqual(new Set(['a', 'b', 'c']));
  });

  it('rebalances to a permutation of the same servers', () => {
    const r = new ServerRouter(new SeededRng(3));
    for (const n of ['a', 'b', 'c', 'd', 'e']) r.upsert({ name: n, address: `${n}:8300` });
    r.rebalance();
    expect([...names(r)].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
