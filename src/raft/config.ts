/**
 * Options of a RaftNode and their defaults. Time is counted in ticks: the driver calls
 * `tick()` at a fixed interval (Consul's defaults, ElectionTimeout 1 s and HeartbeatTimeout 1 s at
 * raft_multiplier 1, map to a 100 ms tick with electionTicks 10).
 */
import type { Logger, Rng } from '../lib/index.js';
import { assert } from '../lib/index.js';
import type { ServerId } from './types.js';

export interface RaftOptions {
  id: ServerId;
  /** Followers campaign after a random timeout in [electionTicks, 2 × electionTicks). */
  electionTicks?: number;
  /** A leader sends heartbeats every heartbeatTicks. Must be below electionTicks. */
  heartbeatTicks?: number;
  /**
   * A leader answers 'lease' reads while a quorum acknowledged heartbeats sent within the last
   * leaseTicks. Followers ignore votes for electionTicks after hearing the leader, so a lease
   * shorter than that tolerates a tick-rate drift of electionTicks / leaseTicks (hashicorp/raft:
   * LeaderLeaseTimeout 500 ms against ElectionTimeout 1 s, the same ratio as the default).
   */
  leaseTicks?: number;
  rng: Rng;
  logger?: Logger;
  /** Entries in one append message (hashicorp/raft MaxAppendEntries: 64). */
  maxEntriesPerAppend?: number;
  /** Bytes of entry data in one append message (at least one entry is always sent). */
  maxBytesPerAppend?: number;
  /** Append messages in flight to one follower in replicate state (hashicorp's pipeline: 128). */
  maxInflightAppends?: number;
  /** Entries a compaction keeps behind the snapshot index (Consul's raft TrailingLogs: 10240). */
  trailingEntries?: number;
  /** Proposals refused ('busy') while this many entries wait for commit: a memory bound. */
  maxUncommittedEntries?: number;
  /** Committed entries handed out in one Ready, so applying never blocks the loop for long. */
  maxCommittedEntriesPerReady?: number;
  /** Read requests a leader queues (before its first commit, or awaiting a quorum round). */
  maxPendingReads?: number;
  /**
   * Refuse (pre)votes for electionTicks after a start, as if a leader had just been heard: a
   * follower that restarts inside a leader's lease must not help elect another leader while
   * that lease lasts. Default true; scenario tests turn it off to elect at once.
   */
  startLease?: boolean;
}

export type ResolvedOptions = Required<Omit<RaftOptions, 'logger'>> & { logger: Logger | undefined };

/**
 * How long a leader's driver waits before it sends a new commit index alone (announceCommit;
 * raftio's driver and the simulator's servers both use this): the next write's append usually
 * carries it sooner, so a lone writer no longer costs every follower an empty append and an ack
 * per write (a third of the Raft socket writes at one client). Followers apply, and answer
 * ?stale reads, at most this much later.
 */
export const commitAnnounceMs = 2;

export const raftDefaults = {
  electionTicks: 10,
  heartbeatTicks: 1,
  maxEntriesPerAppend: 64,
  maxBytesPerAppend: 1024 * 1024,
  maxInflightAppends: 128,
  trailingEntries: 10240,
  maxUncommittedEntries: 16384,
  maxCommittedEntriesPerReady: 1024,
  maxPendingReads: 4096,
} as const;

export function resolveOptions(o: RaftOptions): ResolvedOptions {
  const electionTicks = o.electionTicks ?? raftDefaults.electionTicks;
  const r: ResolvedOptions = {
    id: o.id,
    rng: o.rng,
    logger: o.logger,
    electionTicks,
    heartbeatTicks: o.heartbeatTicks ?? raftDefaults.heartbeatTicks,
    leaseTicks: o.leaseTicks ?? Math.max(1, Math.floor(electionTicks / 2)),
    maxEntriesPerAppend: o.maxEntriesPerAppend ?? raftDefaults.maxEntriesPerAppend,
    maxBytesPerAppend: o.maxBytesPerAppend ?? raftDefaults.maxBytesPerAppend,
    maxInflightAppends: o.maxInflightAppends ?? raftDefaults.maxInflightAppends,
    trailingEntries: o.trailingEntries ?? raftDefaults.trailingEntries,
    maxUncommittedEntries: o.maxUncommittedEntries ?? raftDefaults.maxUncommittedEntries,
    maxCommittedEntriesPerReady: o.maxCommittedEntriesPerReady ?? raftDefaults.maxCommittedEntriesPerReady,
    maxPendingReads: o.maxPendingReads ?? raftDefaults.maxPendingReads,
    startLease: o.startLease ?? true,
  };
  assert(r.id !== '', 'raft: id must not be empty');
  assert(r.heartbeatTicks >= 1 && r.electionTicks > r.heartbeatTicks, 'raft: need 1 <= heartbeatTicks < electionTicks');
  assert(r.leaseTicks >= 1 && r.leaseTicks <= r.electionTicks, 'raft: need 1 <= leaseTicks <= electionTicks');
  for (const k of ['maxEntriesPerAppend', 'maxBytesPerAppend', 'maxInflightAppends', 'maxUncommittedEntries',
    'maxCommittedEntriesPerReady', 'maxPendingReads'] as const) {
    assert(Number.isSafeInteger(r[k]) && r[k] >= 1, `raft: ${k} must be a positive integer`);
  }
  assert(Number.isSafeInteger(r.trailingEntries) && r.trailingEntries >= 0, 'raft: trailingEntries must be >= 0');
  return r;
}
