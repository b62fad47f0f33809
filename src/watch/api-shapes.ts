/**
 * The Go client's structs a watch hands its handler (api/kv.go, catalog.go, health.go,
 * agent.go, event.go), as json.Unmarshal fills them from the agent's answer and json.Marshal
 * writes them again: fields in Go's order, absent ones as Go's zero values, `omitempty` ones
 * dropped when zero, unknown ones dropped. So a handler sees exactly what Consul's sees.
 */
import { formatDurationMs, parseDurationMs } from '../lib/index.js';
import { fromDecoded, goMap, GoObject, type GoValue } from './go-json.js';

type Kind =
  | 'string'
  | 'uint'
  | 'int'
  | 'bool'
  | 'bytes' // []byte: base64 text or null
  | 'strings' // []string
  | 'stringMap' // map[string]string
  | 'raw' // a nested struct passed through as the agent wrote it (Proxy, Connect)
  | { struct: Schema; pointer: boolean }
  | { list: Schema }
  | { mapOf: Schema };

type Field = readonly [name: string, kind: Kind, omitEmpty?: boolean];
type Schema = readonly Field[];

const serviceAddress: Schema = [
  ['Address', 'string'],
  ['Port', 'int'],
];

/** api.Node. */
export const nodeSchema: Schema = [
  ['ID', 'string'],
  ['Node', 'string'],
  ['Address', 'string'],
  ['Datacenter', 'string'],
  ['TaggedAddresses', 'stringMap'],
  ['Meta', 'stringMap'],
  ['CreateIndex', 'uint'],
  ['ModifyIndex', 'uint'],
];

/** api.KVPair. */
export const kvPairSchema: Schema = [
  ['Key', 'string'],
  ['CreateIndex', 'uint'],
  ['ModifyIndex', 'uint'],
  ['LockIndex', 'uint'],
  ['Flags', 'uint'],
  ['Value', 'bytes'],
  ['Session', 'string'],
  ['Namespace', 'string', true],
];

/** api.AgentService. */
export const agentServiceSchema: Schema = [
  ['Kind', 'string', true],
  ['ID', 'string'],
  ['Service', 'string'],
  ['Tags', 'strings'],
  ['Meta', 'stringMap'],
  ['Port', 'int'],
  ['Address', 'string'],
  ['TaggedAddresses', { mapOf: serviceAddress }, true],
  [
    'Weights',
    {
      struct: [
        ['Passing', 'int'],
        ['Warning', 'int'],
      ],
      pointer: false,
    },
  ],
  ['EnableTagOverride', 'bool'],
  ['CreateIndex', 'uint', true],
  ['ModifyIndex', 'uint', true],
  ['ContentHash', 'string', true],
  ['Proxy', 'raw', true],
  ['Connect', 'raw', true],
  ['Namespace', 'string', true],
];

/** api.HealthCheck, but Definition (custom MarshalJSON) is written by healthCheck(). */
const healthCheckHead: Schema = [
  ['Node', 'string'],
  ['CheckID', 'string'],
  ['Name', 'string'],
  ['Status', 'string'],
  ['Notes', 'string'],
  ['Output', 'string'],
  ['ServiceID', 'string'],
  ['ServiceName', 'string'],
  ['ServiceTags', 'strings'],
  ['Type', 'string'],
  ['Namespace', 'string', true],
];

type Decoded = Record<string, unknown>;

const isObject = (v: unknown): v is Decoded => typeof v === 'object' && v !== null && !Array.isArray(v);

/** json.Unmarshal matches field names case-insensitively (an exact match first). */
function lookup(o: Decoded, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function isEmpty(v: GoValue): boolean {
  if (v === null || v === '' || v === 0 || v === 0n || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

function value(kind: Kind, raw: unknown): GoValue {
  switch (kind) {
    case 'string':
      return typeof raw === 'string' ? raw : '';
    case 'uint':
    case 'int':
      return typeof raw === 'number' || typeof raw === 'bigint' ? raw : 0;
    case 'bool':
      return raw === true;
    case 'bytes':
      return typeof raw === 'string' ? raw : null;
    case 'strings':
      return Array.isArray(raw) ? raw.map((s) => (typeof s === 'string' ? s : '')) : null;
    case 'stringMap':
      return isObject(raw) ? goMap(raw, (s) => (typeof s === 'string' ? s : '')) : null;
    case 'raw':
      return isObject(raw) ? fromDecoded(raw) : null;
  }
  if ('list' in kind) return Array.isArray(raw) ? raw.map((x) => (isObject(x) ? struct(kind.list, x) : null)) : null;
  if ('mapOf' in kind) return isObject(raw) ? goMap(raw, (x) => (isObject(x) ? struct(kind.mapOf, x) : struct(kind.mapOf, {}))) : null;
  if (!isObject(raw)) return kind.pointer ? null : struct(kind.struct, {});
  return struct(kind.struct, raw);
}

function fields(schema: Schema, o: Decoded): Array<[string, GoValue]> {
  const out: Array<[string, GoValue]> = [];
  for (const [name, kind, omitEmpty] of schema) {
    const v = value(kind, lookup(o, name));
    // A struct value is never "empty" to omitempty; maps with no keys are.
    if (omitEmpty && (isEmpty(v) || (v instanceof GoObject && typeof kind === 'object' && 'mapOf' in kind && v.fields.length === 0))) continue;
    out.push([name, v]);
  }
  return out;
}

export function struct(schema: Schema, o: Decoded): GoObject {
  return new GoObject(fields(schema, o));
}

/** A ReadableDuration as api.HealthCheckDefinition.MarshalJSON writes it (`10s`, `0s`). */
function readableDuration(raw: unknown): string {
  if (typeof raw === 'number') return formatDurationMs(raw / 1e6);
  return formatDurationMs(typeof raw === 'string' ? (parseDurationMs(raw) ?? 0) : 0);
}

/** api.HealthCheckDefinition.MarshalJSON: the three durations first, then the rest. */
function healthCheckDefinition(raw: unknown): GoObject {
  const d = isObject(raw) ? raw : {};
  const header = lookup(d, 'Header');
  return new GoObject([
    ['Interval', readableDuration(lookup(d, 'Interval'))],
    ['Timeout', readableDuration(lookup(d, 'Timeout'))],
    ['DeregisterCriticalServiceAfter', readableDuration(lookup(d, 'DeregisterCriticalServiceAfter'))],
    ['HTTP', value('string', lookup(d, 'HTTP'))],
    ['Header', isObject(header) ? goMap(header, (vs) => value('strings', vs)) : null],
    ['Method', value('string', lookup(d, 'Method'))],
    ['Body', value('string', lookup(d, 'Body'))],
    ['TLSSkipVerify', value('bool', lookup(d, 'TLSSkipVerify'))],
    ['TCP', value('string', lookup(d, 'TCP'))],
  ]);
}

/** *api.HealthCheck. */
export function healthCheck(raw: unknown): GoValue {
  if (!isObject(raw)) return null;
  return new GoObject([
    ...fields(healthCheckHead, raw),
    ['Definition', healthCheckDefinition(lookup(raw, 'Definition'))],
    ['CreateIndex', value('uint', lookup(raw, 'CreateIndex'))],
    ['ModifyIndex', value('uint', lookup(raw, 'ModifyIndex'))],
  ]);
}

/** []*T from a decoded JSON array (null stays null, as a nil slice). */
export function list(raw: unknown, each: (x: unknown) => GoValue): GoValue {
  return Array.isArray(raw) ? raw.map(each) : null;
}

export function structOrNull(schema: Schema, raw: unknown): GoValue {
  return isObject(raw) ? struct(schema, raw) : null;
}

/** *api.ServiceEntry. */
export function serviceEntry(raw: unknown): GoValue {
  if (!isObject(raw)) return null;
  return new GoObject([
    ['Node', structOrNull(nodeSchema, lookup(raw, 'Node'))],
    ['Service', structOrNull(agentServiceSchema, lookup(raw, 'Service'))],
    ['Checks', list(lookup(raw, 'Checks'), healthCheck)],
  ]);
}

/** map[string][]string, as catalog.Services returns it. */
export function serviceTags(raw: unknown): GoValue {
  return isObject(raw) ? goMap(raw, (tags) => value('strings', tags)) : null;
}

/** *api.UserEvent from the typed client's event. */
export function userEvent(e: { id: string; name: string; payload: Buffer | null; nodeFilter: string; serviceFilter: string; tagFilter: string; version: number; ltime: number }): GoObject {
  return new GoObject([
    ['ID', e.id],
    ['Name', e.name],
    ['Payload', e.payload === null ? null : e.payload.toString('base64')],
    ['NodeFilter', e.nodeFilter],
    ['ServiceFilter', e.serviceFilter],
    ['TagFilter', e.tagFilter],
    ['Version', e.version],
    ['LTime', e.ltime],
  ]);
}
