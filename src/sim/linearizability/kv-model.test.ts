import { describe, expect, it } from 'vitest';
import { UNKNOWN } from './history.js';
import { checkKvHistory, learnWriteIndexes, type KvOperation } from './kv-history.js';
import { consulKvModel, kvState, type KvInput } from './models.js';

/** Sequential helpers: each operation gets the next time slot [t, t+1] as it is built, unless given. */
let clock = 0;
function op(input: KvInput, output: KvOperation['output'], clientId = 0, call = clock, ret = call + 1): KvOperation {
  clock = Math.max(clock, ret) + 1;
  return { clientId, input, output, call, ret };
}
const get = (key: string, found: { value: string; modifyIndex: number } | null, c?: number, r?: number): KvOperation => op({ kind: 'get', key }, found, 0, c, r);
const put = (key: string, value: string, c?: number, r?: number): KvOperation => op({ kind: 'put', key, value }, true, 1, c, r);
const cas = (key: string, index: number, value: string, ok: boolean): KvOperation => op({ kind: 'cas', key, index, value }, ok, 2);
const del = (key: string): KvOperation => op({ kind: 'delete', key }, true, 3);

const verdict = (ops: KvOperation[]): boolean | 'unknown' => checkKvHistory(ops).ok;

describe('Consul KV model: one key, sequential', () => {
  it('follows get / put / delete', () => {
    expect(verdict([get('a', null), put('a', 'v1'), get('a', { value: 'v1', modifyIndex: 5 }), del('a'), get('a', null)])).toBe(true);
    expect(verdict([put('a', 'v1'), get('a', null)])).toBe(false);
    expect(verdict([put('a', 'v1'), del('a'), get('a', { value: 'v1', modifyIndex: 5 })])).toBe(false);
  });

  it('does check-and-set like kvsSetCASTxn: 0 = only if absent, else the current ModifyIndex', () => {
    expect(verdict([cas('a', 0, 'v1', true), get('a', { value: 'v1', modifyIndex: 3 }), cas('a', 0, 'v2', false)])).toBe(true);
    expect(verdict([put('a', 'v1'), cas('a', 0, 'v2', true)])).toBe(false);
    expect(verdict([cas('a', 7, 'v1', false), cas('a', 7, 'v2', true)])).toBe(false); // index > 0 on an absent key
    expect(verdict([put('a', 'v1'), get('a', { value: 'v1', modifyIndex: 4 }), cas('a', 4, 'v2', true), get('a', { value: 'v2', modifyIndex: 6 })])).toBe(true);
    expect(verdict([put('a', 'v1'), get('a', { value: 'v1', modifyIndex: 4 }), cas('a', 4, 'v2', false)])).toBe(false);
  });

  it('rejects a CAS that succeeded against the index of a write already overwritten', () => {
    const history = [put('a', 'v1'), get('a', { value: 'v1', modifyIndex: 4 }), put('a', 'v2'), cas('a', 4, 'v3', true)];
    const result = checkKvHistory(history);
    expect(result.ok).toBe(false);
    if (result.ok !== false) return;
    expect(result.partition).toBe('a');
    expect(result.failure.stateAfterPrefix).toBe('"v2" @ ModifyIndex unknown (no read saw it)');
    expect(result.description).toContain('cas("a", index 4, "v3") -> true');
  });

  it('a write no read saw is never a CAS target', () => {
    // v2's index is unknown, so a client could not have used it: a CAS with any read index fails
    expect(verdict([put('a', 'v1'), get('a', { value: 'v1', modifyIndex: 4 }), put('a', 'v2'), cas('a', 4, 'v3', false)])).toBe(true);
  });

  it('rejects a ModifyIndex that goes backwards between writes in real-time order', () => {
    const history = [put('a', 'v1'), get('a', { value: 'v1', modifyIndex: 10 }), put('a', 'v2'), get('a', { value: 'v2', modifyIndex: 7 })];
    expect(verdict(history)).toBe(false);
  });

  it('rejects two reads that saw one write at different indexes', () => {
    expect(verdict([put('a', 'v1'), get('a', { value: 'v1', modifyIndex: 4 }), get('a', { value: 'v1', modifyIndex: 5 })])).toBe(false);
  });

  it('rejects reading a value nobody wrote', () => {
    expect(verdict([get('a', { value: 'ghost', modifyIndex: 1 })])).toBe(false);
  });
});

describe('Consul KV model: concurrency and partitions', () => {
  it('lets an indeterminate put land after the client timed out', () => {
    const lost: KvOperation = { clientId: 1, input: { kind: 'put', key: 'a', value: 'v1' }, output: UNKNOWN, call: 0, ret: 3 };
    expect(verdict([lost, get('a', null, 5, 6), get('a', { value: 'v1', modifyIndex: 9 }, 10, 11)])).toBe(true);
  });

  it('an indeterminate put that a read saw did happen: a later read cannot miss it', () => {
    const lost: KvOperation = { clientId: 1, input: { kind: 'put', key: 'a', value: 'v1' }, output: UNKNOWN, call: 0, ret: 3 };
    expect(verdict([lost, get('a', { value: 'v1', modifyIndex: 5 }, 5, 6), get('a', null, 10, 11)])).toBe(false);
    expect(verdict([lost, get('a', null, 5, 6), get('a', { value: 'v1', modifyIndex: 5 }, 10, 11), put('a', 'v2', 12, 13)])).toBe(true);
  });

  it('checks each key on its own and names the key that fails', () => {
    const history = [put('a', 'x1'), put('b', 'y1'), get('a', { value: 'x1', modifyIndex: 1 }), put('b', 'y2'), get('b', { value: 'y1', modifyIndex: 2 })];
    const result = checkKvHistory(history);
    expect(result.ok).toBe(false);
    if (result.ok !== false) return;
    expect(result.partition).toBe('b');
    expect(result.description).toContain('partition "b" (model consul-kv, 3 operations)');
    expect(result.description).toContain('get("b") -> "y1" @ ModifyIndex 2');
    expect(checkKvHistory(history.slice(0, 4))).toMatchObject({ ok: true, partitions: 2 });
  });
});

describe('learnWriteIndexes', () => {
  it('gives each write the index a completed read saw for its value', () => {
    const history = learnWriteIndexes([put('a', 'v1'), put('a', 'v2'), get('a', { value: 'v2', modifyIndex: 8 }), { ...get('a', null), output: UNKNOWN }]);
    expect(history[0]?.input).toEqual({ kind: 'put', key: 'a', value: 'v1' });
    expect(history[1]?.input).toEqual({ kind: 'put', key: 'a', value: 'v2', writeIndex: 8 });
  });

  it('refuses a history that writes one value twice to a key', () => {
    expect(() => learnWriteIndexes([put('a', 'v1'), cas('a', 0, 'v1', false)])).toThrow(/values must be unique per write/);
    expect(() => learnWriteIndexes([put('a', 'v1'), put('b', 'v1')])).not.toThrow();
  });

  it('describes states for failure reports', () => {
    expect(consulKvModel.describeState(kvState(null, undefined, 0))).toBe('absent');
    expect(consulKvModel.describeState(kvState(null, undefined, 9))).toBe('absent (highest ModifyIndex so far 9)');
    expect(consulKvModel.describeState(kvState('v', 9, 9))).toBe('"v" @ ModifyIndex 9');
  });
});
