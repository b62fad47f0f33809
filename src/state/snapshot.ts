/**
 * Snapshot and restore of the whole store, as a stream of records. A snapshot iterates one
 * immutable StoreState, so writes may go on while it is consumed in chunks; restore rebuilds a
 * state from records and the caller installs it with Store.replace().
 */
import { assertNever } from '../lib/index.js';
import { checkKey, nodeKey, serviceByNameKey, serviceKey } from './catalog.js';
import { kvLockKey } from './kvs.js';
import { sessionCheckIDs, sessionCheckKey } from './sessions.js';
import { emptyState, type Mutable, type StoreState } from './store.js';
import type { CheckEntry, IndexName, KVEntry, NodeEntry, ServiceEntry, SessionEntry } from './types.js';

export type SnapshotRecord =
  | { t: 'index'; table: IndexName; index: number }
  | { t: 'kvs'; v: KVEntry }
  | { t: 'tombstone'; key: string; index: number }
  | { t: 'node'; v: NodeEntry }
  | { t: 'service'; v: ServiceEntry }
  | { t: 'check'; v: CheckEntry }
  | { t: 'session'; v: SessionEntry };

export function* snapshotRecords(state: StoreState): IterableIterator<SnapshotRecord> {
  for (const table of [...state.indexes.keys()].sort()) yield { t: 'index', table, index: state.indexes.get(table)! };
  for (const [, v] of state.nodes.entries()) yield { t: 'node', v };
  for (const [, v] of state.services.entries()) yield { t: 'service', v };
  for (const [, v] of state.checks.entries()) yield { t: 'check', v };
  for (const [, v] of state.sessions.entries()) yield { t: 'session', v };
  for (const [, v] of state.kvs.entries()) yield { t: 'kvs', v };
  for (const [key, index] of state.tombstones.entries()) yield { t: 'tombstone', key, index };
}

export class StateRestorer {
  private readonly state: Mutable<StoreState> = emptyState();
  private readonly indexes = new Map<IndexName, number>();

  /** Adds one record; secondary indexes are rebuilt from the primaries as they come. */
  add(r: SnapshotRecord): void {
    const s = this.state;
    switch (r.t) {
      case 'index':
        this.indexes.set(r.table, r.index);
        return;
      case 'kvs':
        s.kvs = s.kvs.set(r.v.key, r.v);
        if (r.v.session !== '') s.kvsBySession = s.kvsBySession.set(kvLockKey(r.v.session, r.v.key), r.v.key);
        return;
      case 'tombstone':
        s.tombstones = s.tombstones.set(r.key, r.index);
        return;
      case 'node':
        s.nodes = s.nodes.set(nodeKey(r.v.node), r.v);
        return;
      case 'service': {
        const key = serviceKey(r.v.node, r.v.id);
        s.services = s.services.set(key, r.v);
        s.servicesByName = s.servicesByName.set(serviceByNameKey(r.v.service, key), key);
        return;
      }
      case 'check':
        s.checks = s.checks.set(checkKey(r.v.node, r.v.checkID), r.v);
        return;
      case 'session':
        s.sessions = s.sessions.set(r.v.id, r.v);
        for (const id of sessionCheckIDs(r.v)) {
          s.sessionChecks = s.sessionChecks.set(sessionCheckKey(r.v.node, id, r.v.id), r.v.id);
        }
        return;
      default:
        assertNever(r, 'snapshot record');
    }
  }

  finish(): StoreState {
    return { ...this.state, indexes: new Map(this.indexes) };
  }
}

export function restoreState(records: Iterable<SnapshotRecord>): StoreState {
  const r = new StateRestorer();
  for (const rec of records) r.add(rec);
  return r.finish();
}

/**
 * A deterministic digest of a whole state (FNV-1a, 64-bit as two 32-bit halves). Replicas at
 * the same applied index must agree on it; tests and the simulator compare it.
 */
export function stateHash(state: StoreState): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (const rec of snapshotRecords(state)) {
    const text = JSON.stringify(rec, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : typeof v === 'bigint' ? `${v}n` : v));
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ c, 0x01000193 ^ 0x5bd1e995) >>> 0;
    }
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}
