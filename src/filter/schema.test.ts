import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { fieldConfig, structFields, type FieldConfig, type StructSchema } from './schema.js';
import { agentServiceSchema, checkServiceNodeSchema, healthCheckSchema, nodeSchema, nodeServiceSchema, serviceNodeSchema } from './schemas.js';

/**
 * testdata/go-bexpr-fields.json: go-bexpr v0.1.2's GenerateFieldConfigurations for the real Go
 * types (struct declarations extracted from Consul 1.8.7's agent/structs, and api.AgentService),
 * dumped as {field: {ops, coerce, sub}} with '*' for "any map key".
 */
const golden = JSON.parse(readFileSync(new URL('./testdata/go-bexpr-fields.json', import.meta.url), 'utf8')) as Record<string, unknown>;

interface Dumped {
  ops: string[];
  coerce?: string;
  sub?: Record<string, Dumped>;
}

const coerceName = { string: 'string', bool: 'bool', int: 'int', uint: 'uint', float: 'float64' } as const;

function dump(configs: ReadonlyMap<string, FieldConfig>): Record<string, Dumped> {
  const out: Record<string, Dumped> = {};
  for (const [name, cfg] of configs) {
    const d: Dumped = { ops: [...cfg.ops].sort() };
    if (cfg.coerce) d.coerce = coerceName[cfg.coerce.kind];
    if (cfg.sub.size > 0) d.sub = dump(cfg.sub);
    out[name === '' ? '*' : name] = d;
  }
  return out;
}

const schemas: [string, StructSchema][] = [
  ['Node', nodeSchema],
  ['ServiceNode', serviceNodeSchema],
  ['HealthCheck', healthCheckSchema],
  ['CheckServiceNode', checkServiceNodeSchema],
  ['NodeService', nodeServiceSchema],
  ['AgentService', agentServiceSchema],
];

describe('schemas give the field configurations go-bexpr derives from the Go types', () => {
  test.each(schemas)('%s', (name, schema) => {
    expect(dump(structFields(schema))).toEqual(golden[name]);
  });

  test('a struct config has no operators and no coercion; a map allows emptiness and key tests', () => {
    const meta = fieldConfig(nodeSchema.fields.get('Meta')!.schema);
    expect(meta.ops).toEqual(['Is Empty', 'Is Not Empty', 'In', 'Not In']);
    expect(fieldConfig(checkServiceNodeSchema.fields.get('Node')!.schema).ops).toEqual([]);
  });
});
