/**
 * One HTTP request as handlers see it: method, decoded path, Go-style query (a parameter's
 * presence matters: `?recurse`), headers, the body read with a bound, and an AbortSignal that
 * fires when the client goes away (so blocked queries release their watches).
 */
import { MusterError } from '../lib/index.js';
import type { Exchange } from './exchange.js';

export class Query {
  private readonly params = new Map<string, string[]>();

  constructor(raw: string) {
    if (raw === '') return;
    for (const part of raw.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const k = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
      const v = eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1));
      const list = this.params.get(k);
      if (list) list.push(v);
      else this.params.set(k, [v]);
    }
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  /** The first value, or '' (Go's url.Values.Get). */
  get(name: string): string {
    return this.params.get(name)?.[0] ?? '';
  }

  all(name: string): string[] {
    return this.params.get(name) ?? [];
  }

  /** Go's url.Values.Encode: keys sorted, every value `key=value`, query-escaped. */
  encode(): string {
    const esc = (t: string): string => encodeURIComponent(t).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const parts: string[] = [];
    for (const k of [...this.params.keys()].sort()) for (const v of this.params.get(k)!) parts.push(`${esc(k)}=${esc(v)}`);
    return parts.join('&');
  }
}

function decodeQueryComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new MusterError('ERR_BAD_REQUEST', `invalid URL escape in query ${JSON.stringify(s)}`);
  }
}

export class RequestContext {
  readonly method: string;
  /** The decoded path, as Go's URL.Path. */
  readonly path: string;
  readonly query: Query;
  /** The agent's default token (`acl.tokens.default`), used when the request names none. */
  defaultToken = '';

  constructor(readonly exchange: Exchange) {
    this.method = exchange.method;
    const url = exchange.url;
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    try {
      this.path = rawPath.includes('%') ? decodeURIComponent(rawPath) : rawPath;
    } catch {
      throw new MusterError('ERR_BAD_REQUEST', `invalid URL escape in path ${JSON.stringify(rawPath)}`);
    }
    this.query = new Query(q < 0 ? '' : url.slice(q + 1));
  }

  /** A request header's first value; `name` in lower case. */
  header(name: string): string | undefined {
    return this.exchange.header(name);
  }

  /**
   * The request's ACL token (Consul's parseToken): `?token=`, then `X-Consul-Token`, then
   * `Authorization: Bearer <t>`; else the agent's default token; '' means the anonymous one.
   */
  get token(): string {
    this.tokenOf ??= this.requestToken() || this.defaultToken;
    return this.tokenOf;
  }

  private tokenOf: string | undefined;

  /** The token the request itself carries ('' when none). */
  requestToken(): string {
    const q = this.query.get('token');
    if (q !== '') return q;
    const header = this.header('x-consul-token');
    if (header) return header;
    const parts = (this.header('authorization') ?? '').split(' ');
    if (parts.length > 1 && parts[0]!.toLowerCase() === 'bearer') return parts.slice(1).join(' ').trim().split(' ')[0]!.trim();
    return '';
  }

  /** Aborts when the client closes the connection before we answered. */
  get signal(): AbortSignal {
    return this.exchange.signal;
  }

  /** The body as it arrives (a snapshot restore streams it). */
  bodyStream(): AsyncIterable<Uint8Array> {
    return this.exchange.body();
  }

  /** The whole body, or an ERR_TOO_LARGE error once it passes `bytesMax`. */
  async body(bytesMax: number): Promise<Buffer> {
    const declared = this.exchange.contentLength;
    if (declared > bytesMax) throw tooLargeBody(declared, bytesMax);
    if (declared === 0) return Buffer.alloc(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this.exchange.body()) {
      total += chunk.byteLength;
      if (total > bytesMax) throw tooLargeBody(total, bytesMax);
      chunks.push(chunk);
    }
    if (chunks.length === 1) {
      const c = chunks[0]!;
      return Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    }
    return Buffer.concat(chunks, total);
  }
}

export class BodyTooLargeError extends MusterError {
  constructor(
    readonly bytes: number,
    readonly bytesMax: number,
  ) {
    super('ERR_TOO_LARGE', `Request body(${bytes} bytes) too large, max size: ${bytesMax} bytes.`);
  }
}

function tooLargeBody(bytes: number, bytesMax: number): BodyTooLargeError {
  return new BodyTooLargeError(bytes, bytesMax);
}
