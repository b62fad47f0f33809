/**
 * A client agent's way to the servers (Consul's consul.Client): every ServerApi call goes over
 * the RPC port to the first server the router knows. A call that fails in transport sends that
 * server to the back of the list and, when it is safe (`canRetry`: never sent, a read on a
 * broken connection, "No cluster leader"), is tried again, after a short random pause, until
 * `rpc_hold_timeout` (7 s) has passed since the first try. With no server known the answer is
 * Consul's "No known Consul servers". Errors come back worded as a Consul client words them:
 * `rpc error making call: <the server's text>`.
 */
import { MusterError, limits, type Clock, type Logger, type Rng } from '../lib/index.js';
import { RpcError, canRetry } from '../rpc/index.js';
import type { CheckEntry, CheckServiceNodeView, KVEntry, NodeEntry, RegisterRequest, ServiceEntry, ServiceNodeView, SessionEntry, TxnOp } from '../state/index.js';
import { txnIsReadOnly } from '../state/index.js';
import type { CatalogApi, DnsLookupApi, ServerApi, SessionApi, TxnReply } from './api.js';
import type { CatalogReadOptions } from './catalog-endpoint.js';
import type { Consistency, KVApply, Read, ReadOptions } from './endpoints.js';
import { readOptionsToWire, rpcMethods, type RpcMethod, type WireRequest } from './rpc-methods.js';
import type { ServerRouter } from './router.js';
import type { SessionCreateArgs } from './session-endpoint.js';

/** What RemoteServer needs of the RPC pool (rpc's RpcClient). */
export interface RpcCaller {
  call<T = unknown>(address: string, method: string, body: unknown, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<T>;
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
  queryWaitMsDefault?: number;
  queryWaitMsMax?: number;
}

export const rpcHoldTimeoutMsDefault = 7_000;
/** Consul's jitterFraction: the pause between retries is up to holdTimeout/16. */
const retryJitterFraction = 16;
/** A call that does not block: time enough for a server to forward it to a leader and wait for one. */
const plainCallTimeoutMs = 60_000;
/** Added to a blocking call's wait: network, queueing, the server's own scheduling. */
const blockingSlackMs = 10_000;

export const noServersText = 'No known Consul servers';

export class RemoteServer implements ServerApi {
  readonly catalog: CatalogApi;
  readonly sessions: SessionApi;
  readonly dns: DnsLookupApi;
  private readonly holdTimeoutMs: number;
  /** The last call ended in a transport failure (the servers were unreachable). */
  private cutOff = false;
  /**
   * Called when a call succeeds after calls had failed in transport: the servers are back, and
   * may have restarted, so the agent re-checks what the catalog holds of it (anti-entropy).
   */
  onReconnect: () => void = () => {};

  constructor(private readonly deps: RemoteServerDeps) {
    this.holdTimeoutMs = deps.holdTimeoutMs ?? rpcHoldTimeoutMsDefault;
    this.catalog = {
      register: (dc: string, req: RegisterRequest) => this.call('Catalog.Register', [dc, req]),
      deregister: (dc: string, node: string, serviceID: string, checkID: string) => this.call('Catalog.Deregister', [dc, node, serviceID, checkID]),
      nodes: (o: CatalogReadOptions) => this.read<NodeEntry[]>('Catalog.ListNodes', [], o),
      services: async (o: CatalogReadOptions) => {
        const r = await this.read<Array<[string, string[]]>>('Catalog.ListServices', [], o);
        return { meta: r.meta, value: new Map(r.value) };
      },
      serviceNodes: (name: string, tags: string[], o: CatalogReadOptions) => this.read<ServiceNodeView[]>('Catalog.ServiceNodes', [name, tags], o),
      nodeServices: (node: string, o: ReadOptions) => this.read<{ node: NodeEntry; services: ServiceEntry[] } | undefined>('Catalog.NodeServices', [node], o),
      nodeChecks: (node: string, o: ReadOptions) => this.read<CheckEntry[]>('Health.NodeChecks', [node], o),
      serviceChecks: (name: string, o: CatalogReadOptions) => this.read<CheckEntry[]>('Health.ServiceChecks', [name], o),
      checksInState: (state: string, o: CatalogReadOptions) => this.read<CheckEntry[]>('Health.ChecksInState', [state], o),
      healthService: (name: string, tags: string[], o: CatalogReadOptions) => this.read<CheckServiceNodeView[]>('Health.ServiceNodes', [name, tags], o),
    };
    this.sessions = {
      create: (dc: string, args: SessionCreateArgs) => this.call('Session.Create', [dc, args]),
      destroy: (dc: string, id: string) => this.call('Session.Destroy', [dc, id]),
      renew: (dc: string, id: string) => this.call<SessionEntry | undefined>('Session.Renew', [dc, id]),
      get: (id: string, o: ReadOptions) => this.read<SessionEntry[]>('Session.Get', [id], o),
      list: (o: ReadOptions) => this.read<SessionEntry[]>('Session.List', [], o),
      node: (node: string, o: ReadOptions) => this.read<SessionEntry[]>('Session.NodeSessions', [node], o),
    };
    this.dns = {
      node: (dc: string, name: string) => this.call<NodeEntry | undefined>('DNS.Node', [dc, name]),
      serviceNodes: (dc: string, service: string) => this.call<CheckServiceNodeView[]>('DNS.ServiceNodes', [dc, service]),
      nodes: (dc: string) => this.call<NodeEntry[]>('DNS.Nodes', [dc]),
      services: (dc: string) => this.call<ServiceEntry[]>('DNS.Services', [dc]),
    };
  }

  get datacenter(): string {
    return this.deps.datacenter;
  }

  /** How many servers this client knows (`known_servers` in /v1/agent/self). */
  get knownServers(): number {
    return this.deps.router.size;
  }

  datacenters(): Promise<string[]> {
    return this.call('Catalog.ListDatacenters', []);
  }

  statusLeader(): Promise<string> {
    return this.call('Status.Leader', []);
  }

  statusPeers(): Promise<string[]> {
    return this.call('Status.Peers', []);
  }

  kvGet(key: string, o: ReadOptions): Promise<Read<KVEntry | undefined>> {
    return this.read('KVS.Get', [key], o);
  }

  kvList(prefix: string, o: ReadOptions): Promise<Read<KVEntry[]>> {
    return this.read('KVS.List', [prefix], o);
  }

  kvKeys(prefix: string, separator: string, o: ReadOptions): Promise<Read<string[]>> {
    return this.read('KVS.ListKeys', [prefix, separator], o);
  }

  kvApply(dc: string, req: KVApply): Promise<boolean> {
    return this.call('KVS.Apply', [dc, req]);
  }

  txn(dc: string, ops: TxnOp[], opts: { consistency: Consistency }): Promise<TxnReply> {
    return this.call('Txn.Apply', [dc, ops, opts.consistency], { read: txnIsReadOnly(ops) });
  }

  eventFire(dc: string, name: string, payload: Uint8Array): Promise<void> {
    return this.call('Internal.EventFire', [dc, name, payload]);
  }

  private async read<T>(method: RpcMethod, args: unknown[], o: CatalogReadOptions): Promise<Read<T>> {
    const r = await this.send<Read<T>>(method, { args, opts: readOptionsToWire(o) }, { timeoutMs: this.blockingTimeoutMs(o), signal: o.signal });
    return { meta: r.meta, value: r.value };
  }

  private call<T>(method: RpcMethod, args: unknown[], override?: { read: boolean }): Promise<T> {
    return this.send<T>(method, { args }, { timeoutMs: plainCallTimeoutMs, read: override?.read });
  }

  /** The longest a blocking read may rightly take: its wait (as the server will cap it), its jitter, and slack. */
  private blockingTimeoutMs(o: ReadOptions): number {
    if (o.minIndex <= 0) return plainCallTimeoutMs;
    const max = this.deps.queryWaitMsMax ?? limits.queryWaitMsMax;
    const base = o.waitMs <= 0 ? (this.deps.queryWaitMsDefault ?? limits.queryWaitMsDefault) : Math.min(o.waitMs, max);
    return base + base / limits.queryJitterFraction + blockingSlackMs;
  }

  /** One call with Consul's failover: another server after a transport failure, while retrying is safe. */
  private async send<T>(method: RpcMethod, body: WireRequest, opts: { timeoutMs: number; signal?: AbortSignal; read?: boolean }): Promise<T> {
    const { router, rpc, clock, logger } = this.deps;
    const isRead = opts.read ?? rpcMethods[method].read;
    const firstMs = clock.monotonicMs();
    for (;;) {
      const server = router.find();
      if (!server) throw new MusterError('ERR_RPC', noServersText);
      try {
        const reply = await rpc.call<T>(server.address, method, body, { timeoutMs: opts.timeoutMs, signal: opts.signal });
        this.reachable();
        return reply;
      } catch (err) {
        if (!(err instanceof RpcError)) {
          this.reachable();
          throw wrap(err);
        }
        this.cutOff = true;
        logger.error('RPC failed to server', { method, server: server.address, error: err.message });
        router.failed(server);
        if (!canRetry(err, isRead) || opts.signal?.aborted || clock.monotonicMs() - firstMs >= this.holdTimeoutMs) throw wrap(err);
        await this.pause();
      }
    }
  }

  private reachable(): void {
    if (!this.cutOff) return;
    this.cutOff = false;
    this.onReconnect();
  }

  private pause(): Promise<void> {
    const ms = this.deps.rng.next() * (this.holdTimeoutMs / retryJitterFraction);
    return new Promise((resolve) => this.deps.clock.setTimer(ms, resolve));
  }
}

/** Consul's client wording: the server's own text after "rpc error making call: ". */
function wrap(err: unknown): unknown {
  if (!MusterError.is(err) || err.message.startsWith('rpc error')) return err;
  return new MusterError(err.code, `rpc error making call: ${err.message}`, { cause: err });
}
