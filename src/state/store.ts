/**
 * The state store: every table as a persistent sorted map inside one immutable `StoreState`.
 *
 * - Reads take the current state (a consistent version) and register watch channels in a
 *   WatchSet as they go.
 * - Writes run in a WriteTxn at a Raft index: they build a new state and collect the watch keys
 *   they touch; `commit()` swaps the state in and only then fires the channels, so a woken
 *   query always sees the write. `abort()` is dropping the txn.
 * - The Raft index is the only clock: every mutator takes `index`.
 *
 * Invariants: table indexes never go backwards within a store's life; a restore replaces the
 * whole state and fires the abandon channel so every blocked query re-runs (Consul's abandonCh).
 */
import { assert, assertSafeIndex, type Clock } from '../lib/index.js';
import type { ACLPolicy, ACLToken } from './acl.js';
import type { AutopilotConfig } from './autopilot.js';
import { LockDelay } from './lock-delay.js';
import { SortedMap } from './sorted-map.js';
import type { CheckEntry, IndexName, KVEntry, NodeEntry, ServiceEntry, SessionEntry } from './types.js';
import { WatchChannel, type WatchSet } from './watch.js';

/**
 * Primary tables are keyed as Consul's memdb `id` indexes are: node names, service IDs and check
 * IDs lower-cased (lookups are case-insensitive, output keeps the registered case), parts joined
 * by NUL. The `by…` maps are secondary indexes derived from the primaries (rebuilt on restore,
 * never snapshotted); each maps its key to the primary key.
 */
export interface StoreState {
  readonly kvs: SortedMap<KVEntry>;
  /** Tombstones of deleted keys (key → index of the delete), so prefix indexes never regress. */
  readonly tombstones: SortedMap<number>;
  /** Keyed by `lower(node)`. */
  readonly nodes: SortedMap<NodeEntry>;
  /** Keyed by `lower(node)\0lower(serviceID)`. */
  readonly services: SortedMap<ServiceEntry>;
  /** `lower(serviceName)\0servicesKey` → servicesKey. */
  readonly servicesByName: SortedMap<string>;
  /** Keyed by `lower(node)\0lower(checkID)`. */
  readonly checks: SortedMap<CheckEntry>;
  readonly sessions: SortedMap<SessionEntry>;
  /** `lower(node)\0lower(checkID)\0sessionID` → sessionID: the sessions a check's failure ends. */
  readonly sessionChecks: SortedMap<string>;
  /** `sessionID\0key` → key: the KV locks a session holds. */
  readonly kvsBySession: SortedMap<string>;
  /** Consul's `autopilot-config` table: one row, or none before the leader first writes it. */
  readonly autopilotConfig: AutopilotConfig | undefined;
  /** Keyed by AccessorID. */
  readonly aclTokens: SortedMap<ACLToken>;
  /** SecretID → AccessorID. */
  readonly aclTokensBySecret: SortedMap<string>;
  /** Keyed by ID. */
  readonly aclPolicies: SortedMap<ACLPolicy>;
  /** `lower(name)` → ID. */
  readonly aclPoliciesByName: SortedMap<string>;
  /** The index the ACL bootstrap ran at; 0 before (Consul's `acl-token-bootstrap` index entry). */
  readonly aclBootstrapIndex: number;
  /**
   * Table indexes (`kvs`, `nodes`, …) and one per service name: persistent like the tables, so a
   * write copies a path of it, not every service's entry.
   */
  readonly indexes: SortedMap<number>;
}

export function emptyState(): StoreState {
  return {
    kvs: SortedMap.empty(),
    tombstones: SortedMap.empty(),
    nodes: SortedMap.empty(),
    services: SortedMap.empty(),
    servicesByName: SortedMap.empty(),
    checks: SortedMap.empty(),
    sessions: SortedMap.empty(),
    sessionChecks: SortedMap.empty(),
    kvsBySession: SortedMap.empty(),
    autopilotConfig: undefined,
    aclTokens: SortedMap.empty(),
    aclTokensBySecret: SortedMap.empty(),
    aclPolicies: SortedMap.empty(),
    aclPoliciesByName: SortedMap.empty(),
    aclBootstrapIndex: 0,
    indexes: SortedMap.empty(),
  };
}

/** Watch keys of the row map: a table (`t:kvs`) or one row (`r:kvs:foo`); KV prefixes have their own map. */
export const watchKey = {
  table: (t: IndexName): string => `t:${t}`,
  row: (t: IndexName, id: string): string => `r:${t}:${id}`,
};

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class WriteTxn {
  readonly state: Mutable<StoreState>;
  /** Watch keys touched by this txn, fired on commit. */
  readonly touched = new Set<string>();
  /** KV keys written or deleted, whose prefixes are fired on commit. */
  readonly touchedKeys = new Set<string>();
  /** Keys whose lock was lost with its session, and for how long they stay unacquirable. */
  readonly lockDelays: Array<{ key: string; delayMs: number }> = [];

  constructor(
    base: StoreState,
    readonly index: number,
  ) {
    this.state = { ...base };
  }

  /** Records that `table` changed at this txn's index, and wakes its table-level watchers. */
  bumpTable(table: IndexName): void {
    const prev = this.state.indexes.get(table) ?? 0;
    assert(this.index >= prev, `table ${table} index would go backwards: ${prev} -> ${this.index}`);
    if (prev !== this.index) this.state.indexes = this.state.indexes.set(table, this.index);
    this.touched.add(watchKey.table(table));
  }

  /** Drops an index entry (a service's, when its last instance goes), waking its watchers. */
  dropIndex(name: IndexName): void {
    if (!this.state.indexes.has(name)) return;
    this.state.indexes = this.state.indexes.delete(name);
    this.touched.add(watchKey.table(name));
  }

  touchRow(table: IndexName, id: string): void {
    this.touched.add(watchKey.row(table, id));
  }

  touchKey(key: string): void {
    this.touchRow('kvs', key);
    this.touchedKeys.add(key);
  }
}

/** Distinct memoized reads kept per state version (a crowd of different queries just recomputes). */
const memoEntriesMax = 256;

export class Store {
  /** Consul's lock-delay table: local to each server, not replicated (state/delay.go). */
  readonly lockDelay: LockDelay;
  private current: StoreState = emptyState();
  private readonly rowWatches = new Map<string, WatchChannel>();
  private readonly prefixWatches = new Map<string, WatchChannel>();
  private abandonCh = new WatchChannel();
  private lastIndex = 0;
  /** Results computed from `memoState` (see memo); dropped as soon as the state moves on. */
  private memoState: StoreState | undefined;
  private readonly memos = new Map<string, unknown>();

  /** `clock` times lock delays only; a store without one never delays a lock. */
  constructor(clock?: Clock) {
    this.lockDelay = new LockDelay(clock);
  }

  /** The current consistent version of every table. */
  get state(): StoreState {
    return this.current;
  }

  /** The index of the last committed write (0 for an empty store). */
  get latestIndex(): number {
    return this.lastIndex;
  }

  /** Highest index of the given tables (0 if none was ever written). */
  maxIndex(...tables: IndexName[]): number {
    let max = 0;
    for (const t of tables) max = Math.max(max, this.current.indexes.get(t) ?? 0);
    return max;
  }

  /**
   * The result of `compute` over the current state, computed once per state version and key:
   * the wave of identical reads one change wakes (or a crowd polling one service) shares one
   * result. `key` must name everything the result depends on besides the state; the result is
   * shared, so callers treat it as read-only. Watches are not part of it: a read registers its
   * channels itself on every call.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.memoState !== this.current) {
      this.memos.clear();
      this.memoState = this.current;
    }
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    if (this.memos.size >= memoEntriesMax) this.memos.clear();
    this.memos.set(key, value);
    return value;
  }

  /** Watches the given tables as a whole. */
  watchTables(ws: WatchSet | undefined, ...tables: IndexName[]): void {
    if (!ws) return;
    for (const t of tables) ws.add(this.channel(this.rowWatches, watchKey.table(t)));
  }

  /** Watches one row; past the soft limit, the whole table instead. */
  watchRow(ws: WatchSet | undefined, table: IndexName, id: string): void {
    if (!ws) return;
    ws.addWithLimit(
      () => this.channel(this.rowWatches, watchKey.row(table, id)),
      () => this.channel(this.rowWatches, watchKey.table(table)),
    );
  }

  /** Watches every KV key under `prefix` (fires on any write or delete below it). */
  watchKVPrefix(ws: WatchSet | undefined, prefix: string): void {
    if (!ws) return;
    ws.addWithLimit(
      () => this.channel(this.prefixWatches, prefix),
      () => this.channel(this.rowWatches, watchKey.table('kvs')),
    );
  }

  /** Fires when the whole state is replaced by a restore. Every blocking query watches it. */
  abandonChannel(): WatchChannel {
    return this.abandonCh;
  }

  begin(index: number): WriteTxn {
    assertSafeIndex(index);
    assert(index >= this.lastIndex, `write at index ${index} is behind the store (${this.lastIndex})`);
    return new WriteTxn(this.current, index);
  }

  commit(tx: WriteTxn): void {
    assert(tx.index >= this.lastIndex, `commit at index ${tx.index} is behind the store (${this.lastIndex})`);
    this.current = tx.state;
    this.lastIndex = tx.index;
    for (const d of tx.lockDelays) this.lockDelay.set(d.key, d.delayMs);
    for (const key of tx.touched) this.fire(this.rowWatches, key);
    if (this.prefixWatches.size > 0) {
      for (const key of tx.touchedKeys) this.firePrefixesOf(key);
    }
  }

  /** Replaces the whole state (snapshot restore) and wakes every blocked query. */
  replace(state: StoreState, index: number): void {
    assertSafeIndex(index);
    this.current = state;
    this.lastIndex = index;
    const abandoned = this.abandonCh;
    this.abandonCh = new WatchChannel();
    this.rowWatches.clear();
    this.prefixWatches.clear();
    abandoned.fire();
  }

  /** Watch channels currently held (for metrics and leak tests). */
  watchCount(): number {
    return this.rowWatches.size + this.prefixWatches.size;
  }

  private channel(map: Map<string, WatchChannel>, key: string): WatchChannel {
    let ch = map.get(key);
    if (!ch) {
      const created = new WatchChannel(() => {
        if (map.get(key) === created) map.delete(key);
      });
      map.set(key, created);
      ch = created;
    }
    return ch;
  }

  private fire(map: Map<string, WatchChannel>, key: string): void {
    const ch = map.get(key);
    if (!ch) return;
    map.delete(key);
    ch.fire();
  }

  private firePrefixesOf(key: string): void {
    // Whichever is smaller: the key's prefixes, or the prefixes being watched.
    if (key.length + 1 <= this.prefixWatches.size) {
      for (let i = 0; i <= key.length; i++) this.fire(this.prefixWatches, key.slice(0, i));
    } else {
      for (const prefix of [...this.prefixWatches.keys()]) {
        if (key.startsWith(prefix)) this.fire(this.prefixWatches, prefix);
      }
    }
  }
}
