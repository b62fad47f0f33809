/**
 * The sessions table (Consul's state/session.go). A session belongs to a node and names checks
 * (node checks, service checks, and the legacy `Checks`); if one of them goes critical or is
 * deleted, or the node is deleted, the session is destroyed, and destroying it releases (or,
 * with behavior `delete`, deletes) every KV key it locked, which then stay unacquirable for
 * the session's LockDelay.
 */
import { checkKey, CatalogError, nodeKey } from './catalog.js';
import { kvsInvalidateSessionTxn } from './kvs.js';
import type { Store, WriteTxn } from './store.js';
import type { SessionEntry } from './types.js';
import type { WatchSet } from './watch.js';

export type SessionWrite = Omit<SessionEntry, 'createIndex' | 'modifyIndex'>;

/**
 * Session IDs are UUIDs in Consul's memdb index; anything else fails the lookup with its
 * error (the same text for KV acquire/release and txn session verbs).
 */
export function sessionIDError(id: string): string | undefined {
  if (id.length !== 36) return 'failed session lookup: index error: UUID must be 36 characters';
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) {
    return 'failed session lookup: index error: Invalid UUID format';
  }
  return undefined;
}

/** Consul's structs.MaxLockDelay: a session's lock delay is capped at 60 s when applied. */
export const lockDelayMsMax = 60_000;

/** Every check a session depends on (Consul's Session.CheckIDs). */
export function sessionCheckIDs(s: Pick<SessionEntry, 'checks' | 'nodeChecks' | 'serviceChecks'>): string[] {
  return [...s.checks, ...s.nodeChecks, ...s.serviceChecks.map((c) => c.id)];
}

export const sessionCheckKey = (node: string, checkID: string, session: string): string => `${checkKey(node, checkID)}\u0000${session}`;

export function sessionCreateTxn(tx: WriteTxn, write: SessionWrite): SessionEntry {
  if (write.id === '') throw new CatalogError('Missing session ID');
  const node = tx.state.nodes.get(nodeKey(write.node));
  if (!node) throw new CatalogError('Missing node registration');
  for (const id of sessionCheckIDs(write)) {
    const check = tx.state.checks.get(checkKey(write.node, id));
    if (!check) throw new CatalogError(`Missing check '${id}' registration`);
    if (check.status === 'critical') throw new CatalogError(`Check '${id}' is in critical state`);
  }
  const entry: SessionEntry = { ...write, createIndex: tx.index, modifyIndex: tx.index };
  tx.state.sessions = tx.state.sessions.set(entry.id, entry);
  for (const id of sessionCheckIDs(entry)) {
    tx.state.sessionChecks = tx.state.sessionChecks.set(sessionCheckKey(entry.node, id, entry.id), entry.id);
  }
  tx.bumpTable('sessions');
  tx.touchRow('sessions', entry.id);
  tx.touchRow('sessions', `node:${nodeKey(entry.node)}`);
  return entry;
}

/** Destroys a session and ends its locks. Destroying a missing session changes nothing. */
export function sessionDestroyTxn(tx: WriteTxn, id: string): boolean {
  const s = tx.state.sessions.get(id);
  if (!s) return false;
  tx.state.sessions = tx.state.sessions.delete(id);
  for (const checkID of sessionCheckIDs(s)) {
    tx.state.sessionChecks = tx.state.sessionChecks.delete(sessionCheckKey(s.node, checkID, id));
  }
  tx.bumpTable('sessions');
  tx.touchRow('sessions', id);
  tx.touchRow('sessions', `node:${nodeKey(s.node)}`);
  kvsInvalidateSessionTxn(tx, id, s.behavior, Math.min(s.lockDelayMs, lockDelayMsMax));
  return true;
}

export function sessionGet(store: Store, id: string, ws?: WatchSet): { index: number; session: SessionEntry | undefined } {
  store.watchRow(ws, 'sessions', id);
  return { index: store.maxIndex('sessions'), session: store.state.sessions.get(id) };
}

export function sessionList(store: Store, ws?: WatchSet): { index: number; sessions: SessionEntry[] } {
  store.watchTables(ws, 'sessions');
  const sessions: SessionEntry[] = [];
  for (const [, s] of store.state.sessions.entries()) sessions.push(s);
  return { index: store.maxIndex('sessions'), sessions };
}

export function nodeSessions(store: Store, node: string, ws?: WatchSet): { index: number; sessions: SessionEntry[] } {
  store.watchRow(ws, 'sessions', `node:${nodeKey(node)}`);
  const sessions: SessionEntry[] = [];
  const key = nodeKey(node);
  for (const [, s] of store.state.sessions.entries()) if (nodeKey(s.node) === key) sessions.push(s);
  return { index: store.maxIndex('sessions'), sessions };
}
