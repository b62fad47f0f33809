/**
 * What only a server agent runs (Consul's consul.Server): the state store and FSM behind the
 * log, the server endpoints, the RPC port that client agents and other servers call (requests
 * and Raft), and the leader's duties while it leads.
 *
 * The log is Raft over data_dir (raftio's RaftDriver) on every server but `-dev`, whose
 * in-memory log makes it the leader at once. Requests reach `api`: run here when this server
 * leads or when stale reads may be answered locally, else forwarded to the leader.
 */
import { join } from 'node:path';
import { setImmediate as afterPendingIo } from 'node:timers/promises';
import type { RuntimeConfig } from '../config/index.js';
import { Fsm, InMemoryLog, RaftFsm, type CommandLog } from '../fsm/index.js';
import { MusterError } from '../lib/index.js';
import { randomUuid } from '../host/index.js';
import { acquireDirLock, RaftDriver, RaftTransport, type DirLock } from '../raftio/index.js';
import { RpcClient, RpcListener, RpcServer, RpcType, streamCall, streamHandler } from '../rpc/index.js';
import type { MemberEventKind, SerfMember } from '../serf/index.js';
import {
  aclDisabled,
  LeaderForwarder,
  noLeaderText,
  Reconciler,
  registerServerEndpoints,
  Server,
  SnapshotEndpoint,
  SnapshotForwarder,
  snapshotStreamServe,
  SoloRaft,
  type RaftView,
  type ServerApi,
  type SnapshotApi,
} from '../server/index.js';
import { Store, type NodeWrite } from '../state/index.js';
import type { AgentDeps } from './agent.js';
import { ExpectBootstrap } from './bootstrap-expect.js';
import { joinHostPort } from './checks/go-net.js';
import { LeaderDuties } from './leader-duties.js';
import { listenError } from './listen-error.js';
import { DriverRaftView, RaftCommandLog } from './raft-adapters.js';
import { serverMember, serverMembers } from './server-members.js';

export interface ServerRoleDeps extends AgentDeps {
  config: RuntimeConfig;
  /** This node as the catalog shows it. */
  nodeInfo: () => NodeWrite;
  /** Broadcasts an encoded user event to the LAN pool (Internal.EventFire lands here). */
  userEvent: (name: string, payload: Uint8Array) => void;
  /** Raft stopped on a failed disk write or a broken invariant: the agent must exit. */
  fatal: (message: string) => void;
}

/** Raft's tick at raft_multiplier 1: Consul's 1 s election and heartbeat timeouts are 10 ticks. */
const tickMsPerMultiplier = 100;

export class ServerRole {
  readonly store: Store;
  readonly fsm: Fsm;
  readonly log: CommandLog;
  /** This server's own endpoints (its local state). */
  readonly server: Server;
  /** What the agent's HTTP API, DNS and clients call: forwarded to the leader when needed. */
  readonly api: ServerApi;
  readonly raft: RaftView;
  /** This server's own snapshot endpoint. */
  readonly snapshots: SnapshotEndpoint;
  /** `snapshot save|restore` (/v1/snapshot and the RPC port's streamed calls): run on the leader. */
  readonly snapshotApi: SnapshotApi;
  private readonly driver: RaftDriver | undefined;
  private readonly rpcListener: RpcListener;
  private readonly rpcServer: RpcServer;
  private readonly rpcClient: RpcClient;
  private readonly leader: LeaderDuties;
  private readonly bootstrapExpect: ExpectBootstrap | undefined;
  private members: () => SerfMember[] = () => [];
  private selfMember: (() => SerfMember) | undefined;
  private dirLock: DirLock | undefined;
  private stopped = false;
  /** Aborted by close(): calls waiting out an RPC hold give up, so no timer outlives the agent. */
  private readonly stopping = new AbortController();

  constructor(private readonly deps: ServerRoleDeps) {
    const { config: c, clock, rng } = deps;
    this.store = new Store(clock);
    this.fsm = new Fsm(this.store);
    const rpcLogger = deps.logger.named('agent.server.rpc');
    this.rpcListener = new RpcListener({ logger: rpcLogger });
    this.rpcServer = new RpcServer({ logger: rpcLogger, afterReply: deps.afterReply });
    // Servers dial each other from their bind address (Consul's RPCSrcAddr), so a peer sees who calls.
    const localAddress = c.bindAddr === '0.0.0.0' || c.bindAddr === '::' ? undefined : c.bindAddr;
    this.rpcClient = new RpcClient({ logger: deps.logger.named('agent.server.pool'), localAddress, afterWrite: deps.afterReply });
    const rpcAddress = joinHostPort(c.advertiseAddr, c.ports.server);
    const raftFsm = new RaftFsm(this.fsm);
    if (c.devMode) {
      const log = new InMemoryLog(this.fsm);
      this.log = log;
      this.raft = new SoloRaft({ id: c.nodeID, node: c.nodeName, address: rpcAddress }, log);
    } else {
      const transport = new RaftTransport({ logger: deps.logger.named('agent.server'), localAddress });
      this.rpcListener.handle(RpcType.raft, transport.accept);
      const tickMs = tickMsPerMultiplier * c.raftMultiplier;
      this.driver = new RaftDriver({
        id: c.nodeID,
        dataDir: c.dataDir,
        transport,
        fsm: raftFsm,
        logger: deps.logger.named('agent.server'),
        clock,
        rng,
        tickMs,
        // Consul's agent.go: only what is configured (non-zero) replaces Raft's default.
        ...(c.raftSnapshot.threshold > 0 ? { snapshotThreshold: c.raftSnapshot.threshold } : {}),
        ...(c.raftSnapshot.intervalMs > 0 ? { snapshotIntervalMs: c.raftSnapshot.intervalMs } : {}),
        ...(c.raftSnapshot.trailingLogs > 0 ? { raft: { trailingEntries: c.raftSnapshot.trailingLogs } } : {}),
        bootstrap: c.bootstrap ? { servers: [{ id: c.nodeID, address: rpcAddress, suffrage: 'voter' }] } : undefined,
        // A server not yet in this one's configuration (a candidate of a bootstrap in progress,
        // a leader adding it) is found through gossip, as Consul's ServerAddressProvider does.
        addressOf: (id) => this.driver!.configurationAddress(id) ?? this.gossipAddressOf(id),
        onStateChange: (s) => this.leadershipChange(s.role === 'leader'),
        onFatal: (err) => deps.fatal(`raft stopped: ${err.message}`),
      });
      this.log = new RaftCommandLog(this.driver, this.fsm);
      this.raft = new DriverRaftView({ driver: this.driver, tickMs, nodeName: (id) => this.nodeNameOf(id) });
      if (c.bootstrapExpect > 0) {
        const driver = this.driver;
        this.bootstrapExpect = new ExpectBootstrap({
          expect: c.bootstrapExpect,
          datacenter: c.datacenter,
          logger: deps.logger.named('agent.server'),
          clock,
          rpc: this.rpcClient,
          members: () => this.members(),
          hasState: () => {
            const st = driver.status();
            return st.lastIndex > 0 || st.snapshotIndex > 0;
          },
          bootstrap: (conf) => driver.bootstrap(conf),
        });
      }
    }
    this.server = new Server({
      store: this.store,
      log: this.log,
      raft: this.raft,
      clock,
      rng,
      logger: deps.logger.named('agent.server'),
      datacenter: c.datacenter,
      rpcAddress,
      queryWaitMsDefault: c.queryWaitMsDefault,
      queryWaitMsMax: c.queryWaitMsMax,
      yieldAfterWake: () => afterPendingIo(),
      readTurn: () => afterPendingIo(),
      newID: randomUuid,
      sessionTtlMinMs: c.sessionTtlMinMs,
      userEvent: deps.userEvent,
      serverMembers: () => serverMembers(this.members(), c.datacenter),
      acl: { ...aclDisabled, enabled: c.acl.enabled, defaultPolicy: c.acl.defaultPolicy, masterToken: c.acl.tokens.master, enableKeyListPolicy: c.acl.enableKeyListPolicy },
    });
    this.snapshots = new SnapshotEndpoint({
      fsm: raftFsm,
      log: this.log,
      raft: this.raft,
      datacenter: c.datacenter,
      clock,
      tmpDir: c.devMode ? undefined : join(c.dataDir, 'tmp'),
      compact: this.driver ? async () => void (await this.driver!.snapshot()) : undefined,
      authorize: (token) => this.server.authorize(token),
    });
    this.snapshotApi = c.devMode
      ? this.snapshots
      : new SnapshotForwarder({
          local: this.snapshots,
          raft: this.raft,
          target: () => this.raft.leaderAddress(),
          noTarget: () => new MusterError('ERR_NO_LEADER', noLeaderText),
          call: (address, request, body) => streamCall(address, request, body, { localAddress }),
          clock,
          rng,
          holdTimeoutMs: c.rpcHoldTimeoutMs,
          stop: this.stopping.signal,
        });
    this.rpcListener.handle(RpcType.snapshot, streamHandler(snapshotStreamServe(this.snapshotApi), rpcLogger));
    this.api = c.devMode
      ? this.server
      : new LeaderForwarder({
          local: this.server,
          raft: this.raft,
          rpc: this.rpcClient,
          clock,
          rng,
          logger: deps.logger.named('agent.server'),
          holdTimeoutMs: c.rpcHoldTimeoutMs,
          stop: this.stopping.signal,
          queryWaitMsDefault: c.queryWaitMsDefault,
          queryWaitMsMax: c.queryWaitMsMax,
        });
    registerServerEndpoints(this.rpcServer, this.api);
    this.rpcListener.handle(RpcType.rpc, this.rpcServer.accept);
    const reconciler = new Reconciler({ store: this.store, log: this.log, logger: deps.logger.named('agent.leader'), datacenter: c.datacenter, nodeName: c.nodeName });
    this.leader = new LeaderDuties({
      config: c,
      clock,
      logger: deps.logger,
      log: this.log,
      server: this.server,
      raft: this.raft,
      reconciler,
      nodeInfo: deps.nodeInfo,
      selfMember: () => this.selfMember!(),
      members: () => this.members(),
      changeConfiguration: this.driver ? (change) => this.driver!.changeConfiguration(change) : undefined,
    });
  }

  /**
   * Locks data_dir (a second agent on it refuses to start), binds the RPC port on bind_addr
   * (a taken port is a start error naming it), and opens Raft: the state is restored from the
   * newest snapshot and the log before anything is answered.
   */
  async listen(): Promise<void> {
    const c = this.deps.config;
    if (this.driver) this.dirLock = await acquireDirLock(c.dataDir, { logger: this.deps.logger.named('agent.server') });
    if (c.ports.server >= 0) {
      try {
        await this.rpcListener.listen(c.bindAddr, c.ports.server);
      } catch (err) {
        throw listenError(err, 'tcp', c.bindAddr, c.ports.server, 'server RPC');
      }
    }
    await this.driver?.open();
  }

  /**
   * Gossip is up: leadership may start. The in-memory log leads at once; under Raft the driver
   * reports leadership when an election is won, and bootstrap_expect starts counting servers.
   */
  start(self: () => SerfMember, members: () => SerfMember[]): void {
    this.selfMember = self;
    this.members = members;
    if (!this.driver) {
      void this.leader.establish();
      return;
    }
    if (this.driver.isLeader) this.leadershipChange(true);
    this.bootstrapExpect?.check();
  }

  private leadershipChange(leading: boolean): void {
    if (this.stopped || this.selfMember === undefined || leading === this.leader.isLeading) return;
    if (leading) void this.leader.establish();
    else this.leader.revoke();
  }

  /** A LAN member event: the leader reconciles it; bootstrap_expect re-counts the servers. */
  memberEvent(kind: MemberEventKind, m: SerfMember): void {
    if (this.stopped) return;
    this.leader.memberEvent(kind, m);
    if ((kind === 'join' || kind === 'update') && serverMember(m, this.deps.config.datacenter)) this.bootstrapExpect?.check();
  }

  private gossipAddressOf(id: string): string | undefined {
    for (const m of this.members()) {
      if (m.tags['id'] === id) return serverMember(m, this.deps.config.datacenter)?.address;
    }
    return undefined;
  }

  private nodeNameOf(id: string): string {
    if (id === this.deps.config.nodeID) return this.deps.config.nodeName;
    return this.members().find((m) => m.tags['id'] === id)?.name ?? '';
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.bootstrapExpect?.stop();
    this.leader.revoke();
    await this.rpcListener.close();
    this.server.close();
    await this.driver?.close();
    await this.rpcClient.close();
    await this.dirLock?.release();
  }
}
