import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../lib/rng.js';
import { isUnknown, type Operation } from './history.js';
import { checkKvHistory, learnWriteIndexes, type KvOperation } from './kv-history.js';
import { casRegisterModel, type RegisterInput, type RegisterOutput } from './models.js';
import { randomKvHistory, randomRegisterHistory, type RandomHistoryOptions } from './random-history.js';
import { checkHistory } from './wgl.js';

type RegOp = Operation<RegisterInput, RegisterOutput>;

const SMALL: RandomHistoryOptions = { clients: 5, opsPerClient: 20, keys: 3, unknownRate: 0.05, durationMax: 10, gapMax: 3 };
const RUNS = 200;

const lastTime = (ops: readonly { call: number; ret: number }[]): number => Math.max(...ops.map((o) => (o.ret === Infinity ? o.call : o.ret)));

/** A completed write that took effect: its value, or undefined. */
function registerWritten(op: RegOp): number | undefined {
  if (isUnknown(op.output)) return undefined;
  if (op.input.kind === 'write') return op.input.value;
  if (op.input.kind === 'cas' && op.output === true) return op.input.to;
  return undefined;
}

/**
 * A read that returns w1's value although w2 overwrote it and both completed before the read
 * began: an existing completed read after w2 is changed, or a read is appended at the end.
 */
function injectStaleRegisterRead(history: RegOp[], rng: SeededRng): RegOp[] | undefined {
  const writes = history.filter((op) => registerWritten(op) !== undefined);
  const pairs = writes.flatMap((w1) => writes.filter((w2) => w1.ret < w2.call).map((w2) => [w1, w2] as const));
  const pair = pairs[rng.int(pairs.length)];
  if (pair === undefined) return undefined;
  const [w1, w2] = pair;
  const stale = registerWritten(w1) as number;
  const victim = history.findIndex((op) => op.input.kind === 'read' && !isUnknown(op.output) && op.call > w2.ret);
  if (victim >= 0 && rng.next() < 0.5) return history.map((op, i) => (i === victim ? { ...op, output: stale } : op));
  const t = lastTime(history) + 1;
  return [...history, { clientId: 99, input: { kind: 'read' }, output: stale, call: t, ret: t + 1 }];
}

/** Completed writes that took effect, per key, with the index a read saw for them (if any). */
function kvWrites(history: KvOperation[]): { op: KvOperation; key: string; value: string; writeIndex: number | undefined }[] {
  return learnWriteIndexes(history).flatMap((op) => {
    if (isUnknown(op.output) || (op.input.kind !== 'put' && op.input.kind !== 'cas') || op.output !== true) return [];
    return [{ op, key: op.input.key, value: op.input.value, writeIndex: op.input.writeIndex }];
  });
}

function overwrittenPairs(history: KvOperation[]): [ReturnType<typeof kvWrites>[number], ReturnType<typeof kvWrites>[number]][] {
  const writes = kvWrites(history);
  return writes.flatMap((w1) => writes.filter((w2) => w2.key === w1.key && w1.op.ret < w2.op.call).map((w2) => [w1, w2] as [typeof w1, typeof w2]));
}

describe('generated linearizable histories are accepted', () => {
  it('cas-register: 5 clients x 20 operations, 5% indeterminate', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const result = checkHistory(casRegisterModel, randomRegisterHistory(new SeededRng(seed), SMALL));
        expect(result.ok).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('Consul KV: 5 clients x 20 operations over 3 keys, with CAS on read indexes, 5% indeterminate', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const result = checkKvHistory(randomKvHistory(new SeededRng(seed), SMALL));
        expect(result.ok).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('injected violations are rejected', () => {
  it('cas-register: a stale read after a completed overwrite', () => {
    let injected = 0;
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new SeededRng(seed);
        const history = injectStaleRegisterRead(randomRegisterHistory(rng, SMALL), rng);
        fc.pre(history !== undefined);
        injected++;
        expect(checkHistory(casRegisterModel, history).ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
    expect(injected).toBeGreaterThanOrEqual(RUNS * 0.9);
  });

  it('Consul KV: a stale get after a completed overwrite, reported on its key', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new SeededRng(seed);
        const history = randomKvHistory(rng, SMALL);
        const pair = overwrittenPairs(history)[0];
        fc.pre(pair !== undefined);
        const [w1] = pair;
        const t = lastTime(history) + 1;
        const stale: KvOperation = { clientId: 99, input: { kind: 'get', key: w1.key }, output: { value: w1.value, modifyIndex: w1.writeIndex ?? 1 }, call: t, ret: t + 1 };
        const result = checkKvHistory([...history, stale]);
        expect(result.ok).toBe(false);
        expect(result.ok === false && result.partition).toBe(w1.key);
      }),
      { numRuns: RUNS },
    );
  });

  it('Consul KV: a CAS that succeeded against the index of an overwritten write', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new SeededRng(seed);
        const history = randomKvHistory(rng, SMALL);
        const pair = overwrittenPairs(history).find(([w1]) => w1.writeIndex !== undefined);
        fc.pre(pair !== undefined);
        const [w1] = pair;
        const t = lastTime(history) + 1;
        const bad: KvOperation = { clientId: 99, input: { kind: 'cas', key: w1.key, index: w1.writeIndex as number, value: 'injected' }, output: true, call: t, ret: t + 1 };
        const result = checkKvHistory([...history, bad]);
        expect(result.ok).toBe(false);
        expect(result.ok === false && result.failure.stuck.op).toEqual(bad);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('size', () => {
  // 1 key x 1,000 operations over 10 clients. Step budgets instead of timed assertions (times
  // are in the README); the second history has indeterminate operations that take effect long
  // after their client gave up, or never.
  const opts = (unknownRate: number): RandomHistoryOptions => ({ clients: 10, opsPerClient: 100, keys: 1, unknownRate, durationMax: 10, gapMax: 3 });

  it.each([0, 0.02])('accepts a 1,000-operation single-key KV history (%f indeterminate)', (unknownRate) => {
    const history = randomKvHistory(new SeededRng(1), opts(unknownRate));
    expect(history).toHaveLength(1000);
    expect(checkKvHistory(history, { stepsMax: unknownRate === 0 ? 500_000 : 5_000_000 }).ok).toBe(true);
  });

  it.each([0, 0.02])('accepts a 1,000-operation cas-register history (%f indeterminate)', (unknownRate) => {
    const history = randomRegisterHistory(new SeededRng(1), opts(unknownRate));
    expect(checkHistory(casRegisterModel, history, { stepsMax: unknownRate === 0 ? 500_000 : 5_000_000 }).ok).toBe(true);
  });

  it('rejects a 1,000-operation history with one stale read, and finds where', () => {
    const rng = new SeededRng(2);
    const history = injectStaleRegisterRead(randomRegisterHistory(rng, opts(0.02)), rng);
    expect(history).toBeDefined();
    const result = checkHistory(casRegisterModel, history ?? []);
    expect(result.ok).toBe(false);
  });
});
