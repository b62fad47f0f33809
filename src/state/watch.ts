/**
 * Watch channels and watch sets, the mechanism behind blocking queries (go-memdb's watch.go).
 *
 * A WatchChannel fires once, when something it guards changes; the store then forgets it and
 * the next reader gets a fresh one. A WatchSet collects the channels a query read through and
 * calls back once when the first of them fires. Everything here is synchronous: the caller
 * (the blocking-query loop) owns timers.
 */
import { limits } from '../lib/index.js';

export class WatchChannel {
  private waiters: Set<() => void> | null = new Set();

  /** `onIdle` runs when the last waiter leaves without the channel having fired. */
  constructor(private readonly onIdle?: () => void) {}

  get fired(): boolean {
    return this.waiters === null;
  }

  /** Registers `cb`; returns a function that unregisters it. Fires at once if already fired. */
  onFire(cb: () => void): () => void {
    if (this.waiters === null) {
      cb();
      return () => {};
    }
    const waiters = this.waiters;
    waiters.add(cb);
    return () => {
      if (waiters.delete(cb) && waiters.size === 0 && this.waiters !== null) this.onIdle?.();
    };
  }

  /** Lets the owner forget this channel if nobody waits on it (a query that did not block). */
  releaseIfIdle(): void {
    if (this.waiters !== null && this.waiters.size === 0) this.onIdle?.();
  }

  fire(): void {
    const waiters = this.waiters;
    if (waiters === null) return;
    this.waiters = null;
    for (const cb of waiters) cb();
  }
}

export class WatchSet {
  private readonly channels = new Set<WatchChannel>();
  /** True once a query wanted more channels than the soft limit and watched coarsely instead. */
  degraded = false;

  get size(): number {
    return this.channels.size;
  }

  add(ch: WatchChannel | undefined): void {
    if (ch) this.channels.add(ch);
  }

  /** Adds `ch` while under `softLimit` channels; past it, adds the coarser `fallback` instead. */
  addWithLimit(ch: () => WatchChannel, fallback: () => WatchChannel, softLimit = limits.watchSetSoftLimit): void {
    if (this.channels.size < softLimit) {
      this.channels.add(ch());
    } else {
      this.degraded = true;
      this.channels.add(fallback());
    }
  }

  /** Called by a query that returns without waiting, so unwatched channels can be dropped. */
  release(): void {
    for (const ch of this.channels) ch.releaseIfIdle();
  }

  /** Calls `cb` once, when the first channel fires. Returns a cancel function. */
  watch(cb: () => void): () => void {
    let done = false;
    const cancels: Array<() => void> = [];
    const cancelAll = (): void => {
      for (const c of cancels) c();
      cancels.length = 0;
    };
    for (const ch of this.channels) {
      cancels.push(
        ch.onFire(() => {
          if (done) return;
          done = true;
          cancelAll();
          cb();
        }),
      );
      if (done) break;
    }
    if (done) cancelAll();
    return () => {
      done = true;
      cancelAll();
    };
  }
}
