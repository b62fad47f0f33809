import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { compileGoRegexp } from './go-regexp.js';

interface RegexpCase {
  pattern: string;
  err?: string;
  matches?: boolean[];
}

/**
 * testdata/go-regexp.json: patterns (hand-written edge cases and seeded random ones) with what
 * Go's regexp.Compile / MatchString answered on each input, recorded by running Go.
 */
const data = JSON.parse(readFileSync(new URL('./testdata/go-regexp.json', import.meta.url), 'utf8')) as {
  inputs: string[];
  cases: RegexpCase[];
};

describe('Go regexp: same errors and same matches as Go', () => {
  test.each(data.cases.map((c) => [JSON.stringify(c.pattern), c] as const))('%s', (_name, c) => {
    const r = compileGoRegexp(c.pattern);
    if (c.err !== undefined) {
      expect(r.ok ? 'compiled' : r.error).toBe(c.err);
      return;
    }
    expect(r.ok ? 'compiled' : r.error).toBe('compiled');
    if (!r.ok) return;
    const got = data.inputs.map((s) => r.re.test(s));
    expect(Object.fromEntries(data.inputs.map((s, i) => [s, got[i]]))).toEqual(Object.fromEntries(data.inputs.map((s, i) => [s, c.matches![i]])));
  });
});

describe('Go regexp runs in linear time', () => {
  test('a pattern that makes backtracking engines explode answers at once', () => {
    const r = compileGoRegexp('(a+)+$');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.re.test(`${'a'.repeat(20_000)}b`)).toBe(false);
  });
});
