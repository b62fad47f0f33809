/**
 * Parsing a watch's parameter map (Consul's watch.Parse / ParseExempt and the per-type
 * factories of api/watch/funcs.go), with Consul's error texts. Like Go's, parsing consumes the
 * map: each recognised key is deleted, and anything left over is "Invalid parameters". Pure.
 */
import { parseGoDuration } from '../lib/index.js';
import { goPercentV } from './go-format.js';

export type WatchParams = Record<string, unknown>;

/** Every type Consul 1.8.7 knows (the last three are internal; the CLI refuses them). */
export const watchTypes = ['key', 'keyprefix', 'services', 'nodes', 'service', 'checks', 'event', 'connect_roots', 'connect_leaf', 'agent_service'] as const;
export type WatchType = (typeof watchTypes)[number];

/** What one type's watcher needs, from its own parameters. */
export type WatchQuery =
  | { type: 'key'; key: string; stale: boolean }
  | { type: 'keyprefix'; prefix: string; stale: boolean }
  | { type: 'services'; stale: boolean }
  | { type: 'nodes'; stale: boolean }
  | { type: 'service'; service: string; tags: string[]; passingOnly: boolean; stale: boolean }
  | { type: 'checks'; service: string; state: string; stale: boolean }
  | { type: 'event'; name: string }
  | { type: 'connect_roots' }
  | { type: 'connect_leaf'; service: string }
  | { type: 'agent_service'; serviceId: string };

/** watch.HttpHandlerConfig. */
export interface HttpHandlerConfig {
  path: string;
  method: string;
  /** Default 10 s (watch.DefaultTimeout). */
  timeoutMs: number;
  header: Record<string, string[]>;
  tlsSkipVerify: boolean;
}

/** watch.DefaultTimeout: an http handler's request deadline. */
export const httpHandlerTimeoutMsDefault = 10_000;

/** A parsed plan's settings (Go's Plan fields before it runs). */
export interface PlanSpec {
  datacenter: string;
  token: string;
  type: WatchType;
  handlerType: string;
  query: WatchQuery;
  /** http_handler_config (when handler_type is http) and the caller's exempt keys. */
  exempt: { httpHandlerConfig?: HttpHandlerConfig; [key: string]: unknown };
}

export class WatchParseError extends Error {
  override readonly name = 'WatchParseError';
}

const fail = (message: string): never => {
  throw new WatchParseError(message);
};

function take(params: WatchParams, name: string): unknown {
  const v = params[name];
  delete params[name];
  return v;
}

/** assignValue: a string, or absent. */
function str(params: WatchParams, name: string): string {
  if (!Object.hasOwn(params, name)) return '';
  if (typeof params[name] !== 'string') fail(`Expecting ${name} to be a string`);
  return take(params, name) as string;
}

/** assignValueBool. */
function bool(params: WatchParams, name: string): boolean {
  if (!Object.hasOwn(params, name)) return false;
  if (typeof params[name] !== 'boolean') fail(`Expecting ${name} to be a boolean`);
  return take(params, name) as boolean;
}

/** assignValueStringSlice: a string or a list of strings. */
function strings(params: WatchParams, name: string): string[] {
  if (!Object.hasOwn(params, name)) return [];
  const raw = params[name];
  let out: string[];
  if (typeof raw === 'string') out = [raw];
  else if (Array.isArray(raw)) {
    out = raw.map((v, i) => (typeof v === 'string' ? v : fail(`Index ${i} of ${name} expected to be string`)));
  } else out = fail(`Expecting ${name} to be a string or []string`);
  delete params[name];
  return out;
}

function factory(type: WatchType, p: WatchParams): WatchQuery {
  switch (type) {
    case 'key': {
      const stale = bool(p, 'stale');
      const key = str(p, 'key');
      if (key === '') fail('Must specify a single key to watch');
      return { type, key, stale };
    }
    case 'keyprefix': {
      const stale = bool(p, 'stale');
      const prefix = str(p, 'prefix');
      if (prefix === '') fail('Must specify a single prefix to watch');
      return { type, prefix, stale };
    }
    case 'services':
    case 'nodes':
      return { type, stale: bool(p, 'stale') };
    case 'service': {
      const stale = bool(p, 'stale');
      const service = str(p, 'service');
      if (service === '') fail('Must specify a single service to watch');
      const tags = strings(p, 'tag');
      return { type, service, tags, passingOnly: bool(p, 'passingonly'), stale };
    }
    case 'checks': {
      const stale = bool(p, 'stale');
      const service = str(p, 'service');
      let state = str(p, 'state');
      if (service !== '' && state !== '') fail('Cannot specify service and state');
      if (service === '' && state === '') state = 'any';
      return { type, service, state, stale };
    }
    case 'event':
      return { type, name: str(p, 'name') };
    case 'connect_roots':
      return { type };
    case 'connect_leaf':
      return { type, service: str(p, 'service') };
    case 'agent_service':
      return { type, serviceId: str(p, 'service_id') };
  }
}

/**
 * watch.ParseExempt. `params` is consumed (the agent prints what is left in its error);
 * `exempt` keys are moved into `spec.exempt` untouched. Throws WatchParseError.
 */
export function parseWatch(params: WatchParams, exempt: readonly string[] = []): PlanSpec {
  const datacenter = str(params, 'datacenter');
  const token = str(params, 'token');
  const type = str(params, 'type');
  if (type === '') fail('Watch type must be specified');
  const handlerType = str(params, 'handler_type');
  const spec: PlanSpec['exempt'] = {};
  if (handlerType === 'http') {
    if (!Object.hasOwn(params, 'http_handler_config')) fail("Handler type 'http' requires 'http_handler_config' to be set");
    try {
      spec.httpHandlerConfig = parseHttpHandlerConfig(params['http_handler_config']);
    } catch (e) {
      fail(`Failed to parse 'http_handler_config': ${(e as Error).message}`);
    }
    delete params['http_handler_config'];
  }
  if (!(watchTypes as readonly string[]).includes(type)) fail(`Unsupported watch type: ${type}`);
  const query = factory(type as WatchType, params);
  for (const ex of exempt) {
    if (Object.hasOwn(params, ex)) spec[ex] = take(params, ex);
  }
  const bad = Object.keys(params);
  // Go lists them in map order (random); sorted here so the text is stable.
  if (bad.length > 0) fail(`Invalid parameters: [${bad.sort().join(' ')}]`);
  return { datacenter, token, type: type as WatchType, handlerType, query, exempt: spec };
}

/** mapstructure.Decode into watch.HttpHandlerConfig, then its defaults and checks. */
export function parseHttpHandlerConfig(raw: unknown): HttpHandlerConfig {
  const errors: string[] = [];
  const m = decodeMap(raw, '', errors);
  const get = (name: string): unknown => {
    if (!m) return undefined;
    if (Object.hasOwn(m, name)) return m[name];
    return Object.entries(m).find(([k]) => k.toLowerCase() === name)?.[1];
  };
  const s = (name: string): string => {
    const v = get(name);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') errors.push(`'${name}' expected type 'string', got unconvertible type '${goTypeName(v)}', value: '${goPercentV(v)}'`);
    return typeof v === 'string' ? v : '';
  };
  const path = s('path');
  const method = s('method');
  const timeoutRaw = s('timeout');
  const skip = get('tls_skip_verify');
  if (skip !== undefined && skip !== null && typeof skip !== 'boolean') {
    errors.push(`'tls_skip_verify' expected type 'bool', got unconvertible type '${goTypeName(skip)}', value: '${goPercentV(skip)}'`);
  }
  const header = decodeHeader(get('header'), errors);
  if (errors.length > 0) throw new Error(`${errors.length} error(s) decoding:\n\n${errors.map((e) => `* ${e}`).sort().join('\n')}`);
  if (path === '') throw new Error("Requires 'path' to be set");
  let timeoutMs = httpHandlerTimeoutMsDefault;
  if (timeoutRaw !== '') {
    const d = parseGoDuration(timeoutRaw);
    if (!d.ok) throw new Error(`Failed to parse timeout: ${d.error}`);
    timeoutMs = d.ms;
  }
  return { path, method: method || 'POST', timeoutMs, header, tlsSkipVerify: skip === true };
}

function decodeMap(raw: unknown, name: string, errors: string[]): Record<string, unknown> | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  errors.push(`'${name}' expected a map, got '${goKindName(raw)}'`);
  return undefined;
}

function decodeHeader(raw: unknown, errors: string[]): Record<string, string[]> {
  const m = decodeMap(raw, 'header', errors);
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    if (!Array.isArray(v)) {
      errors.push(`'header[${k}]': source data must be an array or slice, got ${goKindName(v)}`);
      continue;
    }
    out[k] = v.map((x, i) => {
      if (typeof x === 'string') return x;
      errors.push(`'header[${k}][${i}]' expected type 'string', got unconvertible type '${goTypeName(x)}', value: '${goPercentV(x)}'`);
      return '';
    });
  }
  return out;
}

/** Go's reflect.Kind name, as mapstructure reports it. */
function goKindName(v: unknown): string {
  if (Array.isArray(v)) return 'slice';
  if (v === null) return 'invalid';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return 'float64';
  return typeof v;
}

function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object' && v !== null) return 'map[string]interface {}';
  if (typeof v === 'number') return 'float64';
  return typeof v;
}
