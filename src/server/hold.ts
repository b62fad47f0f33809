/**
 * Consul's RPC hold: a call that failed in a way that changed nothing (`canRetry`: never sent,
 * a read whose connection broke, "No cluster leader") is tried again after a random pause of up
 * to rpc_hold_timeout/16, until rpc_hold_timeout has passed since the first try. Client agents
 * use it towards the servers (Client.RPC), servers towards the leader (Server.forward).
 */
import type { Clock, Rng } from '../lib/index.js';
import { canRetry } from '../rpc/index.js';

export const rpcHoldTimeoutMsDefault = 7_000;
/** Consul's jitterFraction: the pause between retries is up to holdTimeout/16. */
const retryJitterFraction = 16;

export interface HoldOptions {
  clock: Clock;
  rng: Rng;
  holdTimeoutMs: number;
  /** The call changed nothing even if its connection broke after sending. */
  isRead: boolean;
  /** The caller gave up (a closed HTTP request). */
  signal?: AbortSignal | undefined;
  /** The agent is shutting down: no more tries, and no timer left behind to keep the process up. */
  stop?: AbortSignal | undefined;
}

export async function withHold<T>(o: HoldOptions, attempt: () => Promise<T>): Promise<T> {
  const firstMs = o.clock.monotonicMs();
  const ended = (): boolean => o.signal?.aborted === true || o.stop?.aborted === true;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!canRetry(err, o.isRead) || ended() || o.clock.monotonicMs() - firstMs >= o.holdTimeoutMs) throw err;
      await pause(o, o.rng.next() * (o.holdTimeoutMs / retryJitterFraction));
      if (ended()) throw err;
    }
  }
}

/** Waits `ms`, or less if either signal aborts meanwhile. */
function pause(o: HoldOptions, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const signals = [o.signal, o.stop].filter((s): s is AbortSignal => s !== undefined);
    const done = (): void => {
      timer.cancel();
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = o.clock.setTimer(ms, done);
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });
}
