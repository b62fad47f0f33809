/**
 * The agent: the one composition root. It builds the real clock, randomness, sockets and
 * files and hands them to the pure modules: state store and FSM behind a log (in memory until
 * Raft lands), the server endpoints, and the HTTP API. A server agent that is leader
 * registers its own node with a passing serfHealth check, as Consul's leader does.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync, rmSync } from 'node:fs';
import { setImmediate as afterPendingIo } from 'node:timers/promises';
import type { RuntimeConfig } from '../config/index.js';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { HttpApi, type AgentApi, type MemberInfo } from '../http/index.js';
import { MusterError, type Clock, type Logger, type LogSink, type Rng, type Timer } from '../lib/index.js';
import { AgentDns } from './dns.js';
import { AgentGossip, reconcileMember } from './gossip.js';
import { listenError } from './listen-error.js';
import { AgentOps } from './ops.js';
import { Reconciler, consulService, reconcileIntervalMs, serfCheck, Server } from '../server/index.js';
import { memberStatusCodes, type MemberEventKind, type SerfMember } from '../serf/index.js';
import { Store, type NodeWrite } from '../state/index.js';
import { LocalAgent } from './local-agent.js';
import { UserEvents, userEventPrefix } from './user-events.js';
import { KeyringManager } from './keyring-manager.js';
import { selfDocument } from './self.js';

export interface AgentDeps {
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** The log sink behind `logger`, for /v1/agent/monitor (absent in some tests). */
  logSink?: LogSink;
}

export class Agent implements AgentApi {
  readonly store: Store;
  readonly fsm: Fsm;
  readonly log: InMemoryLog;
  readonly server: Server;
  readonly http: HttpApi;
  readonly localAgent: LocalAgent;
  readonly ops: AgentOps;
  readonly dns: AgentDns;
  readonly gossip: AgentGossip;
  readonly userEvents: UserEvents;
  readonly keyring: KeyringManager;
  private readonly reconciler: Reconciler | undefined;
  private reconcileTimer: Timer | undefined;
  /** Leadership is established: membership now goes into the catalog (Consul reconciles on the leader only). */
  private leader = false;
  /** Bound HTTP addresses (`ip:port`), once started. */
  readonly httpAddrs: string[] = [];
  private readonly logger: Logger;
  private leaving: Promise<() => void> | undefined;
  private stopped = false;
  /** Called when the agent wants the process to shut down (leave, fatal error). */
  onShutdownRequest: () => void = () => {};

  constructor(
    readonly config: RuntimeConfig,
    private readonly deps: AgentDeps,
  ) {
    this.logger = deps.logger.named('agent');
    this.store = new Store(deps.clock);
    this.fsm = new Fsm(this.store);
    this.log = new InMemoryLog(this.fsm);
    this.server = new Server({
      store: this.store,
      log: this.log,
      clock: deps.clock,
      rng: deps.rng,
      logger: deps.logger.named('agent.server'),
      datacenter: config.datacenter,
      rpcAddress: `${config.advertiseAddr}:${config.ports.server}`,
      queryWaitMsDefault: config.queryWaitMsDefault,
      queryWaitMsMax: config.queryWaitMsMax,
      yieldAfterWake: () => afterPendingIo(),
      newID: randomUUID,
      sessionTtlMinMs: config.sessionTtlMinMs,
    });
    this.localAgent = new LocalAgent({
      config,
      clock: deps.clock,
      rng: deps.rng,
      logger: deps.logger,
      server: this.server,
      nodeInfo: () => this.nodeInfo(),
    });
    this.ops = new AgentOps({
      clock: deps.clock,
      logSink: deps.logSink,
      dataDir: config.dataDir,
      prometheusRetentionMs: config.prometheusRetentionMs,
      indexes: () => ({ applied: this.fsm.lastApplied, last: this.log.lastIndex }),
      sessionTimers: () => this.server.sessions.timerCount,
    });
    this.dns = new AgentDns(config, this.server, deps);
    this.gossip = new AgentGossip({
      config,
      clock: deps.clock,
      rng: deps.rng,
      logger: this.logger,
      lanEvents: {
        member: (kind, m) => this.memberEvent(kind, m),
        // Every user event, this agent's own included (serf delivers those locally too).
        user: (e) => {
          if (e.name.startsWith(userEventPrefix)) this.userEvents.receive(e.payload, e.lTime);
        },
      },
      fatal: (message) => {
        this.logger.error(message);
        this.onShutdownRequest();
      },
    });
    this.userEvents = new UserEvents({
      nodeName: config.nodeName,
      localServices: () => this.localAgent.services(),
      newID: randomUUID,
      clock: deps.clock,
      logger: this.logger,
      eventLTime: () => this.gossip.lan.serf.eventClock.time(),
      // Consul fires through a server (Internal.EventFire) for ACLs; gossip reaches every agent either way.
      fire: async (encoded, { name, datacenter }) => {
        if (datacenter !== '' && datacenter !== config.datacenter) throw new MusterError('ERR_NO_PATH_TO_DC', 'No path to datacenter');
        this.gossip.lan.serf.userEvent(userEventPrefix + name, encoded, false);
      },
    });
    this.keyring = new KeyringManager(config.datacenter, this.logger);
    this.reconciler = config.server
      ? new Reconciler({ store: this.store, log: this.log, logger: deps.logger.named('agent.leader'), datacenter: config.datacenter, nodeName: config.nodeName })
      : undefined;
    this.http = new HttpApi({
      server: this.server,
      agent: this,
      logger: deps.logger.named('agent.http'),
      clock: deps.clock,
      prettyByDefault: config.devMode,
      kvValueBytesMax: config.kvValueBytesMax,
      nodeName: config.nodeName,
      local: this.localAgent,
      ops: this.ops,
      metrics: this.ops.metrics,
      queryWaitMsMax: config.queryWaitMsMax,
      events: this.userEvents,
      keyring: this.keyring,
      startClosed: true,
    });
  }

  /**
   * Binds the HTTP and DNS listeners first (a taken port is a one-line start error), then
   * gossip, leadership (a server), the local services and checks; only then does the HTTP API
   * answer (never for a half-started agent); then `start_join`. Any failure stops what had
   * started and is the start error.
   */
  async start(): Promise<void> {
    const c = this.config;
    if (c.pidFile) writeFileSync(c.pidFile, `${process.pid}`);
    try {
      if (c.ports.http !== -1) {
        for (const host of c.httpAddrs) {
          let a;
          try {
            a = await this.http.listen(host, c.ports.http);
          } catch (err) {
            throw listenError(err, 'tcp', host, c.ports.http, 'HTTP');
          }
          const shown = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
          this.httpAddrs.push(shown);
          this.logger.info('Started HTTP server', { address: shown, network: 'tcp' });
        }
      }
      await this.dns.start(c, this.logger);
      await this.gossip.start();
      this.keyring.addPool(this.gossip.lan, false, this.gossip.lanKeyringFile);
      if (this.gossip.wan) this.keyring.addPool(this.gossip.wan, true, this.gossip.wanKeyringFile);
      if (c.server) this.establishLeadership();
      try {
        this.localAgent.start();
      } catch (err) {
        throw MusterError.is(err) ? new MusterError('ERR_CONFIG', `Error starting agent: ${err.message}`) : err;
      }
      this.ops.start();
      this.http.open();
      try {
        await this.gossip.joinAtStart();
      } catch (err) {
        throw new MusterError('ERR_CONFIG', (err as Error).message);
      }
    } catch (err) {
      await this.shutdown({ quiet: true });
      if (MusterError.is(err) && err.code === 'ERR_CONFIG') throw err;
      throw new MusterError('ERR_CONFIG', `Error starting agent: ${(err as Error).message}`);
    }
    if (!c.devMode && c.server) {
      this.logger.warn('state is kept in memory until Raft storage lands (see issue 6); data_dir holds the node ID only', {
        data_dir: c.dataDir,
      });
    }
  }



  /**
   * The in-memory log's leader duties: a barrier entry, this node in the catalog, then every
   * gossip member reconciled into it, now and every minute (Consul's ReconcileInterval).
   */
  private establishLeadership(): void {
    const c = this.config;
    const serverLogger = this.deps.logger.named('agent.server');
    this.log.applySync({ type: 'noop' });
    serverLogger.info('cluster leadership acquired');
    serverLogger.info('New leader elected', { payload: c.nodeName });
    this.log.applySync({
      type: 'register',
      req: { node: this.nodeInfo(), skipNodeUpdate: false, service: consulService(reconcileMember(this.gossip.lan.serf.localMember())), checks: [serfCheck(c.nodeName, 'passing')] },
    });
    this.deps.logger.named('agent.leader').info('member joined, marking health alive', { member: c.nodeName });
    this.server.sessions.initializeTimers();
    this.leader = true;
    const every = (): void => {
      this.reconcileTimer = this.deps.clock.setTimer(reconcileIntervalMs, () => {
        void this.reconcileAll().finally(every);
      });
    };
    every();
    void this.reconcileAll();
  }

  /** Every LAN member into the catalog, and nodes gossip forgot out of it. */
  private async reconcileAll(): Promise<void> {
    if (!this.reconciler || !this.leader || this.stopped) return;
    const members = this.gossip.members(false);
    try {
      for (const m of members) await this.reconciler.member(reconcileMember(m));
      await this.reconciler.reaped(new Set(members.map((m) => m.name)));
    } catch (err) {
      this.logger.error('failed to reconcile members', { error: (err as Error).message });
    }
  }

  /** A LAN member event: a server brings the catalog in line at once (the periodic pass catches up anything missed). */
  private memberEvent(kind: MemberEventKind, m: SerfMember): void {
    if (!this.reconciler || !this.leader || this.stopped) return;
    const r = reconcileMember(m);
    if (kind === 'reap') r.status = 'reaped';
    this.reconciler.member(r).catch((err: Error) => this.logger.error('failed to reconcile member', { member: m.name, error: err.message }));
  }

  /** This node as the catalog shows it (what anti-entropy keeps there). */
  nodeInfo(): NodeWrite {
    const c = this.config;
    return {
      id: c.nodeID,
      node: c.nodeName,
      address: c.advertiseAddr,
      datacenter: c.datacenter,
      taggedAddresses: { lan: c.advertiseAddr, lan_ipv4: c.advertiseAddr, wan: c.advertiseAddr, wan_ipv4: c.advertiseAddr },
      meta: { 'consul-network-segment': '', ...c.nodeMeta },
    };
  }

  self(): Record<string, unknown> {
    return selfDocument({
      config: this.config,
      member: memberInfo(this.gossip.lan.serf.localMember()),
      appliedIndex: this.fsm.lastApplied,
      leaderAddr: this.server.statusLeader(),
      stats: { services: this.localAgent.local.allServices().length, checks: this.localAgent.local.allChecks().length },
    });
  }

  members(wan: boolean): MemberInfo[] | undefined {
    if (wan && !this.gossip.wan) return undefined;
    return this.gossip.members(wan).map(memberInfo);
  }

  /**
   * Graceful leave (Consul's Agent.Leave): the gossip pools are told, so everyone records this
   * agent as left, not failed; the process stops after the reply.
   */
  leave(): Promise<() => void> {
    this.leaving ??= (async () => {
      this.logger.info('Gracefully shutting down agent...');
      await this.gossip.leave();
      return () => this.onShutdownRequest();
    })();
    return this.leaving;
  }

  async join(address: string, wan: boolean): Promise<void> {
    await this.gossip.join([address], wan);
  }

  forceLeave(node: string, prune: boolean): Promise<void> {
    return this.gossip.forceLeave(node, prune);
  }

  /** Stops everything; `quiet` after a failed start, whose one error line says it all. */
  async shutdown(options: { quiet?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!options.quiet) this.logger.info('Requesting shutdown');
    this.reconcileTimer?.cancel();
    await this.http.close();
    await this.dns.close();
    await this.gossip.close();
    this.localAgent.stop();
    this.ops.stop();
    this.server.close();
    if (this.config.pidFile) rmSync(this.config.pidFile, { force: true });
    if (!options.quiet) this.logger.info('shutdown complete');
  }
}

/** A serf member as /v1/agent/members shows it. */
function memberInfo(m: SerfMember): MemberInfo {
  return {
    name: m.name,
    addr: m.address.ip,
    port: m.address.port,
    tags: m.tags,
    status: memberStatusCodes[m.status],
    protocolMin: m.vsn[0] ?? 0,
    protocolMax: m.vsn[1] ?? 0,
    protocolCur: m.vsn[2] ?? 0,
    delegateMin: m.vsn[3] ?? 0,
    delegateMax: m.vsn[4] ?? 0,
    delegateCur: m.vsn[5] ?? 0,
  };
}
