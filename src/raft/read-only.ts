/**
 * Linearizable reads without a log entry (thesis §6.4, etcd's read_only.go):
 * - 'quorum' (ReadIndex): remember the commit index, send a heartbeat round numbered `seq`,
 *   answer once a quorum of voters acknowledged a round >= seq (leadership confirmed after
 *   the read arrived);
 * - 'lease' (thesis §6.4.1): answer at once while a quorum acknowledged heartbeats sent within
 *   leaseTicks; otherwise it falls back to a quorum round.
 * Both wait until the leader has committed an entry of its own term, so its commit index is
 * at least that of every earlier leader. The driver answers a read once applied >= index.
 */
import { assert } from '../lib/index.js';

export type ReadMode = 'lease' | 'quorum';

/** Why a read cannot be answered: not (or no longer) the leader, or too many queued. */
export type ReadError = 'not-leader' | 'busy';

export type ReadState =
  | { requestId: string; index: number; error?: undefined }
  | { requestId: string; index?: undefined; error: ReadError };

interface Pending {
  requestId: string;
  index: number;
  seq: number;
}

export class ReadOnlyQueue {
  /** Reads that arrived before the leader committed an entry of its term. */
  private waiting: { requestId: string; mode: ReadMode }[] = [];
  /** Quorum reads awaiting acknowledgement of their round, in seq order. */
  private pending: Pending[] = [];
  /** The latest heartbeat round sent; every heartbeat broadcast starts a new one. */
  seq = 0;

  constructor(private readonly max: number) {}

  size(): number {
    return this.waiting.length + this.pending.length;
  }

  full(): boolean {
    return this.size() >= this.max;
  }

  wait(requestId: string, mode: ReadMode): void {
    assert(!this.full(), 'raft read queue overflow');
    this.waiting.push({ requestId, mode });
  }

  takeWaiting(): { requestId: string; mode: ReadMode }[] {
    const w = this.waiting;
    this.waiting = [];
    return w;
  }

  /** Queues a read at commit index `index` for the next heartbeat round (not yet sent). */
  addPending(requestId: string, index: number): void {
    assert(!this.full(), 'raft read queue overflow');
    this.pending.push({ requestId, index, seq: this.seq + 1 });
  }

  /** Whether a queued read waits for a round that has not been sent yet. */
  needsRound(): boolean {
    const last = this.pending[this.pending.length - 1];
    return last !== undefined && last.seq > this.seq;
  }

  /** Starts a heartbeat round: returns its seq. */
  nextRound(): number {
    return ++this.seq;
  }

  /** Reads whose round a quorum confirmed (every round <= confirmedSeq), in arrival order. */
  release(confirmedSeq: number): ReadState[] {
    let n = 0;
    while (n < this.pending.length && (this.pending[n] as Pending).seq <= confirmedSeq) n++;
    if (n === 0) return [];
    return this.pending.splice(0, n).map((p) => ({ requestId: p.requestId, index: p.index }));
  }

  /** Fails every queued read (the leader stepped down). */
  failAll(error: ReadError): ReadState[] {
    const ids = [...this.waiting.map((w) => w.requestId), ...this.pending.map((p) => p.requestId)];
    this.waiting = [];
    this.pending = [];
    return ids.map((requestId) => ({ requestId, error }));
  }
}
