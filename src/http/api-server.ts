/**
 * The HTTP API server: parses each request into a RequestContext, routes it, runs the handler
 * and writes the Reply with Consul's headers and status codes. It only maps: all behaviour is
 * in server/ (and the agent behind AgentApi).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { MusterError, limits, type Clock, type ErrorCode, type Logger, type Metrics } from '../lib/index.js';
import type { QueryMeta, ServerApi } from '../server/index.js';
import { registerAgent, type AgentApi } from './agent.js';
import type { AgentAuth } from './agent-acl.js';
import { registerLocalAgent, type LocalAgentApi } from './agent-local.js';
import { registerAgentOps, type AgentOpsApi } from './agent-ops.js';
import { registerCatalog } from './catalog.js';
import { registerEvent, type EventApi } from './event.js';
import { RenderCache, ResponseCache } from './cache.js';
import { RequestContext } from './context.js';
import { nodeExchange, type Exchange } from './exchange.js';
import { Http1Server } from './http1-server.js';
import { ReplyError } from './filter.js';
import { BodyError } from './wire/index.js';
import { acceptsGzip, gzipBody } from './gzip.js';
import { goJson } from './json.js';
import { jsonListStreamMin, writeJsonList, type JsonList } from './json-list.js';
import { registerHealth } from './health.js';
import { registerKV } from './kv.js';
import { registerOperatorKeyring, type KeyringApi } from './operator-keyring.js';
import type { Reply } from './reply.js';
import { Router } from './router.js';
import { registerSession } from './session.js';
import { registerACL } from './acl.js';
import { registerStatus } from './status.js';
import { registerOperator } from './operator.js';
import { registerSnapshot } from './snapshot.js';
import type { SnapshotApi } from '../server/index.js';
import { registerTxn } from './txn.js';

export interface HttpApiDeps {
  server: ServerApi;
  /** /v1/snapshot, on server agents (a client agent cannot stream one through a server yet). */
  snapshots?: SnapshotApi | undefined;
  agent: AgentApi;
  logger: Logger;
  clock: Clock;
  /** Dev mode pretty-prints every JSON reply, as Consul's does. */
  prettyByDefault: boolean;
  /** The agent's default ACL token (`acl.tokens.default`), for requests that carry none. */
  defaultToken?: () => string;
  /** Whether this agent has ACLs on (`acl.enabled`); default: ask the servers. */
  aclEnabled?: () => boolean;
  /** ACL checks of the agent's own endpoints (default: everything allowed, as with ACLs disabled). */
  auth?: AgentAuth;
  kvValueBytesMax: number;
  /** This agent's node: the default Node of a new session. */
  nodeName: string;
  /** Metrics, monitor, host (absent in tests of the server alone). */
  ops?: AgentOpsApi;
  /** Where request timings go (Consul's consul.http.<METHOD>.<path> samples). */
  metrics?: Metrics;
  /** The agent's own services and checks (absent in tests of the server alone). */
  local?: LocalAgentApi;
  /** User events (/v1/event/*); absent in tests of the server alone. */
  events?: EventApi;
  /** Gossip keyring operations (/v1/operator/keyring); absent in tests of the server alone. */
  keyring?: KeyringApi;
  queryWaitMsMax?: number;
  /** Requests wait until `open()` (the agent, while it starts); otherwise they are served at once. */
  startClosed?: boolean;
  /** Told after each reply is written (the agent's LoopSpin keeps the loop awake a moment). */
  afterReply?: () => void;
}

const statusOf: Record<ErrorCode, number> = {
  ERR_BAD_REQUEST: 400,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_CONFLICT: 409,
  ERR_TOO_LARGE: 413,
  ERR_PERMISSION_DENIED: 403,
  ERR_NO_LEADER: 500,
  ERR_NO_PATH_TO_DC: 500,
  ERR_CONFIG: 500,
  ERR_RPC: 500,
  ERR_INTERNAL: 500,
};

export class HttpApi {
  readonly router = new Router();
  private readonly rendered = new RenderCache();
  private readonly transport: Http1Server;

  constructor(private readonly deps: HttpApiDeps) {
    this.isOpen = !deps.startClosed;
    this.transport = new Http1Server({ handle: (ex) => void this.handle(ex), nowMs: () => deps.clock.nowMs() });
    registerKV(this.router, deps.server, deps.kvValueBytesMax);
    registerTxn(this.router, deps.server);
    registerStatus(this.router, deps.server);
    registerOperator(this.router, deps.server.operator);
    if (deps.snapshots) registerSnapshot(this.router, deps.snapshots);
    const cache = new ResponseCache(deps.clock);
    registerCatalog(this.router, deps.server, cache);
    registerHealth(this.router, deps.server, cache);
    registerSession(this.router, deps.server, () => deps.nodeName);
    registerACL(this.router, deps.server, deps.aclEnabled);
    registerAgent(this.router, deps.agent, deps.auth);
    if (deps.ops) registerAgentOps(this.router, deps.ops, deps.auth);
    if (deps.local) registerLocalAgent(this.router, deps.local, deps.clock, () => deps.queryWaitMsMax ?? limits.queryWaitMsMax, deps.auth);
    if (deps.events) registerEvent(this.router, deps.events);
    if (deps.keyring) registerOperatorKeyring(this.router, deps.keyring, deps.auth);
    // Consul's index handler: the root answers, every other unrouted path is an empty 404.
    this.router.add('/', ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'], (ctx) => (ctx.path === '/' ? { text: 'Muster Agent' } : { status: 404 }), { wrapped: false });
  }

  /**
   * Listens on host:port, or on a unix socket at `{ path }`; resolves with the bound address
   * (port 0 picks a free one; a socket's is its path).
   */
  listen(host: string, port: number): Promise<AddressInfo>;
  listen(at: { path: string }): Promise<string>;
  listen(host: string | { path: string }, port?: number): Promise<AddressInfo | string> {
    return this.transport.listen(typeof host === 'string' ? { host, port: port ?? 0 } : host);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private isOpen = true;
  private openGate!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.openGate = resolve));

  /**
   * Lets requests through. The agent binds its listeners first (a taken port fails the start at
   * once) and opens them once its state is loaded; requests that came early wait until then.
   */
  open(): void {
    this.isOpen = true;
    this.openGate();
  }

  /** One request from Node's http objects (the in-process test harness injects through them). */
  handleNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.handle(nodeExchange(req, res));
  }

  async handle(ex: Exchange): Promise<void> {
    if (!this.isOpen) await this.opened;
    const started = this.deps.clock.monotonicMs();
    let reply: Reply;
    let pretty = this.deps.prettyByDefault;
    try {
      const ctx = new RequestContext(ex);
      if (this.deps.defaultToken) ctx.defaultToken = this.deps.defaultToken();
      pretty ||= ctx.query.has('pretty');
      reply = await this.route(ctx, ex.url);
    } catch (err) {
      reply = this.errorReply(err, ex);
    }
    try {
      await this.write(ex, reply, pretty);
    } catch (err) {
      // Only a broken reply (a handler's bad header) gets here: the client sees the connection drop.
      this.deps.logger.error('Request error', { method: ex.method, url: ex.url, error: String((err as Error)?.stack ?? err) });
      ex.destroy();
    }
    this.deps.afterReply?.();
    if (this.deps.logger.enabled('debug')) {
      this.deps.logger.debug('Request finished', {
        method: ex.method,
        url: ex.url,
        from: ex.remote,
        latency: `${(this.deps.clock.monotonicMs() - started).toFixed(3)}ms`,
      });
    }
  }

  private async route(ctx: RequestContext, url: string): Promise<Reply> {
    const q = url.indexOf('?');
    const m = this.router.match(ctx.path, q < 0 ? '' : url.slice(q + 1));
    if ('redirect' in m) return redirect(ctx.method, m.redirect);
    if ('notFound' in m) return { status: 404, text: '404 page not found\n', vary: false };
    if (!m.route.methods.includes(ctx.method)) {
      // Consul's wrapper: OPTIONS lists the methods, any other gets 405 with the same list.
      const allow = (m.route.wrapped ? ['OPTIONS', ...m.route.methods] : m.route.methods).join(',');
      if (ctx.method === 'OPTIONS' && m.route.wrapped) return { headers: { Allow: allow }, text: '' };
      return { status: 405, text: `method ${ctx.method} not allowed`, headers: { Allow: allow } };
    }
    const started = this.deps.clock.monotonicMs();
    try {
      const reply = await m.route.handler(ctx);
      return m.route.wrapped ? reply : { ...reply, vary: false };
    } finally {
      const metrics = this.deps.metrics;
      if (metrics) {
        let name = m.route.metricNames.get(ctx.method);
        if (name === undefined) m.route.metricNames.set(ctx.method, (name = `http.${ctx.method}.${m.route.metricKey}`));
        metrics.measureSince(name, started);
      }
    }
  }

  private errorReply(err: unknown, ex: Exchange): Reply {
    if (err instanceof ReplyError) return err.reply;
    if (MusterError.is(err)) {
      const status = statusOf[err.code];
      if (status >= 500) this.deps.logger.error('Request error', { method: ex.method, url: ex.url, error: err.message });
      return { status, text: err.message };
    }
    if (err instanceof BodyError) return { status: 500, text: err.message };
    this.deps.logger.error('Request error', { method: ex.method, url: ex.url, error: String((err as Error)?.stack ?? err) });
    return { status: 500, text: (err as Error)?.message ?? String(err) };
  }

  private async write(ex: Exchange, reply: Reply, pretty: boolean): Promise<void> {
    if (reply.destroySocket) {
      ex.destroy();
      return;
    }
    if (reply.stream) {
      const out = ex.stream(reply.status ?? 200, { Vary: 'Accept-Encoding', ...reply.headers });
      reply.stream(out, ex.signal);
      return;
    }
    if (reply.jsonList && reply.jsonList.items.length > jsonListStreamMin) {
      await this.writeList(ex, reply, reply.jsonList, pretty);
      return;
    }
    const headers = replyHeaders(reply);
    let body: string | Uint8Array = '';
    let shared = false;
    if (reply.raw !== undefined) {
      body = reply.raw;
    } else if (reply.sharedJson !== undefined) {
      shared = true;
      headers['Content-Type'] = 'application/json';
      body = this.rendered.get(reply.sharedJson, reply.meta?.index ?? 0, pretty);
    } else if (reply.objectJson !== undefined) {
      shared = true;
      headers['Content-Type'] = 'application/json';
      body = this.rendered.ofObject(reply.objectJson, pretty);
    } else if (reply.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = goJson(reply.json, pretty);
    } else if (reply.jsonList !== undefined) {
      headers['Content-Type'] = 'application/json';
      const { items, render } = reply.jsonList;
      body = goJson(render ? items.map(render as (item: unknown) => unknown) : items, pretty);
    } else if (reply.text !== undefined && reply.text !== '') {
      headers['Content-Type'] ??= 'text/plain; charset=utf-8';
      body = reply.text;
    }
    if (body.length > 0 && headers['Content-Encoding'] === undefined && acceptsGzip(ex.header('accept-encoding'))) {
      const gz = gzipBody(body, shared);
      body = gz instanceof Promise ? await gz : gz;
      headers['Content-Encoding'] = 'gzip';
    }
    ex.reply(reply.status ?? 200, headers, body, reply.afterWrite);
  }

  /** A long JSON array, in batches (json-list.ts); chunked, and gzipped as a stream when accepted. */
  private async writeList(ex: Exchange, reply: Reply, list: JsonList, pretty: boolean): Promise<void> {
    const headers = replyHeaders(reply);
    headers['Content-Type'] = 'application/json';
    const gzip = acceptsGzip(ex.header('accept-encoding'));
    if (gzip) headers['Content-Encoding'] = 'gzip';
    const res = ex.stream(reply.status ?? 200, headers);
    let out: Writable = res;
    if (gzip) {
      const z = createGzip();
      z.on('error', () => res.destroy());
      z.pipe(res);
      out = z;
    }
    try {
      await writeJsonList(out, list, pretty, ex.signal);
    } catch (err) {
      // The status line is out: all that is left is to cut the answer short.
      this.deps.logger.error('Request error', { method: ex.method, url: ex.url, error: String((err as Error)?.stack ?? err) });
      res.destroy();
    }
  }
}

/** Go's http.Redirect with 301: a GET or HEAD also gets a short HTML body naming the new URL. */
function redirect(method: string, location: string): Reply {
  if (method !== 'GET' && method !== 'HEAD') return { status: 301, headers: { Location: location }, text: '', vary: false };
  const href = location.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
  return { status: 301, headers: { 'Content-Type': 'text/html; charset=utf-8', Location: location }, text: `<a href="${href}">Moved Permanently</a>.\n\n`, vary: false };
}

function replyHeaders(reply: Reply): Record<string, string | number> {
  // Go's ServeMux and Consul's index handler answer outside the gzip handler: no Vary.
  const headers: Record<string, string | number> = reply.vary === false ? {} : { Vary: 'Accept-Encoding' };
  if (reply.meta) setMeta(headers, reply.meta, true, reply.effectiveConsistency === true);
  else if (reply.metaNoIndex) setMeta(headers, reply.metaNoIndex, false);
  if (reply.headers) Object.assign(headers, reply.headers);
  return headers;
}

function setMeta(headers: Record<string, string | number>, meta: QueryMeta, withIndex: boolean, effectiveConsistency = false): void {
  if (effectiveConsistency) headers['X-Consul-Effective-Consistency'] = meta.consistency;
  if (withIndex) headers['X-Consul-Index'] = String(Math.max(1, meta.index));
  headers['X-Consul-KnownLeader'] = meta.knownLeader ? 'true' : 'false';
  headers['X-Consul-LastContact'] = String(Math.max(0, Math.round(meta.lastContactMs)));
}
