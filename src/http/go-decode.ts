/**
 * Decoding request bodies the way Consul's lib.DecodeJSON decodes into its structs: field names
 * match case-insensitively, an unknown field is an error (`json: unknown field "x"`, as
 * DisallowUnknownFields), `null` leaves a field unset, and a value
 * of the wrong JSON type is an error naming the struct field and its Go type:
 * `json: cannot unmarshal string into Go struct field RegisterRequest.Node of type string`.
 *
 * A `GoType` describes the target; `decodeGo` returns a plain object holding the present fields
 * under their canonical (Go) names, so handlers read `body.Node` whatever case the client sent.
 */
import { parseGoDuration } from '../lib/index.js';

export type GoType =
  | { k: 'string' }
  | { k: 'bool' }
  | { k: 'int'; go?: string }
  | { k: 'uint'; go?: string }
  | { k: 'float' }
  | { k: 'any' }
  /** time.Duration with a custom UnmarshalJSON: a Go duration string, or nanoseconds. */
  | { k: 'duration' }
  | { k: 'map'; of: GoType }
  | { k: 'slice'; of: GoType }
  /** `lenient`: a struct with its own UnmarshalJSON over plain json.Unmarshal (unknown fields ignored). */
  | { k: 'struct'; name: string; fields: Record<string, GoType>; lenient?: boolean };

export const go = {
  string: { k: 'string' } as GoType,
  bool: { k: 'bool' } as GoType,
  int: { k: 'int' } as GoType,
  uint64: { k: 'uint', go: 'uint64' } as GoType,
  uint: { k: 'uint', go: 'uint' } as GoType,
  float: { k: 'float' } as GoType,
  any: { k: 'any' } as GoType,
  duration: { k: 'duration' } as GoType,
  map: (of: GoType): GoType => ({ k: 'map', of }),
  slice: (of: GoType): GoType => ({ k: 'slice', of }),
  struct: (name: string, fields: Record<string, GoType>, lenient = false): GoType => ({ k: 'struct', name, fields, lenient }),
};

export class GoDecodeError extends Error {}

/** Parses `text` as JSON with Go's error texts for malformed input. */
export function parseGoJson(text: string): unknown {
  if (text.trim() === '') throw new GoDecodeError('EOF');
  try {
    return JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec(String(err));
    const pos = m ? Number(m[1]) : text.length;
    if (pos >= text.trimEnd().length) throw new GoDecodeError('unexpected EOF');
    throw new GoDecodeError(`invalid character ${goQuoteChar(text[pos]!)} looking for beginning of value`);
  }
}

function goQuoteChar(c: string): string {
  return c === "'" ? "'\\''" : `'${c}'`;
}

export type Decoded = Record<string, unknown>;

/** Decodes a parsed JSON value into `type` (normally a struct). */
export function decodeGo(value: unknown, type: GoType & { k: 'struct' }): Decoded {
  if (value === null) return {};
  return decodeValue(value, type, { struct: type.name, field: '' }) as Decoded;
}

interface Where {
  struct: string;
  field: string;
}

function decodeValue(v: unknown, t: GoType, at: Where): unknown {
  if (v === null) return undefined;
  switch (t.k) {
    case 'any':
      return v;
    case 'string':
      if (typeof v !== 'string') mismatch(v, 'string', at);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') mismatch(v, 'bool', at);
      return v;
    case 'int':
    case 'uint':
    case 'float':
      return decodeNumber(v, t, at);
    case 'duration':
      return decodeDuration(v, at);
    case 'slice': {
      if (!Array.isArray(v)) mismatch(v, goTypeName(t), at);
      return v.map((x) => decodeValue(x, t.of, at) ?? zeroOf(t.of));
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) mismatch(v, goTypeName(t), at);
      const out: Record<string, unknown> = {};
      for (const [key, x] of Object.entries(v as object)) out[key] = decodeValue(x, t.of, at) ?? zeroOf(t.of);
      return out;
    }
    case 'struct':
      return decodeStruct(v, t, at);
  }
}

function decodeStruct(v: unknown, t: GoType & { k: 'struct' }, at: Where): Decoded {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) mismatch(v, t.name, at);
  const byLower = new Map<string, string>();
  for (const name of Object.keys(t.fields)) byLower.set(name.toLowerCase(), name);
  const out: Decoded = {};
  for (const [key, x] of Object.entries(v as object)) {
    // Go prefers an exact match, then a case-insensitive one.
    const name = key in t.fields ? key : byLower.get(key.toLowerCase());
    if (name === undefined) {
      if (t.lenient) continue;
      throw new GoDecodeError(`json: unknown field ${JSON.stringify(key)}`);
    }
    // Go names the innermost struct type and the whole field path from the top:
    // `Go struct field NodeService.Service.Port`.
    const inner = { struct: t.name, field: at.field === '' ? name : `${at.field}.${name}` };
    const decoded = decodeValue(x, t.fields[name]!, inner);
    if (decoded !== undefined) out[name] = decoded;
  }
  return out;
}

function decodeNumber(v: unknown, t: GoType & { k: 'int' | 'uint' | 'float' }, at: Where): number {
  const typeName = goTypeName(t);
  if (typeof v !== 'number') mismatch(v, typeName, at);
  if (t.k !== 'float' && (!Number.isInteger(v) || (t.k === 'uint' && v < 0))) {
    throw new GoDecodeError(`json: cannot unmarshal number ${String(v)} into Go struct field ${where(at)} of type ${typeName}`);
  }
  return v;
}

function decodeDuration(v: unknown, at: Where): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const r = parseGoDuration(v);
    if (!r.ok) throw new GoDecodeError(r.error);
    return Math.round(r.ms * 1e6);
  }
  return mismatch(v, 'time.Duration', at);
}

function mismatch(v: unknown, goType: string, at: Where): never {
  throw new GoDecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${where(at)} of type ${goType}`);
}

function where(at: Where): string {
  return at.field === '' ? at.struct : `${at.struct}.${at.field}`;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

function goTypeName(t: GoType): string {
  switch (t.k) {
    case 'int':
    case 'uint':
      return t.go ?? t.k;
    case 'float':
      return 'float64';
    case 'duration':
      return 'time.Duration';
    case 'any':
      return 'interface {}';
    case 'slice':
      return `[]${goTypeName(t.of)}`;
    case 'map':
      return `map[string]${goTypeName(t.of)}`;
    case 'struct':
      return t.name;
    default:
      return t.k;
  }
}

function zeroOf(t: GoType): unknown {
  switch (t.k) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
    case 'uint':
    case 'float':
    case 'duration':
      return 0;
    case 'slice':
      return [];
    case 'map':
    case 'struct':
      return {};
    default:
      return null;
  }
}
