import { describe, expect, it } from 'vitest';
import type { Client } from '../api/index.js';
import { CaptureLogger, ManualClock } from '../lib/index.js';
import type { GoValue } from './go-json.js';
import { parseWatch } from './params.js';
import { backoffMs, maxBackoffMs, WatchPlan } from './plan.js';
import type { BlockParam, Watcher } from './watchers.js';

type Step = { index: number; value: GoValue } | { error: string };

/** A watcher answering from a script; past its end it blocks until the plan stops. */
function scripted(steps: Step[]): { watcher: Watcher; calls: Array<BlockParam | null> } {
  const calls: Array<BlockParam | null> = [];
  const watcher: Watcher = (_client, last, signal) => {
    calls.push(last);
    const step = steps.shift();
    if (!step) return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('context canceled'))));
    if ('error' in step) return Promise.reject(new Error(step.error));
    return Promise.resolve({ param: { kind: 'index', index: BigInt(step.index) }, value: step.value });
  };
  return { watcher, calls };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never: ${what}`);
}

function makePlan(steps: Step[]) {
  const clock = new ManualClock();
  const log = new CaptureLogger();
  const { watcher, calls } = scripted(steps);
  const plan = new WatchPlan(parseWatch({ type: 'key', key: 'k' }), { clock, logger: log.logger }, watcher);
  const runs: Array<[bigint, GoValue]> = [];
  plan.handler = (index, value) => void runs.push([index, value]);
  const done = plan.run({} as Client);
  return { clock, log, plan, runs, calls, done };
}

describe('WatchPlan (plan.go)', () => {
  it('runs the handler at start and then once per real change, not per wake-up', async () => {
    const { plan, runs, calls, done } = makePlan([
      { index: 5, value: 'a' },
      { index: 5, value: 'a' }, // the blocking read timed out: same index
      { index: 7, value: 'a' }, // another key changed: new index, same result
      { index: 9, value: 'b' },
      { index: 9, value: 'b' },
    ]);
    await until('five reads', () => calls.length === 6);
    expect(runs).toEqual([
      [5n, 'a'],
      [9n, 'b'],
    ]);
    expect(calls).toEqual([null, ...[5, 5, 7, 9, 9].map((i) => ({ kind: 'index', index: BigInt(i) }))]);
    plan.stop();
    await done;
  });

  it('backs off 5 s × failures², at most 180 s, and after an error runs the handler again', async () => {
    expect([1, 2, 3, 5, 6, 7, 100].map(backoffMs)).toEqual([5_000, 20_000, 45_000, 125_000, 180_000, 180_000, maxBackoffMs]);
    const { clock, log, plan, runs, calls, done } = makePlan([{ index: 3, value: 'x' }, { error: 'boom' }, { error: 'boom' }, { index: 3, value: 'x' }]);
    await until('first error', () => calls.length === 2 && clock.pendingTimers() === 1);
    expect(log.records.at(-1)).toMatchObject({ level: 'error', module: 'watch', message: 'Watch errored', fields: { type: 'key', error: 'boom', retry: '5s' } });
    clock.advance(4_999);
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await until('second error', () => calls.length === 3 && clock.pendingTimers() === 1);
    expect(log.records.at(-1)!.fields['retry']).toBe('20s');
    clock.advance(20_000);
    await until('recovered', () => calls.length === 5);
    // The failed reads forgot the index: the next read does not block, and the unchanged result runs the handler.
    expect(calls[3]).toBeNull();
    expect(runs).toEqual([
      [3n, 'x'],
      [3n, 'x'],
    ]);
    plan.stop();
    await done;
  });

  it('stops during a back-off wait and during a blocking read', async () => {
    const a = makePlan([{ error: 'down' }]);
    await until('back-off', () => a.clock.pendingTimers() === 1);
    a.plan.stop();
    await a.done;
    expect(a.clock.pendingTimers()).toBe(0);
    const b = makePlan([{ index: 1, value: null }]);
    await until('blocking', () => b.calls.length === 2);
    b.plan.stop();
    await b.done;
    expect(b.runs).toEqual([[1n, null]]);
    expect(b.log.records.filter((r) => r.level === 'error')).toEqual([]);
  });
});
