/** /v1/catalog/*: the part of the catalog this issue serves (datacenters, nodes). */
import type { Server } from '../server/index.js';
import type { NodeEntry } from '../state/index.js';
import { sortedRecord } from './json.js';
import { readOptions } from './query-options.js';
import type { Router } from './router.js';

export function nodeJson(n: NodeEntry): Record<string, unknown> {
  return {
    ID: n.id,
    Node: n.node,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: sortedRecord(n.taggedAddresses),
    Meta: sortedRecord(n.meta),
    CreateIndex: n.createIndex,
    ModifyIndex: n.modifyIndex,
  };
}

export function registerCatalog(router: Router, server: Server): void {
  router.add('/v1/catalog/datacenters', ['GET'], () => ({ json: server.datacenters() }));
  router.add('/v1/catalog/nodes', ['GET'], async (ctx) => {
    const r = await server.catalogNodes(readOptions(ctx));
    return { json: r.value.map(nodeJson), meta: r.meta };
  });
}
