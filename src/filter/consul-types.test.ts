import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FilterError } from './errors.js';
import { applyFilter, compileFilter } from './filter.js';
import type { RootSchema } from './schema.js';
import { agentServiceSchema, checkServiceNodeSchema, healthCheckSchema, nodeSchema, nodeServiceSchema, serviceNodeSchema } from './schemas.js';

/**
 * testdata/consul-types-oracle.json: expressions (hand-written and seeded random ones over every
 * selector path) run by go-bexpr v0.1.2's CreateFilter + Execute over Consul 1.8.7's own Go
 * types, decoded from the JSON items in `data`. Each item's outcome is true/false, an
 * evaluation error, or the panic Consul's handler would hit.
 */
type Outcome = boolean | { err: string } | { panic: string };
const oracle = JSON.parse(readFileSync(new URL('./testdata/consul-types-oracle.json', import.meta.url), 'utf8')) as {
  data: Record<string, unknown[]>;
  cases: { type: string; expr: string; createErr?: string; results?: Outcome[] }[];
};

const schemas: Record<string, RootSchema> = {
  Node: nodeSchema,
  ServiceNode: serviceNodeSchema,
  HealthCheck: healthCheckSchema,
  CheckServiceNode: checkServiceNodeSchema,
  NodeService: nodeServiceSchema,
  AgentService: agentServiceSchema,
};

function outcome(f: { matches(x: unknown): boolean }, item: unknown): Outcome {
  try {
    return f.matches(item);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    return err.kind === 'panic' ? { panic: err.message } : { err: err.message };
  }
}

describe('filters over Consul types agree with go-bexpr on the real Go structs', () => {
  test.each(oracle.cases.map((c) => [`${c.type}: ${c.expr}`, c] as const))('%s', (_name, c) => {
    const schema = schemas[c.type]!;
    let filter;
    try {
      filter = compileFilter(c.expr, schema);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      expect(err.message).toBe(c.createErr);
      return;
    }
    expect(c.createErr).toBeUndefined();
    expect(oracle.data[c.type]!.map((item) => outcome(filter, item))).toEqual(c.results);
  });
});

describe('applyFilter', () => {
  test('keeps the matching items of a list, in order', () => {
    const nodes = oracle.data.Node!;
    expect(applyFilter(nodes, compileFilter('Node != bare', nodeSchema))).toEqual([nodes[0], nodes[1]]);
  });

  test('filters the values of a map, keeping their keys (agent/services)', () => {
    const [proxy, web] = oracle.data.AgentService!;
    const services = { 'web1-sidecar-proxy': proxy, web1: web };
    expect(applyFilter(services, compileFilter('Tags contains primary', agentServiceSchema))).toEqual({ web1: web });
  });

  test('the empty expression keeps everything', () => {
    const nodes = oracle.data.Node!;
    expect(applyFilter(nodes, compileFilter('', nodeSchema))).toEqual(nodes);
  });

  test('a selector through a nil pointer is a panic error, raised only when such an item is reached', () => {
    const [proxy, plain] = oracle.data.AgentService!;
    const f = compileFilter('Kind == "connect-proxy" and Proxy.DestinationServiceName == web', agentServiceSchema);
    expect(applyFilter([proxy, plain], f)).toEqual([proxy]);
    const g = compileFilter('Proxy.DestinationServiceName == web', agentServiceSchema);
    expect(() => applyFilter({ plain }, g)).toThrowError(expect.objectContaining({ kind: 'panic', code: 'ERR_INTERNAL' }));
  });

  test('deferred validation (agent/checks): bad selectors pass on an empty map, fail on the first check', () => {
    const f = compileFilter('Foo == 1', healthCheckSchema, { deferValidation: true });
    expect(applyFilter({}, f)).toEqual({});
    expect(() => applyFilter({ a: oracle.data.HealthCheck![0] }, f)).toThrowError(new FilterError('invalid', 'Selector "Foo" is not valid'));
    expect(() => compileFilter('Status == ', healthCheckSchema, { deferValidation: true })).toThrowError(/^Failed to create boolean expression evaluator: 1:11 \(10\)/);
  });
});
