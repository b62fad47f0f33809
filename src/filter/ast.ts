/** The syntax tree of a go-bexpr expression (go-bexpr v0.1.2 ast.go). */

/** Match operators with go-bexpr's `String()` names, used verbatim in error messages. */
export const MatchOp = {
  Equal: 'Equal',
  NotEqual: 'Not Equal',
  In: 'In',
  NotIn: 'Not In',
  IsEmpty: 'Is Empty',
  IsNotEmpty: 'Is Not Empty',
  Matches: 'Matches',
  NotMatches: 'Not Matches',
} as const;
export type MatchOp = (typeof MatchOp)[keyof typeof MatchOp];

/** `contains` / `not contains` parse to In / NotIn with the operands swapped, as in go-bexpr. */
export interface MatchExpression {
  readonly type: 'match';
  /** Path segments: `Meta["a.b"]` is `['Meta', 'a.b']`. */
  readonly selector: readonly string[];
  readonly op: MatchOp;
  /** The raw (unquoted) value; null for `is empty` / `is not empty`. */
  readonly value: string | null;
}

export interface UnaryExpression {
  readonly type: 'not';
  readonly operand: Expression;
}

export interface BinaryExpression {
  readonly type: 'and' | 'or';
  readonly left: Expression;
  readonly right: Expression;
}

export type Expression = MatchExpression | UnaryExpression | BinaryExpression;

/** go-bexpr's Selector.String(): segments joined with dots. */
export function selectorString(selector: readonly string[]): string {
  return selector.join('.');
}

/** A compact, stable rendering used by tests: `(and (== Node.x "1") (not (is-empty Tags)))`. */
export function dumpExpression(e: Expression): string {
  switch (e.type) {
    case 'not':
      return `(not ${dumpExpression(e.operand)})`;
    case 'and':
    case 'or':
      return `(${e.type} ${dumpExpression(e.left)} ${dumpExpression(e.right)})`;
    case 'match': {
      const sel = e.selector.map((s) => (/^[A-Za-z][A-Za-z0-9_]*$/.test(s) ? s : JSON.stringify(s))).join('.');
      return e.value === null ? `(${e.op} ${sel})` : `(${e.op} ${sel} ${JSON.stringify(e.value)})`;
    }
  }
}
