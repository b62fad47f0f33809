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
import { assert, assertSafeIndex } from '../lib/index.js';
import { SortedMap } from './sorted-map.js';
import type { CheckEntry, KVEntry, NodeEntry, SessionEntry, TableName } from './types.js';
import { WatchChannel, type WatchSet } from './watch.js';

export interface StoreState {
  readonly kvs: SortedMap<KVEntry>;
  /** Tombstones of deleted keys (key → index of the delete), so prefix indexes never regress. */
  readonly tombstones: SortedMap<number>;
  readonly nodes: SortedMap<NodeEntry>;
  /** Keyed by `node\0checkID`. */
  readonly checks: SortedMap<CheckEntry>;
  readonly sessions: SortedMap<SessionEntry>;
  readonly indexes: ReadonlyMap<TableName, number>;
}

export function emptyState(): StoreState {
  return {
    kvs: SortedMap.empty(),
    tombstones: SortedMap.empty(),
    nodes: SortedMap.empty(),
    checks: SortedMap.empty(),
    sessions: SortedMap.empty(),
    indexes: new Map(),
  };
}

/** Watch keys of the row map: a table (`t:kvs`) or one row (`r:kvs:foo`); KV prefixes have their own map. */
export const watchKey = {
  table: (t: TableName): string => `t:${t}`,
  row: (t: TableName, id: string): string => `r:${t}:${id}`,
};

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class WriteTxn {
  readonly state: Mutable<StoreState>;
  private readonly indexes: Map<TableName, number>;
  /** Watch keys touched by this txn, fired on commit. */
  readonly touched = new Set<string>();
  /** KV keys written or deleted, whose prefixes are fired on commit. */
  readonly touchedKeys = new Set<string>();

  constructor(
    base: StoreState,
    readonly index: number,
  ) {
    this.indexes = new Map(base.indexes);
    this.state = { ...base, indexes: this.indexes };
  }

  /** Records that `table` changed at this txn's index, and wakes its table-level watchers. */
  bumpTable(table: TableName): void {
    const prev = this.indexes.get(table) ?? 0;
    assert(this.index >= prev, `table ${table} index would go backwards: ${prev} -> ${this.index}`);
    this.indexes.set(table, this.index);
    this.touched.add(watchKey.table(table));
  }

  touchRow(table: TableName, id: string): void {
    this.touched.add(watchKey.row(table, id));
  }

  touchKey(key: string): void {
    this.touchRow('kvs', key);
    this.touchedKeys.add(key);
  }
}

export class Store {
  private current: StoreState = emptyState();
  private readonly rowWatches = new Map<string, WatchChannel>();
  private readonly prefixWatches = new Map<string, WatchChannel>();
  private abandonCh = new WatchChannel();
  private lastIndex = 0;

  /** The current consistent version of every table. */
  get state(): StoreState {
    return this.current;
  }

  /** The index of the last committed write (0 for an empty store). */
  get latestIndex(): number {
    return this.lastIndex;
  }

  /** Highest index of the given tables (0 if none was ever written). */
  maxIndex(...tables: TableName[]): number {
    let max = 0;
    for (const t of tables) max = Math.max(max, this.current.indexes.get(t) ?? 0);
    return max;
  }

  /** Watches the given tables as a whole. */
  watchTables(ws: WatchSet | undefined, ...tables: TableName[]): void {
    if (!ws) return;
    for (const t of tables) ws.add(this.channel(this.rowWatches, watchKey.table(t)));
  }

  /** Watches one row; past the soft limit, the whole table instead. */
  watchRow(ws: WatchSet | undefined, table: TableName, id: string): void {
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
