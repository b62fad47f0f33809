/**
 * Decoding a JSON object into a Go struct the way encoding/json (Go 1.15) with
 * DisallowUnknownFields does, for the few field types a check has: keys match a field's JSON
 * name exactly or else case-insensitively (first field in declaration order wins), a wrong type
 * or an unknown key records an error and decoding goes on, and the first error is the one
 * reported. `null` leaves a field unset.
 */
import { goQuote } from '../../lib/index.js';

export type FieldKind = 'string' | 'bool' | 'int' | 'strings' | 'header' | 'any';

export interface FieldSpec {
  /** The JSON name (a tag name or the Go field name). */
  name: string;
  kind: FieldKind;
}

export interface DecodedFields {
  values: Map<string, unknown>;
  /** The first error, Go's text without any prefix. */
  error?: string;
}

const goTypeOf: Record<FieldKind, string> = {
  string: 'string',
  bool: 'bool',
  int: 'int',
  strings: '[]string',
  header: 'map[string][]string',
  any: 'interface {}',
};

/** Go's name for a JSON value in "cannot unmarshal X into ...". */
export function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object' && v !== null) return 'object';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

/** Go's case folding for field names (ASCII, plus the Kelvin sign and long s). */
function fold(s: string): string {
  return s.replace(/\u212a/g, 'k').replace(/\u017f/g, 's').replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function decodeFields(raw: Record<string, unknown>, specs: readonly FieldSpec[], context?: string): DecodedFields {
  const values = new Map<string, unknown>();
  let error: string | undefined;
  const fail = (text: string): void => {
    error ??= text;
  };
  for (const [key, value] of Object.entries(raw)) {
    const spec = specs.find((s) => s.name === key) ?? specs.find((s) => fold(s.name) === fold(key));
    if (spec === undefined) {
      fail(`json: unknown field ${goQuote(key)}`);
      continue;
    }
    const typeError = (kind: string, goType: string): void =>
      fail(`json: cannot unmarshal ${kind} into Go struct field .${context ?? spec.name} of type ${goType}`);
    const decoded = decodeValue(spec.kind, value, typeError);
    if (decoded !== undefined) values.set(spec.name, decoded);
  }
  return error === undefined ? { values } : { values, error };
}

type TypeError = (kind: string, goType: string) => void;

function decodeValue(kind: FieldKind, value: unknown, typeError: TypeError): unknown {
  if (value === null || value === undefined) return undefined;
  switch (kind) {
    case 'any':
      return value;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      break;
    case 'int':
      if (typeof value === 'number') {
        if (Number.isInteger(value) && Math.abs(value) <= 9.223372036854775807e18) return value;
        typeError(`number ${String(value)}`, 'int');
        return undefined;
      }
      break;
    case 'strings':
      if (Array.isArray(value)) return decodeStrings(value, typeError);
      break;
    case 'header':
      if (typeof value === 'object' && !Array.isArray(value)) return decodeHeader(value as Record<string, unknown>, typeError);
      break;
  }
  typeError(jsonKind(value), goTypeOf[kind]);
  return undefined;
}

function decodeStrings(list: unknown[], typeError: TypeError): string[] {
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (item !== null) typeError(jsonKind(item), 'string');
    return '';
  });
}

function decodeHeader(obj: Record<string, unknown>, typeError: TypeError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) out[k] = [];
    else if (Array.isArray(v)) out[k] = decodeStrings(v, typeError);
    else typeError(jsonKind(v), '[]string');
  }
  return out;
}
