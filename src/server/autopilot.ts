/**
 * Autopilot's server health, pure (Consul's agent/consul/autopilot/{autopilot,structs}.go):
 * each server's health as the leader sees it and the cluster's failure tolerance. The leader's
 * timer lives in OperatorEndpoint; promotions and dead-server cleanup are the leader's
 * membership decisions (raft-membership.ts).
 */
import type { AutopilotConfig } from '../state/index.js';
import type { RaftConfigurationView, RaftPeerProgress } from './raft-view.js';

/** serf.MemberStatus names; 'none' is a Raft server gossip does not know. */
export type ServerStatus = 'none' | 'alive' | 'leaving' | 'left' | 'failed' | 'reaped';

/** A server as gossip knows it (Consul's autopilot.ServerInfo from the LAN pool). */
export interface AutopilotServer {
  /** Its Raft server ID (the `id` tag: the node ID). */
  id: string;
  name: string;
  /** Its RPC address, `ip:port`, as the Raft configuration holds it. */
  address: string;
  status: Exclude<ServerStatus, 'none'>;
  /** Its build version (`1.8.7`, the `build` tag up to any `:`). */
  build: string;
  /** The `raft_vsn` tag; Muster servers speak Raft protocol 3. */
  raftVsn?: string;
}

/** What the leader knows of one server's log. `lastTerm` when the RaftView can tell it. */
export type PeerStats = RaftPeerProgress & { lastTerm?: number };

/** Consul's autopilot.ServerHealth. LastContact -1 means never heard (Consul's "-1ns"). */
export interface ServerHealth {
  id: string;
  name: string;
  address: string;
  serfStatus: ServerStatus;
  version: string;
  leader: boolean;
  lastContactMs: number;
  lastTerm: number;
  lastIndex: number;
  healthy: boolean;
  voter: boolean;
  /** Wall-clock ms of the last change of `healthy`; undefined is Go's zero time. */
  stableSinceMs: number | undefined;
}

/** Consul's autopilot.OperatorHealthReply. */
export interface OperatorHealth {
  healthy: boolean;
  failureTolerance: number;
  servers: ServerHealth[];
}

/** A server never heard from: Consul's LastContact of -1 (ns), shown as "-1ns". */
export const neverContactedMs = -1e-6;

/** The zero reply Consul answers before its first health pass (unhealthy, no servers). */
export const emptyHealth: OperatorHealth = { healthy: false, failureTolerance: 0, servers: [] };

/** ServerHealth.IsHealthy. */
export function isHealthy(h: ServerHealth, leaderTerm: number, leaderLastIndex: number, conf: AutopilotConfig): boolean {
  if (h.serfStatus !== 'alive') return false;
  if (h.lastContactMs > conf.lastContactThresholdMs || h.lastContactMs < 0) return false;
  if (h.lastTerm !== leaderTerm) return false;
  if (leaderLastIndex > conf.maxTrailingLogs && h.lastIndex < leaderLastIndex - conf.maxTrailingLogs) return false;
  return true;
}

/** ServerHealth.IsStable: healthy for at least ServerStabilizationTime. */
export function isStable(h: ServerHealth | undefined, nowMs: number, conf: AutopilotConfig): boolean {
  if (!h || !h.healthy || h.stableSinceMs === undefined) return false;
  return nowMs - h.stableSinceMs >= conf.serverStabilizationTimeMs;
}

export interface HealthInput {
  configuration: RaftConfigurationView;
  /** Server members of the LAN pool (left ones are ignored, as Consul does). */
  members: readonly AutopilotServer[];
  /** The leader's view of every server's log (RaftView.progress()). */
  progress: readonly PeerStats[];
  leaderTerm: number;
  leaderLastIndex: number;
  conf: AutopilotConfig;
  previous: OperatorHealth;
  nowMs: number;
}

/** updateClusterHealth: one pass over the Raft configuration. */
export function computeClusterHealth(input: HealthInput): OperatorHealth {
  const members = new Map<string, AutopilotServer>();
  for (const m of input.members) if (m.status !== 'left' && m.status !== 'reaped') members.set(m.id, m);
  const stats = new Map(input.progress.map((p) => [p.id, p]));
  const previous = new Map(input.previous.servers.map((s) => [s.id, s]));
  const servers: ServerHealth[] = [];
  let voters = 0;
  let healthyCount = 0;
  let healthyVoters = 0;
  for (const s of input.configuration.servers) {
    const h: ServerHealth = {
      id: s.id,
      name: '',
      address: s.address,
      serfStatus: 'none',
      version: '',
      leader: s.leader,
      lastContactMs: neverContactedMs,
      lastTerm: 0,
      lastIndex: 0,
      healthy: false,
      voter: s.voter,
      stableSinceMs: undefined,
    };
    const member = members.get(s.id);
    // A failed server does not answer the leader's stats request (Consul's Status.RaftStats).
    const st = member && member.status !== 'failed' ? stats.get(s.id) : undefined;
    if (member) {
      h.name = member.name;
      h.serfStatus = member.status;
      h.version = member.build;
    }
    if (member && st) {
      h.lastIndex = st.matchIndex;
      // Without a term from the RaftView, a server holding entries is taken to be in this term.
      h.lastTerm = st.lastTerm ?? (st.matchIndex > 0 ? input.leaderTerm : 0);
      h.lastContactMs = st.lastContactMs;
      h.healthy = isHealthy(h, input.leaderTerm, input.leaderLastIndex, input.conf);
      const last = previous.get(s.id);
      h.stableSinceMs = last && last.healthy === h.healthy ? last.stableSinceMs : input.nowMs;
    }
    if (h.voter) voters++;
    if (h.healthy) {
      healthyCount++;
      if (h.voter) healthyVoters++;
    }
    servers.push(h);
  }
  const quorum = Math.floor(voters / 2) + 1;
  return {
    healthy: healthyCount === servers.length,
    failureTolerance: healthyVoters > quorum ? healthyVoters - quorum : 0,
    servers,
  };
}
