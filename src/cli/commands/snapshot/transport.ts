/**
 * /v1/snapshot with streamed bodies (Consul's api/snapshot.go). The shared ApiClient reads
 * whole bodies into memory (bounded at 256 MiB) and sends Buffers, which a snapshot of a large
 * store outgrows; these two calls stream instead, with the client's address, token, datacenter
 * and TLS settings, and the Go client's error texts. (They belong in api/ as a Snapshot
 * resource; see the module README.)
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type https from 'node:https';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { nodeHttp, nodeHttps } from '../../../host/index.js';
import { ApiError, goDialReason, goEncodeQuery, goUrlErrorPrefix, parseAddress, statusError, type Client, type QueryMeta, type QueryParam } from '../../../api/index.js';

/** Largest error body kept for the message (the archive itself is never buffered). */
const errorBodyBytesMax = 64 * 1024;

function tokenOf(client: Client): string {
  const { tokenFile, token } = client.config;
  if (tokenFile) {
    try {
      const t = readFileSync(tokenFile, 'utf8').trim();
      if (t) return t;
    } catch {
      // the client's constructor already refused an unreadable token file
    }
  }
  return token ?? '';
}

function tlsOptions(client: Client): https.RequestOptions {
  const tls = client.config.tls ?? {};
  const o: https.RequestOptions = {};
  if (tls.caFile) o.ca = readFileSync(tls.caFile);
  if (tls.certFile) o.cert = readFileSync(tls.certFile);
  if (tls.keyFile) o.key = readFileSync(tls.keyFile);
  if (tls.serverName) o.servername = tls.serverName;
  if (tls.insecureSkipVerify) o.rejectUnauthorized = false;
  return o;
}

function open(client: Client, method: 'GET' | 'PUT', params: QueryParam[]): { req: http.ClientRequest; response: Promise<http.IncomingMessage>; prefix: string } {
  const ep = parseAddress(client.config.address ?? '127.0.0.1:8500', client.config.scheme ?? 'http');
  const dc = client.config.datacenter;
  const query = goEncodeQuery([...(dc ? ([['dc', dc]] as QueryParam[]) : []), ...params]);
  const path = `/v1/snapshot${query ? `?${query}` : ''}`;
  const prefix = goUrlErrorPrefix(method, client.baseUrl + path);
  const headers: http.OutgoingHttpHeaders = {};
  const token = tokenOf(client);
  if (token) headers['X-Consul-Token'] = token;
  const where = ep.socketPath !== undefined ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port };
  const options = { method, path, headers, ...where };
  const req = ep.scheme === 'https' ? nodeHttps().request({ ...options, ...tlsOptions(client) }) : nodeHttp().request(options);
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (e) => reject(new ApiError('ERR_API_TRANSPORT', prefix + goDialReason(e, ep), { cause: e })));
  });
  return { req, response, prefix };
}

/** Go's requireOK: a non-200 answer becomes `Unexpected response code: N (body)`. */
async function requireOK(res: http.IncomingMessage): Promise<void> {
  if (res.statusCode === 200) return;
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    if (size < errorBodyBytesMax) parts.push(c);
    size += c.length;
  }
  throw statusError(res.statusCode ?? 0, Buffer.concat(parts));
}

/**
 * GET /v1/snapshot: resolves with the query meta once the headers are in, and the body to
 * stream (the caller must consume or destroy it).
 */
export async function snapshotSave(client: Client, stale: boolean): Promise<{ meta: QueryMeta; body: Readable }> {
  const started = performance.now();
  const { req, response } = open(client, 'GET', stale ? [['stale', '']] : []);
  req.end();
  const res = await response;
  await requireOK(res);
  const header = (name: string): string => {
    const v = res.headers[name];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  };
  const meta: QueryMeta = {
    lastIndex: Number(header('x-consul-index')) || 0,
    knownLeader: header('x-consul-knownleader') === 'true',
    lastContactMs: Number(header('x-consul-lastcontact')) || 0,
    requestTimeMs: performance.now() - started,
  };
  return { meta, body: res };
}

/** PUT /v1/snapshot with `input` streamed as the body. */
export async function snapshotRestore(client: Client, input: Readable): Promise<void> {
  const { req, response } = open(client, 'PUT', []);
  // The server may answer (an error) before it read everything; the answer is what counts.
  pipeline(input, req as Writable).catch(() => {});
  const res = await response;
  await requireOK(res);
  res.resume();
}
