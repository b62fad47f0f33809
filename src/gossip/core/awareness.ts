/**
 * Lifeguard's local health multiplier (memberlist awareness.go; Dadgar et al., arXiv:1707.00788
 * §4.1): a score that rises when this member fails to probe others in time, misses nacks or has
 * to refute a suspicion of itself, and falls with each successful probe. Probe intervals and
 * timeouts are scaled by score + 1, so a member that is itself slow (CPU-starved, paused) waits
 * longer before it blames others, which is what cuts false positives.
 */
export class Awareness {
  private current = 0;

  /** `max` is AwarenessMaxMultiplier: the score stays in [0, max − 1]. */
  constructor(private readonly max: number) {}

  get score(): number {
    return this.current;
  }

  /** Adds `delta`, railed at 0 and max − 1; returns whether the score changed. */
  applyDelta(delta: number): boolean {
    const before = this.current;
    this.current = Math.min(this.max - 1, Math.max(0, this.current + delta));
    return this.current !== before;
  }

  scaleTimeoutMs(timeoutMs: number): number {
    return timeoutMs * (this.current + 1);
  }
}
