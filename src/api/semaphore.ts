/**
 * A distributed semaphore on a KV prefix: a port of Consul's api/semaphore.go, step for step.
 *
 * Each contender holds `<prefix>/<session>` (acquired with its own session, behaviour
 * "delete"); `<prefix>/.lock` holds `{"Limit":N,"Holders":{"<session>":true}}`, updated only
 * by check-and-set. Holders whose contender key is gone (session invalidated) are pruned on
 * every read. A slot is held while our session is among the holders; a monitor blocks on the
 * prefix and aborts the returned signal once it is not.
 */
import type { KvPair } from './kv.js';
import {
  checkTtl,
  defaultMonitorRetryTimeMs,
  defaultSemaphoreKey,
  flagsMatch,
  isAborted,
  isRetryableError,
  LockError,
  lockError,
  SessionKeeper,
  WaitBudget,
  wrapError,
  type LockClient,
} from './lock.js';
import { sessionBehaviorDelete } from './session.js';
import { goPathJoin, Mutex, sleep } from './sync.js';

export const defaultSemaphoreSessionName = 'Consul API Semaphore';
export const defaultSemaphoreSessionTtl = '15s';
export const defaultSemaphoreWaitTimeMs = 15_000;
/** Flags value marking a key as part of a semaphore, so a lock on the same key is detected. */
export const semaphoreFlagValue = 0xe0f69a2baa414de0n;

export interface SemaphoreOptions {
  prefix: string;
  /** Must be positive, and the same for every contender. */
  limit: number;
  /** Stored in our contender entry. */
  value?: Buffer;
  session?: string;
  sessionName?: string;
  sessionTtl?: string;
  monitorRetries?: number;
  monitorRetryTimeMs?: number;
  semaphoreWaitTimeMs?: number;
  semaphoreTryOnce?: boolean;
}

/** The `.lock` record. */
export interface SemaphoreLock {
  limit: number;
  /** Session ID → true: a set, as Go keeps it. */
  holders: Record<string, boolean>;
}

type Resolved = Required<Omit<SemaphoreOptions, 'value' | 'session'>> & Pick<SemaphoreOptions, 'value' | 'session'>;

export class Semaphore {
  private readonly opts: Resolved;
  private readonly mutex = new Mutex();
  private isHeld = false;
  private lockSession = '';
  private keeper: SessionKeeper | undefined;
  private monitorCancel: AbortController | undefined;

  /** Go's Client.SemaphoreOpts. */
  constructor(
    private readonly client: LockClient,
    opts: SemaphoreOptions,
  ) {
    if (opts.prefix === '') throw new LockError('ERR_LOCK_CONFIG', 'missing prefix');
    if (opts.limit <= 0) throw new LockError('ERR_LOCK_CONFIG', 'semaphore limit must be positive');
    checkTtl(opts.sessionTtl);
    this.opts = {
      ...opts,
      sessionName: opts.sessionName || defaultSemaphoreSessionName,
      sessionTtl: opts.sessionTtl || defaultSemaphoreSessionTtl,
      monitorRetries: opts.monitorRetries ?? 0,
      monitorRetryTimeMs: opts.monitorRetryTimeMs || defaultMonitorRetryTimeMs,
      semaphoreWaitTimeMs: opts.semaphoreWaitTimeMs || defaultSemaphoreWaitTimeMs,
      semaphoreTryOnce: opts.semaphoreTryOnce ?? false,
    };
  }

  private get lockKey(): string {
    return goPathJoin(this.opts.prefix, defaultSemaphoreKey);
  }

  /**
   * Takes a slot, waiting as long as it takes (or semaphoreWaitTimeMs with semaphoreTryOnce).
   * Resolves to a signal that aborts when the slot is lost, or null on `stop` or timeout.
   */
  acquire(stop?: AbortSignal): Promise<AbortSignal | null> {
    return this.mutex.run(async () => {
      if (this.isHeld) throw lockError('ERR_SEMAPHORE_HELD');
      this.lockSession = this.opts.session ?? '';
      if (this.lockSession === '') {
        try {
          this.lockSession = await this.client.session.create({ name: this.opts.sessionName, ttl: this.opts.sessionTtl, behavior: sessionBehaviorDelete });
        } catch (e) {
          throw wrapError('failed to create session', e);
        }
        this.keeper = new SessionKeeper(this.client.session, this.opts.sessionTtl, this.lockSession, {});
      }
      try {
        let made = false;
        let failure: unknown;
        try {
          made = await this.client.kv.put(goPathJoin(this.opts.prefix, this.lockSession), this.opts.value ?? Buffer.alloc(0), {
            flags: semaphoreFlagValue,
            acquire: this.lockSession,
          });
        } catch (e) {
          failure = e;
        }
        if (!made) throw wrapError('failed to make contender entry', failure ?? '<nil>');
        return await this.acquireLoop(stop);
      } finally {
        if (!this.isHeld && this.keeper) {
          await this.keeper.stop();
          this.keeper = undefined;
        }
      }
    });
  }

  private async acquireLoop(stop: AbortSignal | undefined): Promise<AbortSignal | null> {
    const kv = this.client.kv;
    const q = { waitMs: 0, index: 0 };
    const budget = new WaitBudget(this.opts.semaphoreWaitTimeMs, this.opts.semaphoreTryOnce);
    for (;;) {
      if (stop?.aborted) return null;
      const waitMs = budget.next();
      if (waitMs === null) return null;
      q.waitMs = waitMs;
      let read;
      try {
        read = await kv.list(this.opts.prefix, { ...q, ...(stop ? { signal: stop } : {}) });
      } catch (e) {
        if (isAborted(e) && stop?.aborted) return null;
        throw wrapError('failed to read prefix', e);
      }
      const lockPair = this.findLock(read.value);
      if (!flagsMatch(lockPair.flags, semaphoreFlagValue)) throw lockError('ERR_SEMAPHORE_CONFLICT');
      const lock = this.decodeLock(lockPair);
      if (lock.limit !== this.opts.limit) {
        throw new LockError('ERR_LOCK_FAILED', `semaphore limit conflict (lock: ${lock.limit}, local: ${this.opts.limit})`);
      }
      pruneDeadHolders(lock, read.value);
      if (Object.keys(lock.holders).length >= lock.limit) {
        q.index = read.meta.lastIndex;
        continue;
      }
      lock.holders[this.lockSession] = true;
      let didSet: boolean;
      try {
        didSet = await kv.put(this.lockKey, encodeLock(lock), { flags: semaphoreFlagValue, cas: lockPair.modifyIndex });
      } catch (e) {
        throw wrapError('failed to update lock', e);
      }
      if (!didSet) continue; // a race with another contender: read again
      const lost = new AbortController();
      this.monitorCancel = new AbortController();
      void this.monitorLock(this.lockSession, lost, this.monitorCancel.signal);
      this.isHeld = true;
      return lost.signal;
    }
  }

  /** Gives up our slot: drops us from the holders (check-and-set) and deletes our contender key. */
  release(): Promise<void> {
    return this.mutex.run(async () => {
      if (!this.isHeld) throw lockError('ERR_SEMAPHORE_NOT_HELD');
      this.isHeld = false;
      const session = this.lockSession;
      this.lockSession = '';
      try {
        for (;;) {
          const pair = (await this.client.kv.get(this.lockKey)).value ?? emptyPair(this.lockKey, 0n);
          const lock = this.decodeLock(pair);
          if (!(session in lock.holders)) break;
          delete lock.holders[session];
          let didSet: boolean;
          try {
            didSet = await this.client.kv.put(this.lockKey, encodeLock(lock), { flags: semaphoreFlagValue, cas: pair.modifyIndex });
          } catch (e) {
            throw wrapError('failed to update lock', e);
          }
          if (didSet) break;
        }
        await this.client.kv.delete(goPathJoin(this.opts.prefix, session));
      } finally {
        await this.keeper?.stop();
        this.keeper = undefined;
        this.monitorCancel?.abort();
      }
    });
  }

  /** Deletes the `.lock` record; fails while any live contender holds a slot. */
  destroy(): Promise<void> {
    return this.mutex.run(async () => {
      if (this.isHeld) throw lockError('ERR_SEMAPHORE_HELD');
      let pairs: KvPair[];
      try {
        pairs = (await this.client.kv.list(this.opts.prefix)).value;
      } catch (e) {
        throw wrapError('failed to read prefix', e);
      }
      const lockPair = this.findLock(pairs);
      if (lockPair.modifyIndex === 0) return;
      if (!flagsMatch(lockPair.flags, semaphoreFlagValue)) throw lockError('ERR_SEMAPHORE_CONFLICT');
      const lock = this.decodeLock(lockPair);
      pruneDeadHolders(lock, pairs);
      if (Object.keys(lock.holders).length > 0) throw lockError('ERR_SEMAPHORE_IN_USE');
      let removed: boolean;
      try {
        removed = await this.client.kv.delete(this.lockKey, { cas: lockPair.modifyIndex });
      } catch (e) {
        throw wrapError('failed to remove semaphore', e);
      }
      if (!removed) throw lockError('ERR_SEMAPHORE_IN_USE');
    });
  }

  /** The `.lock` entry among `pairs`, or an empty one carrying the semaphore flags. */
  private findLock(pairs: readonly KvPair[]): KvPair {
    return pairs.find((p) => p.key === this.lockKey) ?? emptyPair(this.lockKey, semaphoreFlagValue);
  }

  /** Go's decodeLock: no value means a fresh lock with our limit. */
  private decodeLock(pair: KvPair): SemaphoreLock {
    if (pair.value.length === 0) return { limit: this.opts.limit, holders: {} };
    return parseLock(pair.value);
  }

  private async monitorLock(session: string, lost: AbortController, cancel: AbortSignal): Promise<void> {
    try {
      let index = 0;
      for (;;) {
        let retries = this.opts.monitorRetries;
        let read;
        for (;;) {
          try {
            read = await this.client.kv.list(this.opts.prefix, { consistent: true, index, signal: cancel });
            break;
          } catch (e) {
            if (retries > 0 && isRetryableError(e) && !cancel.aborted) {
              if (!(await sleep(this.opts.monitorRetryTimeMs, cancel))) return;
              retries--;
              index = 0;
              continue;
            }
            return;
          }
        }
        let lock: SemaphoreLock;
        try {
          lock = this.decodeLock(this.findLock(read.value));
        } catch {
          return;
        }
        pruneDeadHolders(lock, read.value);
        if (!(session in lock.holders)) return;
        index = read.meta.lastIndex;
      }
    } finally {
      lost.abort();
    }
  }
}

function emptyPair(key: string, flags: bigint): KvPair {
  return { key, createIndex: 0, modifyIndex: 0, lockIndex: 0, flags, value: Buffer.alloc(0), session: '' };
}

/** Removes the holders that no longer have a contender entry with a live session. */
export function pruneDeadHolders(lock: SemaphoreLock, pairs: readonly KvPair[]): void {
  const alive = new Set(pairs.filter((p) => p.session !== '').map((p) => p.session));
  for (const holder of Object.keys(lock.holders)) if (!alive.has(holder)) delete lock.holders[holder];
}

/** json.Marshal of Go's semaphoreLock: `{"Limit":2,"Holders":{...}}`, holders sorted. */
export function encodeLock(lock: SemaphoreLock): Buffer {
  const holders = Object.keys(lock.holders)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${lock.holders[k] ? 'true' : 'false'}`)
    .join(',');
  return Buffer.from(`{"Limit":${lock.limit},"Holders":{${holders}}}`);
}

/** json.Unmarshal into Go's semaphoreLock: field names match case-insensitively. */
export function parseLock(value: Buffer): SemaphoreLock {
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch (e) {
    throw new LockError('ERR_LOCK_FAILED', `lock decoding failed: ${(e as Error).message}`);
  }
  const lock: SemaphoreLock = { limit: 0, holders: {} };
  if (raw === null) return lock;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LockError('ERR_LOCK_FAILED', 'lock decoding failed: json: cannot unmarshal into Go value of type api.semaphoreLock');
  }
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const name = k.toLowerCase();
    if (name === 'limit') {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new LockError('ERR_LOCK_FAILED', `lock decoding failed: json: cannot unmarshal ${JSON.stringify(v)} into Go struct field semaphoreLock.Limit of type int`);
      }
      lock.limit = v;
    } else if (name === 'holders' && v !== null) {
      if (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((b) => typeof b !== 'boolean')) {
        throw new LockError('ERR_LOCK_FAILED', 'lock decoding failed: json: cannot unmarshal into Go struct field semaphoreLock.Holders of type map[string]bool');
      }
      lock.holders = { ...(v as Record<string, boolean>) };
    }
  }
  return lock;
}
