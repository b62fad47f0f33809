/** /v1/session/*: Consul's agent/session_endpoint.go. */
import { parseGoDuration } from '../lib/index.js';
import type { ServerApi, SessionCreateArgs } from '../server/index.js';
import { sessionIDError, type SessionBehavior, type SessionEntry } from '../state/index.js';
import { decodeBody, isReply, pathArg } from './catalog.js';
import { decodeGo, go, GoDecodeError, type Decoded } from './go-decode.js';
import { readOptions } from './query-options.js';
import type { Router } from './router.js';

const sessionType = go.struct('Session', {
  ID: go.string,
  Name: go.string,
  Node: go.string,
  LockDelay: go.any,
  Behavior: go.string,
  TTL: go.string,
  NodeChecks: go.slice(go.string),
  ServiceChecks: go.slice(go.struct('ServiceCheck', { ID: go.string, Namespace: go.string })),
  Checks: go.slice(go.string),
  Namespace: go.string,
}, true); // session/create ignores unknown fields (Session has its own UnmarshalJSON)

/** Consul's lockDelayMinThreshold: a LockDelay below 1000 (ns) is taken as seconds. */
const lockDelaySecondsBelowNs = 1000;

/** Session.UnmarshalJSON: a Go duration string or nanoseconds; other JSON types count as 0. */
function lockDelayMs(v: unknown): number {
  let ns = 0;
  if (typeof v === 'string') {
    const r = parseGoDuration(v);
    if (!r.ok) throw new GoDecodeError(r.error);
    ns = r.ms * 1e6;
  } else if (typeof v === 'number') {
    ns = v;
  }
  if (ns < lockDelaySecondsBelowNs) ns *= 1e9;
  return ns / 1e6;
}

/** The create body over Consul's defaults: this node, serfHealth, 15s lock delay, release. */
export function sessionArgsFrom(d: Decoded, nodeName: string): SessionCreateArgs {
  const args: SessionCreateArgs = {
    name: (d['Name'] as string | undefined) ?? '',
    node: (d['Node'] as string | undefined) ?? nodeName,
    lockDelayMs: d['LockDelay'] === undefined ? 15_000 : lockDelayMs(d['LockDelay']),
    behavior: ((d['Behavior'] as string | undefined) ?? 'release') as SessionBehavior,
    ttl: (d['TTL'] as string | undefined) ?? '',
    nodeChecks: (d['NodeChecks'] as string[] | undefined) ?? ['serfHealth'],
    serviceChecks: ((d['ServiceChecks'] as Decoded[] | undefined) ?? []).map((c) => ({
      id: (c['ID'] as string | undefined) ?? '',
      namespace: (c['Namespace'] as string | undefined) ?? '',
    })),
    checks: (d['Checks'] as string[] | undefined) ?? ['serfHealth'],
  };
  // Consul's fixupEmptySessionChecks: `Checks: []` means no checks at all; the default in
  // Checks defers to NodeChecks; an explicit empty NodeChecks empties the default Checks.
  if (args.checks.length === 0) args.nodeChecks = [];
  else if (args.checks.length === 1 && args.checks[0] === 'serfHealth') args.checks = [];
  else if (args.nodeChecks.length === 0) args.checks = [];
  return args;
}

export function sessionJson(s: SessionEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ID: s.id,
    Name: s.name,
    Node: s.node,
    LockDelay: Math.round(s.lockDelayMs * 1e6),
    Behavior: s.behavior,
    TTL: s.ttl,
    NodeChecks: s.nodeChecks,
    ServiceChecks: s.serviceChecks.length === 0 ? null : s.serviceChecks.map((c) => ({ ID: c.id, Namespace: c.namespace })),
  };
  if (s.checks.length > 0) out['Checks'] = s.checks;
  out['CreateIndex'] = s.createIndex;
  out['ModifyIndex'] = s.modifyIndex;
  return out;
}

export function registerSession(router: Router, server: ServerApi, nodeName: () => string): void {
  const sessions = server.sessions;
  router.add('/v1/session/create', ['PUT'], async (ctx) => {
    let args: SessionCreateArgs;
    if (ctx.exchange.contentLength === 0) {
      args = sessionArgsFrom({}, nodeName());
    } else {
      const d = await decodeBody(ctx, (v) => {
        const dec = decodeGo(v, sessionType as Parameters<typeof decodeGo>[1]);
        return { args: sessionArgsFrom(dec, nodeName()) };
      });
      if (isReply(d)) return d;
      args = d['args'] as SessionCreateArgs;
    }
    const id = await sessions.create(ctx.query.get('dc'), args, ctx.token);
    return { json: { ID: id } };
  });
  router.add('/v1/session/destroy/', ['PUT'], async (ctx) => {
    const id = pathArg(ctx, '/v1/session/destroy/', 'Missing session');
    await sessions.destroy(ctx.query.get('dc'), id, ctx.token);
    return { json: true };
  });
  router.add('/v1/session/renew/', ['PUT'], async (ctx) => {
    const id = pathArg(ctx, '/v1/session/renew/', 'Missing session');
    const s = await sessions.renew(ctx.query.get('dc'), id, ctx.token);
    if (!s) return { status: 404, text: `Session id '${id}' not found` };
    return { json: [sessionJson(s)] };
  });
  router.add('/v1/session/info/', ['GET'], async (ctx) => {
    const id = pathArg(ctx, '/v1/session/info/', 'Missing session');
    const idError = sessionIDError(id);
    if (idError) return { status: 500, text: idError, headers: { 'X-Consul-Index': '1', 'X-Consul-KnownLeader': 'false', 'X-Consul-LastContact': '0' } };
    const r = await sessions.get(id, readOptions(ctx));
    return { json: r.value.map(sessionJson), meta: r.meta };
  });
  router.add('/v1/session/node/', ['GET'], async (ctx) => {
    const node = pathArg(ctx, '/v1/session/node/', 'Missing node name');
    const r = await sessions.node(node, readOptions(ctx));
    return { json: r.value.map(sessionJson), meta: r.meta };
  });
  router.add('/v1/session/list', ['GET'], async (ctx) => {
    const r = await sessions.list(readOptions(ctx));
    return { json: r.value.map(sessionJson), meta: r.meta };
  });
}
