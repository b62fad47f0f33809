/**
 * Lock delay (Consul's state/delay.go): when a session is invalidated, the keys it held cannot
 * be acquired for the session's LockDelay, so a process that lost its lock has time to notice
 * before another takes it. Local to each server and not replicated, as in Consul; expiry is
 * lazy (no timers), read against the injected clock.
 */
import type { Clock } from '../lib/index.js';

export class LockDelay {
  private readonly untilMs = new Map<string, number>();

  constructor(private readonly clock?: Clock) {}

  set(key: string, delayMs: number): void {
    if (!this.clock || delayMs <= 0) return;
    this.untilMs.set(key, this.clock.monotonicMs() + delayMs);
  }

  /** Milliseconds until `key` may be acquired again; 0 when it may be now. */
  remainingMs(key: string): number {
    const until = this.untilMs.get(key);
    if (until === undefined || !this.clock) return 0;
    const left = until - this.clock.monotonicMs();
    if (left > 0) return left;
    this.untilMs.delete(key);
    return 0;
  }
}
