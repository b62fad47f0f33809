/**
 * Client-side leader election on a KV key: a port of Consul's api/lock.go, step for step.
 *
 * - `lock()` creates a TTL session (renewed every TTL/2 until unlock) unless one is given, then
 *   loops: read the key (a blocking query once someone holds it), refuse a key whose flags are
 *   not LockFlagValue, try `?acquire=`, and when that fails without a holder (a lock-delay is
 *   running) wait lockRetryTimeMs before trying again.
 * - Once held, a monitor blocks on the key with `?consistent` and aborts the returned signal as
 *   soon as the key is no longer held by our session (session invalidated, released, deleted),
 *   or after monitorRetries failed reads in a row (only 500s and transport errors are retried).
 * - `unlock()` releases the key and destroys the session; `destroy()` deletes an unused key.
 *
 * Differences from Go, none visible in the protocol: `stop` also cancels an in-flight blocking
 * read (Go only looks at it between reads), and the session created for a failed `lock()` is
 * destroyed before `lock()` returns rather than in the background.
 */
import { parseDurationMs } from '../lib/index.js';
import { ApiError } from './errors.js';
import type { Kv, KvPair } from './kv.js';
import type { Session, SessionInput } from './session.js';
import { Mutex, sleep } from './sync.js';
import type { WriteOptions } from './client.js';

export const defaultLockSessionName = 'Consul API Lock';
export const defaultLockSessionTtl = '15s';
/** How long one blocking read of the lock waits (Go: DefaultLockWaitTime). */
export const defaultLockWaitTimeMs = 15_000;
/** Pause after a failed acquire while a lock-delay is in effect (Go: DefaultLockRetryTime). */
export const defaultLockRetryTimeMs = 5_000;
/** Pause between monitor retries after a 500 (Go: DefaultMonitorRetryTime). */
export const defaultMonitorRetryTimeMs = 2_000;
/** Flags value marking a key as a lock, so a semaphore on the same key is detected. */
export const lockFlagValue = 0x2ddccbc058a50c18n;
/** The key inside a prefix that a semaphore (and `muster lock`) coordinates on. */
export const defaultSemaphoreKey = '.lock';

export type LockErrorCode =
  | 'ERR_LOCK_HELD' // Lock already held
  | 'ERR_LOCK_NOT_HELD' // Lock not held
  | 'ERR_LOCK_IN_USE' // Lock in use
  | 'ERR_LOCK_CONFLICT' // Existing key does not match lock use
  | 'ERR_SEMAPHORE_HELD'
  | 'ERR_SEMAPHORE_NOT_HELD'
  | 'ERR_SEMAPHORE_IN_USE'
  | 'ERR_SEMAPHORE_CONFLICT'
  | 'ERR_LOCK_CONFIG' // bad options: missing key, bad TTL, bad limit
  | 'ERR_LOCK_FAILED'; // an agent request failed; the message says which step

export class LockError extends Error {
  constructor(
    readonly code: LockErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LockError';
  }
}

const lockTexts = {
  ERR_LOCK_HELD: 'Lock already held',
  ERR_LOCK_NOT_HELD: 'Lock not held',
  ERR_LOCK_IN_USE: 'Lock in use',
  ERR_LOCK_CONFLICT: 'Existing key does not match lock use',
  ERR_SEMAPHORE_HELD: 'Semaphore already held',
  ERR_SEMAPHORE_NOT_HELD: 'Semaphore not held',
  ERR_SEMAPHORE_IN_USE: 'Semaphore in use',
  ERR_SEMAPHORE_CONFLICT: 'Existing key does not match semaphore use',
} as const;

/** One of Go's sentinel errors (ErrLockHeld, ErrSemaphoreConflict, ...) with its exact text. */
export function lockError(code: keyof typeof lockTexts): LockError {
  return new LockError(code, lockTexts[code]);
}

/** `fmt.Errorf("<what>: %v", err)`. */
export function wrapError(what: string, e: unknown): LockError {
  return new LockError('ERR_LOCK_FAILED', `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** Go's api.IsRetryableError: a network error, or a 500 from the agent. */
export function isRetryableError(e: unknown): boolean {
  if (ApiError.is(e) && (e.code === 'ERR_API_TRANSPORT' || e.code === 'ERR_API_TIMEOUT')) return true;
  return e instanceof Error && e.message.includes('Unexpected response code: 500');
}

export function isAborted(e: unknown): boolean {
  return ApiError.is(e) && e.code === 'ERR_API_ABORTED';
}

/** Compares KV flags (exact uint64) with a 64-bit magic value. */
export function flagsMatch(flags: bigint, magic: bigint): boolean {
  return flags === magic;
}

/** Go's `time.ParseDuration(opts.SessionTTL)` check. */
/**
 * The wait of each blocking read in an acquire loop. Without `tryOnce` every read waits
 * `waitMs`; with it, the reads after the first share what is left of `waitMs` and `next`
 * returns null once it is spent (LockTryOnce / SemaphoreTryOnce).
 */
export class WaitBudget {
  private readonly startMs = performance.now();
  private attempts = 0;

  constructor(
    private readonly waitMs: number,
    private readonly tryOnce: boolean,
  ) {}

  next(): number | null {
    if (!this.tryOnce || this.attempts++ === 0) return this.waitMs;
    const elapsedMs = performance.now() - this.startMs;
    return elapsedMs > this.waitMs ? null : this.waitMs - elapsedMs;
  }
}

export function checkTtl(ttl: string | undefined): void {
  if (ttl && parseDurationMs(ttl) === undefined) {
    throw new LockError('ERR_LOCK_CONFIG', `invalid SessionTTL: time: invalid duration "${ttl}"`);
  }
}

/** What a lock or semaphore needs from the client. */
export interface LockClient {
  readonly kv: Kv;
  readonly session: Session;
}

export interface LockOptions {
  /** Must be set and writable. */
  key: string;
  value?: Buffer;
  /** Use this session instead of creating one (then it is neither renewed nor destroyed). */
  session?: string;
  /** Options for the created session; wins over sessionName/sessionTtl. */
  sessionOpts?: SessionInput;
  sessionName?: string;
  sessionTtl?: string;
  /** 500s tolerated in a row while monitoring; default 0. */
  monitorRetries?: number;
  monitorRetryTimeMs?: number;
  lockWaitTimeMs?: number;
  /** Give up (resolve null) once lockWaitTimeMs has passed instead of trying forever. */
  lockTryOnce?: boolean;
  /** A Go constant (5s), an option here so tests need not wait. */
  lockRetryTimeMs?: number;
}

type ResolvedLockOptions = Required<Omit<LockOptions, 'value' | 'session' | 'sessionOpts'>> & Pick<LockOptions, 'value' | 'session' | 'sessionOpts'>;

/** The background renewal of a session we created; `stop` destroys the session. */
export class SessionKeeper {
  private readonly done = new AbortController();
  private readonly renewal: Promise<void>;
  constructor(session: Session, ttl: string, id: string, w: WriteOptions) {
    this.renewal = session.renewPeriodic(ttl, id, w, this.done.signal).catch(() => undefined);
  }
  async stop(): Promise<void> {
    this.done.abort();
    await this.renewal;
  }
}

export class Lock {
  private readonly opts: ResolvedLockOptions;
  private readonly mutex = new Mutex();
  private isHeld = false;
  private lockSession = '';
  private keeper: SessionKeeper | undefined;
  private monitorCancel: AbortController | undefined;

  /** Go's Client.LockOpts: validates and fills in the defaults. */
  constructor(
    private readonly client: LockClient,
    opts: LockOptions,
  ) {
    if (opts.key === '') throw new LockError('ERR_LOCK_CONFIG', 'missing key');
    const ttl = opts.sessionTtl || defaultLockSessionTtl;
    checkTtl(opts.sessionTtl);
    this.opts = {
      ...opts,
      sessionName: opts.sessionName || defaultLockSessionName,
      sessionTtl: ttl,
      monitorRetries: opts.monitorRetries ?? 0,
      monitorRetryTimeMs: opts.monitorRetryTimeMs || defaultMonitorRetryTimeMs,
      lockWaitTimeMs: opts.lockWaitTimeMs || defaultLockWaitTimeMs,
      lockTryOnce: opts.lockTryOnce ?? false,
      lockRetryTimeMs: opts.lockRetryTimeMs ?? defaultLockRetryTimeMs,
    };
  }

  get key(): string {
    return this.opts.key;
  }

  /**
   * Acquires the lock, waiting as long as it takes (or lockWaitTimeMs with lockTryOnce).
   * Resolves to a signal that aborts when the lock is lost, or to null when `stop` aborted or
   * the one-shot wait ran out.
   */
  lock(stop?: AbortSignal): Promise<AbortSignal | null> {
    return this.mutex.run(async () => {
      if (this.isHeld) throw lockError('ERR_LOCK_HELD');
      this.lockSession = this.opts.session ?? '';
      if (this.lockSession === '') {
        try {
          this.lockSession = await this.createSession();
        } catch (e) {
          throw wrapError('failed to create session', e);
        }
        this.keeper = new SessionKeeper(this.client.session, this.opts.sessionTtl, this.lockSession, {});
      }
      try {
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
    const budget = new WaitBudget(this.opts.lockWaitTimeMs, this.opts.lockTryOnce);
    for (;;) {
      if (stop?.aborted) return null;
      const waitMs = budget.next();
      if (waitMs === null) return null;
      q.waitMs = waitMs;
      let read;
      try {
        read = await kv.get(this.opts.key, { ...q, ...(stop ? { signal: stop } : {}) });
      } catch (e) {
        if (isAborted(e) && stop?.aborted) return null;
        throw wrapError('failed to read lock', e);
      }
      const pair = read.value;
      if (pair && !flagsMatch(pair.flags, lockFlagValue)) throw lockError('ERR_LOCK_CONFLICT');
      if (pair && pair.session === this.lockSession) return this.held();
      if (pair && pair.session !== '') {
        q.index = read.meta.lastIndex;
        continue;
      }
      let locked: boolean;
      try {
        locked = await kv.put(this.opts.key, this.opts.value ?? Buffer.alloc(0), { flags: lockFlagValue, acquire: this.lockSession });
      } catch (e) {
        throw wrapError('failed to acquire lock', e);
      }
      if (locked) return this.held();
      // Why did it fail? A holder: block on it. None: a lock-delay is running, so wait.
      q.index = 0;
      const again = await kv.get(this.opts.key, q);
      if (again.value && again.value.session !== '') {
        q.index = again.meta.lastIndex;
        continue;
      }
      if (!(await sleep(this.opts.lockRetryTimeMs, stop))) return null;
    }
  }

  private held(): AbortSignal {
    const lost = new AbortController();
    this.monitorCancel = new AbortController();
    void this.monitorLock(this.lockSession, lost, this.monitorCancel.signal);
    this.isHeld = true;
    return lost.signal;
  }

  /** Releases the lock; an error if it is not held. */
  unlock(): Promise<void> {
    return this.mutex.run(async () => {
      if (!this.isHeld) throw lockError('ERR_LOCK_NOT_HELD');
      this.isHeld = false;
      const session = this.lockSession;
      this.lockSession = '';
      try {
        await this.client.kv.put(this.opts.key, this.opts.value ?? Buffer.alloc(0), { flags: lockFlagValue, release: session });
      } catch (e) {
        throw wrapError('failed to release lock', e);
      } finally {
        await this.keeper?.stop();
        this.keeper = undefined;
        this.monitorCancel?.abort();
      }
    });
  }

  /** Deletes the lock key; fails while the lock is held by anyone. */
  destroy(): Promise<void> {
    return this.mutex.run(async () => {
      if (this.isHeld) throw lockError('ERR_LOCK_HELD');
      let pair: KvPair | null;
      try {
        pair = (await this.client.kv.get(this.opts.key)).value;
      } catch (e) {
        throw wrapError('failed to read lock', e);
      }
      if (!pair) return;
      if (!flagsMatch(pair.flags, lockFlagValue)) throw lockError('ERR_LOCK_CONFLICT');
      if (pair.session !== '') throw lockError('ERR_LOCK_IN_USE');
      let removed: boolean;
      try {
        removed = await this.client.kv.delete(this.opts.key, { cas: pair.modifyIndex });
      } catch (e) {
        throw wrapError('failed to remove lock', e);
      }
      if (!removed) throw lockError('ERR_LOCK_IN_USE');
    });
  }

  private async createSession(): Promise<string> {
    const se = this.opts.sessionOpts ?? { name: this.opts.sessionName, ttl: this.opts.sessionTtl };
    return this.client.session.create(se);
  }

  /** Blocks on the key until it is no longer ours; then aborts `lost`. */
  private async monitorLock(session: string, lost: AbortController, cancel: AbortSignal): Promise<void> {
    try {
      let index = 0;
      for (;;) {
        let retries = this.opts.monitorRetries;
        let read;
        for (;;) {
          try {
            read = await this.client.kv.get(this.opts.key, { consistent: true, index, signal: cancel });
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
        if (!read.value || read.value.session !== session) return;
        index = read.meta.lastIndex;
      }
    } finally {
      lost.abort();
    }
  }
}
