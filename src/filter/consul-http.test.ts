import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FilterError } from './errors.js';
import { applyFilter, compileFilter } from './filter.js';
import type { StructSchema } from './schema.js';
import { agentServiceSchema, checkServiceNodeSchema, healthCheckSchema, nodeSchema, nodeServiceSchema, serviceNodeSchema } from './schemas.js';

/**
 * testdata/consul-http.json was recorded from the reference Consul 1.8.7 (`consul agent -dev`,
 * services, checks and two external nodes registered): for each endpoint its unfiltered answer,
 * then for each `?filter=` the HTTP status and body. Every error came back as HTTP 500 with
 * the message as the body; a selector through a nil pointer (agent/services
 * `Proxy.DestinationServiceName == web` with a plain service registered) closed the connection
 * without an answer (recorded as status 0). Here the same filter over the same unfiltered data
 * must give the same body.
 */
interface Query {
  filter: string;
  status: number;
  body: unknown;
}
const capture = JSON.parse(readFileSync(new URL('./testdata/consul-http.json', import.meta.url), 'utf8')) as {
  endpoint: string;
  type: string;
  unfiltered: unknown;
  queries: Query[];
}[];

const schemas: Record<string, StructSchema> = {
  Node: nodeSchema,
  ServiceNode: serviceNodeSchema,
  HealthCheck: healthCheckSchema,
  CheckServiceNode: checkServiceNodeSchema,
  NodeService: nodeServiceSchema,
  AgentService: agentServiceSchema,
};

type Items = unknown[] | Record<string, unknown>;

/** The part of an answer Consul filters: catalog/node and node-services filter `Services`. */
function filtered(endpoint: string, body: unknown): Items {
  if (endpoint.startsWith('/v1/catalog/node/') || endpoint.startsWith('/v1/catalog/node-services/')) return (body as { Services: Items }).Services;
  return body as Items;
}

function answer(endpoint: string, schema: StructSchema, unfiltered: unknown, expr: string): { status: number; body: unknown } {
  try {
    // Consul's agent/checks creates its filter without a data type: validation waits for a check.
    const filter = compileFilter(expr, schema, { deferValidation: endpoint === '/v1/agent/checks' });
    const items = filtered(endpoint, unfiltered);
    return { status: 200, body: Array.isArray(items) ? applyFilter(items, filter) : applyFilter(items, filter) };
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    return err.kind === 'panic' ? { status: 0, body: 'connection error: RemoteDisconnected' } : { status: 500, body: err.message };
  }
}

describe.each(capture.map((e) => [e.endpoint, e] as const))('reference Consul 1.8.7: %s', (endpoint, e) => {
  test.each(e.queries.map((q) => [JSON.stringify(q.filter), q] as const))('filter=%s', (_name, q) => {
    const expected = q.status === 200 ? { status: 200, body: filtered(endpoint, q.body) } : { status: q.status, body: q.body };
    expect(answer(endpoint, schemas[e.type]!, e.unfiltered, q.filter)).toEqual(expected);
  });
});
