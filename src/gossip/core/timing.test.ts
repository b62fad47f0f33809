import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/index.js';
import { Awareness } from './awareness.js';
import { lanTiming, pushPullIntervalMs, retransmitLimit, suspicionConfirmationsWanted, suspicionTimeoutMs, wanTiming } from './config.js';
import { Suspicion, remainingSuspicionMs } from './suspicion.js';

describe("memberlist's scaling with the pool size", () => {
  // RELIABILITY-NOTES §5.2, "Computed here".
  it.each([
    [3, 4_000, 24_000, 4, 30_000],
    [5, 4_000, 24_000, 4, 30_000],
    [10, 4_000, 24_000, 8, 30_000],
    [100, 8_000, 48_000, 12, 60_000],
    [1000, 12_000, 72_000, 16, 90_000],
    [10_000, 16_000, 96_000, 20, 120_000],
  ])('n = %i: LAN suspicion %i–%i ms, %i retransmits; WAN suspicion from %i ms', (n, min, max, retransmits, wanMin) => {
    const lanMin = suspicionTimeoutMs(lanTiming.suspicionMult, n, lanTiming.probeIntervalMs);
    expect(lanMin).toBe(min);
    expect(lanMin * lanTiming.suspicionMaxTimeoutMult).toBe(max);
    expect(retransmitLimit(lanTiming.retransmitMult, n)).toBe(retransmits);
    expect(suspicionTimeoutMs(wanTiming.suspicionMult, n, wanTiming.probeIntervalMs)).toBe(wanMin);
  });

  it('wants suspicionMult − 2 confirmations, none in a pool too small to give them', () => {
    expect(suspicionConfirmationsWanted(4, 10)).toBe(2);
    expect(suspicionConfirmationsWanted(4, 4)).toBe(2);
    expect(suspicionConfirmationsWanted(4, 3)).toBe(0);
  });

  it('runs push/pull less often above 32 members', () => {
    expect(pushPullIntervalMs(30_000, 32)).toBe(30_000);
    expect(pushPullIntervalMs(30_000, 33)).toBe(60_000);
    expect(pushPullIntervalMs(30_000, 64)).toBe(60_000);
    expect(pushPullIntervalMs(30_000, 1000)).toBe(180_000);
  });
});

describe('Lifeguard local health (awareness)', () => {
  it('scales timeouts by score + 1 and rails the score at 0 and max − 1', () => {
    const a = new Awareness(8);
    expect(a.scaleTimeoutMs(500)).toBe(500);
    expect(a.applyDelta(-1)).toBe(false);
    a.applyDelta(3);
    expect(a.scaleTimeoutMs(500)).toBe(2000);
    a.applyDelta(100);
    expect([a.score, a.scaleTimeoutMs(1000)]).toEqual([7, 8000]);
    expect(a.applyDelta(1)).toBe(false);
  });
});

describe('suspicion timers (Lifeguard local health aware suspicion)', () => {
  it('shrinks logarithmically with confirmations: 24 s, about 11.4 s, 4 s for n = 10', () => {
    expect(remainingSuspicionMs(0, 2, 0, 4000, 24_000)).toBe(24_000);
    expect(remainingSuspicionMs(1, 2, 0, 4000, 24_000)).toBe(11_381);
    expect(remainingSuspicionMs(2, 2, 0, 4000, 24_000)).toBe(4000);
    expect(remainingSuspicionMs(2, 2, 5000, 4000, 24_000)).toBe(-1000);
  });

  it('fires at max without confirmations, sooner with them, and counts each confirmer once', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const s = new Suspicion(clock, 'a', 2, 4000, 24_000, (n) => fired.push(n));
    clock.advance(1000);
    expect(s.confirm('a')).toBe(false); // the one who started it
    expect(s.confirm('b')).toBe(true);
    expect(s.confirm('b')).toBe(false);
    clock.advance(10_380);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([1]);
  });

  it('fires at once when a confirmation brings the deadline into the past, and not after cancel', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const s = new Suspicion(clock, 'a', 2, 4000, 24_000, (n) => fired.push(n));
    clock.advance(5000);
    s.confirm('b');
    s.confirm('c');
    clock.advance(0);
    expect(fired).toEqual([2]);
    const t = new Suspicion(clock, 'a', 0, 4000, 24_000, (n) => fired.push(n));
    t.cancel();
    clock.advance(30_000);
    expect(fired).toEqual([2]);
  });

  it('uses min from the start when no confirmations are wanted', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    new Suspicion(clock, 'a', 0, 4000, 24_000, (n) => fired.push(n));
    clock.advance(4000);
    expect(fired).toEqual([0]);
  });
});
