/**
 * The data Raft keeps and exchanges: the contract between the pure core (`src/raft`), the disk
 * (`src/raftio`), the transport and the simulator (`src/sim/raft`). Nothing here does I/O.
 *
 * Terms and indexes are plain numbers (safe integers: 2^53 entries is far beyond any log).
 * Index 0 / term 0 mean "nothing": the first entry of a log has index 1.
 */

/** A server's identity: Consul's node ID (a UUID), stable across restarts and address changes. */
export type ServerId = string;

/**
 * A log entry. `command`: an FSM command (msgpack bytes, opaque to Raft). `noop`: what a new
 * leader appends to commit entries of earlier terms (Raft §5.4.2). `configuration`: `data` is an
 * encoded `Configuration`, in effect as soon as it is appended (thesis §4.1).
 */
export interface Entry {
  index: number;
  term: number;
  type: 'command' | 'noop' | 'configuration';
  data: Uint8Array;
}

/** hashicorp/raft's suffrage: a non-voter receives the log but counts for no quorum. */
export type Suffrage = 'voter' | 'nonvoter';

export interface ServerConfig {
  id: ServerId;
  /** Where its RPC port answers (`ip:port`); what `/v1/status/peers` lists. */
  address: string;
  suffrage: Suffrage;
}

/** The cluster membership (hashicorp/raft's Configuration). Order is insertion order. */
export interface Configuration {
  servers: ServerConfig[];
}

/**
 * What must be on disk before this server sends any message that depends on it (a vote, an
 * append acknowledgement): Raft Fig. 2 "persistent state on all servers". `commit` is stored as a
 * hint only (it lets a restarted server apply sooner); safety never depends on it.
 */
export interface HardState {
  term: number;
  /** The candidate voted for in `term`, or '' for none. */
  vote: ServerId;
  commit: number;
}

/** Describes a snapshot: the state after applying every entry up to `index`. */
export interface SnapshotMeta {
  index: number;
  term: number;
  configuration: Configuration;
  /** The index of the entry that set `configuration` (0 for a bootstrap configuration). */
  configurationIndex: number;
}

export const emptyHardState: HardState = Object.freeze({ term: 0, vote: '', commit: 0 });
