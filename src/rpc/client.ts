/**
 * The connection pool (Consul's pool.ConnPool): one connection per server address, dialed on
 * the first call, shared by every call to that server (plus one for calls on the bulk lane,
 * whose replies may be long lists: see CallOptions.lane), closed after `idleMs` without calls,
 * and forgotten as soon as it ends, so the next call dials afresh (a restarted server is
 * reached again without any retry logic here). Choosing a server and failing over belong to
 * the caller, helped by RpcError's `kind` and `sent` and by `canRetry`.
 */
import { assert, type Logger } from '../lib/index.js';
import { RpcConnection, type ConnectionOptions } from './connection.js';
import { RpcError } from './errors.js';
import {
  callsInFlightMax,
  callsWaitingMax,
  callTimeoutMsMax,
  dialTimeoutMsDefault,
  idleMsDefault,
  keepaliveIntervalMsDefault,
  keepaliveTimeoutMsDefault,
} from './limits.js';
import { dialErrorText, parseAddress } from './net-errors.js';

/** The connection a call goes on: a server's usual one, or its second, for long lists (CallOptions.lane). */
export type RpcLane = 'bulk';

/** The pool's key of `address`'s connection on `lane` (`#` is in no address). */
const poolKey = (address: string, lane: RpcLane | undefined): string => (lane === 'bulk' ? `${address}#bulk` : address);

export interface RpcClientOptions {
  logger: Logger;
  dialTimeoutMs?: number;
  /** Dial from this address (a server's bind address, as Consul's RPCSrcAddr). */
  localAddress?: string | undefined;
  idleMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  callsInFlightMax?: number;
  callsWaitingMax?: number;
  /** Told after calls are written (the agent's LoopSpin keeps the loop awake for the reply). */
  afterWrite?: (() => void) | undefined;
}

export interface CallOptions {
  /** The whole call, dial and queueing included: a blocking query passes its wait + jitter + slack. */
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * 'bulk': a call whose reply may be a long list goes on a second connection to the same
   * server. One TCP stream has no per-call window (yamux's, in Consul), so the megabytes of
   * list parts in the socket buffers would otherwise hold up the replies of every other call.
   */
  lane?: RpcLane | undefined;
}

export interface RpcClientStats {
  connections: number;
  inFlight: number;
  waiting: number;
  dials: number;
}

export class RpcClient {
  private readonly conns = new Map<string, RpcConnection>();
  /** Ended connections whose sockets may still be closing (for close() to wait on). */
  private readonly ending = new Set<Promise<void>>();
  private readonly connOpts: ConnectionOptions;
  private dials = 0;
  private closed = false;

  constructor(opts: RpcClientOptions) {
    this.connOpts = {
      logger: opts.logger,
      dialTimeoutMs: opts.dialTimeoutMs ?? dialTimeoutMsDefault,
      localAddress: opts.localAddress,
      idleMs: opts.idleMs ?? idleMsDefault,
      keepaliveIntervalMs: opts.keepaliveIntervalMs ?? keepaliveIntervalMsDefault,
      keepaliveTimeoutMs: opts.keepaliveTimeoutMs ?? keepaliveTimeoutMsDefault,
      callsInFlightMax: opts.callsInFlightMax ?? callsInFlightMax,
      callsWaitingMax: opts.callsWaitingMax ?? callsWaitingMax,
      afterWrite: opts.afterWrite,
    };
  }

  /**
   * Calls `method` on the server at `address` (`host:port`). Resolves with the reply body;
   * rejects with the handler's MusterError (same code and text), or an RpcError.
   */
  call<T = unknown>(address: string, method: string, body: unknown, opts: CallOptions): Promise<T> {
    const { timeoutMs, signal } = opts;
    assert(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= callTimeoutMsMax, `RPC timeout out of range: ${timeoutMs}`);
    if (this.closed) return Promise.reject(new RpcError('shutdown', address, false, 'rpc error getting client: failed to get conn: rpc error: shutdown'));
    const key = poolKey(address, opts.lane);
    const conn = this.conns.get(key) ?? this.dial(address, key);
    if (conn instanceof RpcError) return Promise.reject(conn);
    return conn.call(method, body, timeoutMs, signal) as Promise<T>;
  }

  /** Whether a connection to `address` is pooled (dialing or open), on the default lane or the bulk one. */
  has(address: string, lane?: RpcLane): boolean {
    return this.conns.has(poolKey(address, lane));
  }

  stats(): RpcClientStats {
    let inFlight = 0;
    let waiting = 0;
    for (const c of this.conns.values()) {
      const s = c.stats();
      inFlight += s.inFlight;
      waiting += s.waiting;
    }
    return { connections: this.conns.size, inFlight, waiting, dials: this.dials };
  }

  /** Fails every call (`shutdown`), closes every connection, and waits for the sockets. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of [...this.conns.values()]) void c.shutdown();
    await Promise.all(this.ending);
  }

  private dial(address: string, key: string): RpcConnection | RpcError {
    const hp = parseAddress(address);
    if (hp === undefined) {
      const text = dialErrorText(address, `address ${address}: missing port in address`);
      return new RpcError('dial', address, false, `rpc error getting client: failed to get conn: ${text}`);
    }
    this.dials++;
    const conn = new RpcConnection(address, hp.host, hp.port, this.connOpts, (ended) => {
      if (this.conns.get(key) === ended) this.conns.delete(key);
      const closed = ended.closed.then(() => void this.ending.delete(closed));
      this.ending.add(closed);
    });
    this.conns.set(key, conn);
    return conn;
  }
}
