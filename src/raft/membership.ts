/**
 * The configuration in force on a server: the latest configuration entry of its log, else its
 * snapshot's (thesis §4.1: a configuration takes effect as soon as it is appended, so a
 * truncation that removes it brings the previous one back).
 */
import { assert } from '../lib/index.js';
import { decodeConfiguration } from './configuration.js';
import type { RaftLog } from './log.js';
import type { Configuration, Entry, SnapshotMeta } from './types.js';

export class Membership {
  configuration: Configuration = { servers: [] };
  /** The index of the entry that set it (0: a bootstrap or empty configuration). */
  index = 0;

  constructor(private readonly log: RaftLog) {
    this.recompute();
  }

  /** Appends entries (truncating a conflict first); returns whether the configuration changed. */
  append(entries: readonly Entry[]): boolean {
    const truncatedAt = this.log.append(entries);
    let changed = false;
    if (truncatedAt !== undefined && truncatedAt <= this.index) {
      this.recompute();
      changed = true;
    }
    for (const e of entries) {
      if (e.type !== 'configuration') continue;
      this.configuration = decodeConfiguration(e.data);
      this.index = e.index;
      changed = true;
    }
    return changed;
  }

  /** Replaces the log by a snapshot from the leader, with its configuration. */
  restore(s: SnapshotMeta): void {
    const copy = { ...s, configuration: { servers: s.configuration.servers.map((x) => ({ ...x })) } };
    this.log.restore(copy);
    this.configuration = copy.configuration;
    this.index = copy.configurationIndex;
  }

  /** The latest configuration in the log, else the snapshot's. */
  private recompute(): void {
    const found = this.lastConfigurationEntry(this.log.lastIndex());
    if (found !== undefined) {
      this.configuration = decodeConfiguration(found.data);
      this.index = found.index;
    } else {
      this.configuration = this.log.snapshot?.configuration ?? { servers: [] };
      this.index = this.log.snapshot?.configurationIndex ?? 0;
    }
  }

  private lastConfigurationEntry(upTo: number): Entry | undefined {
    for (let i = upTo; i >= this.log.firstIndex(); i--) {
      const e = this.log.entry(i) as Entry;
      if (e.type === 'configuration') return e;
    }
    return undefined;
  }

  /** The metadata of a snapshot of the state at `index` (between the last snapshot and applied). */
  snapshotMetaAt(index: number): SnapshotMeta {
    const log = this.log;
    assert(index <= log.applied && index >= (log.snapshot?.index ?? 0), `raft: no snapshot possible at ${index}`);
    const term = log.term(index);
    assert(term !== undefined, `raft: term of ${index} is unknown`);
    const e = this.lastConfigurationEntry(index);
    if (e !== undefined) return { index, term, configuration: decodeConfiguration(e.data), configurationIndex: e.index };
    const s = log.snapshot;
    return { index, term, configuration: s?.configuration ?? { servers: [] }, configurationIndex: s?.configurationIndex ?? 0 };
  }
}
