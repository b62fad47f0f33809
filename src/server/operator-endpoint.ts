/**
 * The Operator endpoint for Raft and autopilot (Consul's consul/operator_raft_endpoint.go,
 * operator_autopilot_endpoint.go, leader.go getOrCreateAutopilotConfig and the autopilot
 * loops). Reads other than `?stale` pass the leader's read barrier, so on a follower they
 * reject with ERR_NO_LEADER and the caller forwards them, as Consul's ForwardRPC does; server
 * health is the leader's alone (Consul forces RequireConsistent).
 *
 * Leader duties: `startAutopilot` writes the configuration from the agent's `autopilot` block
 * if none exists yet, then every 2 s (Consul's ServerHealthInterval) recomputes each server's
 * health. Promotions and dead-server cleanup are the leader's membership decisions
 * (raft-membership.ts), which read the configuration from the store (`autopilotConfigGet`).
 */
import type { Authorizer } from '../acl/index.js';
import { permissionDenied } from './acl-resolver.js';
import { goQuote, MusterError, nullLogger, type Clock, type Logger, type Timer } from '../lib/index.js';
import type { CommandLog } from '../fsm/index.js';
import { autopilotConfigGet, type AutopilotConfig, type AutopilotConfigWrite, type Store } from '../state/index.js';
import { computeClusterHealth, emptyHealth, type AutopilotServer, type OperatorHealth, type PeerStats } from './autopilot.js';
import type { RaftView } from './raft-view.js';

/** Consul's ServerHealthInterval. */
export const serverHealthIntervalMs = 2_000;

/** Consul's RaftServer (structs/operator.go). */
export interface RaftServerInfo {
  id: string;
  /** The node name gossip knows it by, "(unknown)" otherwise. */
  node: string;
  address: string;
  leader: boolean;
  /** Its `raft_vsn` tag, "unknown" when gossip does not know it. */
  protocolVersion: string;
  voter: boolean;
}

export interface RaftConfigurationReply {
  servers: RaftServerInfo[];
  index: number;
}

/** Exactly one of the two (the HTTP layer checks that, with Consul's 400 texts). */
export type RemovePeerTarget = { id: string } | { address: string };

export interface OperatorReadOptions {
  consistency: 'default' | 'stale' | 'consistent';
  /** The caller's ACL token ('' or absent: anonymous). */
  token?: string;
}

/** What an agent asks of the servers about Raft and autopilot (Consul's Operator.* RPCs). */
export interface OperatorApi {
  raftConfiguration(dc: string, opts: OperatorReadOptions): Promise<RaftConfigurationReply>;
  raftRemovePeer(dc: string, target: RemovePeerTarget, token?: string): Promise<void>;
  autopilotConfiguration(dc: string, opts: OperatorReadOptions): Promise<AutopilotConfig>;
  /** true when written; with `cas`, false when the stored ModifyIndex differs. */
  autopilotSetConfiguration(dc: string, conf: AutopilotConfigWrite, cas?: number, token?: string): Promise<boolean>;
  serverHealth(dc: string, token?: string): Promise<OperatorHealth>;
}

export interface OperatorDeps {
  store: Store;
  log: CommandLog;
  raft: RaftView;
  datacenter: string;
  /** The server members of the LAN pool, whatever their status. */
  servers: () => AutopilotServer[];
  clock: Clock;
  logger?: Logger;
  /** What a token may do (ACLs); default: everything. */
  authorize?: (token: string | undefined) => Authorizer;
}

const rpcError = (message: string): MusterError => new MusterError('ERR_RPC', message);

export class OperatorEndpoint implements OperatorApi {
  private health: OperatorHealth = emptyHealth;
  private healthTimer: Timer | undefined;
  /** Bumped by every stop, so a start still initializing after leadership was lost arms nothing. */
  private generation = 0;
  private readonly logger: Logger;

  constructor(private readonly deps: OperatorDeps) {
    this.logger = (deps.logger ?? nullLogger).named('autopilot');
  }

  async raftConfiguration(dc: string, opts: OperatorReadOptions): Promise<RaftConfigurationReply> {
    this.checkDatacenter(dc);
    this.need(opts.token, 'read');
    await this.barrier(opts);
    const view = this.deps.raft.configuration();
    const byAddress = new Map(this.deps.servers().map((m) => [m.address, m]));
    return {
      index: view.index,
      servers: view.servers.map((s) => {
        const member = byAddress.get(s.address);
        return {
          id: s.id,
          node: member ? member.name : '(unknown)',
          address: s.address,
          leader: s.leader,
          protocolVersion: member ? (member.raftVsn ?? '3') : 'unknown',
          voter: s.voter,
        };
      }),
    };
  }

  /** RaftRemovePeerByID / ByAddress: the peer must be in the configuration (a typo is refused). */
  async raftRemovePeer(dc: string, target: RemovePeerTarget, token?: string): Promise<void> {
    this.checkDatacenter(dc);
    this.need(token, 'write');
    await this.deps.raft.readBarrier('lease');
    const servers = this.deps.raft.configuration().servers;
    const byID = 'id' in target;
    const found = byID ? servers.find((s) => s.id === target.id) : servers.find((s) => s.address === target.address);
    if (!found) {
      throw rpcError(byID ? `id ${goQuote(target.id)} was not found in the Raft configuration` : `address ${goQuote(target.address)} was not found in the Raft configuration`);
    }
    const fields = byID ? { peer_id: found.id } : { peer: found.address };
    try {
      await this.deps.raft.removeServer(found.id);
    } catch (err) {
      this.deps.logger?.warn(byID ? 'Failed to remove Raft peer with id' : 'Failed to remove Raft peer', { ...fields, error: String(err) });
      throw err;
    }
    this.deps.logger?.warn(byID ? 'Removed Raft peer with id' : 'Removed Raft peer', fields);
  }

  async autopilotConfiguration(dc: string, opts: OperatorReadOptions): Promise<AutopilotConfig> {
    this.checkDatacenter(dc);
    this.need(opts.token, 'read');
    await this.barrier(opts);
    const { config } = autopilotConfigGet(this.deps.store);
    if (!config) throw rpcError('autopilot config not initialized yet');
    return config;
  }

  async autopilotSetConfiguration(dc: string, conf: AutopilotConfigWrite, cas?: number, token?: string): Promise<boolean> {
    this.checkDatacenter(dc);
    this.need(token, 'write');
    const command = cas === undefined ? { type: 'autopilot-set' as const, config: conf } : { type: 'autopilot-set' as const, config: conf, cas };
    return this.deps.log.apply(command);
  }

  /** The health found by the last pass (Consul answers the zero reply before the first one). */
  async serverHealth(dc: string, token?: string): Promise<OperatorHealth> {
    this.checkDatacenter(dc);
    this.need(token, 'read');
    await this.deps.raft.readBarrier('lease');
    if (!this.deps.servers().some((m) => m.status === 'alive')) {
      throw rpcError('error getting server raft protocol versions: No servers found');
    }
    return this.health;
  }

  /**
   * getOrCreateAutopilotConfig: on gaining leadership, writes `defaults` (the agent's autopilot
   * block) if the cluster has no configuration yet; returns the configuration in force.
   */
  async initializeAutopilot(defaults: AutopilotConfigWrite): Promise<AutopilotConfig | undefined> {
    const existing = autopilotConfigGet(this.deps.store).config;
    if (existing) return existing;
    try {
      await this.deps.log.apply({ type: 'autopilot-set', config: { ...defaults } });
    } catch (err) {
      this.logger.error('failed to initialize config', { error: String(err) });
      return undefined;
    }
    return autopilotConfigGet(this.deps.store).config;
  }

  /** Leader: initializes the configuration and starts the health loop (a first pass at once). */
  async startAutopilot(defaults: AutopilotConfigWrite): Promise<void> {
    this.stopAutopilot();
    const generation = this.generation;
    await this.initializeAutopilot(defaults);
    if (generation !== this.generation) return;
    this.updateClusterHealth();
    const tick = (): void => {
      this.healthTimer = this.deps.clock.setTimer(serverHealthIntervalMs, () => {
        this.updateClusterHealth();
        tick();
      });
    };
    tick();
  }

  /** Leadership lost, or shutdown: stops the loop and forgets the health (Consul's Stop/Start). */
  stopAutopilot(): void {
    this.generation++;
    this.healthTimer?.cancel();
    this.healthTimer = undefined;
    this.health = emptyHealth;
  }

  /** One health pass (the leader's serverHealthLoop tick). */
  updateClusterHealth(): OperatorHealth {
    const conf = autopilotConfigGet(this.deps.store).config;
    const progress = this.deps.raft.progress();
    if (!conf || !progress) return this.health;
    const stats = this.deps.raft.stats();
    this.health = computeClusterHealth({
      configuration: this.deps.raft.configuration(),
      members: this.deps.servers(),
      progress: progress as PeerStats[],
      leaderTerm: stats.term,
      leaderLastIndex: stats.lastIndex,
      conf,
      previous: this.health,
      nowMs: this.deps.clock.nowMs(),
    });
    return this.health;
  }

  private async barrier(opts: OperatorReadOptions): Promise<void> {
    if (opts.consistency === 'stale') return;
    await this.deps.raft.readBarrier(opts.consistency === 'consistent' ? 'quorum' : 'lease');
  }

  /** Consul's operator:read / operator:write check. */
  private need(token: string | undefined, access: 'read' | 'write'): void {
    const authz = this.deps.authorize?.(token);
    if (authz && !(access === 'read' ? authz.operatorRead() : authz.operatorWrite())) throw permissionDenied();
  }

  private checkDatacenter(dc: string): void {
    if (dc !== '' && dc !== this.deps.datacenter) throw new MusterError('ERR_NO_PATH_TO_DC', 'No path to datacenter');
  }
}

const autopilotWireFields: Record<keyof AutopilotConfigWrite, 'boolean' | 'number' | 'string'> = {
  cleanupDeadServers: 'boolean',
  lastContactThresholdMs: 'number',
  maxTrailingLogs: 'number',
  minQuorum: 'number',
  serverStabilizationTimeMs: 'number',
  redundancyZoneTag: 'string',
  disableUpgradeMigration: 'boolean',
  upgradeVersionTag: 'string',
};

/** An autopilot configuration as it arrives over RPC (Operator.AutopilotSetConfiguration), shape-checked. */
export function autopilotConfigFromWire(v: unknown): AutopilotConfigWrite {
  const bad = (what: string): MusterError => new MusterError('ERR_BAD_REQUEST', `rpc: bad request: ${what}`);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('autopilot config must be a map');
  const r = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, type] of Object.entries(autopilotWireFields)) {
    if (typeof r[k] !== type) throw bad(`${k} must be a ${type}`);
    out[k] = r[k];
  }
  return out as unknown as AutopilotConfigWrite;
}
