import { describe, expect, it } from 'vitest';
import { ManualClock, MusterError, SeededRng } from '../lib/index.js';
import { withHold } from './hold.js';

const noLeader = (): never => {
  throw new MusterError('ERR_NO_LEADER', 'No cluster leader');
};

/** Lets promise callbacks run (the hold's attempts are async). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('withHold', () => {
  it('tries again while there is no leader, until the hold timeout, then gives the last error', async () => {
    const clock = new ManualClock(0);
    let tries = 0;
    let outcome: unknown;
    void withHold({ clock, rng: new SeededRng(1), holdTimeoutMs: 7_000, isRead: false }, async () => {
      tries++;
      noLeader();
    }).catch((err: unknown) => (outcome = err));
    for (let ms = 0; ms < 8_000 && outcome === undefined; ms += 50) {
      await settle();
      clock.advance(50);
    }
    await settle();
    expect(tries).toBeGreaterThan(10);
    expect((outcome as Error).message).toBe('No cluster leader');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('answers at once when there is a leader again', async () => {
    const clock = new ManualClock(0);
    let tries = 0;
    const answer = withHold({ clock, rng: new SeededRng(1), holdTimeoutMs: 7_000, isRead: false }, async () => (++tries < 3 ? noLeader() : 'ok'));
    for (let i = 0; i < 5; i++) {
      await settle();
      clock.advance(500);
    }
    await expect(answer).resolves.toBe('ok');
    expect(tries).toBe(3);
  });

  it('gives up as soon as the agent stops, leaving no timer behind to keep the process up', async () => {
    const clock = new ManualClock(0);
    const stop = new AbortController();
    let tries = 0;
    let outcome: unknown;
    void withHold({ clock, rng: new SeededRng(1), holdTimeoutMs: 7_000, isRead: false, stop: stop.signal }, async () => {
      tries++;
      noLeader();
    }).catch((err: unknown) => (outcome = err));
    await settle();
    expect(tries).toBe(1);
    expect(clock.pendingTimers()).toBe(1); // the pause before the next try
    stop.abort();
    await settle();
    expect((outcome as Error).message).toBe('No cluster leader');
    expect(clock.pendingTimers()).toBe(0);
    expect(tries).toBe(1);
  });

  it('does not try again when the error changed something or is final', async () => {
    const clock = new ManualClock(0);
    let tries = 0;
    await expect(
      withHold({ clock, rng: new SeededRng(1), holdTimeoutMs: 7_000, isRead: false }, async () => {
        tries++;
        throw new MusterError('ERR_BAD_REQUEST', 'Invalid key');
      }),
    ).rejects.toThrow('Invalid key');
    expect(tries).toBe(1);
  });
});
