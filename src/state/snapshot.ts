/**
 * Snapshot and restore of the whole store, as a stream of records. A snapshot iterates one
 * immutable StoreState, so writes may go on while it is consumed in chunks; restore rebuilds a
 * state from records and the caller installs it with Store.replace().
 */
import { assertNever } from '../lib/index.js';
import type { ACLPolicy, ACLToken } from './acl.js';
import type { AutopilotConfig } from './autopilot.js';
import { checkKey, nodeKey, serviceByNameKey, serviceKey } from './catalog.js';
import { kvLockKey } from './kvs.js';
import { sessionCheckIDs, sessionCheckKey } from './sessions.js';
import { SortedMap, SortedMapBuilder } from './sorted-map.js';
import type { StoreState } from './store.js';
import type { CheckEntry, IndexName, KVEntry, NodeEntry, ServiceEntry, SessionEntry } from './types.js';

export type SnapshotRecord =
  | { t: 'index'; table: IndexName; index: number }
  | { t: 'kvs'; v: KVEntry }
  | { t: 'tombstone'; key: string; index: number }
  | { t: 'node'; v: NodeEntry }
  | { t: 'service'; v: ServiceEntry }
  | { t: 'check'; v: CheckEntry }
  | { t: 'session'; v: SessionEntry }
  | { t: 'autopilot'; v: AutopilotConfig }
  | { t: 'acl-token'; v: ACLToken }
  | { t: 'acl-policy'; v: ACLPolicy }
  | { t: 'acl-bootstrap'; index: number };

export function* snapshotRecords(state: StoreState): IterableIterator<SnapshotRecord> {
  for (const [table, index] of state.indexes.entries()) yield { t: 'index', table: table as IndexName, index };
  for (const [, v] of state.nodes.entries()) yield { t: 'node', v };
  for (const [, v] of state.services.entries()) yield { t: 'service', v };
  for (const [, v] of state.checks.entries()) yield { t: 'check', v };
  for (const [, v] of state.sessions.entries()) yield { t: 'session', v };
  for (const [, v] of state.kvs.entries()) yield { t: 'kvs', v };
  for (const [key, index] of state.tombstones.entries()) yield { t: 'tombstone', key, index };
  if (state.autopilotConfig) yield { t: 'autopilot', v: state.autopilotConfig };
  for (const [, v] of state.aclPolicies.entries()) yield { t: 'acl-policy', v };
  for (const [, v] of state.aclTokens.entries()) yield { t: 'acl-token', v };
  if (state.aclBootstrapIndex !== 0) yield { t: 'acl-bootstrap', index: state.aclBootstrapIndex };
}

/**
 * Rebuilds a state from records. A snapshot gives each primary table in key order, which
 * SortedMapBuilder turns into a tree at O(1) per record with no garbage (1M keys restore with
 * no long pause); secondary indexes, and any table given out of order, fall back to inserts.
 * `finish()` is O(log² n) per table and leaves the restorer usable (a staging mid-restore).
 */
export class StateRestorer {
  private readonly kvs = new SortedMapBuilder<KVEntry>();
  private readonly tombstones = new SortedMapBuilder<number>();
  private readonly nodes = new SortedMapBuilder<NodeEntry>();
  private readonly services = new SortedMapBuilder<ServiceEntry>();
  private readonly servicesByName = new SortedMapBuilder<string>();
  private readonly checks = new SortedMapBuilder<CheckEntry>();
  private readonly sessions = new SortedMapBuilder<SessionEntry>();
  private readonly sessionChecks = new SortedMapBuilder<string>();
  private readonly kvsBySession = new SortedMapBuilder<string>();
  private autopilotConfig: AutopilotConfig | undefined;
  private readonly aclTokens = new SortedMapBuilder<ACLToken>();
  private readonly aclTokensBySecret = new SortedMapBuilder<string>();
  private readonly aclPolicies = new SortedMapBuilder<ACLPolicy>();
  private readonly aclPoliciesByName = new SortedMapBuilder<string>();
  private aclBootstrapIndex = 0;
  private indexes = SortedMap.empty<number>();

  /** Adds one record; secondary indexes are rebuilt from the primaries as they come. */
  add(r: SnapshotRecord): void {
    switch (r.t) {
      case 'index':
        this.indexes = this.indexes.set(r.table, r.index);
        return;
      case 'kvs':
        this.kvs.add(r.v.key, r.v);
        if (r.v.session !== '') this.kvsBySession.add(kvLockKey(r.v.session, r.v.key), r.v.key);
        return;
      case 'tombstone':
        this.tombstones.add(r.key, r.index);
        return;
      case 'node':
        this.nodes.add(nodeKey(r.v.node), r.v);
        return;
      case 'service': {
        const key = serviceKey(r.v.node, r.v.id);
        this.services.add(key, r.v);
        this.servicesByName.add(serviceByNameKey(r.v.service, key), key);
        return;
      }
      case 'check':
        this.checks.add(checkKey(r.v.node, r.v.checkID), r.v);
        return;
      case 'session':
        this.sessions.add(r.v.id, r.v);
        for (const id of sessionCheckIDs(r.v)) this.sessionChecks.add(sessionCheckKey(r.v.node, id, r.v.id), r.v.id);
        return;
      case 'autopilot':
        this.autopilotConfig = r.v;
        return;
      case 'acl-token':
        this.aclTokens.add(r.v.accessorID, r.v);
        this.aclTokensBySecret.add(r.v.secretID, r.v.accessorID);
        return;
      case 'acl-policy':
        this.aclPolicies.add(r.v.id, r.v);
        this.aclPoliciesByName.add(r.v.name.toLowerCase(), r.v.id);
        return;
      case 'acl-bootstrap':
        this.aclBootstrapIndex = r.index;
        return;
      default:
        assertNever(r, 'snapshot record');
    }
  }

  finish(): StoreState {
    return {
      kvs: this.kvs.finish(),
      tombstones: this.tombstones.finish(),
      nodes: this.nodes.finish(),
      services: this.services.finish(),
      servicesByName: this.servicesByName.finish(),
      checks: this.checks.finish(),
      sessions: this.sessions.finish(),
      sessionChecks: this.sessionChecks.finish(),
      kvsBySession: this.kvsBySession.finish(),
      autopilotConfig: this.autopilotConfig,
      aclTokens: this.aclTokens.finish(),
      aclTokensBySecret: this.aclTokensBySecret.finish(),
      aclPolicies: this.aclPolicies.finish(),
      aclPoliciesByName: this.aclPoliciesByName.finish(),
      aclBootstrapIndex: this.aclBootstrapIndex,
      indexes: this.indexes,
    };
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
