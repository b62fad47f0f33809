/**
 * What only a client agent runs (Consul's consul.Client): no state of its own; every catalog,
 * health, KV, session, txn and event request goes to a server over the RPC port. The servers
 * are learned from LAN gossip (members tagged `role=consul` in this datacenter, RPC port from
 * their `port` tag): added when they join or update, removed when they fail or leave, and
 * reshuffled every few minutes so load evens out as servers come and go.
 */
import type { RuntimeConfig } from '../config/index.js';
import { MusterError, type Logger, type Timer } from '../lib/index.js';
import { RpcClient, streamCall } from '../rpc/index.js';
import type { MemberEventKind, SerfMember } from '../serf/index.js';
import { noServersText, RemoteServer, ServerRouter, SnapshotForwarder } from '../server/index.js';
import type { Authorizer } from '../acl/index.js';
import { RemoteAcl } from './acl.js';
import type { AgentDeps } from './agent.js';
import { joinHostPort } from './checks/go-net.js';

/** Consul's clientRPCMinReuseDuration: the shortest time between two rebalances (plus up to as much again). */
const rebalanceIntervalMs = 120_000;

export class ClientRole {
  readonly router: ServerRouter;
  readonly remote: RemoteServer;
  /** /v1/snapshot: streamed to a server, which runs it on the leader. */
  readonly snapshots: SnapshotForwarder;
  private readonly rpc: RpcClient;
  private readonly acl: RemoteAcl;
  /** Aborted by close(): calls waiting out an RPC hold give up, so no timer outlives the agent. */
  private readonly stopping = new AbortController();
  private readonly logger: Logger;
  private rebalanceTimer: Timer | undefined;

  /**
   * Called when a server is added (Consul's ServerUp), and when the servers answer again after
   * being unreachable (they may have restarted): the agent runs a full anti-entropy sync.
   */
  onServerUp: () => void = () => {};

  constructor(
    private readonly config: RuntimeConfig,
    private readonly deps: AgentDeps,
  ) {
    this.logger = deps.logger.named('agent.client');
    this.router = new ServerRouter(deps.rng);
    this.rpc = new RpcClient({ logger: this.logger.named('pool'), afterWrite: deps.afterReply });
    this.remote = new RemoteServer({
      datacenter: config.datacenter,
      router: this.router,
      rpc: this.rpc,
      clock: deps.clock,
      rng: deps.rng,
      logger: this.logger,
      holdTimeoutMs: config.rpcHoldTimeoutMs,
      stop: this.stopping.signal,
      queryWaitMsDefault: config.queryWaitMsDefault,
      queryWaitMsMax: config.queryWaitMsMax,
    });
    this.remote.onReconnect = () => this.onServerUp();
    this.acl = new RemoteAcl((secret) => this.remote.acl.resolveIdentity(secret), deps.clock, config.acl.defaultPolicy);
    this.snapshots = new SnapshotForwarder({
      target: () => this.router.find()?.address,
      noTarget: () => new MusterError('ERR_RPC', noServersText),
      call: (address, request, body) => streamCall(address, request, body),
      clock: deps.clock,
      rng: deps.rng,
      holdTimeoutMs: config.rpcHoldTimeoutMs,
      stop: this.stopping.signal,
    });
  }

  /** What `token` may do, as the servers resolve it (cached for acl.token_ttl). */
  authorize(token: string): Promise<Authorizer> {
    return this.acl.authorize(token);
  }

  start(): void {
    const again = (): void => {
      this.rebalanceTimer = this.deps.clock.setTimer(rebalanceIntervalMs + this.deps.rng.next() * rebalanceIntervalMs, () => {
        this.router.rebalance();
        again();
      });
    };
    again();
  }

  /** A LAN member event: servers of this datacenter come and go from the router. */
  memberEvent(kind: MemberEventKind, m: SerfMember): void {
    const port = Number(m.tags['port']);
    if (m.tags['role'] !== 'consul' || m.tags['dc'] !== this.config.datacenter || !Number.isInteger(port) || port <= 0) return;
    const address = joinHostPort(m.address.ip, port);
    const shown = `${m.name} (Addr: tcp/${address}) (DC: ${this.config.datacenter})`;
    if (kind === 'join' || kind === 'update') {
      if (this.router.upsert({ name: m.name, address })) {
        this.logger.info('adding server', { server: shown });
        this.onServerUp();
      }
    } else if (kind === 'failed' || kind === 'leave') {
      if (this.router.remove(m.name)) this.logger.info('removing server', { server: shown });
    }
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.rebalanceTimer?.cancel();
    await this.rpc.close();
  }
}
