/**
 * Service definitions as they reach the agent: a PUT /v1/agent/service/register body
 * (structs.ServiceDefinition through lib.DecodeJSON: Go's case-insensitive names, unknown
 * fields refused, `enable_tag_override` and `tagged_addresses` also accepted in snake_case) or a
 * config file's `service`/`services` block (already validated by config/, snake_case).
 * Both end as a LocalService plus the CheckDefinitions of its checks.
 */
import { MusterError } from '../lib/index.js';
import { checkFromConfig, CheckConfigError } from './checks/config.js';
import { CheckDecodeError, decodeServiceCheck, serviceCheckTypes } from './checks/decode.js';
import type { CheckDefinition } from './checks/types.js';
import type { LocalService } from './local-state.js';

export interface ServiceDefinition {
  service: LocalService;
  checks: CheckDefinition[];
}

/** Thrown with Consul's whole 400 body (`Request decode failed: …`, `Missing service name`). */
const badRequest = (text: string): MusterError => new MusterError('ERR_BAD_REQUEST', text);

const apiFields = [
  'Kind',
  'ID',
  'Name',
  'Tags',
  'Address',
  'TaggedAddresses',
  'Meta',
  'Port',
  'Check',
  'Checks',
  'Weights',
  'Token',
  'EnableTagOverride',
  'Proxy',
  'Connect',
  'Namespace',
] as const;
const snakeAliases: Record<string, string> = { enable_tag_override: 'EnableTagOverride', tagged_addresses: 'TaggedAddresses' };

/** A PUT /v1/agent/service/register body, validated as AgentRegisterService does before adding. */
export function serviceFromApi(raw: unknown): ServiceDefinition {
  let def: ServiceDefinition;
  try {
    def = decodeApi(raw);
  } catch (err) {
    if (err instanceof CheckDecodeError || err instanceof ServiceDecodeError) throw badRequest(`Request decode failed: ${err.message}`);
    throw err;
  }
  const s = def.service;
  if (s.service === '') throw badRequest('Missing service name');
  if (isAnyAddress(s.address)) throw badRequest('Invalid service address');
  const weightsError = validateWeights(s.weights);
  if (weightsError) throw badRequest(`Invalid Weights: ${weightsError}`);
  const metaError = validateServiceMeta(s.meta);
  if (metaError) throw badRequest(`Invalid Service Meta: ${metaError}`);
  return def;
}

class ServiceDecodeError extends Error {}

function decodeApi(raw: unknown): ServiceDefinition {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ServiceDecodeError(`json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type structs.ServiceDefinition`);
  }
  const byLower = new Map<string, string>(apiFields.map((f) => [f.toLowerCase(), f]));
  const d: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(raw)) {
    const name = snakeAliases[key] ?? byLower.get(key.toLowerCase());
    if (name === undefined) throw new ServiceDecodeError(`json: unknown field ${JSON.stringify(key)}`);
    if (v !== null && !(name in d && snakeAliases[key])) d[name] = v;
  }
  const str = (k: string): string => typed(d[k], 'string', k, '') as string;
  const weights = d['Weights'] as Record<string, unknown> | undefined;
  const service: LocalService = {
    kind: str('Kind'),
    id: str('ID'),
    service: str('Name'),
    tags: stringList(d['Tags'], 'Tags'),
    address: str('Address'),
    taggedAddresses: taggedAddresses(d['TaggedAddresses']),
    meta: stringMap(d['Meta'], 'Meta'),
    port: typed(d['Port'], 'number', 'Port', 0) as number,
    weights: weights ? { passing: num(weights, 'Passing'), warning: num(weights, 'Warning') } : { passing: 1, warning: 1 },
    enableTagOverride: typed(d['EnableTagOverride'], 'boolean', 'EnableTagOverride', false) as boolean,
    proxy: objectOrNull(d['Proxy']),
    connect: objectOrNull(d['Connect']),
    token: str('Token'),
  };
  const check = d['Check'] === undefined ? undefined : decodeServiceCheck(d['Check'], 'Check');
  if (d['Checks'] !== undefined && !Array.isArray(d['Checks'])) {
    throw new ServiceDecodeError(`json: cannot unmarshal ${typeof d['Checks']} into Go struct field ServiceDefinition.Checks of type structs.CheckTypes`);
  }
  const checks = ((d['Checks'] as unknown[] | undefined) ?? []).map((c) => decodeServiceCheck(c, 'Checks'));
  return { service, checks: serviceCheckTypes(check, checks) };
}

function typed(v: unknown, kind: 'string' | 'number' | 'boolean', field: string, zero: unknown): unknown {
  if (v === undefined) return zero;
  if (typeof v !== kind || (kind === 'number' && !Number.isInteger(v))) {
    const goType = kind === 'number' ? 'int' : kind === 'boolean' ? 'bool' : 'string';
    throw new ServiceDecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ServiceDefinition.${field} of type ${goType}`);
  }
  return v;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return typeof v === 'object' ? 'object' : 'string';
}

function stringList(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ServiceDecodeError(`json: cannot unmarshal ${jsonKind(Array.isArray(v) ? v.find((x) => typeof x !== 'string') : v)} into Go struct field ServiceDefinition.${field} of type ${Array.isArray(v) ? 'string' : '[]string'}`);
  }
  return v as string[];
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new ServiceDecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ServiceDefinition.${field} of type map[string]string`);
  }
  return v as Record<string, string>;
}

function taggedAddresses(v: unknown): LocalService['taggedAddresses'] {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ServiceDecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ServiceDefinition.TaggedAddresses of type map[string]structs.ServiceAddress`);
  }
  const out: LocalService['taggedAddresses'] = {};
  for (const [k, a] of Object.entries(v as Record<string, Record<string, unknown>>)) {
    out[k] = { address: typeof a?.['Address'] === 'string' ? a['Address'] : '', port: typeof a?.['Port'] === 'number' ? a['Port'] : 0 };
  }
  return out;
}

function num(o: Record<string, unknown>, k: string): number {
  const v = Object.entries(o).find(([key]) => key.toLowerCase() === k.toLowerCase())?.[1];
  return typeof v === 'number' ? v : 0;
}

function objectOrNull(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0 ? (v as Record<string, unknown>) : null;
}

export function isAnyAddress(a: string): boolean {
  return a === '0.0.0.0' || a === '::' || a === '[::]';
}

/** structs.ValidateServiceMetadata (non-gateway kinds), with its texts. */
export function validateServiceMeta(meta: Record<string, string>): string | undefined {
  const keys = Object.keys(meta);
  if (keys.length > 64) return 'Node metadata cannot contain more than 64 key/value pairs';
  for (const k of keys) {
    const v = meta[k] ?? '';
    const err = metaPairError(k, v);
    if (err) return `Couldn't load metadata pair ('${k}', '${v}'): ${err}`;
  }
  return undefined;
}

function metaPairError(k: string, v: string): string | undefined {
  if (k === '') return 'Key cannot be blank';
  if (!/^[a-zA-Z0-9_-]+$/.test(k)) return 'Key contains invalid characters';
  if (k.length > 128) return 'Key is too long (limit: 128 characters)';
  if (k.startsWith('consul-')) return "Key prefix 'consul-' is reserved for internal use";
  if (v.length > 512) return 'Value is too long (limit: 512 characters)';
  return undefined;
}

/** structs.ValidateWeights. */
export function validateWeights(w: { passing: number; warning: number }): string | undefined {
  if (w.passing < 1) return 'Passing must be greater than 0';
  if (w.warning < 0) return 'Warning must be greater or equal than 0';
  if (w.passing > 65535 || w.warning > 65535) return 'DNS Weight must be between 0 and 65535';
  return undefined;
}

/** A config file's service block (snake_case keys), as Builder.serviceVal reads it. */
export function serviceFromConfig(raw: Record<string, unknown>): ServiceDefinition {
  const str = (k: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
  const weights = raw['weights'] as Record<string, unknown> | undefined;
  const tagged = (raw['tagged_addresses'] as Record<string, Record<string, unknown>> | undefined) ?? {};
  const service: LocalService = {
    kind: str('kind'),
    id: str('id'),
    service: str('name'),
    tags: (raw['tags'] as string[] | undefined) ?? [],
    address: str('address'),
    taggedAddresses: Object.fromEntries(
      Object.entries(tagged).map(([k, a]) => [k, { address: typeof a['address'] === 'string' ? a['address'] : '', port: typeof a['port'] === 'number' ? a['port'] : 0 }]),
    ),
    meta: (raw['meta'] as Record<string, string> | undefined) ?? {},
    port: typeof raw['port'] === 'number' ? raw['port'] : 0,
    weights: {
      passing: typeof weights?.['passing'] === 'number' ? weights['passing'] : 1,
      warning: typeof weights?.['warning'] === 'number' ? weights['warning'] : 1,
    },
    enableTagOverride: raw['enable_tag_override'] === true,
    proxy: null,
    connect: null,
    token: str('token'),
  };
  const checks: CheckDefinition[] = [];
  try {
    // Consul's serviceVal: the `checks` list first, then `check` (this order numbers the IDs).
    for (const c of (raw['checks'] as Array<Record<string, unknown>> | undefined) ?? []) checks.push(checkFromConfig(c));
    if (raw['check']) checks.push(checkFromConfig(raw['check'] as Record<string, unknown>));
  } catch (err) {
    if (err instanceof CheckConfigError) throw new MusterError('ERR_CONFIG', err.message);
    throw err;
  }
  return { service, checks };
}
