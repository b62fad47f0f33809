/**
 * The sessions table, the part KV locks need: a lock names a session that must exist. Session
 * creation here is the store half; its endpoint, TTLs and invalidation come with the sessions
 * issue.
 */
import type { WriteTxn } from './store.js';
import type { SessionEntry } from './types.js';

export type SessionWrite = Omit<SessionEntry, 'createIndex' | 'modifyIndex'>;

export function sessionCreateTxn(tx: WriteTxn, write: SessionWrite): SessionEntry {
  const entry: SessionEntry = { ...write, createIndex: tx.index, modifyIndex: tx.index };
  tx.state.sessions = tx.state.sessions.set(entry.id, entry);
  tx.bumpTable('sessions');
  tx.touchRow('sessions', entry.id);
  return entry;
}
