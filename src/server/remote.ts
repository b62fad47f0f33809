/**
 * A client agent's way to the servers (Consul's consul.Client): every ServerApi call goes over
 * the RPC port to the first server the router knows. A call that fails in transport sends that
 * server to the back of the list and, when it is safe, is tried again on the next one within
 * rpc_hold_timeout (`hold.ts`). With no server known the answer is Consul's "No known Consul
 * servers". Errors come back worded as a Consul client words them: `rpc error making call:
 * <the server's text>`.
 */
import { MusterError, limits, type Clock, type Logger, type Rng } from '../lib/index.js';
import { RpcError, type CallOptions } from '../rpc/index.js';
import type { CatalogReadOptions } from './catalog-endpoint.js';
import { rpcHoldTimeoutMsDefault, withHold } from './hold.js';
import { RoutedServer, type SendOptions } from './routed.js';
import { laneOf, rpcMethods, type RpcMethod, type WireRequest } from './rpc-methods.js';
import type { ServerRouter } from './router.js';


/** What RemoteServer needs of the RPC pool (rpc's RpcClient). */
export interface RpcCaller {
  call<T = unknown>(address: string, method: string, body: unknown, opts: CallOptions): Promise<T>;
}

export interface RemoteServerDeps {
  datacenter: string;
  router: ServerRouter;
  rpc: RpcCaller;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** Consul's rpc_hold_timeout: how long a failing call keeps being retried. */
  holdTimeoutMs?: number;
  /** Aborted when the agent shuts down: calls waiting out a hold give up at once. */
  stop?: AbortSignal;
  queryWaitMsDefault?: number;
  queryWaitMsMax?: number;
}

/** A call that does not block: time enough for a server to forward it to a leader and wait for one. */
const plainCallTimeoutMs = 60_000;
/** Added to a blocking call's wait: network, queueing, the server's own scheduling. */
const blockingSlackMs = 10_000;

export const noServersText = 'No known Consul servers';

/** The longest a call may rightly take: a blocking read's wait (as the server will cap it), its jitter, and slack. */
export function callTimeoutMs(o: CatalogReadOptions | undefined, wait: { queryWaitMsDefault?: number | undefined; queryWaitMsMax?: number | undefined }): number {
  if (o === undefined || o.minIndex <= 0) return plainCallTimeoutMs;
  const max = wait.queryWaitMsMax ?? limits.queryWaitMsMax;
  const base = o.waitMs <= 0 ? (wait.queryWaitMsDefault ?? limits.queryWaitMsDefault) : Math.min(o.waitMs, max);
  return base + base / limits.queryJitterFraction + blockingSlackMs;
}

export class RemoteServer extends RoutedServer {
  /** The last call ended in a transport failure (the servers were unreachable). */
  private cutOff = false;
  /**
   * Called when a call succeeds after calls had failed in transport: the servers are back, and
   * may have restarted, so the agent re-checks what the catalog holds of it (anti-entropy).
   */
  onReconnect: () => void = () => {};

  constructor(private readonly deps: RemoteServerDeps) {
    super(deps.datacenter, (method, body, opts) => this.sendToServer(method, body, opts));
  }

  /** How many servers this client knows (`known_servers` in /v1/agent/self). */
  get knownServers(): number {
    return this.deps.router.size;
  }

  /** One call with Consul's failover: another server after a transport failure, while retrying is safe. */
  private async sendToServer<T>(method: RpcMethod, body: WireRequest, opts: SendOptions): Promise<T> {
    const { router, rpc, logger } = this.deps;
    const timeoutMs = callTimeoutMs(opts.readOptions, this.deps);
    const hold = { ...this.deps, holdTimeoutMs: this.deps.holdTimeoutMs ?? rpcHoldTimeoutMsDefault, isRead: opts.read ?? rpcMethods[method].read, signal: opts.signal };
    try {
      return await withHold(hold, async () => {
        const server = router.find();
        if (!server) throw new MusterError('ERR_RPC', noServersText);
        try {
          const reply = await rpc.call<T>(server.address, method, body, { timeoutMs, signal: opts.signal, lane: laneOf(method) });
          this.reachable();
          return reply;
        } catch (err) {
          if (!(err instanceof RpcError)) {
            this.reachable();
            throw err;
          }
          this.cutOff = true;
          logger.error('RPC failed to server', { method, server: server.address, error: err.message });
          router.failed(server);
          throw err;
        }
      });
    } catch (err) {
      throw wrap(err);
    }
  }

  private reachable(): void {
    if (!this.cutOff) return;
    this.cutOff = false;
    this.onReconnect();
  }
}

/** Consul's client wording: the server's own text after "rpc error making call: " (the client's own errors as they are). */
function wrap(err: unknown): unknown {
  if (!MusterError.is(err) || err.message.startsWith('rpc error') || err.message === noServersText) return err;
  return new MusterError(err.code, `rpc error making call: ${err.message}`, { cause: err });
}
