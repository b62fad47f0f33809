/**
 * go-bexpr's validate.go: checks an AST against a type's field configurations and converts
 * each literal once, producing the tree the evaluator runs. Errors are go-bexpr's texts,
 * without CreateFilter's prefix (the caller adds it).
 */
import { goQuote } from '../lib/go-quote.js';
import { MatchOp, selectorString, type Expression, type MatchExpression } from './ast.js';
import { FilterError } from './errors.js';
import { compileGoRegexp, type GoRegexp } from './go-regexp.js';
import { goParseBool, goParseFloat, goParseInt, goParseUint, type Parsed } from '../lib/index.js';
import { rootFields, type FieldConfig, type FieldSchema, type PrimitiveKind, type RootSchema } from './schema.js';

/** A literal after go-bexpr's coercion (its MatchValue.Converted). */
export type Converted =
  | { readonly kind: 'string'; readonly v: string }
  | { readonly kind: 'int' | 'uint'; readonly v: bigint; readonly bits: number }
  | { readonly kind: 'bool'; readonly v: boolean }
  | { readonly kind: 'float'; readonly v: number; readonly bits: number }
  | { readonly kind: 'regexp'; readonly re: GoRegexp };

export interface BoundMatch {
  readonly type: 'match';
  readonly selector: readonly string[];
  readonly op: MatchOp;
  readonly value: Converted | null;
}

export type Bound =
  | BoundMatch
  | { readonly type: 'not'; readonly operand: Bound }
  | { readonly type: 'and' | 'or'; readonly left: Bound; readonly right: Bound };

function coerce(schema: FieldSchema & { kind: PrimitiveKind }, raw: string): Parsed<Converted> {
  const wrap = <T,>(r: Parsed<T>, make: (v: T) => Converted): Parsed<Converted> => (r.ok ? { ok: true, value: make(r.value) } : r);
  switch (schema.kind) {
    case 'string':
      return { ok: true, value: { kind: 'string', v: raw } };
    case 'bool':
      return wrap(goParseBool(raw), (v) => ({ kind: 'bool', v }));
    case 'int':
      return wrap(goParseInt(raw, schema.bits), (v) => ({ kind: 'int', v, bits: schema.bits }));
    case 'uint':
      return wrap(goParseUint(raw, schema.bits), (v) => ({ kind: 'uint', v, bits: schema.bits }));
    case 'float':
      return wrap(goParseFloat(raw, schema.bits), (v) => ({ kind: 'float', v, bits: schema.bits }));
  }
}

function invalid(message: string): FilterError {
  return new FilterError('invalid', message);
}

function lookupSelector(m: MatchExpression, root: ReadonlyMap<string, FieldConfig>): FieldConfig {
  let configs = root;
  let last: FieldConfig | undefined;
  m.selector.forEach((seg, idx) => {
    last = configs.get(seg) ?? configs.get('');
    if (!last) throw invalid(`Selector ${goQuote(selectorString(m.selector.slice(0, idx + 1)))} is not valid`);
    configs = last.sub;
  });
  return last!;
}

function validateMatch(m: MatchExpression, root: ReadonlyMap<string, FieldConfig>): BoundMatch {
  const sel = goQuote(selectorString(m.selector));
  const cfg = lookupSelector(m, root);
  if (!cfg.ops.includes(m.op)) throw invalid(`Invalid match operator ${goQuote(m.op)} for selector ${sel}`);
  if (m.value === null) {
    if (m.op !== MatchOp.IsEmpty && m.op !== MatchOp.IsNotEmpty) throw invalid(`Match operator ${goQuote(m.op)} requires a non-nil value`);
    return { type: 'match', selector: m.selector, op: m.op, value: null };
  }
  let value: Converted = { kind: 'string', v: m.value };
  if (cfg.coerce) {
    const r = coerce(cfg.coerce, m.value);
    if (!r.ok) throw invalid(`Failed to coerce value ${goQuote(m.value)} for selector ${sel}: ${r.error}`);
    value = r.value;
  }
  if (m.op === MatchOp.Matches || m.op === MatchOp.NotMatches) {
    if (value.kind !== 'string') throw invalid(`Match operator ${goQuote(m.op)} cannot be used with fields whose coercion functions return non string values`);
    const re = compileGoRegexp(value.v);
    if (!re.ok) throw invalid(`Failed to compile regular expression ${goQuote(value.v)}: ${re.error}`);
    value = { kind: 'regexp', re: re.re };
  }
  return { type: 'match', selector: m.selector, op: m.op, value };
}

/** Validates `e` against `schema`; throws FilterError('invalid') with go-bexpr's message. */
export function validateExpression(e: Expression, schema: RootSchema): Bound {
  const root = rootFields(schema);
  const walk = (x: Expression): Bound => {
    switch (x.type) {
      case 'match':
        return validateMatch(x, root);
      case 'not':
        return { type: 'not', operand: walk(x.operand) };
      case 'and':
      case 'or': {
        const left = walk(x.left);
        return { type: x.type, left, right: walk(x.right) };
      }
    }
  };
  return walk(e);
}


