/**
 * The cluster's membership as Consul runs it: gossip's view of the servers (alive; failed once
 * down for swarm.failAfterMs; left) and the leader's duty of bringing the Raft configuration in
 * line with it, one change at a time, with the agent's own policy (server/raft-membership.ts
 * nextMembershipChange: a live server joins as a non-voter and is promoted once caught up and
 * stable; servers that left are removed; with CleanupDeadServers failed ones too, never a
 * majority) through the driver's changeConfiguration (SimServer.changeConfiguration, as
 * agent/leader-duties.ts calls RaftDriver's).
 *
 * Its own faults (swarm options): spare servers that start during the safety phase, voters that
 * leave (a leader removes itself, as Consul's Server.Leave does), servers that left coming back
 * with their old disk, and hashicorp's AddVoter of a server that has not caught up. A server
 * that left keeps running: if it never learnt of its removal it keeps campaigning, and must not
 * disrupt the others (pre-vote, check-quorum, leader stickiness). No new change starts after
 * the heal. Pure.
 */
import type { Rng } from '../../lib/index.js';
import type { ConfigurationChange } from '../../raft/index.js';
import { voterIds } from '../../raft/index.js';
import { nextMembershipChange } from '../../server/raft-membership.js';
import type { ServerMember } from '../../server/raft-membership.js';
import type { RaftConfigurationView, RaftPeerProgress } from '../../server/raft-view.js';
import type { EventQueue } from './event-queue.js';
import type { SimServer } from './server.js';
import type { Swarm } from './swarm.js';
import type { Trace } from './trace.js';

export interface OperatorEnv {
  q: EventQueue;
  rng: Rng;
  swarm: Swarm;
  trace: Trace;
  /** The initial servers, then the spares. */
  all: readonly SimServer[];
  /** The servers started so far (gossip members). */
  members: readonly SimServer[];
  /** A spare starts and joins gossip. */
  join(s: SimServer): void;
  leader(): SimServer | undefined;
}

/** Spares start at a uniform time within this share of the safety phase. */
const JOIN_WITHIN_SHARE = 0.6;
/** The leader looks for its next change this often (and leaves and rejoins are drawn as often). */
export const RECONCILE_MS = 50;

export const addressOf = (id: string): string => `addr-${id}`;

export class Operator {
  private active = true;
  private changing = false;
  private readonly left = new Set<string>();
  private readonly rejoinedAt = new Map<string, number>();
  readonly stats = { joins: 0, leaves: 0, rejoins: 0, proposed: 0, committed: 0, failed: 0, adds: 0, addVoters: 0, promotes: 0, removes: 0, selfRemovals: 0 };

  constructor(private readonly env: OperatorEnv) {}

  start(): void {
    const { q, swarm, rng, all, members } = this.env;
    for (const s of all) {
      if (members.includes(s)) continue;
      q.after(rng.next() * JOIN_WITHIN_SHARE * swarm.safetyMs, () => {
        if (!this.active) return;
        this.stats.joins++;
        this.env.trace.add(q.now, s.id, 'JOIN (a spare server starts)');
        this.env.join(s);
      });
    }
    q.after(RECONCILE_MS, () => this.step());
  }

  /** The liveness phase: no new change (one in flight may still commit). */
  heal(): void {
    this.active = false;
  }

  private step(): void {
    if (!this.active) return;
    const { rng, swarm, q } = this.env;
    if (rng.next() < swarm.leaveProb) this.leave();
    if (this.left.size > 0 && rng.next() < swarm.rejoinProb) this.rejoin();
    this.reconcile();
    q.after(RECONCILE_MS, () => this.step());
  }

  /** A voter leaves (gossip says 'left'): the leader, with swarm.leaveLeaderBias. */
  private leave(): void {
    const l = this.env.leader();
    if (l?.raft === undefined) return;
    const voters = voterIds(l.raft.configuration).filter((id) => !this.left.has(id));
    if (voters.length <= this.env.swarm.minVoters) return;
    const rng = this.env.rng;
    const id = voters.includes(l.id) && rng.next() < this.env.swarm.leaveLeaderBias ? l.id : voters[rng.int(voters.length)] as string;
    this.left.add(id);
    this.stats.leaves++;
    this.env.trace.add(this.env.q.now, id, `LEAVE${id === l.id ? ' (the leader)' : ''}`);
  }

  /** A server that left joins again, with the data it kept. */
  private rejoin(): void {
    const ids = [...this.left];
    const id = ids[this.env.rng.int(ids.length)] as string;
    this.left.delete(id);
    this.rejoinedAt.set(id, this.env.q.now);
    this.stats.rejoins++;
    this.env.trace.add(this.env.q.now, id, 'REJOIN');
  }

  /** Gossip's view of the servers started so far. */
  private gossip(): { members: ServerMember[]; liveSince: Map<string, number> } {
    const now = this.env.q.now;
    const members: ServerMember[] = [];
    const liveSince = new Map<string, number>();
    for (const s of this.env.members) {
      const failed = !s.up && now - s.sinceMs >= this.env.swarm.failAfterMs;
      const status = this.left.has(s.id) ? 'left' : failed ? 'failed' : 'alive';
      members.push({ id: s.id, name: s.id, address: addressOf(s.id), status, nonVoter: false });
      if (s.up && status === 'alive') liveSince.set(s.id, Math.max(s.sinceMs, this.rejoinedAt.get(s.id) ?? 0));
    }
    return { members, liveSince };
  }

  /** The leader's next change towards gossip's view, if none is in flight. */
  private reconcile(): void {
    const l = this.env.leader();
    if (this.changing || l?.raft === undefined) return;
    const st = l.raft.status();
    if (st.role !== 'leader' || st.progress === undefined) return;
    let change: ConfigurationChange | undefined;
    if (this.left.has(l.id) && st.configuration.servers.some((s) => s.id === l.id)) {
      change = { op: 'remove', id: l.id }; // Consul's Server.Leave on the leader
    } else {
      const view: RaftConfigurationView = {
        servers: st.configuration.servers.map((s) => ({ id: s.id, node: s.id, address: s.address, voter: s.suffrage === 'voter', leader: s.id === l.id })),
        index: st.configurationIndex,
      };
      const progress: RaftPeerProgress[] = [...st.progress].map(([id, p]) => ({ id, lastContactMs: p.lastContactTicks * l.tickMs, matchIndex: p.match }));
      const { members, liveSince } = this.gossip();
      const sw = this.env.swarm;
      const next = nextMembershipChange(l.id, view, members, progress, liveSince, this.env.q.now, {
        cleanupDeadServers: sw.cleanupDeadServers, stabilizationMs: sw.stabilizationMs, maxTrailingLogs: sw.maxTrailingLogs, minQuorum: 0,
      });
      if (next?.op === 'add-nonvoter') {
        const op = this.env.rng.next() < sw.addVoterProb ? 'add-voter' : 'add-nonvoter';
        change = { op, id: next.id, address: next.address };
      } else if (next !== undefined) change = { op: next.op, id: next.id };
    }
    if (change !== undefined) this.propose(l, change);
  }

  private propose(l: SimServer, change: ConfigurationChange): void {
    const { q, trace } = this.env;
    this.changing = true;
    this.stats.proposed++;
    l.changeConfiguration(change, (error) => {
      this.changing = false;
      if (error !== undefined) {
        this.stats.failed++;
        trace.add(q.now, l.id, `change ${change.op} ${change.id} failed: ${error}`);
        return;
      }
      this.stats.committed++;
      if (change.op === 'add-nonvoter') this.stats.adds++;
      else if (change.op === 'add-voter') this.stats.addVoters++;
      else if (change.op === 'promote') this.stats.promotes++;
      else if (change.op === 'remove') this.stats.removes++;
      if (change.op === 'remove' && change.id === l.id) this.stats.selfRemovals++;
      trace.add(q.now, l.id, `change ${change.op} ${change.id} committed`);
    });
  }
}
