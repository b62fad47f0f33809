/**
 * What only a server agent runs (Consul's consul.Server): the state store and FSM behind the
 * log, the server endpoints, the RPC port that client agents call, and the leader's duties
 * (its own node in the catalog, session timers, membership reconciled into the catalog).
 * The log is in memory until Raft lands (issue 6): this one server is always the leader.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as afterPendingIo } from 'node:timers/promises';
import type { RuntimeConfig } from '../config/index.js';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import type { Timer } from '../lib/index.js';
import { RpcListener, RpcServer, RpcType } from '../rpc/index.js';
import type { MemberEventKind, SerfMember } from '../serf/index.js';
import { Reconciler, consulService, reconcileIntervalMs, registerServerEndpoints, serfCheck, Server } from '../server/index.js';
import { Store, type NodeWrite } from '../state/index.js';
import type { AgentDeps } from './agent.js';
import { reconcileMember } from './gossip.js';
import { listenError } from './listen-error.js';

export interface ServerRoleDeps extends AgentDeps {
  config: RuntimeConfig;
  /** This node as the catalog shows it. */
  nodeInfo: () => NodeWrite;
  /** Broadcasts an encoded user event to the LAN pool (Internal.EventFire lands here). */
  userEvent: (name: string, payload: Uint8Array) => void;
}

export class ServerRole {
  readonly store: Store;
  readonly fsm: Fsm;
  readonly log: InMemoryLog;
  readonly server: Server;
  private readonly reconciler: Reconciler;
  private readonly rpcListener: RpcListener;
  private readonly rpcServer: RpcServer;
  private reconcileTimer: Timer | undefined;
  /** Leadership is established: membership now goes into the catalog (Consul reconciles on the leader only). */
  private leader = false;
  private stopped = false;

  constructor(private readonly deps: ServerRoleDeps) {
    const { config, clock, rng } = deps;
    this.store = new Store(clock);
    this.fsm = new Fsm(this.store);
    this.log = new InMemoryLog(this.fsm);
    this.server = new Server({
      store: this.store,
      log: this.log,
      clock,
      rng,
      logger: deps.logger.named('agent.server'),
      datacenter: config.datacenter,
      rpcAddress: `${config.advertiseAddr}:${config.ports.server}`,
      queryWaitMsDefault: config.queryWaitMsDefault,
      queryWaitMsMax: config.queryWaitMsMax,
      yieldAfterWake: () => afterPendingIo(),
      newID: randomUUID,
      sessionTtlMinMs: config.sessionTtlMinMs,
      userEvent: deps.userEvent,
    });
    this.reconciler = new Reconciler({ store: this.store, log: this.log, logger: deps.logger.named('agent.leader'), datacenter: config.datacenter, nodeName: config.nodeName });
    const rpcLogger = deps.logger.named('agent.server.rpc');
    this.rpcListener = new RpcListener({ logger: rpcLogger });
    this.rpcServer = new RpcServer({ logger: rpcLogger });
    registerServerEndpoints(this.rpcServer, this.server);
    this.rpcListener.handle(RpcType.rpc, this.rpcServer.accept);
  }

  /** Binds the RPC port on bind_addr (a taken port is a start error naming it). */
  async listen(): Promise<void> {
    const c = this.deps.config;
    if (c.ports.server < 0) return;
    try {
      await this.rpcListener.listen(c.bindAddr, c.ports.server);
    } catch (err) {
      throw listenError(err, 'tcp', c.bindAddr, c.ports.server, 'server RPC');
    }
  }

  /**
   * The in-memory log's leader duties: a barrier entry, this node in the catalog (with the
   * `consul` service), then every gossip member reconciled into it, now and every minute
   * (Consul's ReconcileInterval).
   */
  establishLeadership(self: SerfMember, members: () => SerfMember[]): void {
    const c = this.deps.config;
    const serverLogger = this.deps.logger.named('agent.server');
    this.log.applySync({ type: 'noop' });
    serverLogger.info('cluster leadership acquired');
    serverLogger.info('New leader elected', { payload: c.nodeName });
    this.log.applySync({
      type: 'register',
      req: { node: this.deps.nodeInfo(), skipNodeUpdate: false, service: consulService(reconcileMember(self)), checks: [serfCheck(c.nodeName, 'passing')] },
    });
    this.deps.logger.named('agent.leader').info('member joined, marking health alive', { member: c.nodeName });
    this.server.sessions.initializeTimers();
    this.leader = true;
    const every = (): void => {
      this.reconcileTimer = this.deps.clock.setTimer(reconcileIntervalMs, () => {
        void this.reconcileAll(members()).finally(every);
      });
    };
    every();
    void this.reconcileAll(members());
  }

  /** Every LAN member into the catalog, and nodes gossip forgot out of it. */
  private async reconcileAll(members: SerfMember[]): Promise<void> {
    if (!this.leader || this.stopped) return;
    try {
      for (const m of members) await this.reconciler.member(reconcileMember(m));
      await this.reconciler.reaped(new Set(members.map((m) => m.name)));
    } catch (err) {
      this.deps.logger.named('agent').error('failed to reconcile members', { error: (err as Error).message });
    }
  }

  /** A LAN member event: the catalog follows at once (the periodic pass catches up anything missed). */
  memberEvent(kind: MemberEventKind, m: SerfMember): void {
    if (!this.leader || this.stopped) return;
    const r = reconcileMember(m);
    if (kind === 'reap') r.status = 'reaped';
    this.reconciler.member(r).catch((err: Error) => this.deps.logger.named('agent').error('failed to reconcile member', { member: m.name, error: err.message }));
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.reconcileTimer?.cancel();
    await this.rpcListener.close();
    this.server.close();
  }
}
