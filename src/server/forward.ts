/**
 * A server's ServerApi (Consul's Server.forward): a call runs here when this server leads, or
 * when it may be answered from any server's state (`?stale` reads, status, DNS lookups);
 * otherwise it goes over the RPC port to the leader. With no leader known, or when the leader
 * changes under a call (this server stopped leading before the call reached the log), it is
 * tried again within rpc_hold_timeout; after that the answer is "No cluster leader". Errors
 * from the leader come back with its own text (no client wording: this is a server).
 */
import { MusterError, type Clock, type Logger, type Rng } from '../lib/index.js';
import type { ServerApi } from './api.js';
import { rpcHoldTimeoutMsDefault, withHold } from './hold.js';
import type { RaftView } from './raft-view.js';
import { callTimeoutMs, type RpcCaller } from './remote.js';
import { RoutedServer, type SendOptions } from './routed.js';
import { laneOf, rpcMethods, servedLocally, serveLocally, type RpcMethod, type WireRequest } from './rpc-methods.js';

/** Consul's structs.ErrNoLeader. */
export const noLeaderText = 'No cluster leader';

export interface LeaderForwarderDeps {
  /** This server's own endpoints. */
  local: ServerApi;
  raft: RaftView;
  rpc: RpcCaller;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  holdTimeoutMs?: number;
  /** Aborted when the agent shuts down: calls waiting out a hold give up at once. */
  stop?: AbortSignal;
  queryWaitMsDefault?: number;
  queryWaitMsMax?: number;
}

export class LeaderForwarder extends RoutedServer {
  constructor(private readonly deps: LeaderForwarderDeps) {
    super(deps.local.datacenter, (method, body, opts) => this.route(method, body, opts));
  }

  private route<T>(method: RpcMethod, body: WireRequest, opts: SendOptions): Promise<T> {
    const { raft, rpc } = this.deps;
    if (servedLocally(method, body)) return serveLocally(this.deps.local, method, body, opts.signal) as Promise<T>;
    const timeoutMs = callTimeoutMs(opts.readOptions, this.deps);
    const hold = { ...this.deps, holdTimeoutMs: this.deps.holdTimeoutMs ?? rpcHoldTimeoutMsDefault, isRead: opts.read ?? rpcMethods[method].read, signal: opts.signal };
    return withHold(hold, async () => {
      if (raft.isLeader()) return (await serveLocally(this.deps.local, method, body, opts.signal)) as T;
      const leader = raft.leaderAddress();
      if (leader === '') throw new MusterError('ERR_NO_LEADER', noLeaderText);
      return rpc.call<T>(leader, method, body, { timeoutMs, signal: opts.signal, lane: laneOf(method) });
    });
  }
}
