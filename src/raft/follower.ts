/**
 * A follower's answers to its leader's append and install-snapshot (Raft Fig. 2 and Fig. 13).
 */
import { assert } from '../lib/index.js';
import type { Logger } from '../lib/index.js';
import type { RaftLog } from './log.js';
import type { AppendMessage, AppendResponse, InstallSnapshotMessage } from './messages.js';
import type { Entry, ServerId, SnapshotMeta } from './types.js';

export interface FollowerContext {
  id: ServerId;
  term: number;
  log: RaftLog;
  logger: Logger;
  /** Appends entries after truncating a conflict (configuration bookkeeping included). */
  append(entries: Entry[]): void;
  /** Replaces the whole log by a snapshot. */
  restore(s: SnapshotMeta): void;
}

function response(ctx: FollowerContext, to: ServerId, index: number, reject = false, hintIndex = 0, hintTerm = 0): AppendResponse {
  return { type: 'append-response', from: ctx.id, to, term: ctx.term, index, reject, hintIndex, hintTerm };
}

export function handleAppend(ctx: FollowerContext, m: AppendMessage): AppendResponse {
  const log = ctx.log;
  // Everything up to commit matches the leader already (Log Matching).
  if (m.prevIndex < log.committed) return response(ctx, m.from, log.committed);
  if (!log.matchTerm(m.prevIndex, m.prevTerm)) {
    const hint = log.findConflictByTerm(Math.min(m.prevIndex, log.lastIndex()), m.prevTerm);
    return response(ctx, m.from, m.prevIndex, true, hint.index, hint.term);
  }
  const conflict = log.findConflict(m.entries);
  if (conflict !== undefined) {
    assert(conflict > log.committed, `raft: entry ${conflict} conflicts with a committed entry (commit ${log.committed})`);
    ctx.append(m.entries.slice(conflict - m.prevIndex - 1));
  }
  const lastNew = m.prevIndex + m.entries.length;
  log.commitTo(Math.min(m.commit, lastNew));
  return response(ctx, m.from, lastNew);
}

/** InstallSnapshot: keep the log if it already has the snapshot's last entry (rule 6). */
export function handleSnapshot(ctx: FollowerContext, m: InstallSnapshotMessage): AppendResponse {
  const s = m.snapshot;
  const log = ctx.log;
  if (s.index <= log.committed) return response(ctx, m.from, log.committed);
  if (log.matchTerm(s.index, s.term)) {
    ctx.logger.info('snapshot already in the log: keeping the entries after it', { index: s.index });
    log.commitTo(s.index);
    return response(ctx, m.from, log.committed);
  }
  ctx.logger.info('installing a snapshot from the leader', { index: s.index, term: s.term });
  ctx.restore(s);
  return response(ctx, m.from, s.index);
}
