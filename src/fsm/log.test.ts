import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../lib/index.js';
import { Store } from '../state/index.js';
import type { KVSCommand, KVSOp } from './commands.js';
import { Fsm } from './fsm.js';
import { asDecoded, InMemoryLog } from './log.js';

const ops: KVSOp[] = ['set', 'cas', 'delete', 'delete-cas', 'delete-tree', 'lock', 'unlock'];

const kvsCommand = fc.record({
  type: fc.constant('kvs' as const),
  op: fc.constantFrom(...ops),
  key: fc.string({ unit: 'grapheme', maxLength: 40 }),
  value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
  flags: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  index: fc.nat(),
  session: fc.oneof(fc.constant(''), fc.uuid()),
});

describe('InMemoryLog', () => {
  it('gives the FSM a KV command exactly as the log codec would (asDecoded equals decode(encode(c)))', () => {
    fc.assert(
      fc.property(kvsCommand, (c) => {
        const copy = asDecoded(c);
        expect(copy).toStrictEqual(decode<KVSCommand>(encode(c)));
        if (c.value !== null) expect(copy.value!.buffer).not.toBe(c.value.buffer);
      }),
      { numRuns: 500 },
    );
  });

  it("stores a copy of the value: the caller's buffer (a view into a larger one) may change after the write", () => {
    const store = new Store();
    const log = new InMemoryLog(new Fsm(store));
    const arena = Buffer.alloc(8192, 'x');
    const body = arena.subarray(100, 105);
    body.write('hello');
    expect(log.applySync({ type: 'kvs', op: 'set', key: 'k', value: body, flags: 7n, index: 0, session: '' })).toBe(true);
    body.write('HELLO');
    const stored = store.state.kvs.get('k')!;
    expect(Buffer.from(stored.value!).toString()).toBe('hello');
    expect(stored.value!.buffer.byteLength).toBeLessThan(arena.length); // the arena is not kept alive
    expect(stored.flags).toBe(7n);
    expect(log.lastIndex).toBe(1);
  });
});
