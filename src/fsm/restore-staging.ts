/**
 * A snapshot restore replicated through the log: `restore-begin {id}` opens a staging state
 * beside the live store, each `restore-chunk {id, frame}` adds one frame of records to it, and
 * `restore-end {id}` hands it to Fsm.install. Every server applies the same entries, so every
 * server replaces its state at the same index (Consul restores through raft.Restore, which
 * installs the state on the leader and ships it to followers as a snapshot).
 *
 * Invariants: at most one staging (a begin with another id drops the older one, whose later
 * chunks and end then fail); a frame that does not decode voids the staging, deterministically
 * on every server, and its end installs nothing. The staging is part of the FSM's Raft
 * snapshot (raft-fsm.ts), so a snapshot taken mid-restore keeps it.
 *
 * Bounded work per entry (no entry may hold the event loop for long, state/README.md): a chunk
 * is one decode and at most recordsPerFrame O(1) appends to StateRestorer's sorted-input tree
 * builders (a few ms), which build the trees as the records come; `restore-end` only joins
 * what was built (O(log² n) per table), so it costs the same for 10 keys or 1M.
 */
import { decode } from '../lib/index.js';
import { StateRestorer, snapshotRecords, type SnapshotRecord, type StoreState } from '../state/index.js';
import type { RestoreCommand, RestoreOutcome } from './commands.js';

export interface StagingView {
  id: string;
  /** Why the staging is void, if it is. */
  error: string | undefined;
  records: IterableIterator<SnapshotRecord>;
}

export class RestoreStaging {
  private id: string | undefined;
  private restorer: StateRestorer | undefined;
  private error: string | undefined;

  /** Applies one restore command; `install` receives the finished state on a successful end. */
  apply(c: RestoreCommand, install: (state: StoreState) => void): RestoreOutcome {
    switch (c.type) {
      case 'restore-begin':
        this.open(c.id);
        return null;
      case 'restore-chunk':
        return this.chunk(c.id, c.frame);
      case 'restore-end': {
        const fault = this.check(c.id);
        const restorer = this.restorer;
        if (c.id === this.id) this.drop();
        if (fault !== undefined || !restorer) return { error: fault ?? 'no restore in progress' };
        install(restorer.finish());
        return null;
      }
      case 'restore-abort':
        if (c.id === this.id) this.drop();
        return null;
    }
  }

  /** The staging in progress (for a Raft snapshot), if any. */
  view(): StagingView | undefined {
    if (this.id === undefined || !this.restorer) return undefined;
    return { id: this.id, error: this.error, records: snapshotRecords(this.restorer.finish()) };
  }

  /** Reopens a staging read back from a Raft snapshot. */
  load(id: string, error: string | undefined, restorer: StateRestorer): void {
    this.id = id;
    this.error = error;
    this.restorer = restorer;
  }

  /** Drops any staging (a Raft snapshot without one was installed). */
  clear(): void {
    this.drop();
  }

  private open(id: string): void {
    this.id = id;
    this.restorer = new StateRestorer();
    this.error = undefined;
  }

  private drop(): void {
    this.id = undefined;
    this.restorer = undefined;
    this.error = undefined;
  }

  private check(id: string): string | undefined {
    if (this.id === undefined) return `restore ${id} is not in progress`;
    if (this.id !== id) return `restore ${id} was superseded by restore ${this.id}`;
    return this.error;
  }

  private chunk(id: string, frame: Uint8Array): RestoreOutcome {
    const fault = this.check(id);
    if (fault !== undefined) return { error: fault };
    let records: SnapshotRecord[];
    try {
      records = decode<SnapshotRecord[]>(frame);
      if (!Array.isArray(records)) throw new Error('a frame that is not a list of records');
      for (const r of records) this.restorer!.add(r);
    } catch (err) {
      // Void the staging: what was added may be half a frame. Every server fails the same way.
      this.error = `snapshot is corrupt: ${(err as Error).message}`;
      this.restorer = new StateRestorer();
      return { error: this.error };
    }
    return null;
  }
}

/** The highest table index of a state: the Raft index its snapshot was taken at, or below. */
export function highestIndex(state: StoreState): number {
  let max = 0;
  for (const [, i] of state.indexes.entries()) max = Math.max(max, i);
  return max;
}

export function isRestoreCommand(c: { type: string }): c is RestoreCommand {
  return c.type === 'restore-begin' || c.type === 'restore-chunk' || c.type === 'restore-end' || c.type === 'restore-abort';
}
