/**
 * Which one change the leader makes next to bring the Raft configuration in line with gossip
 * (Consul's leader.go joinConsulServer / removeConsulServer and autopilot's server promotion
 * and dead-server cleanup), as a pure decision:
 *
 * - a live server of this datacenter that is not in the configuration joins as a non-voter,
 *   so it catches up before it counts for a quorum;
 * - a non-voter that has the leader's log (within `maxTrailingLogs`) and has been live for
 *   `stabilizationMs` is promoted to voter;
 * - a server that left (or that gossip forgot, or whose address now answers under another ID)
 *   is removed;
 * - with `cleanupDeadServers`, failed servers are removed, but only while they are fewer than
 *   half of the voters (autopilot's pruneDeadServers: never remove a majority).
 *
 * One change at a time: Raft takes one configuration change at once.
 */
import type { RaftConfigurationView, RaftPeerProgress } from './raft-view.js';

export interface ServerMember {
  /** Node ID (the Raft server ID). */
  id: string;
  name: string;
  /** RPC address `ip:port`. */
  address: string;
  status: 'alive' | 'leaving' | 'left' | 'failed' | 'reaped';
  nonVoter: boolean;
}

export interface MembershipPolicy {
  cleanupDeadServers: boolean;
  stabilizationMs: number;
  maxTrailingLogs: number;
  /** Autopilot's MinQuorum: dead servers are not removed below this many voters (0: no floor). */
  minQuorum: number;
}

export type MembershipChange =
  | { op: 'add-nonvoter'; id: string; address: string; name: string }
  | { op: 'promote'; id: string; name: string }
  | { op: 'remove'; id: string; name: string; why: 'left' | 'failed' | 'unknown' };

export function nextMembershipChange(
  self: string,
  config: RaftConfigurationView,
  members: readonly ServerMember[],
  progress: readonly RaftPeerProgress[],
  liveSinceMs: ReadonlyMap<string, number>,
  nowMs: number,
  policy: MembershipPolicy,
): MembershipChange | undefined {
  const byId = new Map(members.map((m) => [m.id, m]));
  const inConfig = new Set(config.servers.map((s) => s.id));
  for (const m of members) {
    if (m.status !== 'alive' || inConfig.has(m.id)) continue;
    // The same address under another ID: a server that lost its data_dir. The old entry goes first.
    const stale = config.servers.find((s) => s.address === m.address && s.id !== self);
    if (stale !== undefined) return { op: 'remove', id: stale.id, name: m.name, why: 'unknown' };
    return { op: 'add-nonvoter', id: m.id, address: m.address, name: m.name };
  }
  for (const s of config.servers) {
    if (s.id === self) continue;
    const m = byId.get(s.id);
    if (m === undefined || m.status === 'left' || m.status === 'reaped') return { op: 'remove', id: s.id, name: m?.name ?? s.node, why: m === undefined ? 'unknown' : 'left' };
  }
  if (policy.cleanupDeadServers) {
    const voters = config.servers.filter((s) => s.voter).length;
    const failed = config.servers.filter((s) => s.id !== self && byId.get(s.id)?.status === 'failed');
    if (failed.length > 0 && failed.length < voters / 2 && voters - 1 >= policy.minQuorum) return { op: 'remove', id: failed[0]!.id, name: byId.get(failed[0]!.id)!.name, why: 'failed' };
  }
  const leaderIndex = progress.find((p) => p.id === self)?.matchIndex ?? 0;
  for (const s of config.servers) {
    const m = byId.get(s.id);
    if (s.voter || m === undefined || m.status !== 'alive' || m.nonVoter) continue;
    const match = progress.find((p) => p.id === s.id)?.matchIndex ?? 0;
    const since = liveSinceMs.get(s.id);
    if (leaderIndex - match <= policy.maxTrailingLogs && since !== undefined && nowMs - since >= policy.stabilizationMs) {
      return { op: 'promote', id: s.id, name: m.name };
    }
  }
  return undefined;
}
