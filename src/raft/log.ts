/**
 * The in-memory Raft log: the entries after the last compaction point, the latest snapshot's
 * metadata, the commit index, and what has been handed to the driver (to persist, to apply).
 *
 *   compacted ... | prevIndex | entries[0] = prevIndex+1 ... lastIndex
 *   stable <= handed <= lastIndex           (durable / given to the driver to persist)
 *   applied <= applying <= committed <= lastIndex
 *
 * The term of prevIndex may be unknown (a restart whose first kept entry lies before the
 * snapshot): such an index is treated as compacted. Entries are never mutated once appended.
 */
import { assert } from '../lib/index.js';
import type { Logger } from '../lib/index.js';
import { encodeConfiguration } from './configuration.js';
import type { Restored } from './ready.js';
import type { Entry, SnapshotMeta } from './types.js';

/**
 * The log a server restarts with, and its term. A brand-new server (no term, no entries, no
 * snapshot) given a bootstrap configuration starts at term 1 with it as entry 1, not yet on
 * disk (hashicorp/raft's BootstrapCluster); otherwise a bootstrap is ignored. The stored commit
 * is a hint: it is clamped to the log.
 */
export function openLog(restored: Restored, logger: Logger): { log: RaftLog; term: number } {
  const hs = restored.hardState;
  const brandNew = hs.term === 0 && restored.entries.length === 0 && restored.snapshot === undefined;
  let log: RaftLog;
  let term = hs.term;
  if (restored.bootstrap !== undefined && brandNew) {
    logger.info('bootstrapping a new cluster', { servers: restored.bootstrap.servers.length });
    log = new RaftLog(undefined, [{ index: 1, term: 1, type: 'configuration', data: encodeConfiguration(restored.bootstrap) }]);
    log.stable = log.handed = 0;
    term = 1;
  } else {
    if (restored.bootstrap !== undefined) logger.info('not bootstrapping: this server already has state');
    log = new RaftLog(restored.snapshot, restored.entries);
  }
  const commit = Math.min(hs.commit, log.lastIndex());
  if (hs.commit > commit) logger.warn('stored commit index is beyond the log; ignoring it', { commit: hs.commit });
  log.commitTo(commit);
  return { log, term };
}

export class RaftLog {
  private entries: Entry[] = [];
  private prevIndex = 0;
  private prevTerm: number | undefined = 0;
  /** The latest snapshot taken by the driver or installed from a leader. */
  snapshot: SnapshotMeta | undefined;
  /** A snapshot restored from a leader, not yet handed to the driver in a Ready. */
  pendingSnapshot: SnapshotMeta | undefined;
  committed = 0;
  /** Highest index handed out in Ready.committedEntries (or installed by a snapshot). */
  applying = 0;
  /** Highest index the driver acknowledged applying (advance). */
  applied = 0;
  /** Highest index the driver acknowledged persisting. */
  stable = 0;
  /** Highest index handed out in Ready.entries. */
  handed = 0;

  /** A restart: the state machine is rebuilt from the snapshot, so applied = snapshot index. */
  constructor(snapshot: SnapshotMeta | undefined, entries: readonly Entry[]) {
    this.snapshot = snapshot;
    const first = entries[0];
    if (first === undefined) {
      this.prevIndex = snapshot?.index ?? 0;
      this.prevTerm = snapshot?.term ?? 0;
    } else {
      assert(first.index >= 1, 'raft log: entries start at index 1 or later');
      if (snapshot !== undefined) {
        assert(first.index <= snapshot.index + 1, `raft log: gap between snapshot ${snapshot.index} and entry ${first.index}`);
      } else {
        assert(first.index === 1, `raft log: no snapshot but entries start at ${first.index}`);
      }
      this.prevIndex = first.index - 1;
      this.prevTerm = this.prevIndex === 0 ? 0 : this.prevIndex === snapshot?.index ? snapshot.term : undefined;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as Entry;
        assert(e.index === first.index + i, 'raft log: restored entries are not contiguous');
        assert(i === 0 || e.term >= (entries[i - 1] as Entry).term, 'raft log: restored entry terms go backwards');
      }
      this.entries = entries.slice();
      if (snapshot !== undefined && snapshot.index <= this.lastIndex()) {
        const t = this.term(snapshot.index);
        assert(t === undefined || t === snapshot.term, `raft log: entry ${snapshot.index} disagrees with the snapshot's term`);
      }
    }
    const base = snapshot?.index ?? 0;
    this.committed = base;
    this.applied = this.applying = base;
    this.stable = this.handed = this.lastIndex();
  }

  firstIndex(): number {
    return this.prevIndex + 1;
  }

  lastIndex(): number {
    return this.prevIndex + this.entries.length;
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, 'raft log: last term unknown');
    return t;
  }

  /** The term at index, or undefined when compacted or beyond the end. */
  term(index: number): number | undefined {
    if (index === 0) return 0;
    if (index === this.prevIndex) return this.prevTerm;
    if (index < this.prevIndex || index > this.lastIndex()) return undefined;
    return (this.entries[index - this.prevIndex - 1] as Entry).term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.prevIndex) return undefined;
    return this.entries[index - this.prevIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries from lo to hi (inclusive), at most maxCount and maxBytes (but at least one). */
  slice(lo: number, hi: number, maxCount = Infinity, maxBytes = Infinity): Entry[] {
    if (lo > hi) return [];
    assert(lo > this.prevIndex && hi <= this.lastIndex(), `raft log: slice [${lo}, ${hi}] out of range`);
    const start = lo - this.prevIndex - 1;
    const end = Math.min(hi - this.prevIndex, start + maxCount);
    if (maxBytes === Infinity) return this.entries.slice(start, end);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = start; i < end; i++) {
      const e = this.entries[i] as Entry;
      if (out.length > 0 && bytes + e.data.length > maxBytes) break;
      bytes += e.data.length;
      out.push(e);
    }
    return out;
  }

  /**
   * Appends entries, truncating a conflicting suffix first. Returns the index truncated from
   * (the first removed index), or undefined when nothing was removed.
   */
  append(entries: readonly Entry[]): number | undefined {
    const first = entries[0];
    if (first === undefined) return undefined;
    assert(first.index > this.committed, `raft log: append at ${first.index} would rewrite committed entry (commit ${this.committed})`);
    assert(first.index <= this.lastIndex() + 1, `raft log: append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    let truncatedAt: number | undefined;
    if (first.index <= this.lastIndex()) {
      truncatedAt = first.index;
      this.entries.length = first.index - this.prevIndex - 1;
      this.stable = Math.min(this.stable, first.index - 1);
      this.handed = Math.min(this.handed, first.index - 1);
    }
    for (const e of entries) this.entries.push(e);
    return truncatedAt;
  }

  /**
   * The first index in `entries` that is new or conflicts with ours (Raft Fig. 2, receiver
   * rule 3), or undefined when all of them are already present.
   */
  findConflict(entries: readonly Entry[]): number | undefined {
    for (const e of entries) if (!this.matchTerm(e.index, e.term)) return e.index;
    return undefined;
  }

  /**
   * The largest index <= index whose term is <= term, with that term (etcd's
   * findConflictByTerm). An unknown (compacted) term is returned as 0 and counts as a match.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let hi = Math.min(index, this.lastIndex());
    if (hi <= this.prevIndex) return { index: hi, term: hi === 0 ? 0 : this.term(hi) ?? 0 };
    // Terms never decrease along a log: binary search the in-memory part.
    let lo = this.prevIndex + 1;
    if ((this.term(lo) as number) > term) {
      const t = this.prevTerm;
      return { index: this.prevIndex, term: t !== undefined && t <= term ? t : 0 };
    }
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((this.term(mid) as number) <= term) lo = mid;
      else hi = mid - 1;
    }
    return { index: lo, term: this.term(lo) as number };
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(index <= this.lastIndex(), `raft log: commit ${index} beyond last index ${this.lastIndex()}: log lost or corrupted`);
    this.committed = index;
    return true;
  }

  /** Replaces the whole log by a snapshot from the leader (Fig. 13 rule 7). */
  restore(s: SnapshotMeta): void {
    assert(s.index > this.committed, 'raft log: restoring a snapshot at or below commit');
    this.entries = [];
    this.prevIndex = s.index;
    this.prevTerm = s.term;
    this.snapshot = s;
    this.pendingSnapshot = s;
    this.committed = s.index;
    this.applying = Math.max(this.applying, s.index);
    this.stable = this.handed = s.index;
  }

  /**
   * Records a snapshot the driver took and drops entries up to snapshot.index - trailing.
   * Returns false (and changes nothing) for a snapshot older than the latest one.
   */
  compact(s: SnapshotMeta, trailing: number): boolean {
    if (this.snapshot !== undefined && s.index <= this.snapshot.index) return false;
    assert(s.index <= this.applied, `raft log: snapshot ${s.index} beyond applied ${this.applied}`);
    const t = this.term(s.index);
    assert(t === undefined || t === s.term, `raft log: snapshot term ${s.term} disagrees with entry ${s.index}`);
    this.snapshot = s;
    const upTo = s.index - trailing;
    if (upTo > this.prevIndex) {
      const keepFrom = upTo - this.prevIndex;
      this.prevTerm = this.term(upTo);
      this.entries.splice(0, keepFrom);
      this.prevIndex = upTo;
    }
    return true;
  }

  /** Entries not yet handed to the driver; marks them handed. */
  takeUnstable(): Entry[] {
    const out = this.slice(this.handed + 1, this.lastIndex());
    this.handed = this.lastIndex();
    return out;
  }

  hasUnstable(): boolean {
    return this.handed < this.lastIndex();
  }

  /** The driver persisted entries up to (index, term); ignored if the log changed since. */
  stableTo(index: number, term: number): void {
    if (index > this.stable && this.matchTerm(index, term)) this.stable = index;
  }

  hasCommittedToApply(): boolean {
    return this.applying < this.committed;
  }

  /** Committed entries not yet handed out for applying (at most max); marks them handed. */
  takeCommitted(max: number): Entry[] {
    if (this.applying >= this.committed) return [];
    const hi = Math.min(this.committed, this.applying + max);
    const out = this.slice(this.applying + 1, hi);
    this.applying = hi;
    return out;
  }

  appliedTo(index: number): void {
    assert(index <= this.applying, `raft log: applied ${index} beyond what was handed out (${this.applying})`);
    if (index > this.applied) this.applied = index;
  }
}
