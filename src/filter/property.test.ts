import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FilterError } from './errors.js';
import { compileFilter } from './filter.js';
import { filterRuleDepthMax, parseExpression } from './parser.js';
import { checkServiceNodeSchema, nodeSchema } from './schemas.js';

/** Inputs stay short: the properties are about any input, not about big ones. */
const INPUT_CHARS_MAX = 300;

const tokens = ['a', 'Node', 'Meta', '.', '["k"]', '[', ']', '"', '`', '"x y"', '`r`', '==', '!=', ' ', ' ', '\t', '\n', '(', ')', 'not', 'and', 'or', 'in', 'contains', 'matches', 'is', 'empty', '-', '1', '0', '1.5', '\\', 'é', '😀'];
const tokenSoup = fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((parts) => parts.join('').slice(0, INPUT_CHARS_MAX));
const anyText = fc.string({ unit: 'binary', maxLength: INPUT_CHARS_MAX });

function onlyFilterErrors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(FilterError);
  }
}

describe('the parser never fails with anything but FilterError', () => {
  test('token soup', () => {
    fc.assert(fc.property(tokenSoup, (s) => onlyFilterErrors(() => parseExpression(s))), { numRuns: 1500 });
  });

  test('arbitrary Unicode text, also through compile and evaluate', () => {
    fc.assert(
      fc.property(anyText, (s) => onlyFilterErrors(() => compileFilter(s, checkServiceNodeSchema).matches({ Node: {}, Service: {}, Checks: [] }))),
      { numRuns: 1000 },
    );
  });

  test('nesting past the bound is a FilterError, not a stack overflow', () => {
    for (const depth of [filterRuleDepthMax, 10 * filterRuleDepthMax]) {
      for (const e of ['('.repeat(depth) + 'a == 1' + ')'.repeat(depth), 'not '.repeat(depth) + 'a == 1', Array(depth).fill('a == 1').join(' and ')]) {
        expect(() => parseExpression(e)).toThrowError(FilterError);
      }
    }
  });
});

const words = ['web', 'web-1', 'db', 'prod', 'r1', '', '10.0.0.1', 'x y'];
const word = fc.constantFrom(...words);
const quoted = word.map((w) => `"${w}"`);
const mapKey = fc.constantFrom('env', 'rack', 'lan', 'wan', 'missing');
const stringSel = fc.oneof(
  fc.constantFrom('Node', 'Address', 'ID', 'Datacenter'),
  mapKey.map((k) => `Meta.${k}`),
  mapKey.map((k) => `TaggedAddresses["${k}"]`),
);
const mapSel = fc.constantFrom('Meta', 'TaggedAddresses');
const pattern = fc.constantFrom('"^web"', '"[0-9]+$"', '"(?i)PROD"', '"^$"', '"."', '`x|y`');

const match: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(stringSel, fc.constantFrom('==', '!=', 'contains', 'not contains'), quoted).map(([s, op, v]) => `${s} ${op} ${v}`),
  fc.tuple(quoted, fc.constantFrom('in', 'not in'), stringSel).map(([v, op, s]) => `${v} ${op} ${s}`),
  fc.tuple(stringSel, fc.constantFrom('matches', 'not matches'), pattern).map(([s, op, p]) => `${s} ${op} ${p}`),
  fc.tuple(mapSel, fc.constantFrom('is empty', 'is not empty')).map(([s, op]) => `${s} ${op}`),
  fc.tuple(mapKey, fc.constantFrom('in', 'not in'), mapSel).map(([k, op, s]) => `${k} ${op} ${s}`),
);

const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    match,
    tie('e').map((x) => `not (${x})`),
    fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
  ),
})).e;

const stringMap = fc.option(fc.dictionary(mapKey, word, { maxKeys: 4 }), { nil: null });
const node = fc.record(
  { ID: word, Node: word, Address: word, Datacenter: word, TaggedAddresses: stringMap, Meta: stringMap },
  { requiredKeys: [] },
);

describe('evaluation is boolean logic', () => {
  test('not (E) is the negation of E', () => {
    fc.assert(
      fc.property(expression, node, (e, n) => {
        expect(compileFilter(`not (${e})`, nodeSchema).matches(n)).toBe(!compileFilter(e, nodeSchema).matches(n));
      }),
      { numRuns: 1500 },
    );
  });

  test('and / or are conjunction and disjunction, parentheses change nothing', () => {
    fc.assert(
      fc.property(expression, expression, node, (a, b, n) => {
        const ev = (x: string) => compileFilter(x, nodeSchema).matches(n);
        expect(ev(`(${a}) and (${b})`)).toBe(ev(a) && ev(b));
        expect(ev(`(${a}) or (${b})`)).toBe(ev(a) || ev(b));
        expect(ev(`((${a}))`)).toBe(ev(a));
      }),
      { numRuns: 500 },
    );
  });
});
