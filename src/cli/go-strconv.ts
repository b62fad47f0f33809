/**
 * Go's strconv.ParseBool, ParseInt(s, 0, 64) and ParseUint(s, 0, 64) as the `flag` package
 * reports them: lib/go-strconv.ts parses, and the error is reduced to Go's two kinds
 * ("parse error", "value out of range") that flag messages name.
 */
import { goParseBool, goParseInt, goParseUint, type Parsed } from '../lib/index.js';

export type NumParse = { ok: true; value: bigint } | { ok: false; error: 'parse error' | 'value out of range' };

const kind = (r: Parsed<bigint>): NumParse => (r.ok ? r : { ok: false, error: r.error.endsWith('value out of range') ? 'value out of range' : 'parse error' });

export function parseGoBool(s: string): boolean | undefined {
  const r = goParseBool(s);
  return r.ok ? r.value : undefined;
}

export const parseGoUint = (s: string): NumParse => kind(goParseUint(s));
export const parseGoInt = (s: string): NumParse => kind(goParseInt(s));
