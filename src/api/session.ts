/**
 * /v1/session: Consul's session API (api/session.go), including RenewPeriodic, the loop that
 * keeps a TTL session alive for a lock or semaphore: renew every TTL/2, retry every second
 * after an error, give up once a whole TTL passed without a successful renewal, and destroy
 * the session when told to stop.
 */
import { parseDurationMs } from '../lib/index.js';
import { decodeJson, parseQueryMeta, type ApiClient, type QueryMeta, type QueryOptions, type WriteOptions } from './client.js';
import { ApiError, statusError } from './errors.js';
import type { Result } from './kv.js';
import { sleep } from './sync.js';

export const sessionBehaviorRelease = 'release';
export const sessionBehaviorDelete = 'delete';

/** How long RenewPeriodic waits after a failed renewal (Go: time.Second). */
export const renewRetryMs = 1000;

export interface ServiceCheckRef {
  id: string;
  namespace?: string;
}

/** What a caller may set when creating a session (Go's SessionEntry, the writable part). */
export interface SessionInput {
  name?: string;
  node?: string;
  lockDelayMs?: number;
  behavior?: string;
  /** A Go duration, `10s` to `86400s` on a real agent. */
  ttl?: string;
  checks?: string[];
  nodeChecks?: string[];
  serviceChecks?: ServiceCheckRef[];
}

export interface WireSessionEntry {
  CreateIndex?: number;
  ModifyIndex?: number;
  ID: string;
  Name?: string;
  Node?: string;
  /** Nanoseconds. */
  LockDelay?: number;
  Behavior?: string;
  TTL?: string;
  Checks?: string[] | null;
  NodeChecks?: string[] | null;
  ServiceChecks?: Array<{ ID: string; Namespace?: string }> | null;
}

export interface SessionEntry {
  createIndex: number;
  modifyIndex: number;
  id: string;
  name: string;
  node: string;
  lockDelayMs: number;
  behavior: string;
  ttl: string;
  checks: string[];
  nodeChecks: string[];
  serviceChecks: ServiceCheckRef[];
}

export function sessionFromWire(w: WireSessionEntry): SessionEntry {
  return {
    createIndex: w.CreateIndex ?? 0,
    modifyIndex: w.ModifyIndex ?? 0,
    id: w.ID,
    name: w.Name ?? '',
    node: w.Node ?? '',
    lockDelayMs: (w.LockDelay ?? 0) / 1e6,
    behavior: w.Behavior ?? '',
    ttl: w.TTL ?? '',
    checks: w.Checks ?? [],
    nodeChecks: w.NodeChecks ?? [],
    serviceChecks: (w.ServiceChecks ?? []).map((c) => ({ id: c.ID, ...(c.Namespace ? { namespace: c.Namespace } : {}) })),
  };
}

/** Go's session.ErrSessionExpired. */
export function sessionExpiredError(): ApiError {
  return new ApiError('ERR_API_STATUS', 'session expired');
}

/** Go's durToMsec: `15000ms`. */
function durToMsec(ms: number): string {
  return `${Math.trunc(ms)}ms`;
}

/** The create body as Go builds it: only the fields that are set, keys sorted (a Go map). */
function createBody(se: SessionInput | undefined, noChecks: boolean): string | undefined {
  const body: Record<string, unknown> = {};
  if (noChecks) body.NodeChecks = [];
  if (se) {
    if (se.name) body.Name = se.name;
    if (se.node) body.Node = se.node;
    if (se.lockDelayMs) body.LockDelay = durToMsec(se.lockDelayMs);
    if (!noChecks && se.checks?.length) body.Checks = se.checks;
    if (!noChecks && se.nodeChecks?.length) body.NodeChecks = se.nodeChecks;
    if (!noChecks && se.serviceChecks?.length) body.ServiceChecks = se.serviceChecks.map((c) => ({ ID: c.id, Namespace: c.namespace ?? '' }));
    if (se.behavior) body.Behavior = se.behavior;
    if (se.ttl) body.TTL = se.ttl;
  } else if (!noChecks) {
    return undefined; // Go sends no body for a nil entry
  }
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(body).sort()) sorted[k] = body[k];
  return JSON.stringify(sorted) + '\n'; // json.Encoder ends with a newline
}

export class Session {
  constructor(private readonly client: ApiClient) {}

  /** PUT /v1/session/create; resolves to the new session's ID. */
  async create(se?: SessionInput, w?: WriteOptions): Promise<string> {
    return this.createWith(createBody(se, false), w);
  }

  /** Like create, with no health checks at all (NodeChecks: []). */
  async createNoChecks(se?: SessionInput, w?: WriteOptions): Promise<string> {
    return this.createWith(createBody(se, true), w);
  }

  private async createWith(body: string | undefined, w?: WriteOptions): Promise<string> {
    const res = await this.client.write('PUT', '/v1/session/create', [], body, w);
    return decodeJson<{ ID: string }>(res).ID;
  }

  /** PUT /v1/session/destroy/<id>: invalidates the session (its locks are released or deleted). */
  async destroy(id: string, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', `/v1/session/destroy/${id}`, [], undefined, w);
  }

  /** PUT /v1/session/renew/<id>: the renewed session, or null when it no longer exists. */
  async renew(id: string, w: WriteOptions = {}): Promise<SessionEntry | null> {
    const res = await this.client.request({
      method: 'PUT',
      path: `/v1/session/renew/${id}`,
      params: this.client.writeParams(w),
      body: Buffer.alloc(0),
      ...(w.token !== undefined ? { token: w.token } : {}),
      ...(w.signal !== undefined ? { signal: w.signal } : {}),
      ...(w.timeoutMs !== undefined ? { timeoutMs: w.timeoutMs } : {}),
    });
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body, false);
    const entries = decodeJson<WireSessionEntry[] | null>(res) ?? [];
    return entries.length > 0 ? sessionFromWire(entries[0]!) : null;
  }

  /**
   * Go's RenewPeriodic: renews `id` every TTL/2 until `done` aborts, then destroys it.
   * Rejects with "session expired" when the agent no longer knows the session, or with the last
   * error once a whole TTL went by without a successful renewal.
   */
  async renewPeriodic(initialTtl: string, id: string, w: WriteOptions | undefined, done: AbortSignal): Promise<void> {
    let ttlMs = parseDurationMs(initialTtl);
    if (ttlMs === undefined) throw new ApiError('ERR_API_CONFIG', `time: invalid duration "${initialTtl}"`);
    let waitMs = ttlMs / 2;
    let lastRenewMs = performance.now();
    let lastError: unknown;
    for (;;) {
      if (performance.now() - lastRenewMs > ttlMs) {
        if (lastError !== undefined) throw lastError;
        return;
      }
      if (!(await sleep(waitMs, done))) {
        await this.destroy(id, w).catch(() => undefined);
        return;
      }
      let entry: SessionEntry | null;
      try {
        entry = await this.renew(id, w);
      } catch (e) {
        waitMs = renewRetryMs;
        lastError = e;
        continue;
      }
      if (!entry) throw sessionExpiredError();
      ttlMs = parseDurationMs(entry.ttl) ?? 0;
      waitMs = ttlMs / 2;
      lastRenewMs = performance.now();
    }
  }

  /** GET /v1/session/info/<id>: the session, or null. */
  async info(id: string, q?: QueryOptions): Promise<Result<SessionEntry | null>> {
    const { value, meta } = await this.list0(`/v1/session/info/${id}`, q);
    return { value: value[0] ?? null, meta };
  }

  /** GET /v1/session/node/<node>: the node's sessions. */
  async node(node: string, q?: QueryOptions): Promise<Result<SessionEntry[]>> {
    return this.list0(`/v1/session/node/${node}`, q);
  }

  /** GET /v1/session/list: every active session. */
  async list(q?: QueryOptions): Promise<Result<SessionEntry[]>> {
    return this.list0('/v1/session/list', q);
  }

  private async list0(path: string, q?: QueryOptions): Promise<{ value: SessionEntry[]; meta: QueryMeta }> {
    const res = await this.client.query(path, [], q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    const entries = decodeJson<WireSessionEntry[] | null>(res) ?? [];
    return { value: entries.map(sessionFromWire), meta: parseQueryMeta(res) };
  }
}
