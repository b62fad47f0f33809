/**
 * JSON as Go's encoding/json writes it, for request bodies that must match Consul's client byte
 * for byte: struct fields in declaration order (the caller's entry order), map keys sorted
 * byte-wise, and `<`, `>`, `&`, U+2028, U+2029 escaped as \u sequences.
 */
import { goJsonString } from '../lib/index.js';

export type GoJsonValue = null | boolean | number | string | GoJsonValue[] | GoStruct;

/** A struct (or a map already put in order): its fields, in the order they are written. */
export class GoStruct {
  constructor(readonly fields: Array<[string, GoJsonValue]>) {}
}

/** A Go map[string]T: entries sorted by key, as json.Marshal does. */
export function goMap<T>(m: Record<string, T>, each: (v: T) => GoJsonValue): GoStruct {
  const keys = Object.keys(m).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return new GoStruct(keys.map((k) => [k, each(m[k]!)]));
}


export function encodeGoJson(v: GoJsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(encodeGoJson).join(',')}]`;
  return `{${v.fields.map(([k, x]) => `${goJsonString(k)}:${encodeGoJson(x)}`).join(',')}}`;
}

/** Any JSON-decoded value, maps sorted (for pass-through values such as a proxy's config). */
export function fromPlain(v: unknown): GoJsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(fromPlain);
  return goMap(v as Record<string, unknown>, fromPlain);
}
