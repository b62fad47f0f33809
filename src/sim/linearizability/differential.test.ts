import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeHistory, UNKNOWN, type Operation } from './history.js';
import { learnWriteIndexes, type KvOperation } from './kv-history.js';
import type { Model } from './model.js';
import { casRegisterModel, consulKvModel, type KvInput, type KvOutput, type RegisterInput, type RegisterOutput } from './models.js';
import { checkHistory } from './wgl.js';

/**
 * The definition, by brute force: some order of all operations that respects real time
 * (a before b when a returned before b was called) is legal for the model. Indeterminate
 * operations return at +Infinity, so they may go anywhere after their call, last included.
 */
function bruteForce<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[]): boolean {
  const ops = normalizeHistory(history);
  const placed = new Array<boolean>(ops.length).fill(false);
  const search = (state: S, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Operation<I, O>;
      if (placed[i] === true) continue;
      // every operation that returned before this one was called must already be placed
      if (ops.some((other, j) => placed[j] !== true && j !== i && other.ret < op.call)) continue;
      const next = model.step(state, op.input, op.output);
      if (next === undefined) continue;
      placed[i] = true;
      const found = search(next, left - 1);
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(model.init(''), ops.length);
}

const OPS_MAX = Number(process.env['LIN_DIFF_OPS'] ?? 7);
const RUNS = Number(process.env['LIN_DIFF_RUNS'] ?? 1500);

const timing = fc.record({ call: fc.integer({ min: 0, max: 12 }), duration: fc.integer({ min: 0, max: 6 }), unknown: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) });

const registerOp: fc.Arbitrary<Operation<RegisterInput, RegisterOutput>> = fc
  .tuple(
    timing,
    fc.oneof(
      fc.record({ input: fc.constant<RegisterInput>({ kind: 'read' }), output: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }) }),
      fc.record({ input: fc.integer({ min: 0, max: 2 }).map((value): RegisterInput => ({ kind: 'write', value })), output: fc.constant(true) }),
      fc.record({ input: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map(([from, to]): RegisterInput => ({ kind: 'cas', from, to })), output: fc.boolean() }),
    ),
  )
  .map(([t, o]) => ({ clientId: 0, input: o.input, output: t.unknown ? UNKNOWN : o.output, call: t.call, ret: t.unknown ? Infinity : t.call + t.duration }));

interface KvRaw {
  readonly t: { call: number; duration: number; unknown: boolean };
  readonly kind: KvInput['kind'];
  /** cas: the index; get: the ModifyIndex returned, minus one. */
  readonly index: number;
  /** get: which operation's value it returns. */
  readonly seen: number;
  readonly ok: boolean;
  readonly found: boolean;
}

/** Single-key KV operations; a write's value is its position, so values are unique. */
const kvOp: fc.Arbitrary<KvRaw> = fc.record({
  t: timing,
  kind: fc.constantFrom<KvInput['kind']>('get', 'get', 'put', 'cas', 'delete'),
  index: fc.integer({ min: 0, max: 4 }),
  seen: fc.integer({ min: 0, max: OPS_MAX - 1 }),
  ok: fc.boolean(),
  found: fc.boolean(),
});

function kvHistory(list: readonly KvRaw[]): KvOperation[] {
  return list.map((r, i): KvOperation => {
    const key = 'k';
    let input: KvInput;
    let output: KvOutput;
    if (r.kind === 'get') {
      input = { kind: 'get', key };
      output = r.found ? { value: `v${r.seen}`, modifyIndex: r.index + 1 } : null;
    } else if (r.kind === 'put') {
      input = { kind: 'put', key, value: `v${i}` };
      output = true;
    } else if (r.kind === 'cas') {
      input = { kind: 'cas', key, index: r.index, value: `v${i}` };
      output = r.ok;
    } else {
      input = { kind: 'delete', key };
      output = true;
    }
    const { call, duration, unknown } = r.t;
    return { clientId: i, input, output: unknown ? UNKNOWN : output, call, ret: unknown ? Infinity : call + duration };
  });
}

describe('WGL agrees with brute force on small random histories (linearizable or not)', () => {
  it('cas-register', () => {
    const verdicts = { true: 0, false: 0 };
    fc.assert(
      fc.property(fc.array(registerOp, { minLength: 1, maxLength: OPS_MAX }), (history) => {
        const expected = bruteForce(casRegisterModel, history);
        verdicts[expected ? 'true' : 'false']++;
        expect(checkHistory(casRegisterModel, history).ok).toBe(expected);
      }),
      { numRuns: RUNS },
    );
    expect(Math.min(verdicts.true, verdicts.false)).toBeGreaterThan(RUNS / 10);
  });

  it('Consul KV (one key, write indexes learned from reads)', () => {
    const verdicts = { true: 0, false: 0 };
    fc.assert(
      fc.property(fc.array(kvOp, { minLength: 1, maxLength: OPS_MAX }), (list) => {
        const history = learnWriteIndexes(kvHistory(list));
        const expected = bruteForce(consulKvModel, history);
        verdicts[expected ? 'true' : 'false']++;
        expect(checkHistory(consulKvModel, history).ok).toBe(expected);
      }),
      { numRuns: RUNS },
    );
    expect(Math.min(verdicts.true, verdicts.false)).toBeGreaterThan(RUNS / 10);
  });
});
