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
  signal?: AbortSignal | undefined;
}

export async function withHold<T>(o: HoldOptions, attempt: () => Promise<T>): Promise<T> {
  const firstMs = o.clock.monotonicMs();
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!canRetry(err, o.isRead) || o.signal?.aborted || o.clock.monotonicMs() - firstMs >= o.holdTimeoutMs) throw err;
    }
    const pauseMs = o.rng.next() * (o.holdTimeoutMs / retryJitterFraction);
    await new Promise((resolve) => o.clock.setTimer(pauseMs, () => resolve(undefined)));
  }
}
