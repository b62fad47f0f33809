/** /v1/health/*: the node view this issue needs (the rest comes with the catalog issue). */
import type { Server } from '../server/index.js';
import type { CheckEntry } from '../state/index.js';
import { readOptions } from './query-options.js';
import type { Router } from './router.js';

/** Consul 1.8's HealthCheck JSON, fields in its order. */
export function checkJson(c: CheckEntry): Record<string, unknown> {
  return {
    Node: c.node,
    CheckID: c.checkID,
    Name: c.name,
    Status: c.status,
    Notes: c.notes,
    Output: c.output,
    ServiceID: c.serviceID,
    ServiceName: c.serviceName,
    ServiceTags: c.serviceTags,
    Type: c.type,
    Definition: {},
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
}

export function registerHealth(router: Router, server: Server): void {
  router.add('/v1/health/node/', ['GET'], async (ctx) => {
    const node = ctx.path.slice('/v1/health/node/'.length);
    if (node === '') return { status: 400, text: 'Missing node name' };
    const r = await server.nodeChecks(node, readOptions(ctx));
    return { json: r.value.map(checkJson), meta: r.meta };
  });
}
