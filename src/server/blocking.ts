/**
 * The one blocking-query loop every read endpoint uses (Consul's agent/blockingquery).
 *
 * - `minIndex` 0: run once, return at once.
 * - Otherwise run the query with a fresh WatchSet (plus the store's abandon channel); return
 *   when the result's index is above `minIndex`; else wait for a watched channel to fire, the
 *   timeout (`wait`, capped at the maximum, plus up to wait/16 of jitter) or the caller's abort,
 *   and run it again. On timeout the current result is returned with its (unchanged) index.
 * - The index returned is never below 1 (clients treat 0 as "no index").
 *
 * A query function must register in the WatchSet every channel whose change could change its
 * result, and report an index that moves whenever its result changes. One that reads in slices
 * (awaiting turns of the loop) must read one version of the store throughout and register its
 * watches before the first slice: a write meanwhile then fires the set, so it is never missed.
 */
import type { Clock, Rng } from '../lib/index.js';
import { limits } from '../lib/index.js';
import { WatchSet, type Store } from '../state/index.js';

export interface BlockingOptions {
  minIndex: number;
  /** Requested wait in ms; 0 means the default. */
  waitMs: number;
}

export interface BlockingDeps {
  store: Store;
  clock: Clock;
  rng: Rng;
  queryWaitMsDefault?: number;
  queryWaitMsMax?: number;
  /**
   * Awaited by a woken query before it runs again: the agent lets pending I/O go first
   * (setImmediate), so the write that woke thousands of queries is answered before they are.
   * Without it a woken query re-runs in the same turn.
   */
  yieldAfterWake?: () => Promise<void>;
}

export interface QueryResult<T> {
  index: number;
  value: T;
}

/** A query runs in one piece, or in slices over one version of the store (a long prefix read). */
export type QueryFn<T> = (ws: WatchSet | undefined) => QueryResult<T> | Promise<QueryResult<T>>;

/** The timeout Consul applies: wait (default if 0, capped at max) plus jitter up to wait/16. */
export function effectiveWaitMs(deps: BlockingDeps, waitMs: number): number {
  const max = deps.queryWaitMsMax ?? limits.queryWaitMsMax;
  const def = deps.queryWaitMsDefault ?? limits.queryWaitMsDefault;
  const base = waitMs <= 0 ? def : Math.min(waitMs, max);
  return base + deps.rng.next() * (base / limits.queryJitterFraction);
}

export async function blockingQuery<T>(
  deps: BlockingDeps,
  opts: BlockingOptions,
  query: QueryFn<T>,
  signal?: AbortSignal,
): Promise<QueryResult<T>> {
  if (opts.minIndex <= 0) {
    const once = query(undefined);
    return atLeastOne(once instanceof Promise ? await once : once);
  }
  const timeoutMs = effectiveWaitMs(deps, opts.waitMs);
  let timedOut = false;
  const timer = deps.clock.setTimer(timeoutMs, () => {
    timedOut = true;
    wake?.();
  });
  let wake: (() => void) | undefined;
  const onAbort = (): void => wake?.();
  signal?.addEventListener('abort', onAbort);
  // A restore replaced the state while we waited: answer at once, whatever the new index (it may
  // have gone backwards; clients reset), as Consul's blockingQuery does on AbandonCh.
  let abandoned = false;
  try {
    for (;;) {
      const ws = new WatchSet();
      const abandonCh = deps.store.abandonChannel();
      ws.add(abandonCh);
      let result: QueryResult<T>;
      try {
        // Only a read in slices is awaited: the usual one-piece read costs no extra microtask.
        const r = query(ws);
        result = r instanceof Promise ? await r : r;
      } catch (err) {
        ws.release(); // a read in slices stopped (its caller gave up): drop what it watched
        throw err;
      }
      if (result.index > opts.minIndex || timedOut || abandoned || signal?.aborted) {
        ws.release();
        return atLeastOne(result);
      }
      await new Promise<void>((resolve) => {
        const cancel = ws.watch(() => {
          wake = undefined;
          resolve();
        });
        wake = () => {
          cancel();
          wake = undefined;
          resolve();
        };
      });
      abandoned = abandonCh.fired;
      if (deps.yieldAfterWake) await deps.yieldAfterWake();
    }
  } finally {
    timer.cancel();
    signal?.removeEventListener('abort', onAbort);
  }
}

function atLeastOne<T>(r: QueryResult<T>): QueryResult<T> {
  return r.index >= 1 ? r : { index: 1, value: r.value };
}
