/**
 * The public face of the module: compile a `?filter=` expression for one data type, then test
 * items or filter a list or a map, as go-bexpr's CreateFilter and Filter.Execute do.
 */
import { FilterError, createErrorPrefix } from './errors.js';
import { evaluateBound } from './evaluate.js';
import { parseExpression } from './parser.js';
import type { RootSchema } from './schema.js';
import { validateExpression, type Bound } from './validate.js';

export interface Filter {
  /** The expression as given; '' for the filter that keeps everything. */
  readonly expression: string;
  /**
   * Whether `item` (a plain object in the JSON shape of the schema's type) passes. Throws
   * FilterError: kind 'panic' where Consul's handler panics (a selector through a nil
   * pointer), kind 'invalid' for a deferred validation error (see CompileOptions).
   */
  matches(item: unknown): boolean;
}

export interface CompileOptions {
  /**
   * Check selectors, operators and values only when the first item is evaluated, and throw
   * without the "Failed to create boolean expression evaluator: " prefix: Consul's
   * /v1/agent/checks creates its filter without a data type, so an unknown selector there is
   * an error only when there is at least one check (syntax errors are still immediate).
   */
  readonly deferValidation?: boolean;
}

const keepAll: Filter = { expression: '', matches: () => true };

/**
 * Compiles `expression` for values of `schema`'s type. An empty expression gives a filter that
 * keeps everything (Consul ignores an empty `?filter=`). Throws FilterError with the exact
 * text Consul 1.8.7 returns (with HTTP status 500) for the same expression.
 */
export function compileFilter(expression: string, schema: RootSchema, options: CompileOptions = {}): Filter {
  if (expression === '') return keepAll;
  const ast = parseExpression(expression);
  if (!options.deferValidation) {
    let bound: Bound;
    try {
      bound = validateExpression(ast, schema);
    } catch (err) {
      if (err instanceof FilterError) throw new FilterError(err.kind, createErrorPrefix + err.message);
      throw err;
    }
    return { expression, matches: (item) => evaluateBound(bound, schema, item) };
  }
  let bound: Bound | undefined;
  return {
    expression,
    matches(item) {
      bound ??= validateExpression(ast, schema);
      return evaluateBound(bound, schema, item);
    },
  };
}

/** Filter.Execute on a list: the items that pass, in order. */
export function applyFilter<T>(items: readonly T[], filter: Filter): T[];
/** Filter.Execute on a map (e.g. /v1/agent/services, ID → service): the entries whose value passes. */
export function applyFilter<T>(items: Readonly<Record<string, T>>, filter: Filter): Record<string, T>;
export function applyFilter<T>(items: readonly T[] | Readonly<Record<string, T>>, filter: Filter): T[] | Record<string, T> {
  if (Array.isArray(items)) return filter === keepAll ? [...items] : items.filter((item) => filter.matches(item));
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(items as Record<string, T>)) if (filter.matches(value)) out[key] = value;
  return out;
}
