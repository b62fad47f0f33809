/**
 * go-bexpr's evaluate.go over plain JS objects (the JSON shape of Consul's Go values), walked
 * together with their schema. Absent or null values are Go zero values: "" for strings, 0,
 * false, an empty map or slice, a zero struct; only a nil pointer is special (go-bexpr panics).
 */
import { goQuote } from '../lib/go-quote.js';
import { MatchOp, selectorString } from './ast.js';
import { FilterError, nilPointerPanic } from './errors.js';
import { deref, type FieldSchema, type RootSchema } from './schema.js';
import type { Bound, BoundMatch, Converted } from './validate.js';

type Container = Record<string, unknown> | Map<string, unknown>;

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(m: unknown, key: string): boolean {
  if (m instanceof Map) return m.has(key);
  return isContainer(m) && Object.hasOwn(m, key);
}

function get(m: unknown, key: string): unknown {
  if (m instanceof Map) return m.get(key);
  return isContainer(m) ? (m as Record<string, unknown>)[key] : undefined;
}

function size(v: unknown): number {
  if (Array.isArray(v) || typeof v === 'string') return v.length;
  if (v instanceof Map) return v.size;
  return isContainer(v) ? Object.keys(v).length : 0;
}

const asString = (v: unknown): string => (typeof v === 'string' ? v : '');

function asBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  return typeof v === 'number' && Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
}

/** go-bexpr's primitiveEqualityFns: compares a converted literal with a value of its kind. */
function equal(c: Converted, v: unknown): boolean {
  switch (c.kind) {
    case 'string':
      return asString(v) === c.v;
    case 'int':
      // Go converts the value to the field's width first (int8(value.Int())).
      return BigInt.asIntN(c.bits, asBigInt(v)) === c.v;
    case 'uint':
      return BigInt.asUintN(c.bits, asBigInt(v)) === c.v;
    case 'bool':
      return (v === true) === c.v;
    case 'float': {
      const f = typeof v === 'number' ? v : 0;
      return (c.bits === 32 ? Math.fround(f) : f) === c.v;
    }
    case 'regexp':
      return false;
  }
}

function doMatchIn(m: BoundMatch, schema: FieldSchema, v: unknown): boolean {
  const c = m.value!;
  if (schema.kind === 'map') return has(v, (c as { v: string }).v);
  if (schema.kind === 'slice') return Array.isArray(v) && v.some((item) => equal(c, item));
  return asString(v).includes((c as { v: string }).v);
}

/** The operator applied where the selector ends (depth == selector length). */
function applyOp(m: BoundMatch, schema: FieldSchema, v: unknown): boolean {
  switch (m.op) {
    case MatchOp.Equal:
      return equal(m.value!, v);
    case MatchOp.NotEqual:
      return !equal(m.value!, v);
    case MatchOp.In:
      return doMatchIn(m, schema, v);
    case MatchOp.NotIn:
      return !doMatchIn(m, schema, v);
    case MatchOp.IsEmpty:
      return size(v) === 0;
    case MatchOp.IsNotEmpty:
      return size(v) !== 0;
    case MatchOp.Matches:
    case MatchOp.NotMatches: {
      const hit = (m.value as { re: { test(s: string): boolean } }).re.test(asString(v));
      return m.op === MatchOp.Matches ? hit : !hit;
    }
  }
}

/** A map lookup that misses: only "is equal", "is not empty" and "in" are false. */
function missingKey(op: MatchOp): boolean {
  return !(op === MatchOp.Equal || op === MatchOp.IsNotEmpty || op === MatchOp.In);
}

function walk(m: BoundMatch, depth: number, schema: FieldSchema, v: unknown): boolean {
  if (depth >= m.selector.length) return applyOp(m, schema, v);
  const seg = m.selector[depth]!;
  switch (schema.kind) {
    case 'struct': {
      const field = schema.fields.get(seg)!;
      const raw = get(v, field.key);
      if (field.schema.kind === 'ptr' && raw == null) throw new FilterError('panic', nilPointerPanic);
      return walk(m, depth + 1, deref(field.schema), raw);
    }
    case 'map': {
      const raw = get(v, seg);
      if (!has(v, seg) || (schema.value.kind === 'ptr' && raw == null)) return missingKey(m.op);
      return walk(m, depth + 1, deref(schema.value), raw);
    }
    case 'slice': {
      if (!Array.isArray(v)) return false;
      for (const item of v) {
        if (schema.elem.kind === 'ptr' && item == null) {
          const at = goQuote(selectorString(m.selector.slice(0, depth)));
          throw new FilterError('invalid', `Value at selector ${at} with type invalid does not support nested field selection`);
        }
        // The same depth: a selector through a slice matches when any element matches.
        if (walk(m, depth, deref(schema.elem), item)) return true;
      }
      return false;
    }
    default: {
      const at = goQuote(selectorString(m.selector.slice(0, depth)));
      throw new FilterError('invalid', `Value at selector ${at} with type ${schema.kind} does not support nested field selection`);
    }
  }
}

/** Evaluates a validated expression against one value of `schema`'s type. */
export function evaluateBound(b: Bound, schema: RootSchema, datum: unknown): boolean {
  switch (b.type) {
    case 'not':
      return !evaluateBound(b.operand, schema, datum);
    case 'and':
      return evaluateBound(b.left, schema, datum) && evaluateBound(b.right, schema, datum);
    case 'or':
      return evaluateBound(b.left, schema, datum) || evaluateBound(b.right, schema, datum);
    case 'match':
      return walk(b, 0, schema, datum);
  }
}
