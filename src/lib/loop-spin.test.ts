import { describe, expect, it } from 'vitest';
import { LoopSpin } from './loop-spin.js';

/** A loop whose turns run when the test says, on a clock the test moves. */
function fakeLoop(): { now: number; queue: Array<() => void>; runTurn(advanceMs: number): void } {
  const loop = {
    now: 0,
    queue: [] as Array<() => void>,
    runTurn(advanceMs: number): void {
      loop.now += advanceMs;
      const fns = loop.queue.splice(0);
      for (const fn of fns) fn();
    },
  };
  return loop;
}

describe('LoopSpin', () => {
  it('keeps the loop turning until spinMs after the last kick, then lets it sleep', () => {
    const loop = fakeLoop();
    const spin = new LoopSpin(0.05, () => loop.now, (fn) => loop.queue.push(fn));
    spin.kick();
    expect(loop.queue).toHaveLength(1);
    loop.runTurn(0.02);
    expect(loop.queue).toHaveLength(1); // 20 µs in: still polling
    loop.runTurn(0.02);
    spin.kick(); // a second reply at 40 µs moves the deadline to 90 µs, without a second chain
    expect(loop.queue).toHaveLength(1);
    loop.runTurn(0.04);
    expect(loop.queue).toHaveLength(1); // 80 µs
    loop.runTurn(0.02);
    expect(loop.queue).toHaveLength(0); // 100 µs: past the deadline, nothing scheduled
    expect(spin.active).toBe(false);
    spin.kick(); // the next burst starts a new chain
    expect(spin.active).toBe(true);
    expect(loop.queue).toHaveLength(1);
  });

  it('never schedules anything when turned off (spinMs 0)', () => {
    const loop = fakeLoop();
    const spin = new LoopSpin(0, () => loop.now, (fn) => loop.queue.push(fn));
    spin.kick();
    expect(loop.queue).toHaveLength(0);
    expect(spin.active).toBe(false);
  });
});
