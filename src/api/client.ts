/**
 * The HTTP transport of Muster's (and Consul's) API v1, on node:http/node:https with a
 * keep-alive agent, so timeouts are ours: a request has an absolute deadline, a blocking query
 * gets `wait` + wait/16 jitter + slack, and an AbortSignal can end one early.
 * Resource groups (kv.ts, agent.ts, status.ts) build on `get`/`put`/`del` here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import { ApiError, goDialReason, goUrlErrorPrefix, statusError, type DialTarget } from './errors.js';
import { goEncodeQuery, goPathEscape, type QueryParam } from './url.js';
import type https from 'node:https';
import { parseJsonBig } from '../lib/index.js';
import { nodeHttp, nodeHttps } from '../host/index.js';

/** Largest response body read into memory: a recursive KV read of a big tree is the biggest. */
export const responseBytesMax = 256 * 1024 * 1024;
/** Extra time a blocking query gets past `wait` + wait/16 before we give up on the agent. */
export const blockingSlackMs = 15_000;
/** The wait an agent applies when a blocking query gives none (Consul's default_query_time). */
export const defaultWaitMs = 300_000;

export interface TlsFiles {
  caFile?: string;
  caPath?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

export interface ClientConfig {
  /** `127.0.0.1:8500`, `http://host:port`, `https://host:port` or `unix:///path`. */
  address?: string;
  /** Scheme for an address without one; default `http`. */
  scheme?: 'http' | 'https';
  token?: string;
  /** File holding the token; when readable and non-empty it wins over `token` (as in Go). */
  tokenFile?: string;
  datacenter?: string;
  tls?: TlsFiles;
  /** Deadline of a non-blocking request; 0 or absent: none (Go's client has none either). */
  timeoutMs?: number;
}

export interface QueryOptions {
  datacenter?: string;
  stale?: boolean;
  consistent?: boolean;
  /** Block until the result index passes this one (`?index=`). */
  index?: number;
  /** Longest block (`?wait=`), in milliseconds. */
  waitMs?: number;
  token?: string;
  filter?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface WriteOptions {
  datacenter?: string;
  token?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface QueryMeta {
  /** X-Consul-Index: feed back as `index` to block. */
  lastIndex: number;
  knownLeader: boolean;
  lastContactMs: number;
  requestTimeMs: number;
}

export interface RawResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  requestTimeMs: number;
}

export interface RawRequest {
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  /** Unescaped path, e.g. `/v1/kv/a b`. */
  path: string;
  params?: readonly QueryParam[];
  body?: Buffer | string;
  token?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

interface Endpoint extends DialTarget {
  scheme: 'http' | 'https';
  /** As Go prints the URL's host (a socket path is escaped). */
  urlHost: string;
}

export class ApiClient {
  readonly config: Readonly<ClientConfig>;
  private readonly endpoint: Endpoint;
  private readonly httpAgent: http.Agent;
  private readonly token: string;

  /** Throws ApiError ERR_API_CONFIG for an unknown scheme or an unreadable file. */
  constructor(config: ClientConfig = {}) {
    this.config = config;
    this.endpoint = parseAddress(config.address ?? '127.0.0.1:8500', config.scheme ?? 'http');
    this.token = resolveToken(config);
    this.httpAgent =
      this.endpoint.scheme === 'https'
        ? new (nodeHttps().Agent)({ keepAlive: true, ...tlsOptions(config.tls ?? {}) })
        : new (nodeHttp().Agent)({ keepAlive: true });
  }

  /** The base URL as Go's client prints it (`http://127.0.0.1:8500`). */
  get baseUrl(): string {
    return `${this.endpoint.scheme}://${this.endpoint.urlHost}`;
  }

  /** Closes idle keep-alive sockets; in-flight requests finish. */
  close(): void {
    this.httpAgent.destroy();
  }

  /** Query-string parameters every read carries. */
  queryParams(q: QueryOptions = {}): QueryParam[] {
    const p: QueryParam[] = [];
    const dc = q.datacenter ?? this.config.datacenter;
    if (dc) p.push(['dc', dc]);
    if (q.stale) p.push(['stale', '']);
    if (q.consistent) p.push(['consistent', '']);
    if (q.index !== undefined && q.index > 0) p.push(['index', String(q.index)]);
    if (q.waitMs !== undefined && q.waitMs > 0) p.push(['wait', `${Math.ceil(q.waitMs)}ms`]);
    if (q.filter) p.push(['filter', q.filter]);
    return p;
  }

  writeParams(w: WriteOptions = {}): QueryParam[] {
    const dc = w.datacenter ?? this.config.datacenter;
    return dc ? [['dc', dc]] : [];
  }

  /** Deadline of a read: the caller's, or long enough for a blocking query to come back. */
  queryTimeoutMs(q: QueryOptions = {}): number | undefined {
    if (q.timeoutMs !== undefined) return q.timeoutMs;
    if (q.index !== undefined && q.index > 0) {
      const wait = q.waitMs ?? defaultWaitMs;
      return wait + wait / 16 + blockingSlackMs;
    }
    return this.config.timeoutMs;
  }

  /** A GET; resolves with any status (callers decide what 404 means). */
  async query(path: string, params: readonly QueryParam[], q: QueryOptions = {}): Promise<RawResponse> {
    return this.request({
      method: 'GET',
      path,
      params: [...this.queryParams(q), ...params],
      ...opt('token', q.token),
      ...opt('signal', q.signal),
      ...opt('timeoutMs', this.queryTimeoutMs(q)),
    });
  }

  /** A PUT/DELETE that must answer 200 (Go's requireOK). */
  async write(method: 'PUT' | 'DELETE', path: string, params: readonly QueryParam[], body: Buffer | string | undefined, w: WriteOptions = {}): Promise<RawResponse> {
    const res = await this.request({
      method,
      path,
      params: [...this.writeParams(w), ...params],
      ...opt('body', method === 'PUT' ? (body ?? Buffer.alloc(0)) : body),
      ...opt('token', w.token),
      ...opt('signal', w.signal),
      ...opt('timeoutMs', w.timeoutMs ?? this.config.timeoutMs),
    });
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    return res;
  }

  /** One HTTP exchange. Transport failures reject with Go-worded ApiErrors. */
  request(req: RawRequest): Promise<RawResponse> {
    const query = goEncodeQuery(req.params ?? []);
    const pathAndQuery = goPathEscape(req.path) + (query ? `?${query}` : '');
    const url = this.baseUrl + pathAndQuery;
    const prefix = goUrlErrorPrefix(req.method, url);
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    const headers: http.OutgoingHttpHeaders = {};
    const token = req.token ?? this.token;
    if (token) headers['X-Consul-Token'] = token;
    if (body !== undefined) headers['Content-Length'] = body.length;
    const start = performance.now();
    return new Promise<RawResponse>((resolve, reject) => {
      if (req.signal?.aborted) return reject(new ApiError('ERR_API_ABORTED', `${prefix}context canceled`));
      const ep = this.endpoint;
      const mod = ep.scheme === 'https' ? nodeHttps() : nodeHttp();
      let settled = false;
      const finish = (e: ApiError | undefined, r?: RawResponse): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve(r!);
      };
      const hreq = mod.request({
        method: req.method,
        path: pathAndQuery,
        headers,
        agent: this.httpAgent,
        ...(ep.socketPath !== undefined ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port }),
      });
      const onAbort = (): void => {
        finish(new ApiError('ERR_API_ABORTED', `${prefix}context canceled`));
        hreq.destroy();
      };
      const timeoutMs = req.timeoutMs;
      const timer =
        timeoutMs !== undefined && timeoutMs > 0
          ? setTimeout(() => {
              finish(new ApiError('ERR_API_TIMEOUT', `${prefix}net/http: request canceled (Client.Timeout exceeded while awaiting headers)`));
              hreq.destroy();
            }, timeoutMs)
          : undefined;
      req.signal?.addEventListener('abort', onAbort, { once: true });
      hreq.on('error', (e) => finish(new ApiError('ERR_API_TRANSPORT', prefix + goDialReason(e, ep), { cause: e })));
      hreq.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > responseBytesMax) {
            finish(new ApiError('ERR_API_TOO_LARGE', `${prefix}response body over ${responseBytesMax} bytes`));
            hreq.destroy();
          } else chunks.push(c);
        });
        res.on('error', (e) => finish(new ApiError('ERR_API_TRANSPORT', prefix + goDialReason(e, ep), { cause: e })));
        res.on('end', () =>
          finish(undefined, {
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            requestTimeMs: performance.now() - start,
          }),
        );
      });
      hreq.end(body);
    });
  }
}

/** Reads X-Consul-Index, X-Consul-KnownLeader and X-Consul-LastContact. */
export function parseQueryMeta(res: RawResponse): QueryMeta {
  const header = (name: string): string | undefined => {
    const v = res.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const uint = (name: string): number => {
    const v = header(name);
    if (v === undefined) return 0;
    if (!/^\d+$/.test(v)) throw new ApiError('ERR_API_DECODE', `Failed to parse ${name}: strconv.ParseUint: parsing "${v}": invalid syntax`);
    return Number(v);
  };
  return {
    lastIndex: uint('x-consul-index'),
    knownLeader: header('x-consul-knownleader') === 'true',
    lastContactMs: uint('x-consul-lastcontact'),
    requestTimeMs: res.requestTimeMs,
  };
}

/** Parses a JSON body; a malformed one is ERR_API_DECODE. */
export function decodeJson<T>(res: RawResponse): T {
  try {
    return parseJsonBig(res.body.toString('utf8')) as T;
  } catch (e) {
    throw new ApiError('ERR_API_DECODE', `Failed to decode response: ${(e as Error).message}`, { cause: e });
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Go's api.NewClient address handling: `scheme://rest` picks the scheme; unix sockets too. */
export function parseAddress(address: string, defaultScheme: 'http' | 'https'): Endpoint {
  let scheme = defaultScheme;
  let rest = address;
  const sep = address.indexOf('://');
  if (sep >= 0) {
    const given = address.slice(0, sep);
    rest = address.slice(sep + 3);
    if (given === 'unix') {
      return { scheme: 'http', host: 'localhost', port: 80, socketPath: rest, urlHost: encodeURIComponent(rest) };
    }
    if (given !== 'http' && given !== 'https') throw new ApiError('ERR_API_CONFIG', `Unknown protocol scheme: ${given}`);
    scheme = given;
  }
  const defaultPort = scheme === 'https' ? 443 : 80;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) return { scheme, host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort, socketPath: undefined, urlHost: rest };
  const colon = rest.lastIndexOf(':');
  const host = colon >= 0 ? rest.slice(0, colon) : rest;
  const port = colon >= 0 ? Number(rest.slice(colon + 1)) : defaultPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ApiError('ERR_API_CONFIG', `parse "${scheme}://${rest}": invalid port "${rest.slice(colon)}" after host`);
  }
  return { scheme, host, port, socketPath: undefined, urlHost: rest };
}

function readConfigFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new ApiError('ERR_API_CONFIG', `${what}: open ${path}: ${reason}`, { cause: e });
  }
}

function resolveToken(config: ClientConfig): string {
  if (config.tokenFile) {
    const fromFile = readConfigFile(config.tokenFile, 'Error loading token file').toString('utf8').trim();
    if (fromFile) return fromFile;
  }
  return config.token ?? '';
}

function tlsOptions(tls: TlsFiles): https.AgentOptions {
  const o: https.AgentOptions = {};
  const cas: Buffer[] = [];
  if (tls.caFile) cas.push(readConfigFile(tls.caFile, 'Error loading CA File'));
  if (tls.caPath) {
    for (const name of readdirSync(tls.caPath).sort()) {
      const p = join(tls.caPath, name);
      if (statSync(p).isFile()) cas.push(readConfigFile(p, 'Error loading CA Path'));
    }
  }
  if (cas.length > 0) o.ca = cas;
  if (tls.certFile) o.cert = readConfigFile(tls.certFile, 'Error loading client certificate');
  if (tls.keyFile) o.key = readConfigFile(tls.keyFile, 'Error loading client key');
  if (tls.serverName) o.servername = tls.serverName;
  if (tls.insecureSkipVerify) o.rejectUnauthorized = false;
  return o;
}
