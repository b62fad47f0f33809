import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../lib/rng.js';
import { HistoryRecorder, normalizeHistory, operationsFromEvents, UNKNOWN, type Operation } from './history.js';
import { casRegisterModel, type RegisterInput, type RegisterOutput } from './models.js';
import { randomRegisterHistory } from './random-history.js';
import { checkHistory, partitionHistory } from './wgl.js';

type RegOp = Operation<RegisterInput, RegisterOutput>;

const write = (clientId: number, value: number, call: number, ret: number): RegOp => ({ clientId, input: { kind: 'write', value }, output: true, call, ret });
const read = (clientId: number, value: number | null, call: number, ret: number): RegOp => ({ clientId, input: { kind: 'read' }, output: value, call, ret });
const cas = (clientId: number, from: number, to: number, ok: boolean, call: number, ret: number): RegOp => ({ clientId, input: { kind: 'cas', from, to }, output: ok, call, ret });

describe('WGL on a register (porcupine TestRegisterModel, 6.824 quiz 2017 §VII)', () => {
  it('accepts reads that overlap a write and see either side of it', () => {
    const ops = [write(0, 100, 0, 100), read(1, 100, 25, 75), read(2, null, 30, 60)];
    expect(checkHistory(casRegisterModel, ops).ok).toBe(true);
  });

  it('rejects a read of the old value after another read saw the new one, and says why', () => {
    const ops = [write(0, 200, 0, 100), read(1, 200, 10, 30), read(2, null, 40, 90)];
    const result = checkHistory(casRegisterModel, ops);
    expect(result.ok).toBe(false);
    if (result.ok !== false) return;
    expect(result.partition).toBe('');
    expect(result.longestPrefix.map((op) => op.input.kind)).toEqual(['write', 'read']);
    expect(result.failure.stateAfterPrefix).toBe('200');
    expect(result.failure.stuck.index).toBe(2);
    expect(result.description).toContain('not linearizable: the history (model cas-register, 3 operations)');
    expect(result.description).toContain('#2 client 2 [40 .. 90] read() -> null');
    expect(result.description).toContain('state after it: 200');
  });

  it('treats operations that touch at one instant as concurrent (porcupine TestZeroDuration)', () => {
    const ok = [write(0, 100, 0, 100), read(1, 100, 25, 75), read(2, null, 30, 30), read(3, null, 30, 30)];
    expect(checkHistory(casRegisterModel, ok).ok).toBe(true);
    const bad = [write(0, 200, 0, 100), read(1, 200, 10, 10), read(2, 200, 10, 10), read(3, null, 40, 90)];
    expect(checkHistory(casRegisterModel, bad).ok).toBe(false);
    expect(checkHistory(casRegisterModel, [write(0, 1, 5, 5), read(1, 1, 5, 5)]).ok).toBe(true);
  });

  it('rejects a read that sees a write invoked after the read returned', () => {
    expect(checkHistory(casRegisterModel, [read(0, 7, 0, 1), write(1, 7, 2, 3)]).ok).toBe(false);
  });

  it('checks cas outcomes against the value', () => {
    expect(checkHistory(casRegisterModel, [write(0, 1, 0, 1), cas(1, 1, 2, true, 2, 3), read(0, 2, 4, 5)]).ok).toBe(true);
    expect(checkHistory(casRegisterModel, [write(0, 1, 0, 1), cas(1, 3, 2, true, 2, 3)]).ok).toBe(false);
    expect(checkHistory(casRegisterModel, [write(0, 1, 0, 1), cas(1, 1, 2, false, 2, 3)]).ok).toBe(false);
  });
});

describe('indeterminate operations', () => {
  it('lets a timed-out write take effect after the client gave up, or never', () => {
    const lost: RegOp = { clientId: 0, input: { kind: 'write', value: 1 }, output: UNKNOWN, call: 0, ret: 2 };
    expect(checkHistory(casRegisterModel, [lost, read(1, null, 5, 6), read(1, 1, 10, 11)]).ok).toBe(true);
    expect(checkHistory(casRegisterModel, [lost, read(1, null, 5, 6), read(1, null, 10, 11)]).ok).toBe(true);
    // but it cannot take effect before it was invoked
    const late: RegOp = { ...lost, call: 20, ret: Infinity };
    expect(checkHistory(casRegisterModel, [read(1, 1, 5, 6), late]).ok).toBe(false);
  });

  it('gives every indeterminate operation ret = +Infinity and rejects returns before calls', () => {
    const [op] = normalizeHistory<RegisterInput, RegisterOutput>([{ clientId: 0, input: { kind: 'read' }, output: UNKNOWN, call: 3, ret: 4 }]);
    expect(op?.ret).toBe(Infinity);
    expect(() => normalizeHistory([read(0, 1, 5, 4)])).toThrow(/returns \(4\) before its call \(5\)/);
  });

  it('drops indeterminate reads: a hundred of them cost nothing', () => {
    const reads = Array.from({ length: 100 }, (_, i): RegOp => ({ clientId: i, input: { kind: 'read' }, output: UNKNOWN, call: i, ret: Infinity }));
    const parts = partitionHistory(casRegisterModel, reads);
    expect(parts.size).toBe(0);
    const result = checkHistory(casRegisterModel, [...reads, write(200, 1, 0, 1000), read(201, 1, 1001, 1002)]);
    expect(result).toMatchObject({ ok: true, steps: 2 });
  });
});

describe('budgets', () => {
  const history = randomRegisterHistory(new SeededRng(7), { clients: 8, opsPerClient: 40, keys: 1, unknownRate: 0.1, durationMax: 20, gapMax: 2 });

  it('answers unknown, never a verdict, when the step budget runs out', () => {
    expect(checkHistory(casRegisterModel, history).ok).toBe(true);
    const result = checkHistory(casRegisterModel, history, { stepsMax: 10 });
    expect(result).toEqual({ ok: 'unknown', partitions: [''], steps: 11 });
  });

  it('answers unknown when the memo cache outgrows its byte budget', () => {
    const result = checkHistory(casRegisterModel, history, { cacheBytesMax: 1 });
    expect(result.ok).toBe('unknown');
  });
});

describe('history helpers', () => {
  it('records calls, answers and timeouts; open calls are indeterminate', () => {
    const rec = new HistoryRecorder<RegisterInput, RegisterOutput>();
    const a = rec.invoke(0, { kind: 'write', value: 1 }, 10);
    const b = rec.invoke(1, { kind: 'read' }, 11);
    rec.invoke(2, { kind: 'write', value: 2 }, 12);
    rec.complete(b, 1, 13);
    rec.timeout(a);
    expect(rec.operations()).toEqual([
      { clientId: 0, input: { kind: 'write', value: 1 }, output: UNKNOWN, call: 10, ret: Infinity },
      { clientId: 1, input: { kind: 'read' }, output: 1, call: 11, ret: 13 },
      { clientId: 2, input: { kind: 'write', value: 2 }, output: UNKNOWN, call: 12, ret: Infinity },
    ]);
    expect(() => rec.invoke(3, { kind: 'read' }, 5)).toThrow(/time went backwards/);
    expect(() => rec.complete(b, 1, 20)).toThrow(/not open/);
  });

  it('turns porcupine-style events into operations timed by position', () => {
    const ops = operationsFromEvents<RegisterInput, RegisterOutput>([
      { kind: 'call', id: 0, clientId: 0, input: { kind: 'write', value: 5 } },
      { kind: 'call', id: 1, clientId: 1, input: { kind: 'read' } },
      { kind: 'return', id: 1, output: 5 },
    ]);
    expect(ops).toEqual([
      { clientId: 0, input: { kind: 'write', value: 5 }, output: UNKNOWN, call: 0, ret: Infinity },
      { clientId: 1, input: { kind: 'read' }, output: 5, call: 1, ret: 2 },
    ]);
    expect(checkHistory(casRegisterModel, ops).ok).toBe(true);
  });
});
