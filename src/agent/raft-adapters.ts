/**
 * The server endpoints' view of Raft, over raftio's RaftDriver: `RaftCommandLog` is the
 * CommandLog every write goes through (an entry proposed, resolved with the FSM's result once
 * applied here); `DriverRaftView` answers who leads, how fresh this server is, the read
 * barriers, the configuration and the leader's view of its followers.
 */
import type { CommandLog, Command, CommandResults, Fsm } from '../fsm/index.js';
import { encode } from '../lib/index.js';
import type { RaftDriver } from '../raftio/index.js';
import type { RaftConfigurationView, RaftPeerProgress, RaftStats, RaftView } from '../server/index.js';

export class RaftCommandLog implements CommandLog {
  constructor(
    private readonly driver: RaftDriver,
    private readonly fsm: Fsm,
  ) {}

  get lastIndex(): number {
    return this.fsm.lastApplied;
  }

  async apply<C extends Command>(command: C): Promise<CommandResults[C['type']]> {
    return (await this.driver.propose(encode(command))) as CommandResults[C['type']];
  }
}

export interface DriverRaftViewDeps {
  driver: RaftDriver;
  /** A server's node name from gossip ('' when unknown). */
  nodeName: (id: string) => string;
  tickMs: number;
}

export class DriverRaftView implements RaftView {
  constructor(private readonly deps: DriverRaftViewDeps) {}

  private get driver(): RaftDriver {
    return this.deps.driver;
  }

  isLeader(): boolean {
    return this.driver.isLeader;
  }

  leaderAddress(): string {
    return this.driver.status().leaderAddress ?? '';
  }

  lastContactMs(): number {
    return this.driver.status().lastContactMs;
  }

  readBarrier(mode: 'lease' | 'quorum'): Promise<void> {
    return this.driver.read(mode);
  }

  configuration(): RaftConfigurationView {
    const st = this.driver.status();
    return {
      index: st.configurationIndex,
      servers: st.configuration.servers.map((s) => ({
        id: s.id,
        node: this.deps.nodeName(s.id),
        address: s.address,
        voter: s.suffrage === 'voter',
        leader: s.id === st.leader,
      })),
    };
  }

  async removeServer(id: string): Promise<void> {
    await this.driver.changeConfiguration({ op: 'remove', id });
  }

  progress(): RaftPeerProgress[] | undefined {
    const st = this.driver.status();
    if (st.role !== 'leader' || st.progress === undefined) return undefined;
    return [...st.progress].map(([id, p]) => ({
      id,
      lastContactMs: id === st.id ? 0 : p.lastContactTicks * this.deps.tickMs,
      matchIndex: id === st.id ? st.lastIndex : p.match,
    }));
  }

  stats(): RaftStats {
    const st = this.driver.status();
    const state = st.role === 'leader' ? 'Leader' : st.role === 'follower' ? 'Follower' : 'Candidate';
    return { term: st.term, lastIndex: st.lastIndex, commitIndex: st.commit, appliedIndex: st.appliedIndex, lastSnapshotIndex: st.snapshotIndex, state };
  }
}
