/**
 * Checks one parsed config source against Consul's schema (consul-schema.generated.ts) and
 * normalises it the way Consul's mapstructure decoding does:
 * - key names match case-insensitively and are rewritten to Consul's snake_case spelling;
 * - a one-element list where a single value is expected is unwrapped (HCL blocks);
 * - a single object where a list is expected is wrapped (one HCL block of a list key);
 * - no weak typing: `"http": "8500"` is an error, as in Consul.
 * Errors name the source, the dotted key and what was expected; unknown keys are errors.
 */
import { consulAliases, consulSchema } from './consul-schema.generated.js';
import type { SchemaType } from './schema-types.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function goTypeName(v: unknown): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return '[]interface {}';
  if (isObject(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return 'float64'; // JSON numbers decode as float64 in Go
  return typeof v;
}

function typeLabel(t: SchemaType): string {
  if (typeof t === 'string') {
    return { string: 'string', bool: 'bool', int: 'int', float: 'float64', 'string[]': '[]string', map: 'map[string]string', any: 'any' }[t];
  }
  if ('struct' in t) return `config.${t.struct}`;
  if ('list' in t) return `[]config.${t.list}`;
  return `map[string]config.${t.mapOf}`;
}

/**
 * Keys Consul 1.8.7 no longer knows but Muster accepts, because configs written for older
 * Consuls (and the articles users learn from) still carry them: a check's `script`, removed in
 * Consul 1.1, runs as `args: [$SHELL or /bin/sh, "-c", script]`, exactly as Consul 1.0 ran it.
 * Each use is reported through `legacy` so the loader can warn.
 */
const legacyFields: Record<string, Record<string, SchemaType>> = {
  CheckDefinition: { script: 'string' },
};

/**
 * Returns a normalised copy of `raw` (a whole source), or throws ConfigError. The dotted paths
 * of legacy keys used are appended to `legacy`.
 */
export function validateSource(source: string, raw: unknown, legacy: string[] = []): Raw {
  if (!isObject(raw)) throw new ConfigError(`failed to parse ${source}: the top level must be an object`);
  const errors: string[] = [];
  const out = validateStruct('Config', raw, '', errors, legacy);
  if (errors.length > 0) {
    const unknown = errors.filter((e) => e.startsWith('invalid config key'));
    const list = unknown.length > 0 ? unknown : errors;
    throw new ConfigError(`failed to parse ${source}: ${list.join('; ')}`);
  }
  return out;
}

function validateStruct(struct: string, raw: Raw, path: string, errors: string[], legacy: string[]): Raw {
  const old = legacyFields[struct];
  const fields = old ? { ...consulSchema[struct]!, ...old } : consulSchema[struct]!;
  const lowerIndex = new Map(Object.keys(fields).map((k) => [k.toLowerCase(), k]));
  const out: Raw = {};
  for (const [key, value] of Object.entries(raw)) {
    const alias = consulAliases[struct]?.[key.toLowerCase()];
    const name = key in fields ? key : (lowerIndex.get(key.toLowerCase()) ?? alias);
    const dotted = path ? `${path}.${key}` : key;
    // An alias (`ScriptArgs` for `args`) yields to the key itself when both are given.
    if (alias !== undefined && name === alias && alias in raw) continue;
    if (name === undefined) {
      errors.push(`invalid config key ${dotted}`);
      continue;
    }
    const full = path ? `${path}.${name}` : name;
    if (old !== undefined && name in old) legacy.push(full);
    const checked = validateValue(fields[name]!, value, full, errors, legacy);
    if (checked !== undefined) out[name] = checked;
  }
  return out;
}

function validateValue(t: SchemaType, value: unknown, path: string, errors: string[], legacy: string[]): unknown {
  if (value === null) return undefined; // a JSON null leaves the setting unset, as in Go
  const expectsList = t === 'string[]' || (typeof t === 'object' && 'list' in t);
  if (!expectsList && t !== 'any' && Array.isArray(value) && value.length === 1) value = value[0];
  if (expectsList && isObject(value) && typeof t === 'object') value = [value];
  const wrong = (): undefined => {
    errors.push(`'${path}' expected type '${typeLabel(t)}', got unconvertible type '${goTypeName(value)}', value: '${short(value)}'`);
    return undefined;
  };
  // One HCL `watches { ... }` block is a list of one watch, so sources append as in Consul.
  if (t === 'any') return path === 'watches' && isObject(value) ? [value] : value;
  if (t === 'string') return typeof value === 'string' ? value : wrong();
  if (t === 'bool') return typeof value === 'boolean' ? value : wrong();
  if (t === 'int') return typeof value === 'number' && Number.isInteger(value) ? value : wrong();
  if (t === 'float') return typeof value === 'number' ? value : wrong();
  if (t === 'string[]') {
    const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined;
    return list && list.every((s) => typeof s === 'string') ? list : wrong();
  }
  if (t === 'map') {
    if (!isObject(value) || !Object.values(value).every((s) => typeof s === 'string')) return wrong();
    return { ...value };
  }
  if ('struct' in t) return isObject(value) ? validateStruct(t.struct, value, path, errors, legacy) : wrong();
  if ('list' in t) {
    if (!Array.isArray(value)) return wrong();
    return value.map((item, i) => (isObject(item) ? validateStruct(t.list, item, `${path}[${i}]`, errors, legacy) : wrong()));
  }
  if (!isObject(value)) return wrong();
  const out: Raw = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isObject(v) ? validateStruct(t.mapOf, v, `${path}.${k}`, errors, legacy) : wrong();
  }
  return out;
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Every dotted key path set in a normalised source (`ports.http`, `services`). */
export function keyPaths(raw: Raw, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (isObject(v) && !isLeafMap(p)) out.push(...keyPaths(v, p));
    else out.push(p);
  }
  return out;
}

/** Keys whose value is a free-form map (their inner keys are data, not settings). */
const leafMaps = new Set(['node_meta', 'http_config.response_headers', 'connect.ca_config', 'telemetry', 'config_entries']);
function isLeafMap(path: string): boolean {
  return leafMaps.has(path) || path.startsWith('connect.ca_config');
}

/** Consul's merge: objects merge recursively, lists append, anything else is replaced. */
export function mergeSources(a: Raw, b: Raw): Raw {
  const out: Raw = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (Array.isArray(prev) && Array.isArray(v)) out[k] = [...prev, ...v];
    else if (isObject(prev) && isObject(v)) out[k] = mergeSources(prev, v);
    else out[k] = v;
  }
  return out;
}
