/**
 * /v1/kv: Consul's KV API (api/kv.go). Wire entries keep Consul's PascalCase; callers get
 * camelCase KvPairs with the value as a Buffer. A missing key or empty prefix is not an error:
 * `get` gives null and `list`/`keys` give [] (the 404 still carries X-Consul-Index, so a caller
 * can block until the key appears).
 */
import { decodeJson, parseQueryMeta, type ApiClient, type QueryMeta, type QueryOptions, type RawResponse, type WriteOptions } from './client.js';
import { ApiError, statusError } from './errors.js';
import type { QueryParam } from './url.js';

/** One entry as /v1/kv returns it. */
export interface WireKvPair {
  Key: string;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Flags: number;
  /** Base64, or null for an empty value. */
  Value: string | null;
  Session?: string;
}

export interface KvPair {
  key: string;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  /** uint64, exact (lock and semaphore magic values exceed 2^53). */
  flags: bigint;
  value: Buffer;
  /** The session holding the lock; '' when unlocked. */
  session: string;
}

export interface Result<T> {
  value: T;
  meta: QueryMeta;
}

export interface PutOptions {
  /** Opaque uint64 kept with the key (a bigint keeps all 64 bits exactly). */
  flags?: number | bigint;
  /** Check-and-set: write only if ModifyIndex is this (0: only if the key is absent). */
  cas?: number | bigint;
  /** Lock the key with this session. */
  acquire?: string;
  /** Unlock the key held by this session. */
  release?: string;
}

export interface DeleteOptions {
  recurse?: boolean;
  /** Delete only if ModifyIndex is this. */
  cas?: number | bigint;
}

export function kvPairFromWire(w: WireKvPair): KvPair {
  return {
    key: w.Key,
    createIndex: w.CreateIndex,
    modifyIndex: w.ModifyIndex,
    lockIndex: w.LockIndex,
    flags: BigInt(w.Flags),
    value: w.Value === null || w.Value === undefined ? Buffer.alloc(0) : Buffer.from(w.Value, 'base64'),
    session: w.Session ?? '',
  };
}

export class Kv {
  constructor(private readonly client: ApiClient) {}

  /** GET /v1/kv/<key>: the entry, or null if there is none. */
  async get(key: string, q?: QueryOptions): Promise<Result<KvPair | null>> {
    const { res, meta } = await this.read(key, [], q);
    if (!res) return { value: null, meta };
    const entries = decodeJson<WireKvPair[]>(res);
    return { value: entries.length > 0 ? kvPairFromWire(entries[0]!) : null, meta };
  }

  /** GET /v1/kv/<key>?raw: the value's bytes, or null if there is no such key. */
  async getRaw(key: string, q?: QueryOptions): Promise<Result<Buffer | null>> {
    const { res, meta } = await this.read(key, [['raw', '']], q);
    return { value: res ? res.body : null, meta };
  }

  /** GET /v1/kv/<prefix>?recurse: every entry under the prefix, sorted by key. */
  async list(prefix: string, q?: QueryOptions): Promise<Result<KvPair[]>> {
    const { res, meta } = await this.read(prefix, [['recurse', '']], q);
    if (!res) return { value: [], meta };
    const entries = decodeJson<WireKvPair[] | null>(res) ?? [];
    return { value: entries.map(kvPairFromWire), meta };
  }

  /** GET /v1/kv/<prefix>?keys[&separator=]: key names, cut after `separator` when given. */
  async keys(prefix: string, separator = '', q?: QueryOptions): Promise<Result<string[]>> {
    const params: QueryParam[] = [['keys', '']];
    if (separator !== '') params.push(['separator', separator]);
    const { res, meta } = await this.read(prefix, params, q);
    if (!res) return { value: [], meta };
    return { value: decodeJson<string[] | null>(res) ?? [], meta };
  }

  /**
   * PUT /v1/kv/<key>. Resolves to the agent's answer: always true for a plain write; for
   * cas/acquire/release, whether it took effect.
   */
  async put(key: string, value: Buffer | string, opts: PutOptions = {}, w?: WriteOptions): Promise<boolean> {
    if (key.startsWith('/')) throw new ApiError('ERR_API_CONFIG', `Invalid key. Key must not begin with a '/': ${key}`);
    const params: QueryParam[] = [];
    if (opts.flags !== undefined && BigInt(opts.flags) !== 0n) params.push(['flags', String(opts.flags)]);
    if (opts.cas !== undefined) params.push(['cas', String(opts.cas)]);
    if (opts.acquire !== undefined) params.push(['acquire', opts.acquire]);
    if (opts.release !== undefined) params.push(['release', opts.release]);
    const res = await this.client.write('PUT', `/v1/kv/${key}`, params, value, w);
    return res.body.toString('utf8').includes('true');
  }

  /** DELETE /v1/kv/<key>[?recurse][?cas=]: true unless a cas did not match. */
  async delete(key: string, opts: DeleteOptions = {}, w?: WriteOptions): Promise<boolean> {
    const params: QueryParam[] = [];
    if (opts.recurse) params.push(['recurse', '']);
    if (opts.cas !== undefined) params.push(['cas', String(opts.cas)]);
    const res = await this.client.write('DELETE', `/v1/kv/${key}`, params, undefined, w);
    return res.body.toString('utf8').includes('true');
  }

  /** Go's getInternal: 404 → no body; another non-200 → `Unexpected response code: N`. */
  private async read(key: string, params: QueryParam[], q?: QueryOptions): Promise<{ res: RawResponse | undefined; meta: QueryMeta }> {
    const res = await this.client.query(`/v1/kv/${key}`, params, q);
    if (res.statusCode === 404) return { res: undefined, meta: parseQueryMeta(res) };
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body, false);
    return { res, meta: parseQueryMeta(res) };
  }
}
