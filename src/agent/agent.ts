/**
 * The agent: the one composition root. It builds the real clock, randomness, sockets and
 * files and hands them down. A server agent (`ServerRole`) holds the state and answers the
 * RPC port; a client agent (`ClientRole`) forwards every request to a server. Either way the
 * HTTP API, DNS, anti-entropy and user events talk to the servers through one interface,
 * `ServerApi` (`delegate`), in process or over RPC.
 */
import { AgentAcl } from './acl.js';
import { writeFileSync, rmSync } from 'node:fs';
import type { RuntimeConfig } from '../config/index.js';
import { HttpApi, type AgentApi, type MemberInfo } from '../http/index.js';
import { MusterError, type Clock, type Logger, type LogSink, type Rng } from '../lib/index.js';
import { randomUuid } from '../host/index.js';
import { AgentDns } from './dns.js';
import { AgentGossip } from './gossip.js';
import { listenError } from './listen-error.js';
import { clearSocketPath, setSocketPermissions } from './unix-socket.js';
import { AgentOps } from './ops.js';
import type { ServerApi } from '../server/index.js';
import { memberStatusCodes, type MemberEventKind, type SerfMember } from '../serf/index.js';
import type { NodeWrite } from '../state/index.js';
import { LocalAgent } from './local-agent.js';
import { UserEvents, userEventPrefix } from './user-events.js';
import { RemoteExec } from './remote-exec.js';
import { nodeRexecLauncher } from './remote-exec-process.js';
import { KeyringManager } from './keyring-manager.js';
import { AgentWatches, watchAddress } from './watches.js';
import { selfDocument } from './self.js';
import { ServerRole } from './server-role.js';
import { ClientRole } from './client-role.js';

export interface AgentDeps {
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** The log sink behind `logger`, for /v1/agent/monitor (absent in some tests). */
  logSink?: LogSink;
  /** Told after each HTTP, DNS or RPC reply (or request) written: the process's LoopSpin. */
  afterReply?: () => void;
}

export class Agent implements AgentApi {
  /** The servers, as everything but gossip reaches them: this process (a server) or RPC (a client). */
  readonly delegate: ServerApi;
  /** Present on a server agent. */
  readonly serverRole: ServerRole | undefined;
  /** Present on a client agent. */
  readonly clientRole: ClientRole | undefined;
  readonly http: HttpApi;
  readonly localAgent: LocalAgent;
  readonly ops: AgentOps;
  readonly dns: AgentDns;
  readonly gossip: AgentGossip;
  readonly userEvents: UserEvents;
  /** Runs `muster exec` jobs (when disable_remote_exec is false). */
  readonly remoteExec: RemoteExec;
  readonly keyring: KeyringManager;
  /** The `watches` of the config files, run against this agent's own HTTP API. */
  readonly watches: AgentWatches;
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
    if (config.server) {
      this.serverRole = new ServerRole({
        ...deps,
        config,
        nodeInfo: () => this.nodeInfo(),
        userEvent: (name, payload) => this.gossip.lan.serf.userEvent(userEventPrefix + name, payload, false),
        fatal: (message) => {
          this.logger.error(message);
          this.onShutdownRequest();
        },
      });
      this.delegate = this.serverRole.api;
    } else {
      this.clientRole = new ClientRole(config, deps);
      this.delegate = this.clientRole.remote;
    }
    this.localAgent = new LocalAgent({
      config,
      clock: deps.clock,
      rng: deps.rng,
      logger: deps.logger,
      server: this.delegate,
      nodeInfo: () => this.nodeInfo(),
    });
    if (this.clientRole) this.clientRole.onServerUp = () => this.localAgent.antiEntropy.serverUp();
    const server = this.serverRole;
    this.ops = new AgentOps({
      clock: deps.clock,
      logSink: deps.logSink,
      dataDir: config.dataDir,
      prometheusRetentionMs: config.prometheusRetentionMs,
      indexes: () => ({ applied: server?.fsm.lastApplied ?? 0, last: server?.log.lastIndex ?? 0 }),
      sessionTimers: () => server?.server.sessions.timerCount ?? 0,
    });
    this.dns = new AgentDns(config, server ? { server: server.server } : { lookups: this.delegate.dns }, deps);
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
      newID: randomUuid,
      clock: deps.clock,
      logger: this.logger,
      eventLTime: () => this.gossip.lan.serf.eventClock.time(),
      // Through a server, as Consul's Internal.EventFire (which checks `event:write`); gossip then reaches every agent.
      fire: (encoded, { name, datacenter, token }) => this.delegate.eventFire(datacenter, name, encoded, token),
      remoteExec: (msg) => this.remoteExec.handle(msg),
    });
    this.remoteExec = new RemoteExec({
      nodeName: config.nodeName,
      datacenter: config.datacenter,
      server: this.delegate,
      token: () => config.acl.tokens.agent || config.acl.tokens.default,
      disabled: config.disableRemoteExec,
      launcher: nodeRexecLauncher,
      clock: deps.clock,
      logger: this.logger,
    });
    this.keyring = new KeyringManager(config.datacenter, this.logger);
    this.watches = new AgentWatches({ clock: deps.clock, logger: this.logger, clientConfig: () => ({ address: watchAddress(this.httpAddrs) }), env: process.env });
    this.http = new HttpApi({
      server: this.delegate,
      agent: this,
      logger: deps.logger.named('agent.http'),
      clock: deps.clock,
      prettyByDefault: config.devMode,
      defaultToken: () => this.config.acl.tokens.default,
      aclEnabled: () => this.config.acl.enabled,
      auth: new AgentAcl(
        () => this.config,
        (token) => {
          if (this.serverRole) return this.serverRole.server.authorize(token);
          return this.clientRole!.authorize(token);
        },
      ),
      kvValueBytesMax: config.kvValueBytesMax,
      nodeName: config.nodeName,
      local: this.localAgent,
      ops: this.ops,
      metrics: this.ops.metrics,
      queryWaitMsMax: config.queryWaitMsMax,
      events: this.userEvents,
      keyring: this.keyring,
      snapshots: this.serverRole?.snapshotApi ?? this.clientRole?.snapshots,
      startClosed: true,
      afterReply: deps.afterReply,
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
      let watches;
      try {
        watches = AgentWatches.parse(c);
      } catch (err) {
        throw new MusterError('ERR_CONFIG', `Error starting agent: ${(err as Error).message}`);
      }
      if (c.ports.http !== -1) {
        for (const host of c.httpAddrs) {
          if (host.startsWith('unix://')) {
            const path = host.slice('unix://'.length);
            await clearSocketPath(path, this.logger);
            try {
              await this.http.listen({ path });
            } catch (err) {
              throw listenError(err, 'unix', path, undefined, 'HTTP');
            }
            await setSocketPermissions(path, c.unixSockets);
            this.httpAddrs.push(host);
            this.logger.info('Started HTTP server', { address: path, network: 'unix' });
            continue;
          }
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
      await this.serverRole?.listen();
      await this.gossip.start();
      this.keyring.addPool(this.gossip.lan, false, this.gossip.lanKeyringFile);
      if (this.gossip.wan) this.keyring.addPool(this.gossip.wan, true, this.gossip.wanKeyringFile);
      this.serverRole?.start(() => this.gossip.lan.serf.localMember(), () => this.gossip.members(false));
      this.clientRole?.start();
      try {
        this.localAgent.start();
      } catch (err) {
        throw MusterError.is(err) ? new MusterError('ERR_CONFIG', `Error starting agent: ${err.message}`) : err;
      }
      this.ops.start();
      this.http.open();
      this.watches.start(watches);
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
  }

  /** A LAN member event: a server reconciles the catalog, a client updates its server list. */
  private memberEvent(kind: MemberEventKind, m: SerfMember): void {
    if (this.stopped) return;
    this.serverRole?.memberEvent(kind, m);
    this.clientRole?.memberEvent(kind, m);
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
      appliedIndex: this.serverRole?.fsm.lastApplied ?? 0,
      leaderAddr: this.serverRole?.server.leaderAddress() ?? '',
      raft: this.serverRole && !this.config.devMode
        ? { stats: this.serverRole.raft.stats(), configuration: this.serverRole.raft.configuration(), lastContactMs: this.serverRole.raft.lastContactMs() }
        : undefined,
      knownServers: this.clientRole?.router.size ?? 0,
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
      // No catalog write may follow the leave (it would put the node back after the servers removed it).
      await this.localAgent.antiEntropy.stopAndDrain();
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
    void this.watches.stop();
    await this.http.close();
    await this.dns.close();
    await this.gossip.close();
    this.localAgent.stop();
    this.ops.stop();
    await this.serverRole?.close();
    await this.clientRole?.close();
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
