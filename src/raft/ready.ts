/**
 * What the core hands to its driver (etcd-raft's Ready contract; README.md "Driver contract").
 */
import { assert } from '../lib/index.js';
import type { RaftLog } from './log.js';
import type { Message } from './messages.js';
import type { ReadState } from './read-only.js';
import type { Configuration, Entry, HardState, ServerId, SnapshotMeta } from './types.js';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export interface SoftState {
  role: Role;
  /** The known leader of the current term, or '' for none. */
  leader: ServerId;
}

export interface Ready {
  /** Role or leader changed (not persisted). */
  softState?: SoftState;
  /** Term, vote or commit changed: persist it (atomically) before sending `messages`. */
  hardState?: HardState;
  /**
   * A snapshot received from the leader, to install: the driver already holds its data. It
   * replaces the whole log: discard every stored entry, then append `entries`.
   */
  snapshot?: SnapshotMeta;
  /**
   * Entries to append durably. The first one's index may be <= the stored last index: the
   * stored suffix from that index on is deleted first.
   */
  entries: Entry[];
  /** Entries to apply in order, after `snapshot` and `entries` are durable. */
  committedEntries: Entry[];
  /** To send only after `hardState`, `snapshot` and `entries` are durable, unless `sendFirst`. */
  messages: Message[];
  /**
   * The messages may leave before this Ready's write is durable: they are a leader's (appends,
   * heartbeats, snapshots, transfers) in a term whose term and vote are already stored. A
   * leader may replicate entries in parallel with its own disk write (Raft thesis §10.2.1)
   * because its own entries count towards commit only once durable (at `advance`), so nothing
   * it sends claims more than the disks hold. Votes and acknowledgements never go first.
   */
  sendFirst: boolean;
  /** Read index results: answer each read once applied >= index (or fail it). */
  readStates: ReadState[];
  /** Whether the write of this Ready must be fsynced (entries, snapshot, term or vote). */
  mustSync: boolean;
}

/** What a server restarts from (raftio reads it from disk). */
export interface Restored {
  hardState: HardState;
  /** The latest snapshot on disk; its data is what the state machine is restored from. */
  snapshot?: SnapshotMeta;
  /** The stored entries, contiguous; they may begin before the snapshot (trailing entries). */
  entries: Entry[];
  /** For a brand-new server only (no term, no entries, no snapshot): entry 1 of the log. */
  bootstrap?: Configuration;
}

export function isEmptyReady(rd: Ready): boolean {
  return rd.softState === undefined && rd.hardState === undefined && rd.snapshot === undefined &&
    rd.entries.length === 0 && rd.committedEntries.length === 0 && rd.messages.length === 0 &&
    rd.readStates.length === 0;
}

/**
 * The bookkeeping between the core and its driver: the outputs gathered since the last Ready,
 * what the last Ready reported (to send only changes), and the one Ready outstanding.
 */
export class Outbox {
  messages: Message[] = [];
  readStates: ReadState[] = [];
  private lastHardState: HardState;
  private lastSoftState: SoftState = { role: 'follower', leader: '' };
  private outstanding: Ready | undefined;

  constructor(restored: HardState) {
    this.lastHardState = { ...restored };
  }

  /** A Ready was handed out and not yet advanced. */
  busy(): boolean {
    return this.outstanding !== undefined;
  }

  /** Whether there is anything to hand out. */
  pending(hs: HardState, ss: SoftState, log: RaftLog): boolean {
    const prev = this.lastHardState;
    return this.messages.length > 0 || this.readStates.length > 0 || log.hasUnstable() ||
      log.pendingSnapshot !== undefined || log.hasCommittedToApply() ||
      hs.term !== prev.term || hs.vote !== prev.vote || hs.commit !== prev.commit ||
      ss.role !== this.lastSoftState.role || ss.leader !== this.lastSoftState.leader;
  }

  take(hs: HardState, ss: SoftState, log: RaftLog, maxCommitted: number): Ready {
    assert(this.outstanding === undefined, 'raft: ready() before advance() of the previous Ready');
    const prev = this.lastHardState;
    const termOrVote = hs.term !== prev.term || hs.vote !== prev.vote;
    const rd: Ready = {
      entries: log.takeUnstable(),
      committedEntries: log.takeCommitted(maxCommitted),
      messages: this.messages,
      readStates: this.readStates,
      mustSync: false,
      sendFirst: ss.role === 'leader' && !termOrVote,
    };
    this.messages = [];
    this.readStates = [];
    if (termOrVote || hs.commit !== prev.commit) rd.hardState = this.lastHardState = hs;
    if (log.pendingSnapshot !== undefined) {
      rd.snapshot = log.pendingSnapshot;
      log.pendingSnapshot = undefined;
    }
    if (ss.role !== this.lastSoftState.role || ss.leader !== this.lastSoftState.leader) rd.softState = this.lastSoftState = ss;
    rd.mustSync = termOrVote || rd.entries.length > 0 || rd.snapshot !== undefined;
    this.outstanding = rd;
    return rd;
  }

  /** The driver is done with `rd`: the log learns what is durable and applied. */
  accept(rd: Ready, log: RaftLog): void {
    assert(rd === this.outstanding, 'raft: advance() of a Ready that is not the outstanding one');
    this.outstanding = undefined;
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) log.stableTo(last.index, last.term);
    const applied = rd.committedEntries[rd.committedEntries.length - 1];
    if (applied !== undefined) log.appliedTo(applied.index);
    if (rd.snapshot !== undefined && rd.snapshot.index > log.applied) log.applied = rd.snapshot.index;
  }
}
