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

interface ManualTimer {
  atMs: number;
  id: number;
  fn: () => void;
  live: boolean;
}

/**
 * A clock whose time moves only when the test says so. Timers fire in order of due time, ties
 * in the order they were set. A binary heap keeps them, so a simulated pool of a thousand
 * members with their probe and gossip timers runs in n log n, not n².
 */
export class ManualClock implements Clock {
  private timeMs: number;
  private seq = 0;
  private live = 0;
  private readonly heap: ManualTimer[] = [];

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
    const t: ManualTimer = { atMs: this.timeMs + Math.max(0, delayMs), id: ++this.seq, fn, live: true };
    this.push(t);
    this.live++;
    return {
      cancel: () => {
        if (!t.live) return;
        t.live = false;
        this.live--;
      },
    };
  }
  pendingTimers(): number {
    return this.live;
  }
  /** Advances time by `ms`, firing every timer due on the way, in order of due time. */
  advance(ms: number): void {
    const target = this.timeMs + ms;
    while (this.heap.length > 0 && this.heap[0]!.atMs <= target) {
      const t = this.pop();
      if (!t.live) continue;
      t.live = false;
      this.live--;
      this.timeMs = Math.max(this.timeMs, t.atMs);
      t.fn();
    }
    this.timeMs = target;
  }

  private before(a: ManualTimer, b: ManualTimer): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.id < b.id);
  }
  private push(t: ManualTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }
  private pop(): ManualTimer {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
