/**
 * Sessions on the server (Consul's consul/session_endpoint.go and session_ttl.go): argument
 * checks with Consul's texts, create and destroy through the log, and the leader's TTL timers.
 * A session with a TTL is destroyed when it has not been renewed for TTL × 2 (Consul's
 * SessionTTLMultiplier), which is the slack the docs promise ("up to 2× TTL late").
 */
import { formatDurationMs, parseDurationMs, parseGoDuration, type Timer } from '../lib/index.js';
import { nodeSessions, sessionGet, sessionIDError, sessionList, type SessionEntry, type SessionWrite } from '../state/index.js';
import { manageAll, type Authorizer } from '../acl/index.js';
import { permissionDenied } from './acl-resolver.js';
import { rpcError } from './catalog-endpoint.js';
import type { Read, ReadOptions, Server } from './endpoints.js';

/** Consul's structs.SessionTTLMax (24h) and SessionTTLMultiplier. */
export const sessionTtlMsMax = 24 * 3_600_000;
export const sessionTtlMultiplier = 2;

export type SessionCreateArgs = Omit<SessionWrite, 'id'>;

function checkSessionID(id: string): void {
  const err = sessionIDError(id);
  if (err) throw rpcError(err);
}

export class SessionEndpoint {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly server: Server,
    private readonly newID: () => string,
    private readonly ttlMinMs: number,
  ) {}

  async create(datacenter: string, args: SessionCreateArgs, token?: string): Promise<string> {
    this.server.checkDatacenter(datacenter);
    if (args.node === '') throw rpcError('Must provide Node');
    if (!this.server.authorize(token).sessionWrite(args.node)) throw permissionDenied();
    const behavior = (args.behavior as string) === '' ? 'release' : args.behavior;
    if (behavior !== 'release' && behavior !== 'delete') throw rpcError(`Invalid Behavior setting '${behavior as string}'`);
    const ttlMs = this.parseTtl(args.ttl);
    const store = this.server.deps.store;
    let id = this.newID();
    while (store.state.sessions.has(id)) id = this.newID();
    const out = await this.server.deps.log.apply({ type: 'session-create', session: { ...args, behavior, id } });
    if (out) throw rpcError(out.error);
    if (ttlMs > 0) this.resetTimer(id, ttlMs);
    return id;
  }

  private parseTtl(ttl: string): number {
    if (ttl === '') return 0;
    const r = parseGoDuration(ttl);
    if (!r.ok) throw rpcError(`Session TTL '${ttl}' invalid: ${r.error}`);
    const ms = r.ms;
    if (ms !== 0 && (ms < this.ttlMinMs || ms > sessionTtlMsMax)) {
      throw rpcError(
        `Invalid Session TTL '${Math.round(ms * 1e6)}', must be between [${formatDurationMs(this.ttlMinMs)}=${formatDurationMs(sessionTtlMsMax)}]`,
      );
    }
    return ms;
  }

  async destroy(datacenter: string, id: string, token?: string): Promise<void> {
    this.server.checkDatacenter(datacenter);
    if (id === '') throw rpcError('Must provide ID');
    checkSessionID(id);
    this.vetSession(id, token);
    await this.server.deps.log.apply({ type: 'session-destroy', id });
    this.clearTimer(id);
  }

  /** Restarts a session's TTL; undefined if there is no such session. */
  async renew(datacenter: string, id: string, token?: string): Promise<SessionEntry | undefined> {
    this.server.checkDatacenter(datacenter);
    checkSessionID(id);
    this.vetSession(id, token);
    const s = this.server.deps.store.state.sessions.get(id);
    if (!s) return undefined;
    const ttlMs = s.ttl === '' ? 0 : (parseDurationMs(s.ttl) ?? 0);
    if (ttlMs > 0) this.resetTimer(id, ttlMs);
    return s;
  }

  async get(id: string, opts: ReadOptions): Promise<Read<SessionEntry[]>> {
    checkSessionID(id);
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = sessionGet(this.server.deps.store, id, ws);
      return { index: r.index, value: readable(authz, r.session ? [r.session] : []) };
    });
  }

  async list(opts: ReadOptions): Promise<Read<SessionEntry[]>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = sessionList(this.server.deps.store, ws);
      return { index: r.index, value: readable(authz, r.sessions) };
    });
  }

  async node(node: string, opts: ReadOptions): Promise<Read<SessionEntry[]>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = nodeSessions(this.server.deps.store, node, ws);
      return { index: r.index, value: readable(authz, r.sessions) };
    });
  }

  /** Destroying or renewing a session needs `session:write` on its node (Consul's Session.Apply and Renew). */
  private vetSession(id: string, token: string | undefined): void {
    const authz = this.server.authorize(token);
    if (authz === manageAll) return;
    const s = this.server.deps.store.state.sessions.get(id);
    if (s && !authz.sessionWrite(s.node)) throw permissionDenied();
  }

  /** On gaining leadership: arm a timer for every session with a TTL (Consul's initializeSessionTimers). */
  initializeTimers(): void {
    for (const [id, s] of this.server.deps.store.state.sessions.entries()) {
      const ttlMs = s.ttl === '' ? 0 : (parseDurationMs(s.ttl) ?? 0);
      if (ttlMs > 0) this.resetTimer(id, ttlMs);
    }
  }

  /** Stops every timer (leadership lost, or shutdown). */
  clearAllTimers(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** Sessions with a running TTL timer (for metrics and tests). */
  get timerCount(): number {
    return this.timers.size;
  }

  private resetTimer(id: string, ttlMs: number): void {
    this.clearTimer(id);
    const timer = this.server.deps.clock.setTimer(ttlMs * sessionTtlMultiplier, () => {
      if (this.timers.get(id) !== timer) return;
      this.timers.delete(id);
      this.server.deps.logger.debug('Session TTL expired', { session: id });
      this.server.deps.log.apply({ type: 'session-destroy', id }).catch((err: unknown) => {
        this.server.deps.logger.error('failed to invalidate session', { session: id, error: String(err) });
      });
    });
    this.timers.set(id, timer);
  }

  private clearTimer(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
  }
}

/** Consul's filterSessions: only sessions on nodes the token may read sessions of. */
function readable(authz: Authorizer, sessions: SessionEntry[]): SessionEntry[] {
  return authz === manageAll ? sessions : sessions.filter((s) => authz.sessionRead(s.node));
}
