/**
 * What the server endpoints know of Raft: who leads, how fresh this server is, the read
 * barriers of the consistency modes, and the configuration (servers and their suffrage). The
 * agent implements it over raftio's RaftDriver; `-dev`'s in-memory log uses SoloRaft, in which
 * this one server always leads.
 */
import { MusterError } from '../lib/index.js';

export interface RaftServerView {
  /** The Raft server ID (the agent's node ID). */
  id: string;
  /** The server's node name ('' when gossip does not know it). */
  node: string;
  /** Its RPC address, `ip:port`. */
  address: string;
  voter: boolean;
  leader: boolean;
}

export interface RaftConfigurationView {
  servers: RaftServerView[];
  /** The index of the log entry that set this configuration. */
  index: number;
}

/** One server as the leader sees it (autopilot's server health). */
export interface RaftPeerProgress {
  id: string;
  /** Milliseconds since the leader heard from it (0 for the leader itself). */
  lastContactMs: number;
  /** The highest log index known to be on it. */
  matchIndex: number;
}

export interface RaftStats {
  term: number;
  lastIndex: number;
  commitIndex: number;
  appliedIndex: number;
  lastSnapshotIndex: number;
  state: 'Leader' | 'Follower' | 'Candidate';
}

export interface RaftView {
  isLeader(): boolean;
  /** The leader's RPC address, '' when no leader is known. */
  leaderAddress(): string;
  /** Milliseconds since the leader was last heard (0 on the leader): X-Consul-LastContact. */
  lastContactMs(): number;
  /**
   * Resolves once this server's state may answer a read: 'lease' (default reads, the leader's
   * lease holds) or 'quorum' (`?consistent`, leadership confirmed by a heartbeat round).
   * Rejects with a NotLeaderError (code ERR_NO_LEADER) on a server that does not lead.
   */
  readBarrier(mode: 'lease' | 'quorum'): Promise<void>;
  configuration(): RaftConfigurationView;
  /** Leader only: removes a server from the configuration; resolves once committed. */
  removeServer(id: string): Promise<void>;
  /** Leader only: every server's progress; undefined on a follower. */
  progress(): RaftPeerProgress[] | undefined;
  stats(): RaftStats;
}

/** The one server of an in-memory log (`-dev`): always the leader, its own only peer. */
export class SoloRaft implements RaftView {
  constructor(
    private readonly self: { id: string; node: string; address: string },
    private readonly log: { readonly lastIndex: number },
  ) {}

  isLeader(): boolean {
    return true;
  }

  leaderAddress(): string {
    return this.self.address;
  }

  lastContactMs(): number {
    return 0;
  }

  async readBarrier(): Promise<void> {}

  configuration(): RaftConfigurationView {
    return { servers: [{ ...this.self, voter: true, leader: true }], index: 1 };
  }

  async removeServer(id: string): Promise<void> {
    throw new MusterError('ERR_BAD_REQUEST', id === this.self.id ? 'cannot remove the only server of a single-server cluster' : `no server with ID ${JSON.stringify(id)} in the Raft configuration`);
  }

  progress(): RaftPeerProgress[] {
    return [{ id: this.self.id, lastContactMs: 0, matchIndex: this.log.lastIndex }];
  }

  stats(): RaftStats {
    const i = this.log.lastIndex;
    return { term: 1, lastIndex: i, commitIndex: i, appliedIndex: i, lastSnapshotIndex: 0, state: 'Leader' };
  }
}
