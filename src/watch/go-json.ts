/**
 * JSON as Go's encoding/json writes a watch result: struct fields in declaration order, map
 * keys sorted byte-wise, uint64 exact (a bigint), `<`, `>`, `&`, U+2028 and U+2029 escaped
 * (json.Encoder and json.MarshalIndent both escape HTML). `encodeGoJson(v)` is json.Marshal;
 * `encodeGoJson(v, '    ')` is json.MarshalIndent(v, "", "    ") (what `muster watch` prints).
 */
import { goJsonString } from '../lib/index.js';

export type GoValue = null | boolean | number | bigint | string | GoValue[] | GoObject;

/** A struct or map, fields in the order Go writes them. */
export class GoObject {
  constructor(readonly fields: Array<[string, GoValue]>) {}
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A Go map[string]T: entries sorted by key. */
export function goMap<T>(m: Record<string, T>, each: (v: T) => GoValue): GoObject {
  return new GoObject(Object.keys(m).sort(byteCompare).map((k) => [k, each(m[k]!)]));
}


export function encodeGoJson(v: GoValue, indent = '', prefix = ''): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  const inner = prefix + indent;
  const nl = indent === '' ? '' : '\n';
  const colon = indent === '' ? ':' : ': ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => inner + encodeGoJson(x, indent, inner)).join(`,${nl}`)}${nl}${indent ? prefix : ''}]`;
  }
  if (v.fields.length === 0) return '{}';
  const body = v.fields.map(([k, x]) => `${inner}${goJsonString(k)}${colon}${encodeGoJson(x, indent, inner)}`).join(`,${nl}`);
  return `{${nl}${body}${nl}${indent ? prefix : ''}}`;
}

/** Any decoded JSON value, objects kept in the agent's key order (pass-through structs). */
export function fromDecoded(v: unknown): GoValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (Array.isArray(v)) return v.map(fromDecoded);
  return new GoObject(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromDecoded(x)]));
}
