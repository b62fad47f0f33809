/**
 * The HTTP client of checks.CheckHTTP, as Go 1.15's http.Client behaves for Consul 1.8.7:
 * - one Client.Timeout (10s unless given) for the whole exchange, redirects and body included;
 * - redirects followed like Go's default policy: at most 10 (then `stopped after 10 redirects`);
 *   301/302/303 turn the method into GET without a body, 307/308 keep both;
 * - but never to another host (Consul 1.8.7 followed them; a health check must not be
 *   steered elsewhere by the checked service): the redirect itself is then the answer, as Go's
 *   http.ErrUseLastResponse gives it, so the check sees `302 Found` and goes critical;
 *   headers copied, except Authorization, Www-Authenticate, Cookie and Cookie2 when the host
 *   changes; `Referer` set; a custom Host kept only for a relative Location;
 * - `Accept-Encoding: gzip` added (and the body decompressed) unless the check set it;
 * - keep-alives off (`Connection: close`);
 * - errors as Go's url.Error: `Get "http://x/": dial tcp 127.0.0.1:1: connect: connection refused`.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { Clock, Logger } from '../../lib/index.js';
import { TailBuffer } from './output.js';
import { buildRequestHeaders, redirectHeaders, type HeaderMap } from './http-headers.js';
import { goQuote } from '../../lib/index.js';
import { nodeHttp, nodeHttps } from '../../host/index.js';
import { nodeHttpErrorText } from './http-errors.js';
import { methodError, requestUrlError, urlErrorOp, urlErrorText } from './go-url.js';

/** TLS settings of the agent for checks (tls.Configurator.OutgoingTLSConfigForCheck). */
export interface CheckTlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface GoHttpRequest {
  method: string;
  url: string;
  header: HeaderMap;
  body: string;
  timeoutMs: number;
  tlsSkipVerify: boolean;
  tls?: CheckTlsOptions;
  /** Bytes of body kept (the last ones). */
  outputMaxSize: number;
  clock: Clock;
  logger: Logger;
  checkID: string;
}

export type GoHttpResult = { ok: true; status: string; statusCode: number; body: string } | { ok: false; error: string };

/** Go's redirect limit (defaultCheckRedirect). */
const redirectsMax = 10;

interface Exchange {
  timedOut: boolean;
  current?: ClientRequest;
}

/** http.NewRequest + Client.Do + reading the body into the output buffer. */
export async function goHttpDo(r: GoHttpRequest): Promise<GoHttpResult> {
  const method = r.method === '' ? 'GET' : r.method;
  const early = methodError(method) ?? requestUrlError(r.url, method);
  if (early !== undefined) return { ok: false, error: early };
  const op = urlErrorOp(method);
  const ex: Exchange = { timedOut: false };
  const timer = r.clock.setTimer(r.timeoutMs, () => {
    ex.timedOut = true;
    ex.current?.destroy();
  });
  try {
    return await follow(r, ex, method, op);
  } finally {
    timer.cancel();
  }
}

/** Client.do's loop: send, follow redirects, read the final body. */
async function follow(r: GoHttpRequest, ex: Exchange, method: string, op: string): Promise<GoHttpResult> {
  const initial = buildRequestHeaders(r.header);
  let url: URL;
  try {
    url = new URL(r.url);
  } catch {
    return { ok: false, error: urlErrorText('parse', r.url, 'invalid URL') };
  }
  let urlText = stripPassword(r.url);
  let cur: Outgoing = { method, body: r.body, headers: initial.headers, host: initial.host };
  for (let requests = 1; ; requests++) {
    const sent = await send(r, ex, url, cur);
    if ('error' in sent) {
      const why = ex.timedOut ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : sent.error;
      return { ok: false, error: urlErrorText(op, urlText, why) };
    }
    const res = sent.res;
    const behavior = redirectBehavior(cur.method, res);
    if (!behavior.follow) return await readBody(r, ex, res, sent.gzip);
    const location = res.headers.location ?? '';
    if (location === '') {
      res.resume();
      return { ok: false, error: urlErrorText(op, urlText, `${res.statusCode} response missing Location header`) };
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      res.resume();
      return { ok: false, error: urlErrorText(op, urlText, `failed to parse Location header ${goQuote(location)}`) };
    }
    if (next.host !== url.host || next.protocol !== url.protocol) return await readBody(r, ex, res, sent.gzip);
    res.resume();
    const copied = redirectHeaders({ initial, initialUrl: r.url, prevUrl: url, prevUrlText: urlText, nextUrl: next, location });
    if (requests >= redirectsMax) return { ok: false, error: urlErrorText(op, location, `stopped after ${redirectsMax} redirects`) };
    cur = { method: behavior.method, body: behavior.keepBody ? cur.body : '', headers: copied.headers, host: copied.host };
    url = next;
    urlText = stripPassword(next.href);
  }
}

/** Go's redirectBehavior. */
function redirectBehavior(method: string, res: IncomingMessage): { follow: boolean; method: string; keepBody: boolean } {
  const code = res.statusCode ?? 0;
  if (code === 301 || code === 302 || code === 303) {
    return { follow: true, method: method === 'GET' || method === 'HEAD' ? method : 'GET', keepBody: false };
  }
  if ((code === 307 || code === 308) && (res.headers.location ?? '') !== '') return { follow: true, method, keepBody: true };
  return { follow: false, method, keepBody: false };
}

interface Outgoing {
  method: string;
  body: string;
  headers: HeaderMap;
  host: string;
}

type Sent = { res: IncomingMessage; gzip: boolean } | { error: string };

/** One request on a fresh connection, up to the response headers. */
function send(r: GoHttpRequest, ex: Exchange, url: URL, out: Outgoing): Promise<Sent> {
  const https = url.protocol === 'https:';
  const bodyBytes = Buffer.from(out.body, 'utf8');
  const { raw, gzip } = wireHeaders(out, url, bodyBytes.length);
  return new Promise<Sent>((resolve) => {
    let req: ClientRequest;
    const opts = {
      method: out.method,
      headers: raw,
      agent: false as const,
      setHost: false,
      ...(https ? { rejectUnauthorized: !r.tlsSkipVerify, ...r.tls } : {}),
    };
    try {
      req = (https ? nodeHttps() : nodeHttp()).request(url, opts);
    } catch (err) {
      resolve({ error: nodeHttpErrorText(err as NodeJS.ErrnoException, url, undefined) });
      return;
    }
    ex.current = req;
    let addrs: string | undefined;
    req.on('socket', (s) => s.once('connect', () => (addrs = `${s.localAddress}:${s.localPort}->${s.remoteAddress}:${s.remotePort}`)));
    req.once('response', (res) => resolve({ res, gzip }));
    req.once('error', (err: NodeJS.ErrnoException) => resolve({ error: nodeHttpErrorText(err, url, addrs) }));
    if (ex.timedOut) req.destroy();
    req.end(bodyBytes.length > 0 ? bodyBytes : undefined);
  });
}

/** The header lines in Go's order: Host, User-Agent, Content-Length, the rest sorted, then the transport's. */
function wireHeaders(out: Outgoing, url: URL, bodyLength: number): { raw: string[]; gzip: boolean } {
  const h = out.headers;
  const raw: string[] = ['Host', out.host !== '' ? out.host : url.host];
  const ua = h['User-Agent']?.[0] ?? '';
  if (ua !== '') raw.push('User-Agent', ua);
  const lengthMethods = out.method === 'POST' || out.method === 'PUT' || out.method === 'PATCH';
  if (bodyLength > 0 || lengthMethods) raw.push('Content-Length', String(bodyLength));
  const excluded = new Set(['Host', 'User-Agent', 'Content-Length', 'Transfer-Encoding', 'Trailer']);
  for (const key of Object.keys(h).sort()) {
    if (excluded.has(key)) continue;
    for (const v of h[key]!) raw.push(key, v);
  }
  const gzip = !h['Accept-Encoding']?.[0] && !h['Range']?.[0] && out.method !== 'HEAD';
  if (gzip) raw.push('Accept-Encoding', 'gzip');
  raw.push('Connection', 'close');
  return { raw, gzip };
}

/** Reads the body into the output buffer; a read error (or the timeout) is only logged, as in Consul. */
function readBody(r: GoHttpRequest, ex: Exchange, res: IncomingMessage, gzip: boolean): Promise<GoHttpResult> {
  const out = new TailBuffer(r.outputMaxSize);
  const status = `${res.statusCode}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
  const decoded = gzip && /^gzip$/i.test(String(res.headers['content-encoding'] ?? ''));
  const stream = decoded ? res.pipe(createGunzip()) : res;
  return new Promise<GoHttpResult>((resolve) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      if (err !== undefined || ex.timedOut) {
        const why = ex.timedOut ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' : err!.message;
        r.logger.warn('Check error while reading body', { check: r.checkID, error: why });
      }
      res.destroy();
      resolve({ ok: true, status, statusCode: res.statusCode ?? 0, body: out.text() });
    };
    stream.on('data', (chunk: Uint8Array) => out.write(chunk));
    stream.once('end', () => finish());
    stream.once('error', (err) => finish(err));
    res.once('close', () => {
      if (!res.complete) finish(new Error('unexpected EOF'));
    });
  });
}

/** url's stripPassword: `user:***@`. */
export function stripPassword(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}
