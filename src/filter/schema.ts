/**
 * A description of the Go type a filter runs over, so that we can do what go-bexpr does with
 * reflection: decide at compile time which selectors exist, which operators each allows, and
 * how a literal is converted; and walk plain JS objects (the JSON shape) at evaluation time.
 *
 * Field names are the Go field names (what selectors use); `key` is the JSON property when it
 * differs. Leave out fields tagged `bexpr:"-"`. Use `ptr` for Go pointers: evaluating through a
 * nil pointer panics in go-bexpr, while a nil map or slice is just empty.
 */
import { MatchOp } from './ast.js';

export type PrimitiveKind = 'string' | 'bool' | 'int' | 'uint' | 'float';

export type FieldSchema =
  | { readonly kind: 'string' | 'bool' }
  /** bits: Go's int/int64 are 64, int8 8, ... (the range a literal must fit). */
  | { readonly kind: 'int' | 'uint'; readonly bits: 8 | 16 | 32 | 64 }
  | { readonly kind: 'float'; readonly bits: 32 | 64 }
  /** map[string]V; with `nonStringKeys` (map[int]V, ...) only emptiness can be tested. */
  | MapSchema
  | { readonly kind: 'slice'; readonly elem: FieldSchema }
  | StructSchema
  | { readonly kind: 'ptr'; readonly elem: FieldSchema };

export interface MapSchema {
  readonly kind: 'map';
  readonly value: FieldSchema;
  readonly nonStringKeys?: boolean;
}

/** What a filter can run over: go-bexpr accepts structs and map[string]V at the top. */
export type RootSchema = StructSchema | MapSchema;

export interface StructSchema {
  readonly kind: 'struct';
  /** The Go type name, for documentation and messages. */
  readonly name: string;
  readonly fields: ReadonlyMap<string, StructField>;
}

export interface StructField {
  readonly schema: FieldSchema;
  /** The JSON property holding the field (the Go name unless a json tag renames it). */
  readonly key: string;
}

export const str: FieldSchema = { kind: 'string' };
export const bool: FieldSchema = { kind: 'bool' };
/** Go `int` (64-bit on the platforms Consul runs on). */
export const int: FieldSchema = { kind: 'int', bits: 64 };
export const uint: FieldSchema = { kind: 'uint', bits: 64 };
export const float64: FieldSchema = { kind: 'float', bits: 64 };
export const mapOf = (value: FieldSchema): FieldSchema => ({ kind: 'map', value });
export const sliceOf = (elem: FieldSchema): FieldSchema => ({ kind: 'slice', elem });
export const ptr = (elem: FieldSchema): FieldSchema => ({ kind: 'ptr', elem });

/** A struct; a field given as `[schema, 'jsonKey']` is stored under another JSON property. */
export function struct(name: string, fields: Record<string, FieldSchema | readonly [FieldSchema, string]>): StructSchema {
  const map = new Map<string, StructField>();
  for (const [goName, f] of Object.entries(fields)) {
    map.set(goName, Array.isArray(f) ? { schema: f[0] as FieldSchema, key: f[1] as string } : { schema: f as FieldSchema, key: goName });
  }
  return { kind: 'struct', name, fields: map };
}

export function deref(s: FieldSchema): FieldSchema {
  while (s.kind === 'ptr') s = s.elem;
  return s;
}

export function isPrimitive(s: FieldSchema): s is FieldSchema & { kind: PrimitiveKind } {
  return s.kind === 'string' || s.kind === 'bool' || s.kind === 'int' || s.kind === 'uint' || s.kind === 'float';
}

/** What go-bexpr's generateFieldConfigurations derives for one selector segment. */
export interface FieldConfig {
  readonly ops: readonly MatchOp[];
  /** How the literal is converted (go-bexpr's CoerceFn); absent for structs and slices of them. */
  readonly coerce?: FieldSchema & { kind: PrimitiveKind };
  /** Selectable sub-fields; the key '' stands for any map key (go-bexpr's FieldNameAny). */
  readonly sub: ReadonlyMap<string, FieldConfig>;
}

const NONE: ReadonlyMap<string, FieldConfig> = new Map();
const EQUALITY = [MatchOp.Equal, MatchOp.NotEqual];
const STRING_OPS = [...EQUALITY, MatchOp.In, MatchOp.NotIn, MatchOp.Matches, MatchOp.NotMatches];

const configCache = new WeakMap<FieldSchema, FieldConfig>();

/** go-bexpr's generateFieldConfigurationInternal. */
export function fieldConfig(schema: FieldSchema): FieldConfig {
  const cached = configCache.get(schema);
  if (cached) return cached;
  const s = deref(schema);
  let cfg: FieldConfig;
  if (isPrimitive(s)) cfg = { ops: s.kind === 'string' ? STRING_OPS : EQUALITY, coerce: s, sub: NONE };
  else if (s.kind === 'map' && s.nonStringKeys) cfg = { ops: [MatchOp.IsEmpty, MatchOp.IsNotEmpty], sub: NONE };
  else if (s.kind === 'map') {
    cfg = { ops: [MatchOp.IsEmpty, MatchOp.IsNotEmpty, MatchOp.In, MatchOp.NotIn], coerce: str as FieldSchema & { kind: 'string' }, sub: new Map([['', fieldConfig(s.value)]]) };
  } else if (s.kind === 'slice') {
    // Go looks at the element type without dereferencing it: []*string is not a primitive slice.
    if (isPrimitive(s.elem)) cfg = { ops: [MatchOp.In, MatchOp.NotIn, MatchOp.IsEmpty, MatchOp.IsNotEmpty], coerce: s.elem, sub: NONE };
    else cfg = { ops: [MatchOp.IsEmpty, MatchOp.IsNotEmpty], sub: fieldConfig(s.elem).sub };
  } else if (s.kind === 'struct') cfg = { ops: [], sub: structFields(s) };
  else throw new Error('unreachable');
  configCache.set(schema, cfg);
  return cfg;
}

/** The selectable fields of the top-level type (go-bexpr's generateFieldConfigurations). */
export function rootFields(s: RootSchema): ReadonlyMap<string, FieldConfig> {
  if (s.kind === 'map') {
    if (s.nonStringKeys) throw new Error('Cannot generate FieldConfigurations for maps with keys that are not strings');
    return new Map([['', fieldConfig(s.value)]]);
  }
  return structFields(s);
}

/** The selectable fields of a struct (go-bexpr's generateStructFieldConfigurations). */
export function structFields(s: StructSchema): ReadonlyMap<string, FieldConfig> {
  const out = new Map<string, FieldConfig>();
  for (const [name, f] of s.fields) out.set(name, fieldConfig(f.schema));
  return out;
}
