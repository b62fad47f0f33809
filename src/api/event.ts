/**
 * /v1/event: Consul's user event API (api/event.go). `new Event(client)` is Go's
 * `client.Event()`. The list index is a uint64 folded from the last event's ID (not monotonic),
 * so it is a bigint here, read from X-Consul-Index exactly and sent back as `?index=`.
 */
import { blockingSlackMs, decodeJson, parseQueryMeta, type ApiClient, type QueryMeta, type QueryOptions, type WriteOptions } from './client.js';
import { ApiError, statusError } from './errors.js';
import type { QueryParam } from './url.js';

/** What a caller sets to fire an event (Go: Name, Payload and the filters of api.UserEvent). */
export interface UserEventParams {
  name: string;
  /** Sent as the body; absent or null sends none. */
  payload?: Uint8Array | string | null;
  nodeFilter?: string;
  serviceFilter?: string;
  tagFilter?: string;
}

export interface UserEvent {
  id: string;
  name: string;
  payload: Buffer | null;
  nodeFilter: string;
  serviceFilter: string;
  tagFilter: string;
  version: number;
  ltime: number;
}

interface WireUserEvent {
  ID?: string;
  Name?: string;
  Payload?: string | null;
  NodeFilter?: string;
  ServiceFilter?: string;
  TagFilter?: string;
  Version?: number;
  LTime?: number | bigint;
}

export interface EventQueryOptions extends Omit<QueryOptions, 'index' | 'filter'> {
  /** Block while the list's index still equals this one (`?index=`). */
  index?: bigint;
}

export interface EventQueryMeta extends Omit<QueryMeta, 'lastIndex'> {
  /** X-Consul-Index as the uint64 it is. */
  lastIndex: bigint;
}

/** The longest an agent holds an event list (Consul's maxQueryTime; no default_query_time here). */
export const eventListWaitMsMax = 600_000;

function fromWire(w: WireUserEvent): UserEvent {
  return {
    id: w.ID ?? '',
    name: w.Name ?? '',
    payload: w.Payload === undefined || w.Payload === null ? null : Buffer.from(w.Payload, 'base64'),
    nodeFilter: w.NodeFilter ?? '',
    serviceFilter: w.ServiceFilter ?? '',
    tagFilter: w.TagFilter ?? '',
    version: w.Version ?? 0,
    ltime: Number(w.LTime ?? 0),
  };
}

/** Go's IDToIndex: hex of id[0:8]+id[9:13]+id[14:18] XOR hex of id[19:23]+id[24:36]. */
export function idToIndex(uuid: string): bigint {
  const lower = uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18);
  const upper = uuid.slice(19, 23) + uuid.slice(24, 36);
  for (const part of [lower, upper]) {
    if (!/^[0-9a-fA-F]{1,16}$/.test(part)) throw new ApiError('ERR_API_DECODE', `Failed to convert ${part}`);
  }
  return BigInt(`0x${lower}`) ^ BigInt(`0x${upper}`);
}

function indexHeader(value: string | string[] | undefined): bigint {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return 0n;
  if (!/^\d+$/.test(v) || BigInt(v) >= 1n << 64n) {
    throw new ApiError('ERR_API_DECODE', `Failed to parse X-Consul-Index: strconv.ParseUint: parsing "${v}": invalid syntax`);
  }
  return BigInt(v);
}

export class Event {
  constructor(private readonly client: ApiClient) {}

  /** PUT /v1/event/fire/:name; resolves with the new event's ID (Go's Fire). */
  async fire(params: UserEventParams, w?: WriteOptions): Promise<string> {
    const q: QueryParam[] = [];
    if (params.nodeFilter) q.push(['node', params.nodeFilter]);
    if (params.serviceFilter) q.push(['service', params.serviceFilter]);
    if (params.tagFilter) q.push(['tag', params.tagFilter]);
    const p = params.payload;
    const body = p === undefined || p === null ? undefined : typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    const res = await this.client.write('PUT', `/v1/event/fire/${params.name}`, q, body, w);
    return fromWire(decodeJson<WireUserEvent>(res)).id;
  }

  /** GET /v1/event/list[?name=]: the agent's recent events, oldest first; blocks with `index`. */
  async list(name = '', q: EventQueryOptions = {}): Promise<{ events: UserEvent[]; meta: EventQueryMeta }> {
    const { index, ...rest } = q;
    const params: QueryParam[] = [];
    if (index !== undefined && index > 0n) params.push(['index', index.toString()]);
    if (name !== '') params.push(['name', name]);
    const blocking = index !== undefined && index > 0n;
    const waitMs = Math.min(q.waitMs && q.waitMs > 0 ? q.waitMs : eventListWaitMsMax, eventListWaitMsMax);
    const timeoutMs = q.timeoutMs ?? (blocking ? waitMs + blockingSlackMs : this.client.config.timeoutMs);
    const res = await this.client.query('/v1/event/list', params, { ...rest, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    const meta: EventQueryMeta = { ...parseQueryMeta({ ...res, headers: { ...res.headers, 'x-consul-index': undefined } }), lastIndex: indexHeader(res.headers['x-consul-index']) };
    const events = (decodeJson<WireUserEvent[] | null>(res) ?? []).map(fromWire);
    return { events, meta };
  }

  /** Go's Event.IDToIndex. */
  idToIndex(uuid: string): bigint {
    return idToIndex(uuid);
  }
}
