/**
 * The agent's gossip: the LAN pool every agent is in, and the WAN pool of servers (Consul's
 * setupSerf for each). It builds the keyrings from `encrypt` and data_dir, the tags Consul puts
 * in serf, joins at start (`start_join`, `retry_join` with retries), and answers the agent's
 * join, leave, force-leave and members requests with Consul's texts.
 */
import { join } from 'node:path';
import { lanTiming, setupKeyrings, wanTiming, type SwimTiming } from '../gossip/index.js';
import type { GossipTimingRuntime, JoinRuntime, RuntimeConfig } from '../config/index.js';
import { MusterError, type Clock, type Logger, type Rng, type Timer } from '../lib/index.js';
import type { SerfEvents, SerfMember } from '../serf/index.js';
import type { ReconcileMember } from '../server/index.js';
import { GossipPool } from './gossip-pool.js';
import { consulApiVersion, musterVersion } from './version.js';

export interface AgentGossipDeps {
  config: RuntimeConfig;
  clock: Clock;
  rng: Rng;
  /** The agent's logger (`agent`); pools log as `agent.server.serf.lan` and the like. */
  logger: Logger;
  lanEvents: SerfEvents;
  /** A fatal condition (retry_join gave up): the agent should stop. */
  fatal(message: string): void;
}

/** The serf tags of this agent (Consul's setupSerf): what other agents learn about it. */
export function serfTags(c: RuntimeConfig): Record<string, string> {
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
  return tags;
}

/** A serf member as the leader's reconciler takes it. */
export function reconcileMember(m: SerfMember): ReconcileMember {
  return { name: m.name, address: m.address.ip, tags: m.tags, status: m.status, protocol: { min: m.vsn[0] ?? 0, max: m.vsn[1] ?? 0, cur: m.vsn[2] ?? 0 } };
}

function withOverrides(base: SwimTiming, o: GossipTimingRuntime): SwimTiming {
  const t = { ...base, ...o };
  // memberlist requires the probe timeout below the interval; -dev sets both to 100 ms.
  if (t.probeTimeoutMs > t.probeIntervalMs) t.probeTimeoutMs = t.probeIntervalMs;
  return t;
}

export class AgentGossip {
  lan!: GossipPool;
  wan: GossipPool | undefined;
  /** Where each pool's keyring is kept (undefined: in memory only, or no encryption). */
  lanKeyringFile: string | undefined;
  wanKeyringFile: string | undefined;
  private readonly retryTimers = new Set<Timer>();
  private readonly logger: Logger;

  constructor(private readonly deps: AgentGossipDeps) {
    this.logger = deps.logger;
  }

  /** Sets up the keyrings, binds both pools and starts gossiping. */
  async start(): Promise<void> {
    const { config: c, clock, rng } = this.deps;
    const g = c.gossip;
    const hasWan = c.server && c.ports.serfWan > 0;
    const rings = await setupKeyrings({ dataDir: c.dataDir, encrypt: g.encrypt, wan: hasWan, disableKeyringFile: g.disableKeyringFile || c.dataDir === '' });
    for (const w of rings.warnings) this.logger.warn(w.message.trim(), { keyring: w.keyring });
    this.lanKeyringFile = rings.lanFile;
    this.wanKeyringFile = rings.wanFile;
    const role = c.server ? 'server' : 'client';
    // Consul keeps serf snapshots in data_dir/serf; -dev has none.
    const snapshotDir = c.devMode || c.dataDir === '' ? undefined : join(c.dataDir, 'serf');
    const poolLogger = this.deps.logger.named(role);
    this.lan = new GossipPool({
      kind: 'lan',
      name: c.nodeName,
      bindIp: g.lan.bindAddr,
      advertiseIp: c.advertiseAddr,
      port: c.ports.serfLan,
      timing: withOverrides(lanTiming, g.lan.timing),
      tags: serfTags(c),
      reconnectTimeoutMs: g.lan.reconnectTimeoutMs,
      keyring: rings.lan,
      verifyIncoming: g.encryptVerifyIncoming,
      verifyOutgoing: g.encryptVerifyOutgoing,
      clock,
      rng,
      logger: poolLogger,
      events: this.deps.lanEvents,
      snapshotPath: snapshotDir ? join(snapshotDir, 'local.snapshot') : undefined,
      rejoinAfterLeave: g.rejoinAfterLeave,
    });
    await this.lan.start();
    if (hasWan) {
      this.wan = new GossipPool({
        kind: 'wan',
        name: `${c.nodeName}.${c.datacenter}`,
        bindIp: g.wan.bindAddr,
        advertiseIp: g.wan.advertiseAddr,
        port: c.ports.serfWan,
        timing: withOverrides(wanTiming, g.wan.timing),
        tags: serfTags(c),
        reconnectTimeoutMs: g.wan.reconnectTimeoutMs,
        keyring: rings.wan,
        verifyIncoming: g.encryptVerifyIncoming,
        verifyOutgoing: g.encryptVerifyOutgoing,
        clock,
        rng,
        logger: poolLogger,
        events: {},
        snapshotPath: snapshotDir ? join(snapshotDir, 'remote.snapshot') : undefined,
        rejoinAfterLeave: g.rejoinAfterLeave,
      });
      try {
        await this.wan.start();
      } catch (err) {
        await this.lan.close();
        throw err;
      }
    }
  }

  /** Joins what `start_join` names (a failure is the agent's start error), then starts `retry_join`. */
  async joinAtStart(): Promise<void> {
    const g = this.deps.config.gossip;
    if (g.lan.startJoin.length > 0) {
      this.logger.info('Joining cluster...', { cluster: 'LAN' });
      const n = await this.join(g.lan.startJoin, false);
      this.logger.info('Join completed. Synced with initial agents', { cluster: 'LAN', num_agents: n });
    }
    if (this.wan && g.wan.startJoin.length > 0) await this.join(g.wan.startJoin, true);
    this.retryJoin('LAN', g.lan, false);
    if (this.wan) this.retryJoin('WAN', g.wan, true);
  }

  /** `retry_join`: keeps trying every `retry_interval` until one join works, or `retry_max` runs out. */
  private retryJoin(cluster: 'LAN' | 'WAN', j: JoinRuntime, wan: boolean): void {
    if (j.retryJoin.length === 0) return;
    this.logger.info('Joining cluster...', { cluster });
    let attempt = 0;
    const tryOnce = (): void => {
      attempt++;
      this.join(j.retryJoin, wan).then(
        (n) => this.logger.info('Join cluster completed. Synced with initial agents', { cluster, num_agents: n }),
        (err: Error) => {
          if (j.retryMax > 0 && attempt >= j.retryMax) {
            this.logger.error('Join cluster failed, no more retries', { cluster });
            this.deps.fatal(`agent: ${cluster === 'LAN' ? 'Join' : 'Join WAN'} cluster failed: ${err.message}`);
            return;
          }
          this.logger.warn('Join cluster failed, will retry', { cluster, retry_interval: `${j.retryIntervalMs / 1000}s`, error: err.message });
          const t = this.deps.clock.setTimer(j.retryIntervalMs, () => {
            this.retryTimers.delete(t);
            tryOnce();
          });
          this.retryTimers.add(t);
        },
      );
    };
    tryOnce();
  }

  members(wan: boolean): SerfMember[] {
    if (wan) return this.wan?.members() ?? [];
    return this.lan.members();
  }

  /** Joins through each address, logged as Consul's agent logs it; old user events are not replayed. */
  async join(addresses: readonly string[], wan: boolean): Promise<number> {
    const label = wan ? 'WAN' : 'LAN';
    // Go prints a []string as [a b]: Consul's line reads lan_addresses=[127.0.0.2].
    this.logger.info(`(${label}) joining`, { [wan ? 'wan_addresses' : 'lan_addresses']: `[${addresses.join(' ')}]` });
    try {
      if (wan && !this.wan) throw new MusterError('ERR_RPC', 'Must be a server to join WAN cluster');
      const n = await (wan ? this.wan! : this.lan).join(addresses, true);
      this.logger.info(`(${label}) joined`, { number_of_nodes: n });
      return n;
    } catch (err) {
      this.logger.warn(`(${label}) couldn't join`, { number_of_nodes: 0, error: (err as Error).message });
      throw err;
    }
  }

  /** Force-leave (Consul's Agent.ForceLeave): the node must be a LAN member; servers also clear it from the WAN. */
  async forceLeave(node: string, prune: boolean): Promise<void> {
    this.logger.info('Force leaving node', { node });
    if (!this.lan.members().some((m) => m.name === node)) throw new MusterError('ERR_RPC', `agent: No node found with name '${node}'`);
    try {
      await this.lan.forceLeave(node, prune);
      if (this.wan) {
        const dc = this.deps.config.datacenter;
        await this.wan.forceLeave(node.endsWith(`.${dc}`) ? node : `${node}.${dc}`, prune);
      }
    } catch (err) {
      this.logger.warn('Failed to remove node', { node, error: (err as Error).message });
      throw err;
    }
  }

  /** Graceful leave of both pools, WAN first (Consul's Server.Leave). */
  async leave(): Promise<void> {
    if (this.wan) await this.wan.leave();
    await this.lan.leave();
  }

  async close(): Promise<void> {
    for (const t of this.retryTimers) t.cancel();
    this.retryTimers.clear();
    await this.wan?.close();
    await this.lan?.close();
  }
}
