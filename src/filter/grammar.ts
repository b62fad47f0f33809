/**
 * go-bexpr v0.1.2's grammar (its grammar.peg, as compiled into grammar.go), written by hand
 * for the PEG interpreter in peg.ts. Rule names, display names, alternatives and their order
 * are the original's, because pigeon's error messages name them.
 */
import type { Expression, MatchExpression, MatchOp } from './ast.js';
import { MatchOp as Op } from './ast.js';
import { goQuote } from '../lib/go-quote.js';
import { goUnquote } from '../lib/index.js';
import type { ActionContext, ActionResult, PegExpr, PegRule } from './peg.js';

const lit = (val: string): PegExpr => ({ t: 'lit', cps: [...val].map((c) => c.codePointAt(0)!), want: goQuote(val) });
const cls = (want: string, re: RegExp): PegExpr => ({ t: 'class', want, test: (cp) => re.test(String.fromCodePoint(cp)) });
const seq = (...exprs: PegExpr[]): PegExpr => ({ t: 'seq', exprs });
const choice = (...alts: PegExpr[]): PegExpr => ({ t: 'choice', alts });
const opt = (e: PegExpr): PegExpr => ({ t: 'opt', e });
const star = (e: PegExpr): PegExpr => ({ t: 'star', e });
const plus = (e: PegExpr): PegExpr => ({ t: 'plus', e });
const not = (e: PegExpr): PegExpr => ({ t: 'not', e });
const and = (e: PegExpr): PegExpr => ({ t: 'and', e });
const fail = (message: string): PegExpr => ({ t: 'fail', message });
const ref = (name: string): PegExpr => ({ t: 'ref', name });
const label = (name: string, e: PegExpr): PegExpr => ({ t: 'label', name, e });
const action = (e: PegExpr, run: (c: ActionContext) => ActionResult): PegExpr => ({ t: 'action', e, run });
const ANY: PegExpr = { t: 'any' };
const _ = ref('_');

const passLabel = (name: string) => (c: ActionContext) => ({ value: c.labels.get(name) });
const constant = (value: MatchOp) => () => ({ value });

function binary(type: 'and' | 'or') {
  return (c: ActionContext): ActionResult => ({
    value: { type, left: c.labels.get('left') as Expression, right: c.labels.get('right') as Expression },
  });
}

function notAction(c: ActionContext): ActionResult {
  const e = c.labels.get('expr') as Expression;
  // go-bexpr drops double negations: `not not X` is X.
  if (e.type === 'not') return { value: e.operand };
  return { value: { type: 'not', operand: e } };
}

function matchAction(withValue: boolean) {
  return (c: ActionContext): ActionResult => {
    const m: MatchExpression = {
      type: 'match',
      selector: c.labels.get('selector') as string[],
      op: c.labels.get('operator') as MatchOp,
      value: withValue ? (c.labels.get('value') as string) : null,
    };
    return { value: m };
  };
}

function selectorAction(c: ActionContext): ActionResult {
  const rest = (c.labels.get('rest') as string[] | null) ?? [];
  return { value: [c.labels.get('first') as string, ...rest] };
}

function unquoteAction(c: ActionContext): ActionResult {
  const r = goUnquote(c.text);
  return r.ok ? { value: r.value } : { value: '', error: r.error };
}

/** `_? op _?` for == and !=; `_ words... _` for the word operators. */
function wordOp(words: string[], value: MatchOp, trailingSpace = true): PegRule['expr'] {
  const parts: PegExpr[] = [_];
  words.forEach((w, i) => {
    parts.push(lit(w));
    if (i < words.length - 1 || trailingSpace) parts.push(_);
  });
  return action(seq(...parts), constant(value));
}

export const bexprRules: readonly PegRule[] = [
  {
    name: 'Input',
    expr: choice(
      action(seq(opt(_), lit('('), opt(_), label('expr', ref('OrExpression')), opt(_), lit(')'), opt(_), ref('EOF')), passLabel('expr')),
      action(seq(opt(_), label('expr', ref('OrExpression')), opt(_), ref('EOF')), passLabel('expr')),
    ),
  },
  {
    name: 'OrExpression',
    expr: choice(
      action(seq(label('left', ref('AndExpression')), _, lit('or'), _, label('right', ref('OrExpression'))), binary('or')),
      action(label('expr', ref('AndExpression')), passLabel('expr')),
    ),
  },
  {
    name: 'AndExpression',
    expr: choice(
      action(seq(label('left', ref('NotExpression')), _, lit('and'), _, label('right', ref('AndExpression'))), binary('and')),
      action(label('expr', ref('NotExpression')), passLabel('expr')),
    ),
  },
  {
    name: 'NotExpression',
    expr: choice(
      action(seq(lit('not'), _, label('expr', ref('NotExpression'))), notAction),
      action(label('expr', ref('ParenthesizedExpression')), passLabel('expr')),
    ),
  },
  {
    name: 'ParenthesizedExpression',
    displayName: '"grouping"',
    expr: choice(
      action(seq(lit('('), opt(_), label('expr', ref('OrExpression')), opt(_), lit(')')), passLabel('expr')),
      action(label('expr', ref('MatchExpression')), passLabel('expr')),
      seq(lit('('), opt(_), ref('OrExpression'), opt(_), not(lit(')')), fail('Unmatched parentheses')),
    ),
  },
  {
    name: 'MatchExpression',
    displayName: '"match"',
    expr: choice(ref('MatchSelectorOpValue'), ref('MatchSelectorOp'), ref('MatchValueOpSelector')),
  },
  {
    name: 'MatchSelectorOpValue',
    displayName: '"match"',
    expr: action(
      seq(
        label('selector', ref('Selector')),
        label('operator', choice(...['MatchEqual', 'MatchNotEqual', 'MatchContains', 'MatchNotContains', 'MatchMatches', 'MatchNotMatches'].map(ref))),
        label('value', ref('Value')),
      ),
      matchAction(true),
    ),
  },
  {
    name: 'MatchSelectorOp',
    displayName: '"match"',
    expr: action(seq(label('selector', ref('Selector')), label('operator', choice(ref('MatchIsEmpty'), ref('MatchIsNotEmpty')))), matchAction(false)),
  },
  {
    name: 'MatchValueOpSelector',
    displayName: '"match"',
    expr: choice(
      action(seq(label('value', ref('Value')), label('operator', choice(ref('MatchIn'), ref('MatchNotIn'))), label('selector', ref('Selector'))), matchAction(true)),
      seq(ref('Value'), label('operator', choice(ref('MatchIn'), ref('MatchNotIn'))), not(ref('Selector')), fail('Invalid selector')),
    ),
  },
  { name: 'MatchEqual', expr: action(seq(opt(_), lit('=='), opt(_)), constant(Op.Equal)) },
  { name: 'MatchNotEqual', expr: action(seq(opt(_), lit('!='), opt(_)), constant(Op.NotEqual)) },
  { name: 'MatchIsEmpty', expr: wordOp(['is', 'empty'], Op.IsEmpty, false) },
  { name: 'MatchIsNotEmpty', expr: wordOp(['is', 'not', 'empty'], Op.IsNotEmpty, false) },
  { name: 'MatchIn', expr: wordOp(['in'], Op.In) },
  { name: 'MatchNotIn', expr: wordOp(['not', 'in'], Op.NotIn) },
  { name: 'MatchContains', expr: wordOp(['contains'], Op.In) },
  { name: 'MatchNotContains', expr: wordOp(['not', 'contains'], Op.NotIn) },
  { name: 'MatchMatches', expr: wordOp(['matches'], Op.Matches) },
  { name: 'MatchNotMatches', expr: wordOp(['not', 'matches'], Op.NotMatches) },
  {
    name: 'Selector',
    displayName: '"selector"',
    expr: action(seq(label('first', ref('Identifier')), label('rest', star(ref('SelectorOrIndex')))), selectorAction),
  },
  {
    name: 'Identifier',
    expr: action(seq(cls('[a-zA-Z]', /^[a-zA-Z]$/), star(cls('[a-zA-Z0-9_]', /^[a-zA-Z0-9_]$/))), (c) => ({ value: c.text })),
  },
  {
    name: 'SelectorOrIndex',
    expr: choice(action(seq(lit('.'), label('ident', ref('Identifier'))), passLabel('ident')), action(label('expr', ref('IndexExpression')), passLabel('expr'))),
  },
  {
    name: 'IndexExpression',
    displayName: '"index"',
    expr: choice(
      action(seq(lit('['), opt(_), label('lit', ref('StringLiteral')), opt(_), lit(']')), passLabel('lit')),
      seq(lit('['), opt(_), not(ref('StringLiteral')), fail('Invalid index')),
      seq(lit('['), opt(_), ref('StringLiteral'), opt(_), not(lit(']')), fail('Unclosed index expression')),
    ),
  },
  {
    name: 'Value',
    displayName: '"value"',
    expr: choice(
      action(label('selector', ref('Selector')), (c) => ({ value: (c.labels.get('selector') as string[]).join('.') })),
      action(label('n', ref('NumberLiteral')), passLabel('n')),
      action(label('s', ref('StringLiteral')), passLabel('s')),
    ),
  },
  {
    name: 'NumberLiteral',
    displayName: '"number"',
    expr: choice(
      action(seq(opt(lit('-')), ref('IntegerOrFloat'), and(ref('AfterNumbers'))), (c) => ({ value: c.text })),
      seq(opt(lit('-')), ref('IntegerOrFloat'), not(ref('AfterNumbers')), fail('Invalid number literal')),
    ),
  },
  { name: 'AfterNumbers', expr: and(choice(_, ref('EOF'), lit(')'))) },
  {
    name: 'IntegerOrFloat',
    expr: seq(
      choice(lit('0'), seq(cls('[1-9]', /^[1-9]$/), star(cls('[0-9]', /^[0-9]$/)))),
      opt(seq(lit('.'), plus(cls('[0-9]', /^[0-9]$/)))),
    ),
  },
  {
    name: 'StringLiteral',
    displayName: '"string"',
    expr: choice(
      action(
        choice(seq(lit('`'), star(ref('RawStringChar')), lit('`')), seq(lit('"'), star(ref('DoubleStringChar')), lit('"'))),
        unquoteAction,
      ),
      seq(choice(seq(lit('`'), star(ref('RawStringChar'))), seq(lit('"'), star(ref('DoubleStringChar')))), ref('EOF'), fail('Unterminated string literal')),
    ),
  },
  { name: 'RawStringChar', expr: seq(not(lit('`')), ANY) },
  { name: 'DoubleStringChar', expr: seq(not(lit('"')), ANY) },
  { name: '_', displayName: '"whitespace"', expr: plus(cls('[ \\t\\r\\n]', /^[ \t\r\n]$/)) },
  { name: 'EOF', expr: not(ANY) },
];
