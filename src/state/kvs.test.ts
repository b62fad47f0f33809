import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fsm, InMemoryLog, type Command } from '../fsm/index.js';
import { KVKeysScan, KVListScan, kvsGet } from './kvs.js';
import { restoreState, snapshotRecords, stateHash } from './snapshot.js';
import { Store } from './store.js';
import type { KVTxnOp } from './txn.js';
import type { KVEntry } from './types.js';
import { WatchSet } from './watch.js';

/** A `?recurse` read in one piece (one unbounded step of its scan). */
function kvsList(store: Store, prefix: string, ws?: WatchSet): { index: number; entries: KVEntry[] } {
  const scan = new KVListScan(store, prefix, ws);
  scan.step(Infinity);
  const { index, value } = scan.result();
  return { index, entries: value };
}

/** A `?keys` read in one piece. */
function kvsKeys(store: Store, prefix: string, separator: string, ws?: WatchSet): { index: number; keys: string[] } {
  const scan = new KVKeysScan(store, prefix, separator, ws);
  scan.step(Infinity);
  const { index, value } = scan.result();
  return { index, keys: value };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function setup(): { store: Store; log: InMemoryLog } {
  const store = new Store();
  return { store, log: new InMemoryLog(new Fsm(store)) };
}

const kv = (op: 'set' | 'cas' | 'delete' | 'delete-cas' | 'delete-tree', key: string, value = '', index = 0): Command => ({
  type: 'kvs',
  op,
  key,
  value: enc(value),
  flags: 0n,
  index,
  session: '',
});

describe('KV store', () => {
  it('keeps CreateIndex and moves ModifyIndex on update', () => {
    const { store, log } = setup();
    log.applySync(kv('set', 'a', '1'));
    log.applySync(kv('set', 'a', '2'));
    const e = kvsGet(store, 'a').entry!;
    expect([e.createIndex, e.modifyIndex]).toEqual([1, 2]);
  });

  it('an identical write keeps ModifyIndex and wakes nobody', () => {
    const { store, log } = setup();
    log.applySync(kv('set', 'a', '1'));
    const ws = new WatchSet();
    kvsGet(store, 'a', ws);
    let woke = false;
    ws.watch(() => (woke = true));
    log.applySync(kv('set', 'a', '1'));
    expect(kvsGet(store, 'a').entry!.modifyIndex).toBe(1);
    expect(woke).toBe(false);
  });

  it("a prefix listing's index never goes backwards after deleting its newest key", () => {
    const { store, log } = setup();
    log.applySync(kv('set', 'p/a'));
    log.applySync(kv('set', 'p/b'));
    expect(kvsList(store, 'p/').index).toBe(2);
    log.applySync(kv('delete', 'p/b'));
    expect(kvsList(store, 'p/').index).toBe(3);
    expect(kvsKeys(store, 'p/', '').index).toBe(3);
  });

  it('cas 0 creates only if absent; cas N needs the current ModifyIndex', () => {
    const { log } = setup();
    expect(log.applySync(kv('cas', 'k', 'v', 0))).toBe(true);
    expect(log.applySync(kv('cas', 'k', 'v', 0))).toBe(false);
    expect(log.applySync(kv('cas', 'k', 'w', 7))).toBe(false);
    expect(log.applySync(kv('cas', 'k', 'w', 1))).toBe(true);
    expect(log.applySync(kv('delete-cas', 'k', '', 1))).toBe(false);
    expect(log.applySync(kv('delete-cas', 'k', '', 4))).toBe(true);
    expect(log.applySync(kv('delete-cas', 'k', '', 4))).toBe(true);
  });

  it('folds keys after the separator', () => {
    const { store, log } = setup();
    for (const k of ['a/b/c', 'a/b/d', 'a/e', 'a/f/', 'b']) log.applySync(kv('set', k));
    expect(kvsKeys(store, 'a/', '/').keys).toEqual(['a/b/', 'a/e', 'a/f/']);
    expect(kvsKeys(store, '', '/').keys).toEqual(['a/', 'b']);
    expect(kvsKeys(store, '', '').keys).toEqual(['a/b/c', 'a/b/d', 'a/e', 'a/f/', 'b']);
  });

  it('orders keys by UTF-8 bytes, as Consul does', () => {
    const { store, log } = setup();
    for (const k of ['\u{1F600}', '\uFF21', 'z']) log.applySync(kv('set', k));
    expect(kvsKeys(store, '', '').keys).toEqual(['z', '\uFF21', '\u{1F600}']);
  });

  it('wakes a watcher of a missing key only when that key is written', () => {
    const { store, log } = setup();
    const ws = new WatchSet();
    kvsGet(store, 'missing', ws);
    let woke = 0;
    ws.watch(() => woke++);
    log.applySync(kv('set', 'other'));
    expect(woke).toBe(0);
    log.applySync(kv('set', 'missing'));
    expect(woke).toBe(1);
  });

  it('wakes a prefix watcher on writes and deletes under the prefix only', () => {
    const { store, log } = setup();
    log.applySync(kv('set', 'app/x'));
    const ws = new WatchSet();
    kvsList(store, 'app/', ws);
    let woke = 0;
    ws.watch(() => woke++);
    log.applySync(kv('set', 'ap'));
    log.applySync(kv('set', 'b/app/x'));
    expect(woke).toBe(0);
    log.applySync(kv('delete', 'app/x'));
    expect(woke).toBe(1);
  });

  it('forgets watch channels nobody waits on', () => {
    const { store } = setup();
    const ws = new WatchSet();
    kvsGet(store, 'a', ws);
    kvsList(store, 'p/', ws);
    expect(store.watchCount()).toBe(2);
    const cancel = ws.watch(() => {});
    cancel();
    expect(store.watchCount()).toBe(0);
    const ws2 = new WatchSet();
    kvsGet(store, 'b', ws2);
    ws2.release();
    expect(store.watchCount()).toBe(0);
  });

  it('a failed transaction changes nothing', () => {
    const { store, log } = setup();
    log.applySync(kv('set', 'a', '1'));
    const before = stateHash(store.state);
    const ops: KVTxnOp[] = [
      { verb: 'set', key: 'b', value: enc('2'), flags: 0n, index: 0, session: '' },
      { verb: 'delete', key: 'a', value: null, flags: 0n, index: 0, session: '' },
      { verb: 'check-index', key: 'b', value: null, flags: 0n, index: 99, session: '' },
      { verb: 'get', key: 'nope', value: null, flags: 0n, index: 0, session: '' },
    ];
    const out = log.applySync({ type: 'txn', ops: ops.map((kv) => ({ kv })) });
    expect(out.errors).toEqual([
      { opIndex: 2, what: 'failed index check for key "b", current modify index 2 != 99' },
      { opIndex: 3, what: 'key "nope" doesn\'t exist' },
    ]);
    expect(stateHash(store.state)).toBe(before);
  });

  it('locks need an existing session; LockIndex counts acquisitions', () => {
    const { store, log } = setup();
    const lock = (session: string, op: 'lock' | 'unlock' = 'lock'): boolean =>
      log.applySync({ type: 'kvs', op, key: 'l', value: enc('x'), flags: 0n, index: 0, session });
    expect(lock('s1')).toBe(false);
    log.applySync({ type: 'register', req: { node: { id: '', node: 'n', address: '10.0.0.1', datacenter: 'dc1', taggedAddresses: {}, meta: {} }, skipNodeUpdate: false, checks: [] } });
    const session = { name: '', node: 'n', lockDelayMs: 15000, behavior: 'release' as const, ttl: '', nodeChecks: [], serviceChecks: [], checks: [] };
    log.applySync({ type: 'session-create', session: { ...session, id: 's1' } });
    log.applySync({ type: 'session-create', session: { ...session, id: 's2' } });
    expect(lock('s1')).toBe(true);
    expect(lock('s1')).toBe(true);
    expect(lock('s2')).toBe(false);
    expect(kvsGet(store, 'l').entry).toMatchObject({ lockIndex: 1, session: 's1' });
    expect(lock('s2', 'unlock')).toBe(false);
    expect(lock('s1', 'unlock')).toBe(true);
    expect(lock('s2')).toBe(true);
    expect(kvsGet(store, 'l').entry).toMatchObject({ lockIndex: 2, session: 's2' });
    // a plain write to a locked key resets LockIndex and keeps the holder (Consul 1.8.7)
    log.applySync({ type: 'kvs', op: 'set', key: 'l', value: enc('y'), flags: 0n, index: 0, session: '' });
    expect(kvsGet(store, 'l').entry).toMatchObject({ lockIndex: 0, session: 's2' });
  });
});

// ---- model test: the store against a plain Map ----

interface ModelEntry {
  value: string;
  createIndex: number;
  modifyIndex: number;
}

const keyArb = fc.constantFrom('a', 'a/b', 'a/c', 'b', 'b/a/x', 'c', '', 'a/');
const opArb = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.constantFrom('x', 'y', '') }),
  fc.record({ op: fc.constant('cas' as const), key: keyArb, value: fc.constantFrom('x', 'z'), index: fc.nat(12) }),
  fc.record({ op: fc.constant('delete' as const), key: keyArb }),
  fc.record({ op: fc.constant('delete-cas' as const), key: keyArb, index: fc.nat(12) }),
  fc.record({ op: fc.constant('delete-tree' as const), key: fc.constantFrom('a', 'a/', 'b/', '') }),
);
type ModelOp = { op: 'set' | 'cas' | 'delete' | 'delete-cas' | 'delete-tree'; key: string; value?: string; index?: number };

function applyModel(model: Map<string, ModelEntry>, index: number, o: ModelOp): boolean {
  const cur = model.get(o.key);
  const put = (): void => {
    if (cur && cur.value === o.value) return;
    model.set(o.key, { value: o.value!, createIndex: cur?.createIndex ?? index, modifyIndex: index });
  };
  switch (o.op) {
    case 'set':
      put();
      return true;
    case 'cas':
      if (o.index === 0 ? cur !== undefined : cur?.modifyIndex !== o.index) return false;
      put();
      return true;
    case 'delete':
      model.delete(o.key);
      return true;
    case 'delete-cas':
      if (!cur) return true;
      if (cur.modifyIndex !== o.index) return false;
      model.delete(o.key);
      return true;
    case 'delete-tree':
      for (const k of [...model.keys()]) if (k.startsWith(o.key)) model.delete(k);
      return true;
  }
}

describe('KV store model', () => {
  it('behaves like a Map, through the log, and survives snapshot/restore', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const { store, log } = setup();
        const model = new Map<string, ModelEntry>();
        let prevRootIndex = 0;
        for (const o of ops as ModelOp[]) {
          const got = log.applySync(kv(o.op, o.key, o.value ?? '', o.index ?? 0));
          expect(got).toBe(applyModel(model, log.lastIndex, o));
          const rootIndex = kvsList(store, '').index;
          expect(rootIndex).toBeGreaterThanOrEqual(prevRootIndex);
          prevRootIndex = rootIndex;
        }
        const listed = kvsList(store, '').entries.map((e) => [e.key, new TextDecoder().decode(e.value!), e.createIndex, e.modifyIndex]);
        const expected = [...model.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, e]) => [k, e.value, e.createIndex, e.modifyIndex]);
        expect(listed).toEqual(expected);
        const restored = restoreState(snapshotRecords(store.state));
        expect(stateHash(restored)).toBe(stateHash(store.state));
      }),
      { numRuns: 300 },
    );
  });

  it('a prefix read in slices, with writes committed between them, gives the read at its start', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 30 }),
        fc.array(opArb, { minLength: 1, maxLength: 10 }),
        fc.constantFrom('', 'a', 'a/', 'b'),
        fc.constantFrom('', '/'),
        fc.integer({ min: 1, max: 3 }),
        (before, during, prefix, separator, budget) => {
          const { store, log } = setup();
          for (const o of before as ModelOp[]) log.applySync(kv(o.op, o.key, o.value ?? '', o.index ?? 0));
          const listAtStart = kvsList(store, prefix);
          const keysAtStart = kvsKeys(store, prefix, separator);
          const ws = new WatchSet();
          const list = new KVListScan(store, prefix, ws);
          const keys = new KVKeysScan(store, prefix, separator, undefined);
          let woke = false;
          ws.watch(() => (woke = true));
          const pending = [...(during as ModelOp[])];
          let listDone = false;
          let keysDone = false;
          while (!listDone || !keysDone) {
            listDone = list.step(budget);
            keysDone = keys.step(budget);
            const o = pending.shift();
            if (o) log.applySync(kv(o.op, o.key, o.value ?? '', o.index ?? 0));
          }
          for (const o of pending) log.applySync(kv(o.op, o.key, o.value ?? '', o.index ?? 0));
          expect(list.result()).toEqual({ index: listAtStart.index, value: listAtStart.entries });
          expect(keys.result()).toEqual({ index: keysAtStart.index, value: keysAtStart.keys });
          // Whatever changed under the prefix since the start woke the read's watches.
          const seen = (entries: KVEntry[]): string[] => entries.map((e) => `${e.key}@${e.modifyIndex}`);
          if (seen(kvsList(store, prefix).entries).join() !== seen(listAtStart.entries).join()) expect(woke).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a txn applies all its ops or none, like the same ops one by one', () => {
    const txnOp = fc.record({
      verb: fc.constantFrom('set', 'cas', 'delete', 'delete-cas', 'check-index', 'check-not-exists', 'get'),
      key: keyArb,
      index: fc.nat(6),
    });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 8 }), fc.array(txnOp, { minLength: 1, maxLength: 6 }), (pre, txnOps) => {
        const a = setup();
        for (const o of pre as ModelOp[]) a.log.applySync(kv(o.op, o.key, o.value ?? '', o.index ?? 0));
        const b = setup();
        for (const o of pre as ModelOp[]) b.log.applySync(kv(o.op, o.key, o.value ?? '', o.index ?? 0));
        const before = stateHash(a.store.state);
        const ops = txnOps.map((t) => ({ ...t, value: enc('t'), flags: 0n, session: '' }) as KVTxnOp);
        const out = a.log.applySync({ type: 'txn', ops: ops.map((kv) => ({ kv })) });
        if (out.errors.length > 0) {
          expect(stateHash(a.store.state)).toBe(before);
          return;
        }
        // Applied: the same writes one by one (at one index each) give the same keys and values.
        for (const t of ops) {
          if (t.verb === 'set') b.log.applySync(kv('set', t.key, 't'));
          if (t.verb === 'cas') b.log.applySync(kv('set', t.key, 't'));
          if (t.verb === 'delete' || t.verb === 'delete-cas') b.log.applySync(kv('delete', t.key));
        }
        const view = (s: Store): string[] => kvsList(s, '').entries.map((e) => `${e.key}=${new TextDecoder().decode(e.value!)}`);
        expect(view(a.store)).toEqual(view(b.store));
      }),
      { numRuns: 300 },
    );
  });
});
