/**
 * A RaftView whose cluster a test describes (tests only): the servers and their suffrage, who
 * leads, and what the leader knows of each server's log. A follower's reads reject as the real
 * driver's do (ERR_NO_LEADER), so callers can forward them.
 */
import { MusterError } from '../lib/index.js';
import type { RaftConfigurationView, RaftPeerProgress, RaftServerView, RaftStats, RaftView } from './raft-view.js';

export class FakeRaft implements RaftView {
  servers: RaftServerView[];
  configIndex = 1;
  leading = true;
  term = 2;
  lastIndex = 10;
  progressById = new Map<string, RaftPeerProgress & { lastTerm?: number }>();
  readonly removed: string[] = [];
  removeError: Error | undefined;

  constructor(servers: Array<Omit<RaftServerView, 'leader'> & { leader?: boolean }>) {
    this.servers = servers.map((s) => ({ ...s, leader: s.leader ?? false }));
  }

  isLeader(): boolean {
    return this.leading;
  }

  leaderAddress(): string {
    return this.servers.find((s) => s.leader)?.address ?? '';
  }

  lastContactMs(): number {
    return 0;
  }

  async readBarrier(): Promise<void> {
    if (!this.leading) throw new MusterError('ERR_NO_LEADER', 'node is not the leader');
  }

  configuration(): RaftConfigurationView {
    return { servers: this.servers.map((s) => ({ ...s })), index: this.configIndex };
  }

  async removeServer(id: string): Promise<void> {
    if (!this.leading) throw new MusterError('ERR_NO_LEADER', 'node is not the leader');
    if (this.removeError) throw this.removeError;
    this.removed.push(id);
    this.servers = this.servers.filter((s) => s.id !== id);
  }

  progress(): Array<RaftPeerProgress & { lastTerm?: number }> | undefined {
    if (!this.leading) return undefined;
    return this.servers.map((s) => this.progressById.get(s.id) ?? { id: s.id, lastContactMs: 0, matchIndex: this.lastIndex, lastTerm: this.term });
  }

  stats(): RaftStats {
    const i = this.lastIndex;
    return { term: this.term, lastIndex: i, commitIndex: i, appliedIndex: i, lastSnapshotIndex: 0, state: this.leading ? 'Leader' : 'Follower' };
  }
}
