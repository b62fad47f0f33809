/** /v1/catalog/*: Consul's agent/catalog_endpoint.go. */
import { applyFilter, nodeSchema, nodeServiceSchema, serviceNodeSchema } from '../filter/index.js';
import { MusterError, limits } from '../lib/index.js';
import type { CatalogReadOptions, ServerApi } from '../server/index.js';
import type { MetaFilter, RegisterRequest } from '../state/index.js';
import {
  checkWriteFrom,
  decodeRegister,
  deregisterRequestType,
  nodeJson,
  nodeServiceJson,
  serviceNodeJson,
  serviceWriteFrom,
} from './catalog-structs.js';
import type { RequestContext } from './context.js';
import { decodeGo, GoDecodeError, parseGoJson, type Decoded } from './go-decode.js';
import { jsonBody, type ResponseCache } from './cache.js';
import { filtered, queryFilter } from './filter.js';
import { readOptions } from './query-options.js';
import type { Reply } from './reply.js';
import type { Router } from './router.js';

/** `?node-meta=k:v` (repeatable); a pair without `:` filters on an empty value, as Consul. */
export function nodeMetaFilter(ctx: RequestContext): MetaFilter | undefined {
  const raw = ctx.query.all('node-meta');
  if (raw.length === 0) return undefined;
  return raw.map((p) => {
    const at = p.indexOf(':');
    return at < 0 ? ([p, ''] as const) : ([p.slice(0, at), p.slice(at + 1)] as const);
  });
}

export function catalogReadOptions(ctx: RequestContext): CatalogReadOptions {
  return { ...readOptions(ctx), nodeMeta: nodeMetaFilter(ctx) };
}

/** The JSON body decoded as Go would into `type`, or a 400 "Request decode failed: …". */
export async function decodeBody(ctx: RequestContext, decode: (v: unknown) => Decoded): Promise<Decoded | Reply> {
  const body = await ctx.body(limits.requestBodyBytesMax);
  try {
    return decode(parseGoJson(body.toString('utf8')));
  } catch (err) {
    if (err instanceof GoDecodeError) return { status: 400, text: `Request decode failed: ${err.message}` };
    throw err;
  }
}

export const isReply = (v: Decoded | Reply): v is Reply => typeof (v as Reply).status === 'number' && 'text' in v;

/** The path's last part (`/v1/catalog/service/<name>`), or a 400 naming what is missing. */
export function pathArg(ctx: RequestContext, prefix: string, missing: string): string {
  const arg = ctx.path.slice(prefix.length);
  if (arg === '') throw new MusterError('ERR_BAD_REQUEST', missing);
  return arg;
}

function registerRequestFrom(d: Decoded): RegisterRequest {
  const node = (d['Node'] as string | undefined) ?? '';
  const checks = [...(d['Check'] ? [d['Check'] as Decoded] : []), ...((d['Checks'] as Decoded[] | undefined) ?? [])];
  return {
    node: {
      id: ((d['ID'] as string | undefined) ?? '').toLowerCase(),
      node,
      address: (d['Address'] as string | undefined) ?? '',
      datacenter: (d['Datacenter'] as string | undefined) ?? '',
      taggedAddresses: (d['TaggedAddresses'] as Record<string, string> | undefined) ?? {},
      meta: (d['NodeMeta'] as Record<string, string> | undefined) ?? {},
    },
    skipNodeUpdate: d['SkipNodeUpdate'] === true,
    service: d['Service'] ? serviceWriteFrom(d['Service'] as Decoded) : undefined,
    checks: checks.map((c) => checkWriteFrom(c, node)),
  };
}

export function registerCatalog(router: Router, server: ServerApi, cache: ResponseCache): void {
  const catalog = server.catalog;
  router.add('/v1/catalog/register', ['PUT'], async (ctx) => {
    const d = await decodeBody(ctx, decodeRegister);
    if (isReply(d)) return d;
    const req = registerRequestFrom(d);
    if (req.node.datacenter === '') req.node.datacenter = server.datacenter;
    await catalog.register(req.node.datacenter, req, ctx.token);
    return { json: true };
  });
  router.add('/v1/catalog/deregister', ['PUT'], async (ctx) => {
    const d = await decodeBody(ctx, (v) => decodeGo(v, deregisterRequestType as Parameters<typeof decodeGo>[1]));
    if (isReply(d)) return d;
    const s = (k: string): string => (d[k] as string | undefined) ?? '';
    await catalog.deregister(s('Datacenter'), s('Node'), s('ServiceID'), s('CheckID'), ctx.token);
    return { json: true };
  });
  router.add('/v1/catalog/datacenters', ['GET'], async () => ({ json: await server.datacenters() }));
  router.add('/v1/catalog/nodes', ['GET'], async (ctx) => {
    const f = queryFilter(ctx, nodeSchema, { withMeta: true });
    const r = await catalog.nodes(catalogReadOptions(ctx));
    return { ...jsonBody(ctx, () => applyFilter(r.value.map(nodeJson), f)), meta: r.meta, effectiveConsistency: true };
  });
  router.add('/v1/catalog/services', ['GET'], async (ctx) => {
    const r = await catalog.services(catalogReadOptions(ctx));
    const out: Record<string, string[]> = {};
    for (const name of [...r.value.keys()].sort()) out[name] = r.value.get(name)!;
    return { json: out, meta: r.meta, effectiveConsistency: true, headers: cache.headers(ctx, r.meta.index) };
  });
  router.add('/v1/catalog/service/', ['GET'], async (ctx) => {
    const name = pathArg(ctx, '/v1/catalog/service/', 'Missing service name');
    const f = queryFilter(ctx, serviceNodeSchema, { withMeta: true });
    const r = await catalog.serviceNodes(name, ctx.query.all('tag'), catalogReadOptions(ctx));
    const build = (): unknown => applyFilter(r.value.map((v) => serviceNodeJson(v.node, v.service)), f);
    return { ...jsonBody(ctx, build), meta: r.meta, effectiveConsistency: true, headers: cache.headers(ctx, r.meta.index) };
  });
  router.add('/v1/catalog/node/', ['GET'], async (ctx) => {
    const node = pathArg(ctx, '/v1/catalog/node/', 'Missing node name');
    const f = queryFilter(ctx, nodeServiceSchema, { withMeta: true });
    const r = await catalog.nodeServices(node, readOptions(ctx));
    if (!r.value) return { json: null, meta: r.meta, effectiveConsistency: true };
    const services: Record<string, Record<string, unknown>> = {};
    for (const s of [...r.value.services].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) services[s.id] = nodeServiceJson(s);
    return { json: { Node: nodeJson(r.value.node), Services: filtered(() => applyFilter(services, f), true) }, meta: r.meta, effectiveConsistency: true };
  });
  router.add('/v1/catalog/node-services/', ['GET'], async (ctx) => {
    const node = pathArg(ctx, '/v1/catalog/node-services/', 'Missing node name');
    const f = queryFilter(ctx, nodeServiceSchema, { withMeta: true });
    const r = await catalog.nodeServices(node, readOptions(ctx));
    if (!r.value) return { json: { Node: null, Services: null }, meta: r.meta, effectiveConsistency: true };
    const services = filtered(() => applyFilter(r.value!.services.map((s) => nodeServiceJson(s)), f), true);
    return { json: { Node: nodeJson(r.value.node), Services: services.length > 0 ? services : null }, meta: r.meta, effectiveConsistency: true };
  });
}
