/**
 * The KV table: Consul's state/kvs.go semantics on our persistent store.
 *
 * Every mutator has the `…Txn(tx, …)` shape so /v1/txn composes them in one write txn.
 * Reads return `{ index, … }` where the index follows Consul's rules: a single key reports the
 * KV table index (kvs and tombstones), a prefix listing the highest ModifyIndex under the
 * prefix or of a tombstone under it, so the index never goes backwards after a delete.
 */
import type { Store, StoreState, WriteTxn } from './store.js';
import type { KVEntry } from './types.js';
import type { WatchSet } from './watch.js';

/** What a writer gives; the store fills in the indexes. */
export interface KVWrite {
  key: string;
  value: Uint8Array | null;
  /** uint64: Consul's lock and semaphore magic values exceed 2^53. */
  flags: bigint;
  session?: string;
}

export function kvsMaxIndex(store: Store): number {
  return stateKvsMaxIndex(store.state);
}

export function kvsGet(store: Store, key: string, ws?: WatchSet): { index: number; entry: KVEntry | undefined } {
  store.watchRow(ws, 'kvs', key);
  return { index: kvsMaxIndex(store), entry: store.state.kvs.get(key) };
}

/**
 * A prefix read of one version of the KV table, done in slices: `step(budget)` visits at most
 * `budget` more entries and says whether the read is complete. The tables are persistent, so
 * writes committed between slices do not touch the version being read: the entries and the
 * index are exactly what a read in one piece at the start would give, and the watches taken at
 * the start fire for any write after it. The server runs the slices with a turn of the event
 * loop between them, so a read of 1M keys never holds the loop (issue 6 item 6); a read in one
 * piece is one unbounded step.
 */
export abstract class KVPrefixScan<T> {
  private readonly state: StoreState;
  private after: string | undefined;
  private complete = false;
  private maxModifyIndex = 0;

  constructor(
    store: Store,
    protected readonly prefix: string,
    ws: WatchSet | undefined,
  ) {
    store.watchKVPrefix(ws, prefix);
    this.state = store.state;
  }

  /** Visits up to `budget` (≥ 1) more entries; true once every entry under the prefix was visited. */
  step(budget: number): boolean {
    if (this.complete) return true;
    let left = budget;
    let stopped = false;
    this.state.kvs.forEachPrefix(
      this.prefix,
      (key, e) => {
        if (e.modifyIndex > this.maxModifyIndex) this.maxModifyIndex = e.modifyIndex;
        this.visit(key, e);
        this.after = key;
        if (--left > 0) return false;
        stopped = true;
        return true;
      },
      this.after,
    );
    this.complete = !stopped;
    return this.complete;
  }

  /** The read's result; only once `step` said it is complete. */
  result(): { index: number; value: T } {
    if (!this.complete) throw new Error('KVPrefixScan.result before the scan completed');
    return { index: prefixIndex(this.state, this.prefix, this.maxModifyIndex), value: this.value() };
  }

  protected abstract visit(key: string, e: KVEntry): void;
  protected abstract value(): T;
}

/** `?recurse`: every entry under the prefix. */
export class KVListScan extends KVPrefixScan<KVEntry[]> {
  private readonly entries: KVEntry[] = [];

  protected visit(_key: string, e: KVEntry): void {
    this.entries.push(e);
  }

  protected value(): KVEntry[] {
    return this.entries;
  }
}

/**
 * `?keys` (and `&separator=`): the keys under the prefix; with a separator, each key is cut after
 * the first separator that follows the prefix and duplicates are folded.
 */
export class KVKeysScan extends KVPrefixScan<string[]> {
  private readonly keys: string[] = [];
  private last = '';

  constructor(
    store: Store,
    prefix: string,
    private readonly separator: string,
    ws: WatchSet | undefined,
  ) {
    super(store, prefix, ws);
  }

  protected visit(key: string): void {
    let shown = key;
    if (this.separator !== '') {
      const at = key.indexOf(this.separator, this.prefix.length);
      if (at >= 0) shown = key.slice(0, at + this.separator.length);
    }
    if (shown !== this.last) {
      this.keys.push(shown);
      this.last = shown;
    }
  }

  protected value(): string[] {
    return this.keys;
  }
}

/** Consul's kvsMaxIndex of one version of the store. */
function stateKvsMaxIndex(state: StoreState): number {
  return Math.max(state.indexes.get('kvs') ?? 0, state.indexes.get('tombstones') ?? 0);
}

function prefixIndex(state: StoreState, prefix: string, entriesMax: number): number {
  if (prefix === '') return stateKvsMaxIndex(state);
  let max = entriesMax;
  state.tombstones.forEachPrefix(prefix, (_k, idx) => {
    if (idx > max) max = idx;
  });
  return max !== 0 ? max : stateKvsMaxIndex(state);
}

/** Plain set. Keeps CreateIndex and (unless `updateSession`) the lock holder; LockIndex goes to 0, as in Consul. */
export function kvsSetTxn(tx: WriteTxn, write: KVWrite, updateSession = false): KVEntry {
  const existing = tx.state.kvs.get(write.key);
  const entry: KVEntry = {
    key: write.key,
    value: write.value,
    flags: write.flags,
    createIndex: existing ? existing.createIndex : tx.index,
    modifyIndex: tx.index,
    // Consul 1.8.7 (observed, docs/reference): a plain write resets LockIndex but keeps the holder.
    lockIndex: 0,
    session: updateSession ? (write.session ?? '') : (existing?.session ?? ''),
  };
  if (existing && sameContent(existing, entry)) return existing;
  return putEntry(tx, entry);
}

/** Stores `entry`, moves the KV table index and wakes the key's and its prefixes' watchers. */
function putEntry(tx: WriteTxn, entry: KVEntry): KVEntry {
  const before = tx.state.kvs.get(entry.key);
  if ((before?.session ?? '') !== entry.session) {
    if (before && before.session !== '') unindexLock(tx, before);
    if (entry.session !== '') tx.state.kvsBySession = tx.state.kvsBySession.set(kvLockKey(entry.session, entry.key), entry.key);
  }
  tx.state.kvs = tx.state.kvs.set(entry.key, entry);
  tx.bumpTable('kvs');
  tx.touchKey(entry.key);
  return entry;
}

function sameContent(a: KVEntry, b: KVEntry): boolean {
  return a.flags === b.flags && a.session === b.session && a.lockIndex === b.lockIndex && bytesEqual(a.value, b.value);
}

export function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Check-and-set: `casIndex` 0 means create only if absent, else the current ModifyIndex. */
export function kvsSetCASTxn(tx: WriteTxn, write: KVWrite, casIndex: number): KVEntry | undefined {
  const existing = tx.state.kvs.get(write.key);
  if (casIndex === 0 ? existing !== undefined : existing === undefined || existing.modifyIndex !== casIndex) {
    return undefined;
  }
  return kvsSetTxn(tx, write);
}

/** Deletes one key, leaving a tombstone. Deleting a missing key changes nothing. */
export function kvsDeleteTxn(tx: WriteTxn, key: string): void {
  const existing = tx.state.kvs.get(key);
  if (!existing) return;
  if (existing.session !== '') unindexLock(tx, existing);
  tx.state.kvs = tx.state.kvs.delete(key);
  tx.state.tombstones = tx.state.tombstones.set(key, tx.index);
  tx.bumpTable('kvs');
  tx.bumpTable('tombstones');
  tx.touchKey(key);
}

/** Deletes a key only at `casIndex`; a key that is already gone counts as deleted (Consul). */
export function kvsDeleteCASTxn(tx: WriteTxn, key: string, casIndex: number): boolean {
  const existing = tx.state.kvs.get(key);
  if (!existing) return true;
  if (existing.modifyIndex !== casIndex) return false;
  kvsDeleteTxn(tx, key);
  return true;
}

/** Deletes every key under `prefix`; one tombstone at the prefix records it (Consul). */
export function kvsDeleteTreeTxn(tx: WriteTxn, prefix: string): number {
  const doomed: string[] = [];
  tx.state.kvs.forEachPrefix(prefix, (key, e) => {
    doomed.push(key);
    if (e.session !== '') unindexLock(tx, e);
  });
  if (doomed.length === 0) return 0;
  let kvs = tx.state.kvs;
  for (const key of doomed) {
    kvs = kvs.delete(key);
    tx.touchKey(key);
  }
  tx.state.kvs = kvs;
  tx.state.tombstones = tx.state.tombstones.set(prefix, tx.index);
  tx.bumpTable('kvs');
  tx.bumpTable('tombstones');
  return doomed.length;
}

/** Acquires the lock on `write.key` for `write.session`. Returns undefined if another holds it. */
export function kvsLockTxn(tx: WriteTxn, write: KVWrite & { session: string }): KVEntry | undefined {
  const existing = tx.state.kvs.get(write.key);
  if (existing && existing.session !== '' && existing.session !== write.session) return undefined;
  const reacquire = existing !== undefined && existing.session === write.session;
  const entry: KVEntry = {
    key: write.key,
    value: write.value,
    flags: write.flags,
    createIndex: existing ? existing.createIndex : tx.index,
    modifyIndex: tx.index,
    lockIndex: (existing?.lockIndex ?? 0) + (reacquire ? 0 : 1),
    session: write.session,
  };
  return putEntry(tx, entry);
}

/** Releases the lock if `session` holds it; otherwise undefined. */
export function kvsUnlockTxn(tx: WriteTxn, write: KVWrite & { session: string }): KVEntry | undefined {
  const existing = tx.state.kvs.get(write.key);
  if (!existing || existing.session !== write.session) return undefined;
  return putEntry(tx, { ...existing, value: write.value, flags: write.flags, modifyIndex: tx.index, session: '' });
}

export const kvLockKey = (session: string, key: string): string => `${session}\u0000${key}`;

function unindexLock(tx: WriteTxn, e: KVEntry): void {
  tx.state.kvsBySession = tx.state.kvsBySession.delete(kvLockKey(e.session, e.key));
}

/** Keys locked by `session`, in key order. */
export function kvsHeldBy(kvsBySession: WriteTxn['state']['kvsBySession'], session: string): string[] {
  const keys: string[] = [];
  kvsBySession.forEachPrefix(`${session}\u0000`, (_k, key) => {
    keys.push(key);
  });
  return keys;
}

/**
 * Ends a session's locks (Consul's deleteSessionTxn): with behavior `release` each held key
 * keeps its value and LockIndex and loses its holder; with `delete` the key is deleted. Either
 * way the key stays unacquirable for `lockDelayMs`.
 */
export function kvsInvalidateSessionTxn(tx: WriteTxn, session: string, behavior: 'release' | 'delete', lockDelayMs: number): void {
  for (const key of kvsHeldBy(tx.state.kvsBySession, session)) {
    const e = tx.state.kvs.get(key);
    if (!e) continue;
    if (behavior === 'delete') kvsDeleteTxn(tx, key);
    else putEntry(tx, { ...e, session: '', modifyIndex: tx.index });
    if (lockDelayMs > 0) tx.lockDelays.push({ key, delayMs: lockDelayMs });
  }
}

/** Drops tombstones at or below `index` (Consul's graveyard reap, after tombstone_ttl). */
export function tombstonesReapTxn(tx: WriteTxn, index: number): number {
  const doomed: string[] = [];
  for (const [key, idx] of tx.state.tombstones.entries()) if (idx <= index) doomed.push(key);
  if (doomed.length === 0) return 0;
  let t = tx.state.tombstones;
  for (const key of doomed) t = t.delete(key);
  tx.state.tombstones = t;
  tx.bumpTable('tombstones');
  return doomed.length;
}
