/**
 * A server's simulated disk, per the driver contract (src/raft/README.md): each Ready is one
 * atomic write (snapshot, then entries replacing the stored suffix, then hard state). A write
 * first lands in a volatile buffer (the page cache); `sync` (fsync) makes every buffered write
 * durable. A crash keeps an ordered prefix of the buffered writes (each survives with the
 * swarm's crashKeepProb, the first lost one ends it: a CRC-framed log is cut at its first torn
 * record) and drops the rest. A restart reads only what is durable.
 *
 * Every entry that becomes durable is recorded in the ChainBook (Log Matching). Pure.
 */
import type { Rng } from '../../lib/index.js';
import type { Entry, HardState, SnapshotMeta } from '../../raft/index.js';
import type { ChainBook } from './chain.js';
import { SimFailure } from './failure.js';

export interface StoredSnapshot {
  meta: SnapshotMeta;
  /** The FSM's records, msgpack-encoded (what a snapshot file holds). */
  data: Uint8Array;
}

export interface DiskWrite {
  snapshot?: StoredSnapshot;
  entries: Entry[];
  hardState?: HardState;
}

export class SimDisk {
  hardState: HardState = { term: 0, vote: '', commit: 0 };
  snapshot: StoredSnapshot | undefined;
  /** Durable entries, contiguous (they may start before the snapshot: trailing entries). */
  entries: Entry[] = [];
  /** chains[i] is the log chain at entries[i]. */
  private chains: number[] = [];
  private volatile: DiskWrite[] = [];
  /** fsyncs completed (statistics). */
  syncs = 0;

  constructor(private readonly node: string, private readonly book: ChainBook) {}

  /** A write lands in the page cache. */
  write(w: DiskWrite): void {
    this.volatile.push(w);
  }

  /** fsync: everything written so far is durable. */
  sync(): void {
    for (const w of this.volatile) this.apply(w);
    this.volatile = [];
    this.syncs++;
  }

  /** Power loss: an ordered prefix of the unsynced writes survives, the rest is gone. */
  crash(rng: Rng, keepProb: number): number {
    let kept = 0;
    for (const w of this.volatile) {
      if (rng.next() >= keepProb) break;
      this.apply(w);
      kept++;
    }
    const lost = this.volatile.length - kept;
    this.volatile = [];
    return lost;
  }

  /** The driver took a snapshot (written and fsynced at once) and may drop entries below firstIndex. */
  saveSnapshot(s: StoredSnapshot, firstIndex: number): void {
    this.snapshot = s;
    const drop = this.entries.findIndex((e) => e.index >= firstIndex);
    const n = drop === -1 ? this.entries.length : drop;
    this.entries.splice(0, n);
    this.chains.splice(0, n);
  }

  /** The term of the durable entry at index, if stored. */
  termAt(index: number): number | undefined {
    const first = this.entries[0];
    if (first === undefined || index < first.index) return undefined;
    return this.entries[index - first.index]?.term;
  }

  /** Whether (index, term) is durable here: stored, or inside the durable snapshot. */
  holds(index: number, term: number): boolean {
    if (this.termAt(index) === term) return true;
    const s = this.snapshot?.meta;
    return s !== undefined && (s.index > index || (s.index === index && s.term === term));
  }

  lastIndex(): number {
    const last = this.entries[this.entries.length - 1];
    return last?.index ?? this.snapshot?.meta.index ?? 0;
  }

  private apply(w: DiskWrite): void {
    if (w.snapshot !== undefined) {
      this.snapshot = w.snapshot;
      this.entries = [];
      this.chains = [];
    }
    const first = w.entries[0];
    if (first !== undefined) {
      const start = this.entries[0]?.index ?? first.index;
      const keep = Math.max(0, Math.min(this.entries.length, first.index - start));
      this.entries.length = keep;
      this.chains.length = keep;
      let prev = this.chainBefore(first.index);
      for (const e of w.entries) {
        const chain = this.book.link(prev, e);
        this.book.record(this.node, e.index, e.term, chain, 'stored');
        this.entries.push(e);
        this.chains.push(chain);
        prev = chain;
      }
    }
    if (w.hardState !== undefined) this.hardState = { ...w.hardState };
  }

  /** The chain at index - 1 (from the stored entries, the snapshot, or the empty log). */
  private chainBefore(index: number): number {
    const firstStored = this.entries[0]?.index;
    const n = this.entries.length;
    if (firstStored !== undefined && n > 0 && index - 1 >= firstStored && index - 1 < firstStored + n) {
      return this.chains[index - 1 - firstStored] as number;
    }
    if (index - 1 === 0) return 0;
    const s = this.snapshot?.meta;
    if (s !== undefined && s.index === index - 1) {
      const c = this.book.at(s.index, s.term);
      if (c !== undefined) return c;
    }
    throw new SimFailure('sim', `${this.node}: disk write at ${index} does not follow the stored log (last ${this.lastIndex()})`);
  }
}
