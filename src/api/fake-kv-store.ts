/**
 * Test support: the KV and session semantics a lock or semaphore relies on, as Consul's state
 * store implements them (agent/consul/state/kvs.go, session.go), in memory:
 * - acquire needs a live session; it fails while another session holds the key or while the
 *   key's lock-delay runs; re-acquiring with the holder's session only updates the value;
 * - release needs the holder's session; cas=0 creates only; delete takes cas;
 * - destroying or expiring a session releases (or, for behaviour "delete", deletes) its keys
 *   and starts their lock-delay;
 * - one global index, bumped by every write, wakes every blocked reader.
 * Used only by tests.
 */

export interface FakeEntry {
  value: Buffer;
  flags: bigint;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  session: string;
}

export interface FakeSession {
  id: string;
  name: string;
  node: string;
  ttl: string;
  ttlMs: number;
  behavior: string;
  lockDelayMs: number;
  createIndex: number;
}

export type KvWriteResult = { ok: boolean } | { error: string };

export class FakeKvStore {
  index = 10;
  readonly entries = new Map<string, FakeEntry>();
  readonly sessions = new Map<string, FakeSession>();
  /** Lock-delay applied when a session without an explicit LockDelay is invalidated. */
  defaultLockDelayMs = 15_000;
  /** Expire TTL sessions (off: sessions live until destroyed). */
  enforceTtl = true;
  private readonly lockDelayUntil = new Map<string, number>();
  private readonly ttlTimers = new Map<string, NodeJS.Timeout>();
  private readonly waiters = new Set<() => void>();
  private seq = 0;

  /** Bumps the index and wakes every blocked reader. */
  bump(): number {
    this.index++;
    for (const w of [...this.waiters]) w();
    return this.index;
  }

  /** Resolves once the index passes `index` or `waitMs` ran out. */
  waitFor(index: number, waitMs: number, aborted: () => boolean): Promise<void> {
    if (this.index > index) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const wake = (): void => {
        if (this.index > index || aborted()) done();
      };
      const timer = setTimeout(done, waitMs);
      this.waiters.add(wake);
    });
  }

  /** Wakes blocked readers without a change (as a timeout would). */
  wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  close(): void {
    for (const t of this.ttlTimers.values()) clearTimeout(t);
    this.ttlTimers.clear();
    this.index = Number.MAX_SAFE_INTEGER;
    for (const w of [...this.waiters]) w();
  }

  set(key: string, value: Buffer | string, flags = 0n, session = ''): void {
    const prev = this.entries.get(key);
    const index = this.bump();
    this.entries.set(key, {
      value: Buffer.isBuffer(value) ? value : Buffer.from(value),
      flags,
      createIndex: prev?.createIndex ?? index,
      modifyIndex: index,
      lockIndex: prev?.lockIndex ?? 0,
      session,
    });
  }

  /** PUT /v1/kv/<key> with its query parameters. */
  put(key: string, value: Buffer, q: URLSearchParams): KvWriteResult {
    const prev = this.entries.get(key);
    const flags = BigInt(q.get('flags') ?? '0');
    const cas = q.get('cas');
    if (cas !== null) {
      const want = Number(cas);
      if ((want === 0 && prev) || (want !== 0 && prev?.modifyIndex !== want)) return { ok: false };
    }
    const acquire = q.get('acquire');
    if (acquire !== null) {
      if (!this.sessions.has(acquire)) return { error: `invalid session "${acquire}"` };
      if (prev?.session && prev.session !== acquire) return { ok: false };
      if (!prev?.session && (this.lockDelayUntil.get(key) ?? 0) > performance.now()) return { ok: false };
      const newlyLocked = prev?.session !== acquire;
      this.set(key, value, flags, acquire);
      if (newlyLocked) this.entries.get(key)!.lockIndex++;
      return { ok: true };
    }
    const release = q.get('release');
    if (release !== null) {
      if (!prev || prev.session !== release) return { ok: false };
      this.set(key, value, flags, '');
      return { ok: true };
    }
    this.set(key, value, flags, prev?.session ?? '');
    return { ok: true };
  }

  /** DELETE /v1/kv/<key>[?recurse][?cas=]. */
  delete(key: string, q: URLSearchParams): boolean {
    if (q.has('recurse')) {
      for (const k of [...this.entries.keys()]) if (k.startsWith(key)) this.entries.delete(k);
      this.bump();
      return true;
    }
    const cas = q.get('cas');
    if (cas !== null && this.entries.get(key)?.modifyIndex !== Number(cas)) return false;
    this.entries.delete(key);
    this.bump();
    return true;
  }

  /** Consul's wire entry, flags written exactly (they can exceed 2^53). */
  wire(key: string, e: FakeEntry): string {
    const value = e.value.length ? JSON.stringify(e.value.toString('base64')) : 'null';
    const session = e.session ? `,"Session":${JSON.stringify(e.session)}` : '';
    return `{"LockIndex":${e.lockIndex},"Key":${JSON.stringify(key)},"Flags":${e.flags},"Value":${value}${session},"CreateIndex":${e.createIndex},"ModifyIndex":${e.modifyIndex}}`;
  }

  createSession(body: Record<string, unknown>, node: string): FakeSession {
    const id = `00000000-0000-0000-0000-${String(++this.seq).padStart(12, '0')}`;
    const ttl = typeof body.TTL === 'string' ? body.TTL : '';
    const s: FakeSession = {
      id,
      name: typeof body.Name === 'string' ? body.Name : '',
      node: typeof body.Node === 'string' ? body.Node : node,
      ttl,
      ttlMs: ttl ? parseSimpleDurationMs(ttl) : 0,
      behavior: typeof body.Behavior === 'string' ? body.Behavior : 'release',
      lockDelayMs: lockDelayOf(body.LockDelay, this.defaultLockDelayMs),
      createIndex: this.bump(),
    };
    this.sessions.set(id, s);
    this.armTtl(s);
    return s;
  }

  /** Renews a TTL session; false if it is gone. */
  renew(id: string): FakeSession | undefined {
    const s = this.sessions.get(id);
    if (s) this.armTtl(s);
    return s;
  }

  private armTtl(s: FakeSession): void {
    clearTimeout(this.ttlTimers.get(s.id));
    if (!this.enforceTtl || s.ttlMs <= 0) return;
    this.ttlTimers.set(
      s.id,
      setTimeout(() => this.destroySession(s.id), s.ttlMs),
    );
  }

  /** Invalidates a session: its keys are released or deleted and their lock-delay starts. */
  destroySession(id: string): void {
    const s = this.sessions.get(id);
    clearTimeout(this.ttlTimers.get(id));
    this.ttlTimers.delete(id);
    if (!s) return;
    this.sessions.delete(id);
    for (const [key, e] of [...this.entries]) {
      if (e.session !== id) continue;
      if (s.lockDelayMs > 0) this.lockDelayUntil.set(key, performance.now() + s.lockDelayMs);
      if (s.behavior === 'delete') this.entries.delete(key);
      else this.entries.set(key, { ...e, session: '', modifyIndex: this.index + 1 });
    }
    this.bump();
  }

  sessionWire(s: FakeSession): Record<string, unknown> {
    return {
      ID: s.id,
      Name: s.name,
      Node: s.node,
      LockDelay: s.lockDelayMs * 1e6,
      Behavior: s.behavior,
      TTL: s.ttl,
      NodeChecks: ['serfHealth'],
      ServiceChecks: null,
      CreateIndex: s.createIndex,
      ModifyIndex: s.createIndex,
    };
  }
}

function lockDelayOf(v: unknown, def: number): number {
  if (typeof v === 'number') return v / 1e6;
  if (typeof v === 'string') return parseSimpleDurationMs(v);
  return def;
}

/** `15s`, `200ms`, `1m`: enough of Go's durations for test sessions. */
function parseSimpleDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) return 0;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}
