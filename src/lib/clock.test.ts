import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';

describe('ManualClock', () => {
  it('fires due timers in time order, ties in the order they were set, at their own time', () => {
    const c = new ManualClock(100);
    const fired: string[] = [];
    c.setTimer(50, () => fired.push(`b@${c.nowMs()}`));
    c.setTimer(10, () => fired.push(`a@${c.nowMs()}`));
    c.setTimer(50, () => fired.push(`c@${c.nowMs()}`));
    c.setTimer(500, () => fired.push('late'));
    c.advance(60);
    expect(fired).toEqual(['a@110', 'b@150', 'c@150']);
    expect([c.nowMs(), c.pendingTimers()]).toEqual([160, 1]);
  });

  it('fires timers set while firing when they fall due within the same advance; cancelled ones never', () => {
    const c = new ManualClock(0);
    const fired: number[] = [];
    const t = c.setTimer(5, () => fired.push(-1));
    c.setTimer(1, () => c.setTimer(2, () => fired.push(c.nowMs())));
    t.cancel();
    t.cancel();
    c.advance(10);
    expect(fired).toEqual([3]);
    expect(c.pendingTimers()).toBe(0);
  });

  it('matches a sorted list for any timers and cancels', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ delay: fc.integer({ min: 0, max: 100 }), cancel: fc.boolean() }), { maxLength: 60 }), (specs) => {
        const c = new ManualClock(0);
        const fired: number[] = [];
        specs.forEach((s, i) => {
          const t = c.setTimer(s.delay, () => fired.push(i));
          if (s.cancel) t.cancel();
        });
        c.advance(100);
        const want = specs.map((s, i) => ({ s, i })).filter(({ s }) => !s.cancel).sort((a, b) => a.s.delay - b.s.delay || a.i - b.i).map(({ i }) => i);
        expect(fired).toEqual(want);
      }),
    );
  });
});
