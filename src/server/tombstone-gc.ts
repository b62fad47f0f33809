/**
 * When tombstones may be reaped (Consul's state.TombstoneGC): every delete hints its index; a
 * hint expires `ttlMs` later, rounded up to `granularityMs` buckets so reaps are batched. The
 * leader then writes one `tombstone-reap` command with the highest expired index. Until then a
 * prefix's index cannot go backwards; after it, it may (clients reset, as Consul documents).
 * Pure: the caller passes the time and owns the timer.
 */
import { assert } from '../lib/index.js';

export const tombstoneTtlMs = 15 * 60_000;
export const tombstoneGranularityMs = 30_000;

export class TombstoneGC {
  /** Expiry bucket (ms) → highest index hinted into it. */
  private readonly buckets = new Map<number, number>();

  constructor(
    readonly ttlMs = tombstoneTtlMs,
    readonly granularityMs = tombstoneGranularityMs,
  ) {
    assert(ttlMs > 0 && granularityMs > 0, 'tombstone TTL and granularity must be positive');
  }

  hint(index: number, nowMs: number): void {
    const expiry = Math.ceil((nowMs + this.ttlMs) / this.granularityMs) * this.granularityMs;
    this.buckets.set(expiry, Math.max(index, this.buckets.get(expiry) ?? 0));
  }

  /** The highest index whose tombstones may go now, or undefined; forgets those buckets. */
  expire(nowMs: number): number | undefined {
    let max: number | undefined;
    for (const [expiry, index] of this.buckets) {
      if (expiry > nowMs) continue;
      this.buckets.delete(expiry);
      max = Math.max(max ?? 0, index);
    }
    return max;
  }

  /** When the next bucket expires (ms), or undefined if nothing is pending. */
  nextExpiryMs(): number | undefined {
    let next: number | undefined;
    for (const expiry of this.buckets.keys()) next = next === undefined ? expiry : Math.min(next, expiry);
    return next;
  }
}
