/**
 * /v1/agent/service*, /v1/agent/check*, /v1/agent/health/service/*, maintenance and reload:
 * the local agent's services and checks (Consul's agent/agent_endpoint.go). The agent decodes
 * bodies (its definitions live in agent/); this layer maps paths, query flags and replies.
 */
import { MusterError, limits, parseDurationMs, type Clock } from '../lib/index.js';
import { agentServiceSchema, applyFilter, healthCheckSchema } from '../filter/index.js';
import { checkJson } from './catalog-structs.js';
import { agentServiceContentHash } from './content-hash.js';
import { filtered, queryFilter } from './filter.js';
import { pathArg } from './catalog.js';
import type { Authorizer } from '../acl/index.js';
import { authorizerOf, need, openAgentAuth, type AgentAuth } from './agent-acl.js';
import type { RequestContext } from './context.js';
import { parseGoJson, GoDecodeError } from './go-decode.js';
import { parseGoBool } from './health.js';
import { sortedRecord } from './json.js';
import type { Reply } from './reply.js';
import type { Router } from './router.js';
import { aggregatedStatus, emptyCheckDefinition, type CheckEntry, type HealthStatus, type ServiceEntry } from '../state/index.js';

/** A local service as the agent shows it (no indexes, no node). */
export type AgentServiceView = Omit<ServiceEntry, 'createIndex' | 'modifyIndex' | 'node'>;
/** A local check as the agent shows it. */
export type AgentCheckView = Omit<CheckEntry, 'createIndex' | 'modifyIndex'>;

/** What http/ needs from the agent's local state. Errors are MusterErrors with Consul's texts. */
export interface LocalAgentApi {
  services(): AgentServiceView[];
  checks(): AgentCheckView[];
  /** Increments on every change; `onNextChange` fires after it moves (hash-based blocking). */
  readonly changeVersion: number;
  onNextChange(cb: () => void): () => void;
  /** `token`: the request's own token, kept with the service for its catalog writes. */
  registerService(body: unknown, replaceExistingChecks: boolean, token?: string): void;
  deregisterService(id: string): void;
  registerCheck(body: unknown, token?: string): void;
  deregisterCheck(id: string): void;
  updateTtl(id: string, status: 'passing' | 'warning' | 'critical', output: string): void;
  serviceMaintenance(id: string, enable: boolean, reason: string): void;
  nodeMaintenance(enable: boolean, reason: string): void;
  reload(): void;
}

export function agentServiceJson(s: AgentServiceView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.kind !== '') out['Kind'] = s.kind;
  out['ID'] = s.id;
  out['Service'] = s.service;
  out['Tags'] = s.tags;
  out['Meta'] = sortedRecord(s.meta);
  out['Port'] = s.port;
  out['Address'] = s.address;
  if (Object.keys(s.taggedAddresses).length > 0) {
    out['TaggedAddresses'] = sortedRecord(Object.fromEntries(Object.entries(s.taggedAddresses).map(([k, v]) => [k, { Address: v.address, Port: v.port }])));
  }
  out['Weights'] = { Passing: s.weights.passing, Warning: s.weights.warning };
  out['EnableTagOverride'] = s.enableTagOverride;
  return out;
}

function agentCheckJson(c: AgentCheckView): Record<string, unknown> {
  return checkJson({ ...c, createIndex: 0, modifyIndex: 0 });
}

/** `?enable=` of the maintenance endpoints. */
function enableFlag(ctx: RequestContext): boolean {
  if (!ctx.query.has('enable')) throw new MusterError('ERR_BAD_REQUEST', 'Missing value for enable');
  const raw = ctx.query.get('enable');
  const v = parseGoBool(raw);
  if (v === undefined) throw new MusterError('ERR_BAD_REQUEST', `Invalid value for enable: ${JSON.stringify(raw)}`);
  return v;
}

async function jsonBody(ctx: RequestContext): Promise<unknown> {
  const body = await ctx.body(limits.requestBodyBytesMax);
  try {
    return parseGoJson(body.toString('utf8'));
  } catch (err) {
    if (err instanceof GoDecodeError) throw new MusterError('ERR_BAD_REQUEST', `Request decode failed: ${err.message}`);
    throw err;
  }
}

const codeOf = (s: HealthStatus): number => (s === 'passing' ? 200 : s === 'warning' ? 429 : 503);

function serviceHealth(agent: LocalAgentApi, s: AgentServiceView): { code: number; status: HealthStatus; json: Record<string, unknown> } {
  // The service's checks and the node's own (a failing node check fails every service).
  const checks = agent.checks().filter((c) => c.serviceID === s.id || c.serviceID === '');
  const status = aggregatedStatus(checks);
  // api.HealthCheck as agentHealthService builds it: no Type, no Definition, no indexes.
  const shown = checks.map((c) => agentCheckJson({ ...c, type: '', definition: emptyCheckDefinition() }));
  return { code: codeOf(status), status, json: { AggregatedStatus: status, Service: agentServiceJson(s), Checks: shown } };
}

/** returnTextPlain: `?format=text`, or an Accept header asking for text/plain (which wins). */
function wantsText(ctx: RequestContext): boolean {
  const accept = ctx.header('accept');
  if (typeof accept === 'string' && accept.startsWith('text/plain')) return true;
  return ctx.query.get('format') === 'text';
}

/** Consul's CodeWithPayloadError: the status also in X-Consul-Reason; as text, just the status word. */
function healthReply(ctx: RequestContext, code: number, reason: string, json: unknown): Reply {
  const headers = { 'X-Consul-Reason': reason };
  if (wantsText(ctx)) return { status: code, text: reason, headers: { ...headers, 'Content-Type': 'text/plain' } };
  return { status: code, json, headers };
}

export function registerLocalAgent(router: Router, agent: LocalAgentApi, clock: Clock, waitMsMax: () => number, auth: AgentAuth = openAgentAuth): void {
  const vet = new AgentVet(agent, auth);
  router.add('/v1/agent/services', ['GET'], async (ctx) => {
    const authz = await authorizerOf(auth, ctx);
    const f = queryFilter(ctx, agentServiceSchema);
    const out: Record<string, Record<string, unknown>> = {};
    for (const s of [...agent.services()].sort((a, b) => (a.id < b.id ? -1 : 1))) if (authz.serviceRead(s.service)) out[s.id] = agentServiceJson(s);
    return { json: filtered(() => applyFilter(out, f)) };
  });
  router.add('/v1/agent/service/', ['GET'], async (ctx) => {
    const s = agent.services().find((x) => x.id === ctx.path.slice('/v1/agent/service/'.length));
    if (s) need((await authorizerOf(auth, ctx)).serviceRead(s.service));
    return serviceByID(ctx, agent, clock, waitMsMax());
  });
  router.add('/v1/agent/service/register', ['PUT'], async (ctx) => {
    const replace = ctx.query.has('replace-existing-checks') && ['', 'true'].includes(ctx.query.get('replace-existing-checks'));
    const body = await jsonBody(ctx);
    await vet.serviceRegister(ctx, body);
    agent.registerService(body, replace, ctx.requestToken());
    return { text: '' };
  });
  router.add('/v1/agent/service/deregister/', ['PUT'], async (ctx) => {
    const id = ctx.path.slice('/v1/agent/service/deregister/'.length);
    await vet.serviceUpdate(ctx, id);
    agent.deregisterService(id);
    return { text: '' };
  });
  router.add('/v1/agent/service/maintenance/', ['PUT'], async (ctx) => {
    const id = pathArg(ctx, '/v1/agent/service/maintenance/', 'Missing service ID');
    const enable = enableFlag(ctx);
    await vet.serviceUpdate(ctx, id);
    agent.serviceMaintenance(id, enable, ctx.query.get('reason'));
    return { text: '' };
  });
  router.add('/v1/agent/maintenance', ['PUT'], async (ctx) => {
    const enable = enableFlag(ctx);
    need((await authorizerOf(auth, ctx)).nodeWrite(auth.nodeName()));
    agent.nodeMaintenance(enable, ctx.query.get('reason'));
    return { text: '' };
  });
  router.add('/v1/agent/checks', ['GET'], async (ctx) => {
    const authz = await authorizerOf(auth, ctx);
    // Consul validates agent/checks selectors only when it evaluates the first check.
    const f = queryFilter(ctx, healthCheckSchema, { deferValidation: true });
    const out: Record<string, Record<string, unknown>> = {};
    for (const c of [...agent.checks()].sort((a, b) => (a.checkID < b.checkID ? -1 : 1))) if (checkReadable(authz, c)) out[c.checkID] = agentCheckJson(c);
    return { json: filtered(() => applyFilter(out, f)) };
  });
  router.add('/v1/agent/check/register', ['PUT'], async (ctx) => {
    const body = await jsonBody(ctx);
    await vet.checkRegister(ctx, body);
    agent.registerCheck(body, ctx.requestToken());
    return { text: '' };
  });
  router.add('/v1/agent/check/deregister/', ['PUT'], async (ctx) => {
    const id = ctx.path.slice('/v1/agent/check/deregister/'.length);
    await vet.checkUpdate(ctx, id);
    agent.deregisterCheck(id);
    return { text: '' };
  });
  for (const [verb, status] of [['pass', 'passing'], ['warn', 'warning'], ['fail', 'critical']] as const) {
    router.add(`/v1/agent/check/${verb}/`, ['PUT'], async (ctx) => {
      const id = ctx.path.slice(`/v1/agent/check/${verb}/`.length);
      await vet.checkUpdate(ctx, id);
      agent.updateTtl(id, status, ctx.query.get('note'));
      return { text: '' };
    });
  }
  router.add('/v1/agent/check/update/', ['PUT'], async (ctx) => {
    await vet.checkUpdate(ctx, ctx.path.slice('/v1/agent/check/update/'.length));
    return checkUpdate(ctx, agent);
  });
  router.add('/v1/agent/health/service/id/', ['GET'], async (ctx) => {
    const id = ctx.path.slice('/v1/agent/health/service/id/'.length);
    if (id === '') return { status: 500, text: 'Bad request: Missing serviceID' };
    const s = agent.services().find((x) => x.id === id);
    if (s) need((await authorizerOf(auth, ctx)).serviceRead(s.service));
    if (!s) {
      // Consul's quirk: as text, the reason comes back as a JSON string.
      const reason = `ServiceId ${id} not found`;
      if (wantsText(ctx)) return { status: 404, json: reason, headers: { 'X-Consul-Reason': reason } };
      return { status: 404, json: { AggregatedStatus: 'critical', Service: null, Checks: null }, headers: { 'X-Consul-Reason': reason } };
    }
    const h = serviceHealth(agent, s);
    return healthReply(ctx, h.code, h.status, h.json);
  });
  router.add('/v1/agent/health/service/name/', ['GET'], async (ctx) => {
    const name = ctx.path.slice('/v1/agent/health/service/name/'.length);
    if (name === '') return { status: 500, text: 'Bad request: Missing service Name' };
    need((await authorizerOf(auth, ctx)).serviceRead(name));
    let code = 404;
    let status = `ServiceName ${name} Not Found`;
    const result: unknown[] = [];
    for (const s of agent.services().filter((x) => x.service === name)) {
      const h = serviceHealth(agent, s);
      result.push(h.json);
      if (code === 404 || code < h.code) {
        code = h.code;
        status = h.status;
      }
    }
    return healthReply(ctx, code, status, result);
  });
  router.add('/v1/agent/reload', ['PUT'], async (ctx) => {
    need((await authorizerOf(auth, ctx)).agentWrite(auth.nodeName()));
    agent.reload();
    return { text: '' };
  });
}

async function checkUpdate(ctx: RequestContext, agent: LocalAgentApi): Promise<Reply> {
  const raw = await jsonBody(ctx);
  const status = field(raw, 'Status');
  const output = field(raw, 'Output');
  for (const [k, v] of [['Status', status], ['Output', output]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw new MusterError('ERR_BAD_REQUEST', `Request decode failed: json: cannot unmarshal ${typeof v} into Go struct field checkUpdate.${k} of type string`);
    }
  }
  if (status !== 'passing' && status !== 'warning' && status !== 'critical') {
    return { status: 400, text: `Invalid check status: '${typeof status === 'string' ? status : ''}'` };
  }
  agent.updateTtl(ctx.path.slice('/v1/agent/check/update/'.length), status, typeof output === 'string' ? output : '');
  return { text: '' };
}

/** GET /v1/agent/service/:id with `?hash=` blocking: waits while the hash still matches. */
async function serviceByID(ctx: RequestContext, agent: LocalAgentApi, clock: Clock, waitMsMax: number): Promise<Reply> {
  const id = ctx.path.slice('/v1/agent/service/'.length);
  const render = (): { hash: string; json: Record<string, unknown> } | undefined => {
    const s = agent.services().find((x) => x.id === id);
    if (!s) return undefined;
    const json = agentServiceJson(s);
    // Consul's hashstructure of api.AgentService (the Go API tests compare the value itself).
    const hash = agentServiceContentHash({ ...s, createIndex: 0, modifyIndex: 0, proxy: null, connect: s.connect?.['Native'] === true ? { native: true } : null });
    return { hash, json: { ...json, ContentHash: hash } };
  };
  const want = ctx.query.get('hash');
  let r = render();
  if (want !== '' && r && r.hash === want) {
    const waitMs = Math.min(parseWait(ctx), waitMsMax);
    await new Promise<void>((resolve) => {
      let cancel = (): void => {};
      const timer = clock.setTimer(waitMs, () => finish());
      const onAbort = (): void => finish();
      ctx.signal.addEventListener('abort', onAbort);
      function finish(): void {
        timer.cancel();
        cancel();
        ctx.signal.removeEventListener('abort', onAbort);
        resolve();
      }
      const check = (): void => {
        const now = render();
        if (!now || now.hash !== want) finish();
        else cancel = agent.onNextChange(check);
      };
      cancel = agent.onNextChange(check);
    });
    r = render();
  }
  if (!r) return { status: 404, text: `unknown service ID: ${id}` };
  return { json: r.json, headers: { 'X-Consul-ContentHash': r.hash } };
}

function parseWait(ctx: RequestContext): number {
  const wait = ctx.query.get('wait');
  if (wait === '') return limits.queryWaitMsDefault;
  const ms = parseDurationMs(wait);
  if (ms === undefined) throw new MusterError('ERR_BAD_REQUEST', 'Invalid wait time');
  return ms;
}

/** Consul's agent check filter: a service check needs `service:read`, a node check `node:read`. */
function checkReadable(authz: Authorizer, c: AgentCheckView): boolean {
  return c.serviceID !== '' ? authz.serviceRead(c.serviceName) : authz.nodeRead(c.node);
}

/** A field of a decoded JSON body, matched case-insensitively as Go's decoder does. */
function field(body: unknown, name: string): unknown {
  if (!body || typeof body !== 'object') return undefined;
  const lower = name.toLowerCase();
  return Object.entries(body).find(([k]) => k.toLowerCase() === lower)?.[1];
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Consul's vetServiceRegister, vetServiceUpdate, vetCheckRegister and vetCheckUpdate. */
class AgentVet {
  constructor(
    private readonly agent: LocalAgentApi,
    private readonly auth: AgentAuth,
  ) {}

  /** `service:write` on the name, and on the name an existing service of that ID has. */
  async serviceRegister(ctx: RequestContext, body: unknown): Promise<void> {
    const authz = await authorizerOf(this.auth, ctx);
    const name = text(field(body, 'Name'));
    const id = text(field(body, 'ID')) || name;
    need(authz.serviceWrite(name));
    const existing = this.agent.services().find((s) => s.id === id);
    if (existing && existing.service !== name) need(authz.serviceWrite(existing.service));
  }

  /** `service:write` on an existing service (an unknown one is refused by the agent itself, with Consul's text). */
  async serviceUpdate(ctx: RequestContext, id: string): Promise<void> {
    const authz = await authorizerOf(this.auth, ctx);
    const existing = this.agent.services().find((s) => s.id === id);
    if (existing) need(authz.serviceWrite(existing.service));
  }

  /** A service check needs `service:write` on its service, a node check `node:write`. */
  async checkRegister(ctx: RequestContext, body: unknown): Promise<void> {
    const authz = await authorizerOf(this.auth, ctx);
    const serviceID = text(field(body, 'ServiceID'));
    if (serviceID !== '') {
      const svc = this.agent.services().find((s) => s.id === serviceID);
      // An unknown service is refused by the registration itself, with Consul's text.
      if (svc) need(authz.serviceWrite(svc.service));
    } else {
      need(authz.nodeWrite(this.auth.nodeName()));
    }
    const id = text(field(body, 'ID')) || text(field(body, 'CheckID')) || text(field(body, 'Name'));
    const existing = this.agent.checks().find((c) => c.checkID === id);
    if (existing) need(existing.serviceID !== '' ? authz.serviceWrite(existing.serviceName) : authz.nodeWrite(this.auth.nodeName()));
  }

  /** Updating or removing a check needs what registering it did (an unknown one is refused by the agent itself). */
  async checkUpdate(ctx: RequestContext, id: string): Promise<void> {
    const authz = await authorizerOf(this.auth, ctx);
    const existing = this.agent.checks().find((c) => c.checkID === id);
    if (!existing) return;
    need(existing.serviceID !== '' ? authz.serviceWrite(existing.serviceName) : authz.nodeWrite(this.auth.nodeName()));
  }
}
