/**
 * What a RaftDriver is given and what it reports (README.md "Wiring").
 */
import type { Clock, Logger, Rng } from '../lib/index.js';
import type { Configuration, Entry, RaftOptions, RaftStatus, Role, ServerId, SnapshotMeta } from '../raft/index.js';
import type { StorageFs } from './storage/index.js';
import type { RaftTransport } from './transport.js';

/** The replicated state machine, as the driver drives it. */
export interface RaftFsm {
  /** Applies a committed command (synchronously); the result goes to the proposer. */
  apply(entry: Entry): unknown;
  /**
   * The state at the last applied index, in chunks. The state must be captured when this is
   * called (entries applied while the chunks are read must not show in them); chunks are
   * written out one at a time and never collected.
   */
  snapshot(): AsyncIterable<Uint8Array>;
  /** Replaces the whole state by a snapshot's (chunk boundaries are arbitrary). */
  restore(chunks: AsyncIterable<Uint8Array>, meta: SnapshotMeta): Promise<void>;
}

export interface RaftDriverOptions {
  id: ServerId;
  /** The agent's data_dir (the driver uses `raft/` under it); the agent holds its lock. */
  dataDir: string;
  transport: RaftTransport;
  fsm: RaftFsm;
  logger: Logger;
  clock: Clock;
  rng: Rng;
  tickMs?: number;
  /** The core's options (electionTicks, heartbeatTicks, trailingEntries, ...). */
  raft?: Omit<RaftOptions, 'id' | 'rng' | 'logger'>;
  /** Where a server's RPC port answers; default: its address in the configuration. */
  addressOf?: (id: ServerId) => string | undefined;
  /** For a brand-new server only: the cluster's first configuration (bootstrap). */
  bootstrap?: Configuration;
  snapshotThreshold?: number;
  snapshotIntervalMs?: number;
  fs?: StorageFs;
  segmentBytes?: number;
  /** Role, leader or term changed (as seen at a Ready). */
  onStateChange?: (state: { role: Role; leader: ServerId; term: number }) => void;
  /** The disk failed or the state machine threw: the driver stopped; the agent must exit. */
  onFatal?: (err: Error) => void;
}

export interface RaftDriverStatus extends RaftStatus {
  /** The FSM's applied index (the core's `applied` lags it by at most one Ready). */
  appliedIndex: number;
  /** Milliseconds since the leader was heard (0 on the leader): X-Consul-LastContact. */
  lastContactMs: number;
  leaderAddress: string | undefined;
}
