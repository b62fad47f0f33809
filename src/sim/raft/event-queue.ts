/**
 * Simulated time: a binary heap of events ordered by (time, insertion order), so two events at
 * one instant run in the order they were scheduled and a seed replays exactly. Times are
 * simulated milliseconds (fractions allowed); nothing reads a real clock. Pure.
 */
import { assert } from '../../lib/index.js';

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private heap: Event[] = [];
  private seq = 0;
  private time = 0;
  /** Events run so far (a cost measure for the runner's statistics). */
  executed = 0;

  get now(): number {
    return this.time;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs `run` after `delayMs` (>= 0) of simulated time. */
  after(delayMs: number, run: () => void): void {
    if (!(delayMs >= 0 && delayMs < Infinity)) assert(false, `event queue: bad delay ${delayMs}`);
    this.push({ at: this.time + delayMs, seq: this.seq++, run });
  }

  /** Runs events in order until the queue is empty, `until` is reached or `stop()` says so. */
  runUntil(until: number, stop: () => boolean = () => false): void {
    while (this.heap.length > 0 && !stop()) {
      const top = this.heap[0] as Event;
      if (top.at > until) break;
      this.pop();
      this.time = top.at;
      this.executed++;
      top.run();
    }
    if (!stop() && this.time < until) this.time = until;
  }

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, h[parent] as Event)) break;
      h[i] = h[parent] as Event;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Event;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r] as Event, h[l] as Event) ? r : l;
      if (!before(h[c] as Event, last)) break;
      h[i] = h[c] as Event;
      i = c;
    }
    h[i] = last;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
