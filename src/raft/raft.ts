/**
 * The Raft node: a synchronous state machine driven by tick() and step(), whose outputs are
 * collected with ready() and acknowledged with advance() (etcd-raft's shape). Pure: no I/O,
 * no clock, randomness only through the injected Rng. See README.md for the contract.
 */
import { assert, nullLogger } from '../lib/index.js';
import type { Logger } from '../lib/index.js';
import { resolveOptions } from './config.js';
import type { RaftOptions, ResolvedOptions } from './config.js';
import type { ConfigurationChange } from './configuration.js';
import { encodeConfiguration, isVoter, nextConfiguration, voterIds } from './configuration.js';
import { VoteTally, grantsVote } from './election.js';
import { Leader } from './leader.js';
import type { LeaderHost, TransferError } from './leader.js';
import { openLog } from './log.js';
import type { RaftLog } from './log.js';
import type { AppendMessage, HeartbeatMessage, InstallSnapshotMessage, Message, VoteMessage } from './messages.js';
import { handleAppend, handleSnapshot } from './follower.js';
import type { FollowerContext } from './follower.js';
import { Membership } from './membership.js';
import { errorTexts } from './status.js';
import type { ChangeError, ProposeError, RaftStatus } from './status.js';
import type { ReadMode } from './read-only.js';
import { Outbox } from './ready.js';
import type { Ready, Restored, Role, SoftState } from './ready.js';
import type { Configuration, Entry, HardState, ServerId, SnapshotMeta } from './types.js';

export class RaftNode {
  readonly id: ServerId;
  readonly opts: ResolvedOptions;
  private readonly logger: Logger;
  readonly log: RaftLog;
  private readonly membership: Membership;
  private term_ = 0;
  private vote: ServerId = '';
  private role: Role = 'follower';
  private leaderId: ServerId = '';
  private ticks_ = 0;
  private electionElapsed = 0;
  private randomizedElectionTicks = 0;
  /** Until electionTicks pass after a restart, votes are refused as if a leader was heard. */
  private bootLease = true;
  private readonly votes = new VoteTally();
  private leader: Leader | undefined;
  private readonly host: LeaderHost;
  private readonly outbox: Outbox;

  constructor(options: RaftOptions, restored: Restored) {
    this.opts = resolveOptions(options);
    this.id = this.opts.id;
    this.logger = (this.opts.logger ?? nullLogger).named('raft');
    const hs = restored.hardState;
    this.outbox = new Outbox(hs);
    this.vote = hs.vote;
    const opened = openLog(restored, this.logger);
    this.log = opened.log;
    this.term_ = opened.term;
    this.membership = new Membership(this.log);
    this.host = {
      id: this.id,
      opts: this.opts,
      log: this.log,
      term: () => this.term_,
      ticks: () => this.ticks_,
      configuration: () => this.membership.configuration,
      configurationIndex: () => this.membership.index,
      send: (m) => this.send(m),
      emitReads: (rs) => { for (const r of rs) this.outbox.readStates.push(r); },
      stepDown: (reason) => {
        this.logger.warn(`stepping down: ${reason}`, { term: this.term_ });
        this.becomeFollower(this.term_, '');
      },
    };
    // A server with no state at all never acknowledged a leader, so no lease can rest on it:
    // it may vote at once (the first election of a bootstrap_expect cluster need not wait).
    const brandNew = hs.term === 0 && restored.entries.length === 0 && restored.snapshot === undefined;
    this.bootLease = this.opts.startLease && !brandNew;
    this.resetElectionTimer();
  }

  // ---- inputs ----

  /** Starts an election now, as if the election timeout had passed (etcd's Campaign). */
  campaign(): void {
    if (this.leader === undefined && this.promotable()) this.startElection('pre-vote');
  }

  tick(): void {
    this.ticks_++;
    if (this.ticks_ >= this.opts.electionTicks) this.bootLease = false;
    if (this.leader !== undefined) {
      this.leader.tick();
      return;
    }
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTicks) {
      this.electionElapsed = 0;
      this.startElection('pre-vote');
    }
  }

  step(m: Message): void {
    if (m.to !== this.id || m.from === this.id) {
      this.logger.warn('dropping a misaddressed message', { from: m.from, to: m.to, type: m.type });
      return;
    }
    if (m.term > this.term_) {
      if ((m.type === 'vote' || m.type === 'pre-vote') && !m.transfer && this.inLease()) {
        this.logger.debug('ignoring a vote request: the leader was heard recently', { from: m.from, type: m.type });
        return;
      }
      if (m.type !== 'pre-vote' && !(m.type === 'pre-vote-response' && !m.reject)) {
        const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'install-snapshot';
        this.becomeFollower(m.term, fromLeader ? m.from : '');
      }
    } else if (m.term < this.term_) {
      this.stepLowerTerm(m);
      return;
    }
    switch (m.type) {
      case 'vote':
      case 'pre-vote':
        this.handleVote(m);
        return;
      case 'vote-response':
      case 'pre-vote-response':
        if ((this.role === 'candidate' && m.type === 'vote-response') ||
          (this.role === 'pre-candidate' && m.type === 'pre-vote-response')) this.poll(m.from, !m.reject);
        return;
      case 'append':
      case 'heartbeat':
      case 'install-snapshot':
        this.stepFromLeader(m);
        return;
      case 'append-response':
        this.leader?.handleAppendResponse(m);
        return;
      case 'heartbeat-response':
        this.leader?.handleHeartbeatResponse(m);
        return;
      case 'timeout-now':
        if (this.role === 'follower' && this.promotable()) {
          this.logger.info('leadership transfer: starting an election now', { from: m.from, term: this.term_ });
          this.startElection('transfer');
        }
        return;
    }
  }

  /**
   * A message from an older term. A stale leader (or a leader we outran by campaigning while
   * cut off) learns our term from an empty append-response; a pre-candidate behind us learns
   * it from the rejection, so it cannot get stuck at a lower term (etcd#8243).
   */
  private stepLowerTerm(m: Message): void {
    if (m.type === 'append' || m.type === 'heartbeat') {
      this.send({ type: 'append-response', from: this.id, to: m.from, term: this.term_, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === 'pre-vote') {
      this.send({ type: 'pre-vote-response', from: this.id, to: m.from, term: this.term_, reject: true });
    }
  }

  private stepFromLeader(m: AppendMessage | HeartbeatMessage | InstallSnapshotMessage): void {
    if (this.role === 'leader') {
      this.logger.error('two leaders in one term: ignoring a leader message', { from: m.from, term: m.term });
      return;
    }
    if (this.role !== 'follower') this.becomeFollower(m.term, m.from);
    this.leaderId = m.from;
    this.electionElapsed = 0;
    if (m.type === 'append') this.send(handleAppend(this.followerContext(), m));
    else if (m.type === 'install-snapshot') this.send(handleSnapshot(this.followerContext(), m));
    else {
      this.log.commitTo(m.commit);
      this.send({ type: 'heartbeat-response', from: this.id, to: m.from, term: this.term_, seq: m.seq, sentTick: m.sentTick });
    }
  }

  /** Followers that heard a leader within an election timeout ignore (pre)votes (§9.6, §4.2.3). */
  private inLease(): boolean {
    if (this.role === 'leader') return true;
    return (this.leaderId !== '' && this.electionElapsed < this.opts.electionTicks) || this.bootLease;
  }

  /**
   * Who may campaign: a voter of its latest configuration, and while that configuration is not
   * known committed any server of a non-empty one: a leader that removed itself and stepped
   * down before the change committed may hold the only log that can win (thesis §4.2.2 and
   * Fig. 4.6: it "should still start new elections, as it might still be needed until the Cnew
   * entry is committed"; hashicorp/raft 1.2's runFollower). Its own vote counts only where it
   * is a voter (VoteTally).
   */
  private promotable(): boolean {
    const m = this.membership;
    const pending = m.index > this.log.committed && m.configuration.servers.length > 0;
    return (isVoter(m.configuration, this.id) || pending) && this.log.pendingSnapshot === undefined;
  }

  // ---- elections ----

  private handleVote(m: VoteMessage): void {
    const st = { term: this.term_, vote: this.vote, leader: this.leaderId, log: this.log };
    const type = m.type === 'vote' ? 'vote-response' : 'pre-vote-response';
    if (!grantsVote(st, m)) {
      this.send({ type, from: this.id, to: m.from, term: this.term_, reject: true });
      return;
    }
    // Granted with the request's term: a pre-candidate from a future term counts it (etcd).
    this.send({ type, from: this.id, to: m.from, term: m.term, reject: false });
    if (m.type === 'vote') {
      this.electionElapsed = 0;
      this.vote = m.from;
    }
  }

  private startElection(kind: 'pre-vote' | 'vote' | 'transfer'): void {
    this.bootLease = false;
    this.votes.clear();
    let term: number;
    if (kind === 'pre-vote') {
      this.role = 'pre-candidate';
      this.leaderId = '';
      this.resetElectionTimer();
      term = this.term_ + 1;
      this.logger.info('entering pre-candidate state', { term: this.term_ });
    } else {
      this.becomeCandidate();
      term = this.term_;
    }
    const type = kind === 'pre-vote' ? 'pre-vote' : 'vote';
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of voterIds(this.membership.configuration)) {
      if (id === this.id) continue;
      this.send({ type, from: this.id, to: id, term, lastIndex, lastTerm, transfer: kind === 'transfer' });
    }
    // A pre-vote for oneself needs no disk; a real one counts once the vote is durable (advance).
    if (kind === 'pre-vote') this.poll(this.id, true);
  }

  private poll(from: ServerId, granted: boolean): void {
    const result = this.votes.record(voterIds(this.membership.configuration), from, granted);
    if (result === 'won' && this.role === 'pre-candidate') this.startElection('vote');
    else if (result === 'won') this.becomeLeader();
    else if (result === 'lost') {
      this.logger.info('election lost', { term: this.term_, role: this.role });
      this.becomeFollower(this.term_, '');
    }
  }

  private resetElectionTimer(): void {
    this.electionElapsed = 0;
    this.randomizedElectionTicks = this.opts.electionTicks + this.opts.rng.int(this.opts.electionTicks);
  }

  private resetTerm(term: number): void {
    if (term !== this.term_) {
      assert(term > this.term_, `raft: term going backwards (${this.term_} -> ${term})`);
      this.term_ = term;
      this.vote = '';
    }
    this.leaderId = '';
    this.votes.clear();
    this.resetElectionTimer();
    if (this.leader !== undefined) {
      for (const r of this.leader.close()) this.outbox.readStates.push(r);
      this.leader = undefined;
    }
  }

  private becomeFollower(term: number, leader: ServerId): void {
    const was = this.role;
    this.resetTerm(term);
    this.role = 'follower';
    this.leaderId = leader;
    if (was !== 'follower') this.logger.info('entering follower state', { term, leader });
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'raft: leader cannot become candidate');
    this.resetTerm(this.term_ + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.logger.info('entering candidate state', { term: this.term_ });
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', 'raft: only a candidate becomes leader');
    this.role = 'leader';
    this.leaderId = this.id;
    this.leader = new Leader(this.host);
    this.logger.info('election won: entering leader state', { term: this.term_ });
    // Raft §5.4.2 / §8: a no-op of the new term lets earlier entries commit.
    this.appendEntries([{ index: this.log.lastIndex() + 1, term: this.term_, type: 'noop', data: new Uint8Array(0) }]);
  }

  // ---- the log and the configuration ----

  /** Appends (after truncating any conflict); a configuration takes effect on append. */
  private appendEntries(entries: Entry[]): void {
    if (this.membership.append(entries)) this.configurationChanged();
    this.leader?.markBroadcast();
  }

  private followerContext(): FollowerContext {
    return {
      id: this.id,
      term: this.term_,
      log: this.log,
      logger: this.logger,
      append: (entries) => this.appendEntries(entries),
      restore: (s) => {
        this.membership.restore(s);
        this.configurationChanged();
      },
    };
  }

  private configurationChanged(): void {
    this.logger.info('configuration changed', {
      index: this.membership.index,
      servers: this.membership.configuration.servers.map((s) => `${s.id}:${s.suffrage}`).join(','),
    });
    if (this.leader !== undefined) {
      this.leader.syncProgress();
      this.leader.maybeCommit();
    }
  }

  // ---- proposals ----

  /** Appends a command; it is committed once a quorum stored it (see Ready.committedEntries). */
  propose(data: Uint8Array): { index: number; term: number } | { error: ProposeError; message: string } {
    const refused = this.refuseProposal();
    if (refused !== undefined) return refused;
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ index, term: this.term_, type: 'command', data }]);
    return { index, term: this.term_ };
  }

  private refuseProposal(): { error: ProposeError; message: string } | undefined {
    const fail = (error: ProposeError) => ({ error, message: errorTexts[error] });
    if (this.leader === undefined) return fail('not-leader');
    if (this.leader.transferee !== undefined) return fail('transferring');
    if (this.log.lastIndex() - this.log.committed >= this.opts.maxUncommittedEntries) return fail('busy');
    return undefined;
  }

  /**
   * One membership change (hashicorp/raft's AddVoter, AddNonvoter, DemoteVoter, RemoveServer).
   * Refused until this leader committed an entry of its term (raft-dev 2015) and while an
   * earlier change is uncommitted.
   */
  proposeConfigurationChange(change: ConfigurationChange): { index: number; term: number } | { error: ChangeError; message: string } {
    const refused = this.refuseProposal();
    if (refused !== undefined) return refused;
    const leader = this.leader as Leader;
    if (!leader.committedInTerm()) return { error: 'not-ready', message: errorTexts['not-ready'] };
    if (this.membership.index > this.log.committed) {
      return { error: 'pending-configuration', message: errorTexts['pending-configuration'] };
    }
    const next = nextConfiguration(this.membership.configuration, change);
    if ('error' in next) return { error: 'invalid', message: next.error };
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ index, term: this.term_, type: 'configuration', data: encodeConfiguration(next) }]);
    return { index, term: this.term_ };
  }

  /** Reads the commit index linearizably; the answer arrives in Ready.readStates. */
  readIndex(requestId: string, mode: ReadMode): void {
    if (this.leader === undefined) this.outbox.readStates.push({ requestId, error: 'not-leader' });
    else this.leader.read(requestId, mode);
  }

  /**
   * Hands leadership to `to` (default: the most caught-up voter): catch it up, then TimeoutNow.
   * Proposals are refused until it completes or an election timeout passes.
   */
  transferLeadership(to?: ServerId): { ok: true; to: ServerId } | { error: TransferError } {
    if (this.leader === undefined) return { error: 'not-leader' };
    return this.leader.transfer(to);
  }

  /** The driver could not send to `to` (its connection broke): probe it from match again. */
  reportUnreachable(to: ServerId): void {
    this.leader?.reportUnreachable(to);
  }

  /** The driver finished (or failed) streaming an install-snapshot to `to`. */
  reportSnapshot(to: ServerId, ok: boolean): void {
    this.leader?.reportSnapshot(to, ok);
  }

  /**
   * The driver took a snapshot at meta.index (<= applied): entries up to
   * index - trailingEntries are dropped. A snapshot older than the latest is ignored.
   */
  compact(meta: SnapshotMeta): { firstIndex: number; ignored: boolean } {
    const ok = this.log.compact(meta, this.opts.trailingEntries);
    if (!ok) this.logger.warn('ignoring a snapshot older than the latest one', { index: meta.index });
    return { firstIndex: this.log.firstIndex(), ignored: !ok };
  }

  /**
   * The metadata of a snapshot of the state at `index` (snapshotIndex <= index <= applied): its
   * term and the configuration in force there.
   */
  snapshotMetaAt(index: number): SnapshotMeta {
    return this.membership.snapshotMetaAt(index);
  }

  // ---- outputs ----

  private send(m: Message): void {
    assert(m.to !== this.id, 'raft: message to self');
    this.outbox.messages.push(m);
  }

  private hardState(): HardState {
    return { term: this.term_, vote: this.vote, commit: this.log.committed };
  }

  private softState(): SoftState {
    return { role: this.role, leader: this.leaderId };
  }

  hasReady(): boolean {
    if (this.outbox.busy()) return false;
    return this.outbox.pending(this.hardState(), this.softState(), this.log) || (this.leader?.needsFlush() ?? false);
  }

  /** The work to do now. One Ready at a time: call advance(ready) before the next. */
  ready(): Ready {
    this.leader?.flush();
    return this.outbox.take(this.hardState(), this.softState(), this.log, this.opts.maxCommittedEntriesPerReady);
  }

  /** The driver made `rd` durable, sent its messages and applied its committed entries. */
  advance(rd: Ready): void {
    this.outbox.accept(rd, this.log);
    // Our own vote counts once it is durable (a restart cannot vote twice in the term).
    const hs = rd.hardState;
    if (this.role === 'candidate' && hs !== undefined && hs.term === this.term_ && hs.vote === this.id) this.poll(this.id, true);
    this.leader?.selfStable(this.log.stable);
  }

  // ---- inspection ----

  get term(): number {
    return this.term_;
  }

  /**
   * A leader's commit moved and no append carried it yet: the driver calls announceCommit()
   * after a short delay (unless a write's append carries it first), so followers learn it
   * without an extra append and ack per write.
   */
  hasUnannouncedCommit(): boolean {
    return this.leader?.hasUnannouncedCommit() ?? false;
  }

  /** Sends the commit to the followers not yet told it (in the next Ready). */
  announceCommit(): void {
    this.leader?.announceCommit();
  }

  /** The role now (the next Ready's softState reports a change to the driver). */
  get currentRole(): Role {
    return this.role;
  }

  get configuration(): Configuration {
    return this.membership.configuration;
  }

  status(): RaftStatus {
    const progress = this.leader?.progress;
    return {
      id: this.id,
      term: this.term_,
      vote: this.vote,
      role: this.role,
      leader: this.leaderId,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshot?.index ?? 0,
      configuration: this.membership.configuration,
      configurationIndex: this.membership.index,
      leaderContactTicks: this.role === 'leader' ? 0 : this.electionElapsed,
      transferee: this.leader?.transferee,
      progress: progress === undefined ? undefined : new Map([...progress].map(([id, pr]) => [id, {
        match: pr.match, next: pr.next, state: pr.state, lastContactTicks: id === this.id ? 0 : this.ticks_ - pr.lastContactTick,
      }])),
    };
  }
}
