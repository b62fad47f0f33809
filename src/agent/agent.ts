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
import { MusterError, type Clock, type Logger, type LogSink, type Rng } from '../lib/index.js';
import { AgentDns } from './dns.js';
import { listenError } from './listen-error.js';
import { AgentOps } from './ops.js';
import { Server } from '../server/index.js';
import { emptyCheckDefinition, Store, type NodeWrite } from '../state/index.js';
import { LocalAgent } from './local-agent.js';
import { selfDocument } from './self.js';
import { consulApiVersion, musterVersion } from './version.js';

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
    });
  }

  async start(): Promise<void> {
    const c = this.config;
    if (c.pidFile) writeFileSync(c.pidFile, `${process.pid}`);
    if (c.ports.http !== -1) {
      for (const host of c.httpAddrs) {
        try {
          const a = await this.http.listen(host, c.ports.http);
          const shown = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
          this.httpAddrs.push(shown);
          this.logger.info('Started HTTP server', { address: shown, network: 'tcp' });
        } catch (err) {
          await this.http.close();
          throw listenError(err, 'tcp', host, c.ports.http, 'HTTP');
        }
      }
    }
    try {
      await this.dns.start(c, this.logger);
    } catch (err) {
      await this.http.close();
      throw err;
    }
    if (c.server) this.establishLeadership();
    try {
      this.localAgent.start();
    } catch (err) {
      if (MusterError.is(err)) throw new MusterError('ERR_CONFIG', `Error starting agent: ${err.message}`);
      throw err;
    }
    this.ops.start();
    if (!c.devMode && c.server) {
      this.logger.warn('state is kept in memory until Raft storage lands (see issue 6); data_dir holds the node ID only', {
        data_dir: c.dataDir,
      });
    }
  }

  /** The in-memory log's leader duties: a barrier entry, then this node in the catalog. */
  private establishLeadership(): void {
    const c = this.config;
    const serverLogger = this.deps.logger.named('agent.server');
    this.log.applySync({ type: 'noop' });
    serverLogger.info('cluster leadership acquired');
    serverLogger.info('New leader elected', { payload: c.nodeName });
    this.log.applySync({
      type: 'register',
      req: {
        node: this.nodeInfo(),
        skipNodeUpdate: false,
        service: {
          kind: '',
          id: 'consul',
          service: 'consul',
          tags: [],
          address: '',
          taggedAddresses: {},
          meta: {
            raft_version: '3',
            serf_protocol_current: '2',
            serf_protocol_max: '5',
            serf_protocol_min: '1',
            version: consulApiVersion,
          },
          port: c.ports.server,
          weights: { passing: 1, warning: 1 },
          enableTagOverride: false,
          proxy: null,
          connect: null,
        },
        checks: [
          {
            node: c.nodeName,
            checkID: 'serfHealth',
            name: 'Serf Health Status',
            status: 'passing',
            notes: '',
            output: 'Agent alive and reachable',
            serviceID: '',
            type: '',
            definition: emptyCheckDefinition(),
          },
        ],
      },
    });
    serverLogger.info('member joined, marking health alive', { member: c.nodeName });
    this.server.sessions.initializeTimers();
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
      member: this.selfMember(),
      appliedIndex: this.fsm.lastApplied,
      leaderAddr: this.server.statusLeader(),
      stats: { services: this.localAgent.local.allServices().length, checks: this.localAgent.local.allChecks().length },
    });
  }

  members(): MemberInfo[] {
    return [this.selfMember()];
  }

  /** Graceful leave: nothing to tell yet without gossip; the process stops after the reply. */
  leave(): Promise<() => void> {
    this.leaving ??= (async () => {
      this.logger.info('Gracefully shutting down agent...');
      return () => this.onShutdownRequest();
    })();
    return this.leaving;
  }

  /**
   * Joining needs gossip (issue 5). Until then an agent can only "join" itself, which Consul
   * also accepts (serf counts one node); any other address is refused, saying why.
   */
  async join(address: string, wan: boolean): Promise<void> {
    const c = this.config;
    const port = wan ? c.ports.serfWan : c.ports.serfLan;
    const [host, p] = address.includes(':') ? [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)] : [address, String(port)];
    const self = (host === c.advertiseAddr || host === c.bindAddr) && p === String(port);
    if (self) {
      this.logger.info('(LAN) joining', { lan_addresses: [address] });
      this.logger.info('(LAN) joined', { number_of_nodes: 1 });
      return;
    }
    throw new MusterError('ERR_RPC', `1 error occurred:\n\t* Failed to join ${address}: gossip between agents is not implemented yet\n\n`);
  }

  /** Stops everything; `quiet` after a failed start, whose one error line says it all. */
  async shutdown(options: { quiet?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!options.quiet) this.logger.info('Requesting shutdown');
    await this.http.close();
    await this.dns.close();
    this.localAgent.stop();
    this.ops.stop();
    this.server.close();
    if (this.config.pidFile) rmSync(this.config.pidFile, { force: true });
    if (!options.quiet) this.logger.info('shutdown complete');
  }

  private selfMember(): MemberInfo {
    const c = this.config;
    // Consul's serf tags: servers add their RPC port, raft version and WAN join port.
    const tags: Record<string, string> = {
      acls: '0',
      build: `${consulApiVersion}:muster-${musterVersion}`,
      dc: c.datacenter,
      id: c.nodeID,
      role: c.server ? 'consul' : 'node',
      segment: '',
      vsn: '2',
      vsn_max: '3',
      vsn_min: '2',
    };
    if (c.server) {
      tags['port'] = String(c.ports.server);
      tags['raft_vsn'] = '3';
      tags['ft_fs'] = '1';
      if (c.ports.serfWan > 0) tags['wan_join_port'] = String(c.ports.serfWan);
    }
    if (c.bootstrap) tags['bootstrap'] = '1';
    if (c.bootstrapExpect > 0) tags['expect'] = String(c.bootstrapExpect);
    return {
      name: c.nodeName,
      addr: c.advertiseAddr,
      port: c.ports.serfLan,
      tags,
      status: 1,
      protocolMin: 1,
      protocolMax: 5,
      protocolCur: 2,
      delegateMin: 2,
      delegateMax: 5,
      delegateCur: 4,
    };
  }
}
