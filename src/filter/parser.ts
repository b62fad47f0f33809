/**
 * Parsing a go-bexpr expression into an AST, with go-bexpr v0.1.2's error texts.
 */
import type { Expression } from './ast.js';
import { FilterError, createErrorPrefix } from './errors.js';
import { bexprRules } from './grammar.js';
import { PegDepthExceeded, runPeg } from './peg.js';

/**
 * Rules nested at most this deep while parsing. Each parenthesis level takes 4 rules, each
 * `and`/`or` term and each `not` 1, so this allows about 100 nested parentheses, or about 400
 * terms joined by `and` (or by `or`). Consul has no bound, but it is exponential in nesting (it
 * stops answering at about 14 levels) and Node's default 16 KiB of request headers bounds the
 * expression anyway; the bound keeps our recursive parser well inside Node's default stack.
 */
export const filterRuleDepthMax = 450;

/** The message we give past filterRuleDepthMax (Consul has no such message). */
export const tooDeepMessage = 'expression nests too deeply';

/**
 * Parses `expression` (non-empty). Throws FilterError('syntax') with the message Consul's
 * HTTP API returns, e.g. `Failed to create boolean expression evaluator: 1:9 (8): no match
 * found, expected: ...`.
 */
export function parseExpression(expression: string): Expression {
  let result;
  try {
    result = runPeg(expression, bexprRules, 'Input', filterRuleDepthMax);
  } catch (err) {
    // A RangeError is a stack overflow: only possible when we are called with little stack left.
    if (err instanceof PegDepthExceeded || err instanceof RangeError) throw new FilterError('syntax', createErrorPrefix + tooDeepMessage);
    throw err;
  }
  if (result.errors.length > 0) throw new FilterError('syntax', createErrorPrefix + result.errors.join('\n'));
  return result.value as Expression;
}
