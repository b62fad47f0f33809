/**
 * /v1/acl/*: Consul 1.8.7's agent/acl_endpoint.go and acl_endpoint_legacy.go for tokens,
 * policies, the bootstrap, replication status, rules translation and the legacy token
 * endpoints (roles, auth methods, binding rules and login are not here).
 *
 * As Consul: every route answers 401 "ACL support disabled" when ACLs are off; a token or
 * policy that does not exist is 403 "ACL not found"; reads carry the blocking-query headers,
 * also on their errors (Consul's deferred setMeta: index 1 and no known leader when the read
 * did not run); writes answer the object the server read back.
 */
import { translateLegacyRules } from '../acl/index.js';
import { MusterError, limits, type ErrorCode } from '../lib/index.js';
import type { QueryMeta, ReadOptions, ServerApi } from '../server/index.js';
import {
  decodeLegacy,
  decodePolicy,
  decodeToken,
  legacyJson,
  policyJson,
  policyStubJson,
  replicationJson,
  rewordEnterpriseField,
  tokenJson,
  tokenStubJson,
} from './acl-structs.js';
import type { RequestContext } from './context.js';
import { ReplyError } from './filter.js';
import { GoDecodeError, parseGoJson } from './go-decode.js';
import { readOptions } from './query-options.js';
import type { Reply } from './reply.js';
import type { Handler, Router } from './router.js';

const statusOf: Partial<Record<ErrorCode, number>> = {
  ERR_BAD_REQUEST: 400,
  ERR_PERMISSION_DENIED: 403,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_CONFLICT: 409,
  ERR_TOO_LARGE: 413,
};

/** What Consul's setMeta writes for a read that never ran. */
const zeroMeta: QueryMeta = { index: 1, knownLeader: false, lastContactMs: 0, consistency: 'leader' };

/** Runs a read; its error is answered with `meta`'s headers, as Consul's deferred setMeta does. */
async function withMeta<T>(meta: QueryMeta, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!MusterError.is(err)) throw err;
    throw new ReplyError({ status: statusOf[err.code] ?? 500, text: err.message, meta });
  }
}

const badRequest = (reason: string): MusterError => new MusterError('ERR_BAD_REQUEST', `Bad request: ${reason}`);

/** Consul's parseEntMeta (OSS): a namespace asked for is refused. */
function checkNoNamespace(ctx: RequestContext): void {
  if (ctx.header('x-consul-namespace')) throw badRequest('Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature');
  if (ctx.query.get('ns') !== '') throw badRequest('Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature');
}

/** A JSON body decoded by `decode`, or a 400 "Bad request: <what> decoding failed: …". */
async function body<T>(ctx: RequestContext, what: string, decode: (v: unknown) => T): Promise<T> {
  const raw = await ctx.body(limits.requestBodyBytesMax);
  try {
    return decode(parseGoJson(raw.toString('utf8')));
  } catch (err) {
    if (err instanceof GoDecodeError) throw badRequest(`${what} decoding failed: ${rewordEnterpriseField(err.message)}`);
    throw err;
  }
}

const notFound = (meta: QueryMeta): Reply => ({ status: 403, text: 'ACL not found', meta });

/**
 * `enabled`: whether this agent has ACLs on (its own configuration, as Consul's
 * checkACLDisabled asks the agent's delegate); default: ask the servers.
 */
export function registerACL(router: Router, server: ServerApi, enabled: () => boolean | Promise<boolean> = () => server.acl.enabled()): void {
  const acl = server.acl;
  /** Consul's checkACLDisabled, before anything else of the request is looked at. */
  const add = (pattern: string, methods: string[], handler: Handler): void =>
    router.add(pattern, methods, async (ctx) => ((await enabled()) ? handler(ctx) : { status: 401, text: 'ACL support disabled' }));
  const readOpts = (ctx: RequestContext): ReadOptions => {
    const o = readOptions(ctx);
    checkNoNamespace(ctx);
    return o;
  };

  add('/v1/acl/bootstrap', ['PUT'], async () => {
    try {
      const t = await acl.bootstrap('');
      return { json: { ID: t.secretID, ...tokenJson(t) } };
    } catch (err) {
      if (MusterError.is(err) && err.message.includes('ACL bootstrap no longer allowed')) return { status: 403, text: `Permission denied: ${err.message}` };
      throw err;
    }
  });

  add('/v1/acl/replication', ['GET'], async (ctx) => {
    const o = readOptions(ctx);
    return { json: replicationJson(await acl.replicationStatus(o.datacenter)) };
  });

  add('/v1/acl/rules/translate', ['POST'], async (ctx) => {
    const raw = await ctx.body(limits.requestBodyBytesMax);
    const r = await acl.rulesTranslate(raw.toString('utf8'), ctx.token);
    if ('error' in r) throw badRequest(r.error);
    return { text: r.rules };
  });

  add('/v1/acl/rules/translate/', ['GET'], async (ctx) => {
    const id = ctx.path.slice('/v1/acl/rules/translate/'.length);
    if (id === '') throw badRequest('Missing token ID');
    // Not a blocking query.
    const o = { ...readOptions(ctx), minIndex: 0 };
    const r = await withMeta(zeroMeta, () => acl.tokenRead(id, o));
    if (!r.value) return notFound(r.meta);
    if (r.value.rules === '') return { status: 500, text: 'The specified token does not have any rules set', meta: r.meta };
    try {
      return { text: translateLegacyRules(r.value.rules) };
    } catch (err) {
      return { status: 500, text: `Failed to parse legacy rules: ${(err as Error).message}`, meta: r.meta };
    }
  });

  registerPolicies(add, server, readOpts);
  registerTokens(add, server, readOpts);
  registerLegacy(add, server);
}

type Add = (pattern: string, methods: string[], handler: Handler) => void;

function registerPolicies(add: Add, server: ServerApi, readOpts: (ctx: RequestContext) => ReadOptions): void {
  const acl = server.acl;
  add('/v1/acl/policies', ['GET'], async (ctx) => {
    const o = readOpts(ctx);
    const r = await withMeta(zeroMeta, () => acl.policyList(o));
    return { json: r.value.map(policyStubJson), meta: r.meta };
  });
  const write = async (ctx: RequestContext, id: string, create: boolean): Promise<Reply> => {
    checkNoNamespace(ctx);
    const p = await body(ctx, 'Policy', decodePolicy);
    if (create) {
      if (p.id !== '') throw badRequest('Cannot specify the ID when creating a new policy');
    } else if (p.id !== '' && p.id !== id) {
      throw badRequest('Policy ID in URL and payload do not match');
    } else {
      p.id = id;
    }
    return { json: policyJson(await acl.policySet('', p, ctx.token)) };
  };
  add('/v1/acl/policy', ['PUT'], (ctx) => write(ctx, '', true));
  add('/v1/acl/policy/', ['GET', 'PUT', 'DELETE'], async (ctx) => {
    const id = ctx.path.slice('/v1/acl/policy/'.length);
    if (id === '' && ctx.method !== 'PUT') throw badRequest('Missing policy ID');
    if (ctx.method === 'PUT') return write(ctx, id, false);
    if (ctx.method === 'DELETE') {
      checkNoNamespace(ctx);
      await acl.policyDelete('', id, ctx.token);
      return { json: true };
    }
    const o = readOpts(ctx);
    const r = await withMeta(zeroMeta, () => acl.policyRead(id, o));
    return r.value ? { json: policyJson(r.value), meta: r.meta } : notFound(r.meta);
  });
  add('/v1/acl/policy/name/', ['GET'], async (ctx) => {
    const name = ctx.path.slice('/v1/acl/policy/name/'.length);
    if (name === '') throw badRequest('Missing policy Name');
    const o = readOpts(ctx);
    const r = await withMeta(zeroMeta, () => acl.policyReadByName(name, o));
    return r.value ? { json: policyJson(r.value), meta: r.meta } : notFound(r.meta);
  });
}

function registerTokens(add: Add, server: ServerApi, readOpts: (ctx: RequestContext) => ReadOptions): void {
  const acl = server.acl;
  add('/v1/acl/tokens', ['GET'], async (ctx) => {
    const o = readOpts(ctx);
    if (ctx.query.get('authmethod-ns') !== '') throw badRequest('Invalid query parameter: "authmethod-ns" - Namespaces are a Consul Enterprise feature');
    const filter = { policy: ctx.query.get('policy'), role: ctx.query.get('role'), authMethod: ctx.query.get('authmethod'), includeLocal: true, includeGlobal: true };
    const r = await withMeta(zeroMeta, () => acl.tokenList(filter, o));
    return { json: r.value.map(tokenStubJson), meta: r.meta };
  });
  add('/v1/acl/token', ['PUT'], async (ctx) => {
    checkNoNamespace(ctx);
    const t = await body(ctx, 'Token', decodeToken);
    return { json: tokenJson(await acl.tokenSet('', t, true, ctx.token)) };
  });
  add('/v1/acl/token/self', ['GET'], async (ctx) => {
    const o = readOptions(ctx);
    const r = await withMeta(zeroMeta, () => acl.tokenSelf(o));
    return r.value ? { json: tokenJson(r.value), meta: r.meta } : notFound(r.meta);
  });
  add('/v1/acl/token/', ['GET', 'PUT', 'DELETE'], async (ctx) => {
    let id = ctx.path.slice('/v1/acl/token/'.length);
    if (ctx.method === 'PUT' && id.endsWith('/clone')) {
      id = id.slice(0, -'/clone'.length);
      if (id === '') throw badRequest('Missing token ID');
      checkNoNamespace(ctx);
      const t = await body(ctx, 'Token', decodeToken);
      return { json: tokenJson(await acl.tokenClone('', id, t.description, ctx.token)) };
    }
    if (id === '' && ctx.method !== 'PUT') throw badRequest('Missing token ID');
    if (ctx.method === 'PUT') {
      checkNoNamespace(ctx);
      const t = await body(ctx, 'Token', decodeToken);
      if (t.accessorID !== '' && t.accessorID !== id) throw badRequest('Token Accessor ID in URL and payload do not match');
      t.accessorID = id;
      return { json: tokenJson(await acl.tokenSet('', t, false, ctx.token)) };
    }
    if (ctx.method === 'DELETE') {
      checkNoNamespace(ctx);
      await acl.tokenDelete('', id, ctx.token);
      return { json: true };
    }
    const o = readOpts(ctx);
    const r = await withMeta(zeroMeta, () => acl.tokenRead(id, o));
    return r.value ? { json: tokenJson(r.value), meta: r.meta } : notFound(r.meta);
  });
}

/** The legacy endpoints: always in the agent's own datacenter (Consul's ACLDatacenter), `?dc` ignored. */
function registerLegacy(add: Add, server: ServerApi): void {
  const acl = server.acl;
  const legacyReadOpts = (ctx: RequestContext): ReadOptions => ({ ...readOptions(ctx), datacenter: '' });
  const set = async (ctx: RequestContext, update: boolean): Promise<Reply> => {
    let args = { id: '', name: '', type: 'client', rules: '' };
    const length = Number(ctx.header('content-length') ?? '0');
    if (length > 0) {
      const raw = await ctx.body(limits.requestBodyBytesMax);
      try {
        args = decodeLegacy(parseGoJson(raw.toString('utf8')));
      } catch (err) {
        if (err instanceof GoDecodeError) return { status: 400, text: `Request decode failed: ${err.message}` };
        throw err;
      }
    }
    if (update && args.id === '') return { status: 400, text: 'ACL ID must be set' };
    return { json: { ID: await acl.legacyApply('', 'set', args, ctx.token) } };
  };
  add('/v1/acl/create', ['PUT'], (ctx) => set(ctx, false));
  add('/v1/acl/update', ['PUT'], (ctx) => set(ctx, true));
  add('/v1/acl/destroy/', ['PUT'], async (ctx) => {
    const id = ctx.path.slice('/v1/acl/destroy/'.length);
    if (id === '') return { status: 400, text: 'Missing ACL' };
    await acl.legacyApply('', 'delete', { id, name: '', type: '', rules: '' }, ctx.token);
    return { json: true };
  });
  add('/v1/acl/info/', ['GET'], async (ctx) => {
    const o = legacyReadOpts(ctx);
    const id = ctx.path.slice('/v1/acl/info/'.length);
    if (id === '') return { status: 400, text: 'Missing ACL' };
    const r = await withMeta(zeroMeta, () => acl.legacyGet(id, o));
    return { json: r.value.map(legacyJson), meta: r.meta };
  });
  add('/v1/acl/clone/', ['PUT'], async (ctx) => {
    const o = legacyReadOpts(ctx);
    const id = ctx.path.slice('/v1/acl/clone/'.length);
    if (id === '') return { status: 400, text: 'Missing ACL' };
    const r = await withMeta(zeroMeta, () => acl.legacyGet(id, o));
    // Not found could be a 404 or a 403: Consul always answers 403.
    const source = r.value[0];
    if (!source) return { status: 403, text: 'Permission denied', meta: r.meta };
    const newID = await withMeta(r.meta, () => acl.legacyApply('', 'set', { id: '', name: source.name, type: source.type, rules: source.rules }, ctx.token));
    return { json: { ID: newID }, meta: r.meta };
  });
  add('/v1/acl/list', ['GET'], async (ctx) => {
    const o = legacyReadOpts(ctx);
    const r = await withMeta(zeroMeta, () => acl.legacyList(o));
    return { json: r.value.map(legacyJson), meta: r.meta };
  });
}
