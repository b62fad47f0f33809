/**
 * What a leader knows of one server's log (etcd-raft's tracker.Progress):
 * - probe: one append at a time until one succeeds (after a rejection, at the start);
 * - replicate: appends pipelined optimistically (next moves ahead of match), at most
 *   maxInflightAppends unacknowledged;
 * - snapshot: an install-snapshot is on its way; nothing else is sent until it is answered
 *   or the driver reports it failed.
 */
import { assert } from '../lib/index.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** A bounded FIFO of the last indexes of the appends in flight. */
export class Inflights {
  private readonly lastIndexes: number[] = [];

  constructor(private readonly max: number) {}

  add(lastIndex: number): void {
    assert(!this.full(), 'raft progress: inflight window overflow');
    this.lastIndexes.push(lastIndex);
  }

  /** Frees every append whose last index is <= index (they are acknowledged). */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.lastIndexes.length && (this.lastIndexes[n] as number) <= index) n++;
    if (n > 0) this.lastIndexes.splice(0, n);
  }

  full(): boolean {
    return this.lastIndexes.length >= this.max;
  }

  count(): number {
    return this.lastIndexes.length;
  }

  reset(): void {
    this.lastIndexes.length = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /**
   * Probe: an append with entries is unanswered. Replicate: the window was full when last sent
   * (a heartbeat response clears it, so one empty append can check on a stalled window).
   */
  paused = false;
  /** The snapshot index being sent, in snapshot state. */
  pendingSnapshot = 0;
  readonly inflights: Inflights;
  /** The leader's tick counter when it last heard anything from this server in its term. */
  lastContactTick: number;
  /** Highest read round (heartbeat seq) acknowledged in this term. */
  ackedSeq = 0;
  /** The leader's tick when the latest acknowledged heartbeat was sent (the lease instant). */
  ackedSentTick = -Infinity;

  constructor(lastIndex: number, maxInflight: number, nowTick: number) {
    this.next = lastIndex + 1;
    this.inflights = new Inflights(maxInflight);
    this.lastContactTick = nowTick;
  }

  private resetState(state: ProgressState): void {
    this.paused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    const pending = this.state === 'snapshot' ? this.pendingSnapshot : 0;
    this.resetState('probe');
    this.next = Math.max(this.match + 1, pending + 1);
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
  }

  /** An acknowledgement up to index: returns whether match moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.paused = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the append after `rejected`, with the follower's hint (the index to try
   * appending after). Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.paused = false;
    return true;
  }

  /** Bookkeeping after sending an append of `count` entries. */
  sentEntries(count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next += count;
        this.inflights.add(this.next - 1);
      }
      this.paused = this.inflights.full();
    } else if (this.state === 'probe' && count > 0) {
      this.paused = true;
    }
  }

  isPaused(): boolean {
    return this.state === 'snapshot' || this.paused;
  }
}
