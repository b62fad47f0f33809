/**
 * A leader's state for one term: per-server progress, replication (batched, pipelined, with
 * probing and snapshots), the commit rule, heartbeats, check-quorum, the lease, read index
 * and leadership transfer. Created on election, dropped on stepping down, so nothing of it
 * outlives the term.
 */
import { assert } from '../lib/index.js';
import type { ResolvedOptions } from './config.js';
import { isVoter, quorumIndex, quorumSize, voterIds } from './configuration.js';
import type { RaftLog } from './log.js';
import type { AppendResponse, HeartbeatResponse, Message } from './messages.js';
import { Progress } from './progress.js';
import type { ReadMode, ReadState } from './read-only.js';
import { ReadOnlyQueue } from './read-only.js';
import type { Configuration, ServerId } from './types.js';

/** What the leader needs from its node. */
export interface LeaderHost {
  readonly id: ServerId;
  readonly opts: ResolvedOptions;
  readonly log: RaftLog;
  term(): number;
  /** The node's tick counter (monotonic since start). */
  ticks(): number;
  configuration(): Configuration;
  configurationIndex(): number;
  send(m: Message): void;
  emitReads(rs: ReadState[]): void;
  stepDown(reason: string): void;
}

export type TransferError = 'not-leader' | 'no-target' | 'not-voter' | 'self';

export class Leader {
  readonly progress = new Map<ServerId, Progress>();
  readonly reads: ReadOnlyQueue;
  transferee: ServerId | undefined;
  /** Set once leadership is lost: nothing may be sent any more. */
  closed = false;
  private transferStartTick = 0;
  /** When the last TimeoutNow was sent: its target may win an election with forced votes. */
  private timeoutNowTick = -Infinity;
  private heartbeatElapsed = 0;
  /** Appends (new entries or a newer commit) to send at the next Ready. */
  private broadcastPending = true;
  /**
   * The commit moved and no append has carried it to the followers yet. It is not sent at once:
   * the next append (the next write) carries it, or the driver's short timer (announceCommit)
   * sends it alone, so a lone writer does not cost every follower an extra append and ack.
   */
  private commitUnannounced = false;
  /** Highest commit index each follower was told. */
  private readonly sentCommit = new Map<ServerId, number>();

  constructor(private readonly host: LeaderHost) {
    this.reads = new ReadOnlyQueue(host.opts.maxPendingReads);
    this.syncProgress();
    const self = this.progress.get(host.id);
    if (self !== undefined) {
      self.match = host.log.stable;
      self.becomeReplicate();
    }
  }

  private get opts(): ResolvedOptions {
    return this.host.opts;
  }

  /** Progress for every server of the latest configuration (and self); new ones probe. */
  syncProgress(): void {
    const h = this.host;
    const ids = [h.id, ...h.configuration().servers.map((s) => s.id)];
    for (const id of ids) {
      if (!this.progress.has(id)) {
        this.progress.set(id, new Progress(h.log.lastIndex(), this.opts.maxInflightAppends, h.ticks()));
        this.broadcastPending = true;
      }
    }
    if (this.transferee !== undefined && !isVoter(h.configuration(), this.transferee)) this.abortTransfer();
    this.pruneRemoved();
  }

  /** Forgets servers that left, once the configuration without them is committed. */
  private pruneRemoved(): void {
    const h = this.host;
    if (h.configurationIndex() > h.log.committed) return;
    for (const id of [...this.progress.keys()]) {
      if (id !== h.id && !h.configuration().servers.some((s) => s.id === id)) {
        this.progress.delete(id);
        this.sentCommit.delete(id);
      }
    }
  }

  committedInTerm(): boolean {
    return this.host.log.term(this.host.log.committed) === this.host.term();
  }

  // ---- replication ----

  /** Sends an append (or a snapshot) to `to` if its progress allows. */
  sendAppend(to: ServerId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || to === this.host.id || pr.isPaused()) return false;
    const log = this.host.log;
    const prevIndex = pr.next - 1;
    const prevTerm = log.term(prevIndex);
    if (prevTerm === undefined || pr.next < log.firstIndex()) return this.sendSnapshot(to, pr);
    const entries = pr.state === 'replicate' && pr.inflights.full()
      ? []
      : log.slice(pr.next, log.lastIndex(), this.opts.maxEntriesPerAppend, this.opts.maxBytesPerAppend);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const commit = log.committed;
    this.host.send({ type: 'append', from: this.host.id, to, term: this.host.term(), prevIndex, prevTerm, entries, commit });
    pr.sentEntries(entries.length);
    this.noteSentCommit(to, Math.min(commit, prevIndex + entries.length));
    return true;
  }

  private sendSnapshot(to: ServerId, pr: Progress): boolean {
    const s = this.host.log.snapshot;
    assert(s !== undefined, 'raft: a follower needs compacted entries but there is no snapshot');
    pr.becomeSnapshot(s.index);
    this.host.send({ type: 'install-snapshot', from: this.host.id, to, term: this.host.term(), snapshot: s });
    return true;
  }

  private noteSentCommit(to: ServerId, commit: number): void {
    if (commit > (this.sentCommit.get(to) ?? 0)) this.sentCommit.set(to, commit);
  }

  /** Sends what each follower lacks, pipelining up to its window. */
  private broadcastAppend(): void {
    const commit = this.host.log.committed;
    for (const id of this.progress.keys()) {
      if (id === this.host.id) continue;
      const needsCommit = (this.sentCommit.get(id) ?? 0) < commit;
      if (!this.sendAppend(id, needsCommit)) continue;
      while (this.sendAppend(id, false)) { /* fill the pipeline */ }
    }
  }

  markBroadcast(): void {
    this.broadcastPending = true;
  }

  /** Whether the commit moved since an append last carried it (see commitUnannounced). */
  hasUnannouncedCommit(): boolean {
    return this.commitUnannounced;
  }

  /** Sends the commit to the followers that were not told it, in the next Ready. */
  announceCommit(): void {
    if (this.commitUnannounced) this.broadcastPending = true;
  }

  needsFlush(): boolean {
    return this.broadcastPending || this.reads.needsRound();
  }

  /** Sends the appends and heartbeat round queued since the last Ready (batching). */
  flush(): void {
    if (this.broadcastPending) {
      this.broadcastPending = false;
      this.commitUnannounced = false;
      this.broadcastAppend();
    }
    if (this.reads.needsRound()) this.broadcastHeartbeat();
  }

  private broadcastHeartbeat(): void {
    const h = this.host;
    const seq = this.reads.nextRound();
    for (const [id, pr] of this.progress) {
      if (id === h.id) continue;
      const commit = Math.min(pr.match, h.log.committed);
      h.send({ type: 'heartbeat', from: h.id, to: id, term: h.term(), commit, seq, sentTick: h.ticks() });
      this.noteSentCommit(id, commit);
    }
    this.heartbeatElapsed = 0;
  }

  /** The leader's own entries became durable up to `stable`. */
  selfStable(stable: number): void {
    const self = this.progress.get(this.host.id);
    if (self !== undefined && self.maybeUpdate(stable)) this.maybeCommit();
  }

  handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    const log = this.host.log;
    if (pr === undefined || m.index > log.lastIndex()) return; // not ours, or nonsense
    pr.lastContactTick = this.host.ticks();
    if (m.reject) {
      const hint = m.hintTerm > 0 ? log.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        const sc = this.sentCommit.get(m.from) ?? 0;
        if (sc > pr.next - 1) this.sentCommit.set(m.from, pr.next - 1);
        this.sendAppend(m.from, true);
      }
      return;
    }
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match + 1 >= log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);
    this.maybeCommit();
    if (this.closed) return; // a removal committed and stepped us down
    while (this.sendAppend(m.from, false)) { /* refill the pipeline */ }
    if (m.from === this.transferee && pr.match === log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.lastContactTick = this.host.ticks();
    pr.paused = false;
    if (pr.match < this.host.log.lastIndex() || pr.state === 'probe') this.sendAppend(m.from, true);
    if (m.seq > pr.ackedSeq) pr.ackedSeq = m.seq;
    if (m.sentTick > pr.ackedSentTick) pr.ackedSentTick = m.sentTick;
    const self = this.host.id;
    const confirmed = quorumIndex(voterIds(this.host.configuration()), (id) =>
      id === self ? this.reads.seq : this.progress.get(id)?.ackedSeq ?? 0);
    const released = this.reads.release(confirmed);
    if (released.length > 0) this.host.emitReads(released);
  }

  /** Fig. 8: commit the quorum's index only if it is an entry of the current term. */
  maybeCommit(): boolean {
    const h = this.host;
    const firstInTerm = !this.committedInTerm();
    const idx = quorumIndex(voterIds(h.configuration()), (id) => this.progress.get(id)?.match ?? 0);
    if (idx <= h.log.committed || h.log.term(idx) !== h.term()) return false;
    h.log.commitTo(idx);
    this.commitUnannounced = true;
    if (firstInTerm) for (const w of this.reads.takeWaiting()) this.serveRead(w.requestId, w.mode);
    if (h.configurationIndex() <= idx) {
      this.pruneRemoved();
      if (!isVoter(h.configuration(), h.id)) {
        this.broadcastPending = true;
        this.flush(); // tell the others about the commit before leaving
        h.stepDown('removed from the configuration');
      }
    }
    return true;
  }

  // ---- time ----

  /** One tick: heartbeats, check-quorum, the transfer deadline. */
  tick(): void {
    const h = this.host;
    this.heartbeatElapsed++;
    if (this.heartbeatElapsed >= this.opts.heartbeatTicks) this.broadcastHeartbeat();
    if (this.transferee !== undefined && h.ticks() - this.transferStartTick >= this.opts.electionTicks) {
      h.opts.logger?.info('raft: leadership transfer timed out', { to: this.transferee });
      this.abortTransfer();
    }
    if (!this.quorumActive()) h.stepDown('no quorum heard within an election timeout (check-quorum)');
  }

  /** Check-quorum (thesis §6.2): a quorum of voters was heard within electionTicks. */
  private quorumActive(): boolean {
    return this.countVoters((pr) => this.host.ticks() - pr.lastContactTick < this.opts.electionTicks);
  }

  /** Whether the leader lease holds: a quorum acknowledged heartbeats sent within leaseTicks. */
  leaseHeld(): boolean {
    return this.countVoters((pr) => this.host.ticks() - pr.ackedSentTick < this.opts.leaseTicks);
  }

  private countVoters(alive: (pr: Progress) => boolean): boolean {
    const h = this.host;
    const voters = voterIds(h.configuration());
    if (voters.length === 0) return false;
    let n = 0;
    for (const id of voters) {
      const pr = this.progress.get(id);
      if (id === h.id || (pr !== undefined && alive(pr))) n++;
    }
    return n >= quorumSize(voters.length);
  }

  // ---- reads ----

  /**
   * Lease reads are off during a transfer and for an election timeout after a TimeoutNow was
   * sent: its target's election ignores the voters' stickiness the lease relies on.
   */
  private leaseUsable(): boolean {
    const sinceTimeoutNow = this.host.ticks() - this.timeoutNowTick;
    return this.transferee === undefined && sinceTimeoutNow >= this.opts.electionTicks && this.leaseHeld();
  }

  read(requestId: string, mode: ReadMode): void {
    if (this.reads.full()) {
      this.host.emitReads([{ requestId, error: 'busy' }]);
      return;
    }
    if (!this.committedInTerm()) {
      this.reads.wait(requestId, mode);
      return;
    }
    this.serveRead(requestId, mode);
  }

  private serveRead(requestId: string, mode: ReadMode): void {
    const h = this.host;
    const voters = voterIds(h.configuration());
    const alone = voters.length === 1 && voters[0] === h.id;
    if (alone || (mode === 'lease' && this.leaseUsable())) {
      h.emitReads([{ requestId, index: h.log.committed }]);
      return;
    }
    this.reads.addPending(requestId, h.log.committed);
  }

  // ---- transfer (thesis §3.10) ----

  transfer(to: ServerId | undefined): { ok: true; to: ServerId } | { error: TransferError } {
    const h = this.host;
    const target = to ?? this.mostCaughtUpVoter();
    if (target === undefined) return { error: 'no-target' };
    if (target === h.id) return { error: 'self' };
    if (!isVoter(h.configuration(), target)) return { error: 'not-voter' };
    if (this.transferee === target) return { ok: true, to: target };
    this.transferee = target;
    this.transferStartTick = h.ticks();
    h.opts.logger?.info('raft: starting leadership transfer', { to: target });
    const pr = this.progress.get(target);
    if (pr !== undefined && pr.match === h.log.lastIndex()) this.sendTimeoutNow(target);
    else this.sendAppend(target, true);
    return { ok: true, to: target };
  }

  private mostCaughtUpVoter(): ServerId | undefined {
    let best: ServerId | undefined;
    let bestMatch = -1;
    for (const id of voterIds(this.host.configuration())) {
      const pr = this.progress.get(id);
      if (id === this.host.id || pr === undefined) continue;
      if (pr.match > bestMatch) [best, bestMatch] = [id, pr.match];
    }
    return best;
  }

  private sendTimeoutNow(to: ServerId): void {
    this.timeoutNowTick = this.host.ticks();
    this.host.send({ type: 'timeout-now', from: this.host.id, to, term: this.host.term() });
  }

  abortTransfer(): void {
    this.transferee = undefined;
  }

  // ---- driver reports ----

  reportSnapshot(to: ServerId, ok: boolean): void {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the follower's answer (or a heartbeat response) before the next append.
    pr.paused = true;
  }

  reportUnreachable(to: ServerId): void {
    const pr = this.progress.get(to);
    if (pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
  }

  /** Fails every queued read: leadership is lost. */
  close(): ReadState[] {
    this.closed = true;
    return this.reads.failAll('not-leader');
  }
}
