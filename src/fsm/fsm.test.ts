import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../lib/index.js';
import { kvsGet, stateHash, Store, WatchSet, type SnapshotRecord } from '../state/index.js';
import { Fsm } from './fsm.js';
import { InMemoryLog } from './log.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Fsm', () => {
  it('gives the same state hash on every replica that applies the same log', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c/d'), fc.string(), fc.boolean()), { maxLength: 30 }), (writes) => {
        const replicas = [new Store(), new Store()].map((s) => ({ store: s, log: new InMemoryLog(new Fsm(s)) }));
        for (const r of replicas) {
          for (const [key, value, del] of writes) {
            r.log.applySync({ type: 'kvs', op: del ? 'delete' : 'set', key, value: enc(value), flags: 0n, index: 0, session: '' });
          }
        }
        expect(stateHash(replicas[0]!.store.state)).toBe(stateHash(replicas[1]!.store.state));
      }),
    );
  });

  it('snapshots the whole store through the codec and restores it elsewhere, waking blocked readers', () => {
    const source = new Store();
    const fsm = new Fsm(source);
    const log = new InMemoryLog(fsm);
    log.applySync({ type: 'noop' });
    for (let i = 0; i < 100; i++) log.applySync({ type: 'kvs', op: 'set', key: `k/${i}`, value: enc(`v${i}`), flags: BigInt(i), index: 0, session: '' });
    log.applySync({ type: 'kvs', op: 'delete', key: 'k/5', value: null, flags: 0n, index: 0, session: '' });
    const { index, records } = fsm.snapshot();
    const bytes = encode([...records]);

    const target = new Store();
    const targetFsm = new Fsm(target);
    const ws = new WatchSet();
    kvsGet(target, 'k/1', ws);
    let woke = false;
    ws.add(target.abandonChannel());
    ws.watch(() => (woke = true));
    targetFsm.restore(index, decode<SnapshotRecord[]>(bytes));
    expect(woke).toBe(true);
    expect(stateHash(target.state)).toBe(stateHash(source.state));
    expect(targetFsm.lastApplied).toBe(102);
    expect(kvsGet(target, 'k/7').entry).toMatchObject({ flags: 7n, createIndex: 9 });
    expect(target.state.tombstones.get('k/5')).toBe(102);
  });

  it('refuses to apply an entry out of order', () => {
    const fsm = new Fsm(new Store());
    fsm.apply(1, { type: 'noop' });
    expect(() => fsm.apply(1, { type: 'noop' })).toThrow('entry 1 applied after 1');
  });
});
