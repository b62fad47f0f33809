/** /v1/health/*: Consul's agent/health_endpoint.go. */
import { applyFilter, checkServiceNodeSchema, healthCheckSchema } from '../filter/index.js';
import { goParseBool, MusterError } from '../lib/index.js';
import type { ServerApi } from '../server/index.js';
import type { CheckServiceNodeView } from '../state/index.js';
import { catalogReadOptions, pathArg } from './catalog.js';
import { checkJson, checkServiceNodeJson } from './catalog-structs.js';
import type { RequestContext } from './context.js';
import { jsonBody, type ResponseCache } from './cache.js';
import { filtered, queryFilter } from './filter.js';
import { readOptions } from './query-options.js';
import type { Router } from './router.js';

/** `?passing` (bare means true; otherwise a Go bool). */
function passingOnly(ctx: RequestContext): boolean {
  if (!ctx.query.has('passing')) return false;
  const v = ctx.query.get('passing');
  if (v === '') return true;
  const b = parseGoBool(v);
  if (b === undefined) throw new MusterError('ERR_BAD_REQUEST', 'Invalid value for ?passing');
  return b;
}

/** Go's strconv.ParseBool, or undefined. */
export function parseGoBool(v: string): boolean | undefined {
  const r = goParseBool(v);
  return r.ok ? r.value : undefined;
}

const allPassing = (v: CheckServiceNodeView): boolean => v.checks.every((c) => c.status === 'passing');

export function registerHealth(router: Router, server: ServerApi, cache: ResponseCache): void {
  const catalog = server.catalog;
  router.add('/v1/health/node/', ['GET'], async (ctx) => {
    const node = pathArg(ctx, '/v1/health/node/', 'Missing node name');
    const f = queryFilter(ctx, healthCheckSchema, { withMeta: true });
    const r = await catalog.nodeChecks(node, readOptions(ctx));
    return { json: filtered(() => applyFilter(r.value.map(checkJson), f), true), meta: r.meta, effectiveConsistency: true };
  });
  router.add('/v1/health/checks/', ['GET'], async (ctx) => {
    const name = pathArg(ctx, '/v1/health/checks/', 'Missing service name');
    const f = queryFilter(ctx, healthCheckSchema, { withMeta: true });
    const r = await catalog.serviceChecks(name, catalogReadOptions(ctx));
    return { json: filtered(() => applyFilter(r.value.map(checkJson), f), true), meta: r.meta, effectiveConsistency: true };
  });
  router.add('/v1/health/state/', ['GET'], async (ctx) => {
    const state = pathArg(ctx, '/v1/health/state/', 'Missing check state');
    const f = queryFilter(ctx, healthCheckSchema, { withMeta: true });
    const r = await catalog.checksInState(state, catalogReadOptions(ctx));
    return { json: filtered(() => applyFilter(r.value.map(checkJson), f), true), meta: r.meta, effectiveConsistency: true };
  });
  router.add('/v1/health/service/', ['GET'], async (ctx) => {
    const name = pathArg(ctx, '/v1/health/service/', 'Missing service name');
    const passing = passingOnly(ctx);
    const f = queryFilter(ctx, checkServiceNodeSchema, { withMeta: true });
    const r = await catalog.healthService(name, ctx.query.all('tag'), catalogReadOptions(ctx));
    const build = (): unknown => {
      const list = passing ? r.value.filter(allPassing) : r.value;
      return applyFilter(list.map((v) => checkServiceNodeJson(v.node, v.service, v.checks)), f);
    };
    return { ...jsonBody(ctx, build), meta: r.meta, effectiveConsistency: true, headers: cache.headers(ctx, r.meta.index) };
  });
}
