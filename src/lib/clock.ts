/**
 * Time as an injected capability. Pure modules never read time themselves; the composition
 * root passes a SystemClock, tests and the simulator pass a ManualClock.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock time in milliseconds since the Unix epoch (for display and log lines). */
  nowMs(): number;
  /** Monotonic milliseconds, for measuring intervals. Never goes backwards. */
  monotonicMs(): number;
  /** Runs `fn` once after `delayMs` unless cancelled. */
  setTimer(delayMs: number, fn: () => void): Timer;
}

/** A clock whose time moves only when the test says so. Timers fire in time order. */
export class ManualClock implements Clock {
  private timeMs: number;
  private seq = 0;
  private readonly timers = new Map<number, { atMs: number; fn: () => void }>();

  constructor(startMs = 0) {
    this.timeMs = startMs;
  }
  nowMs(): number {
    return this.timeMs;
  }
  monotonicMs(): number {
    return this.timeMs;
  }
  setTimer(delayMs: number, fn: () => void): Timer {
    const id = ++this.seq;
    this.timers.set(id, { atMs: this.timeMs + Math.max(0, delayMs), fn });
    return { cancel: () => void this.timers.delete(id) };
  }
  pendingTimers(): number {
    return this.timers.size;
  }
  /** Advances time by `ms`, firing every timer due on the way, in order of due time. */
  advance(ms: number): void {
    const target = this.timeMs + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) {
        if (t.atMs <= target && (t.atMs < nextAt || (t.atMs === nextAt && id < nextId))) {
          nextAt = t.atMs;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.timeMs = Math.max(this.timeMs, timer.atMs);
      timer.fn();
    }
    this.timeMs = target;
  }
}
