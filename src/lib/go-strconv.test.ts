import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { goParseBool, goParseFloat, goParseInt, goParseUint, goUnquote, type Parsed } from './go-strconv.js';

/** testdata/go-strconv.json: [input, Go's value printed with fmt.Sprint, Go's error or ""]. */
const golden = JSON.parse(readFileSync(new URL('../filter/testdata/go-strconv.json', import.meta.url), 'utf8')) as Record<string, [string, string, string][]>;

function goPrint(r: Parsed<unknown>): [string, string] {
  if (!r.ok) return ['', r.error];
  const v = r.value;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return ['NaN', ''];
    if (!Number.isFinite(v)) return [v > 0 ? '+Inf' : '-Inf', ''];
    return [String(v).replace(/e\+(\d\d)$/, 'e+$1'), ''];
  }
  return [String(v), ''];
}

const parsers: Record<string, (s: string) => Parsed<unknown>> = {
  int: (s) => goParseInt(s),
  uint: (s) => goParseUint(s),
  float: (s) => goParseFloat(s),
  bool: goParseBool,
  unquote: goUnquote,
};

describe.each(Object.keys(parsers))('Go strconv %s', (kind) => {
  test.each(golden[kind]!.map((row) => [JSON.stringify(row[0]), row] as const))('%s', (_name, [input, value, error]) => {
    const [gotValue, gotError] = goPrint(parsers[kind]!(input));
    // On error Go also returns a value (0, the clamped bound): only the message matters here.
    expect(gotError).toBe(error);
    if (error === '') expect(gotValue).toBe(value);
  });
});
