/**
 * The parts of Go's strconv (Go 1.15, which built Consul 1.8.7) that go-bexpr uses: Unquote for
 * string literals, and ParseInt/ParseUint/ParseBool/ParseFloat with base 0 for coercing values.
 * Errors carry Go's exact texts, e.g. `strconv.ParseInt: parsing "x": invalid syntax`.
 */
import { goQuote } from './go-quote.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

const INVALID_SYNTAX = 'invalid syntax';
const OUT_OF_RANGE = 'value out of range';

function numError(fn: string, input: string, err: string): { ok: false; error: string } {
  return { ok: false, error: `strconv.${fn}: parsing ${goQuote(input)}: ${err}` };
}

function hexValue(c: string | undefined): number {
  if (c === undefined) return -1;
  const v = parseInt(c, 16);
  return /^[0-9a-fA-F]$/.test(c) ? v : -1;
}

/** One step of Go's UnquoteChar for a double-quoted string: the bytes it stands for, or null. */
function unquoteChar(s: string, i: number): { bytes: number[]; next: number } | null {
  const c = s[i]!;
  if (c === '"') return null;
  if (c !== '\\') {
    const cp = s.codePointAt(i)!;
    return { bytes: utf8Bytes(cp), next: i + (cp > 0xffff ? 2 : 1) };
  }
  const e = s[i + 1];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
  if (e === undefined) return null;
  if (e in simple) return { bytes: [simple[e]!], next: i + 2 };
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    let v = 0;
    for (let k = 0; k < n; k++) {
      const d = hexValue(s[i + 2 + k]);
      if (d < 0) return null;
      v = v * 16 + d;
    }
    if (e === 'x') return { bytes: [v], next: i + 4 };
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return null;
    return { bytes: utf8Bytes(v), next: i + 2 + n };
  }
  if (e >= '0' && e <= '7') {
    let v = 0;
    for (let k = 0; k < 3; k++) {
      const d = s[i + 1 + k];
      if (d === undefined || d < '0' || d > '7') return null;
      v = v * 8 + Number(d);
    }
    if (v > 255) return null;
    return { bytes: [v], next: i + 4 };
  }
  return null;
}

function utf8Bytes(cp: number): number[] {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/**
 * strconv.Unquote for the two forms go-bexpr's grammar produces: a backquoted string (carriage
 * returns dropped, no escapes) or a double-quoted one (Go escapes; `\x` and octal escapes are
 * bytes: the result is decoded as UTF-8, invalid sequences becoming U+FFFD as JSON shows them).
 */
export function goUnquote(text: string): Parsed<string> {
  const bad = { ok: false as const, error: INVALID_SYNTAX };
  if (text.length < 2) return bad;
  const quote = text[0]!;
  if (quote !== text[text.length - 1]) return bad;
  const body = text.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) return bad;
    return { ok: true, value: body.replaceAll('\r', '') };
  }
  if (quote !== '"' || body.includes('\n')) return bad;
  const bytes: number[] = [];
  for (let i = 0; i < body.length; ) {
    const r = unquoteChar(body, i);
    if (!r) return bad;
    bytes.push(...r.bytes);
    i = r.next;
  }
  return { ok: true, value: utf8Decoder.decode(new Uint8Array(bytes)) };
}

/** strconv's underscoreOK: underscores only between digits, after a base prefix. */
function underscoreOK(s0: string): boolean {
  let s = s0;
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(s[1]!.toLowerCase())) {
    i = 2;
    saw = '0';
    hex = s[1]!.toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, 0, bits). */
export function goParseUint(s0: string, bits = 64, fn = 'ParseUint'): Parsed<bigint> {
  if (s0 === '') return numError(fn, s0, INVALID_SYNTAX);
  let s = s0;
  let base = 10;
  if (s[0] === '0') {
    const p = s[1]?.toLowerCase();
    if (s.length >= 3 && (p === 'b' || p === 'o' || p === 'x')) {
      base = p === 'b' ? 2 : p === 'o' ? 8 : 16;
      s = s.slice(2);
    } else {
      base = 8;
      s = s.slice(1);
    }
  }
  const maxVal = (1n << BigInt(bits)) - 1n;
  const cutoff = (1n << 64n) / BigInt(base) + 1n;
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    let d: number;
    const lc = c.toLowerCase();
    if (c === '_') {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (lc.length === 1 && lc >= 'a' && lc <= 'z') d = lc.charCodeAt(0) - 87;
    else return numError(fn, s0, INVALID_SYNTAX);
    if (d >= base) return numError(fn, s0, INVALID_SYNTAX);
    if (n >= cutoff) return numError(fn, s0, OUT_OF_RANGE);
    n = n * BigInt(base) + BigInt(d);
    if (n > maxVal) return numError(fn, s0, OUT_OF_RANGE);
  }
  if (underscores && !underscoreOK(s0)) return numError(fn, s0, INVALID_SYNTAX);
  return { ok: true, value: n };
}

/** strconv.ParseInt(s, 0, bits). */
export function goParseInt(s0: string, bits = 64): Parsed<bigint> {
  if (s0 === '') return numError('ParseInt', s0, INVALID_SYNTAX);
  let s = s0;
  let neg = false;
  if (s[0] === '+') s = s.slice(1);
  else if (s[0] === '-') {
    neg = true;
    s = s.slice(1);
  }
  const u = goParseUint(s, 64, 'ParseInt');
  let un: bigint;
  if (u.ok) un = u.value;
  else if (u.error.endsWith(OUT_OF_RANGE)) un = (1n << 64n) - 1n;
  else return numError('ParseInt', s0, INVALID_SYNTAX);
  const cutoff = 1n << BigInt(bits - 1);
  if (!neg && un >= cutoff) return numError('ParseInt', s0, OUT_OF_RANGE);
  if (neg && un > cutoff) return numError('ParseInt', s0, OUT_OF_RANGE);
  return { ok: true, value: neg ? -un : un };
}

/** strconv.ParseBool. */
export function goParseBool(s: string): Parsed<boolean> {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return { ok: true, value: true };
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return { ok: true, value: false };
  return numError('ParseBool', s, INVALID_SYNTAX);
}

const DECIMAL_FLOAT = /^[+-]?(?=\.?\d)(?:[\d_]+(?:\.[\d_]*)?|\.[\d_]+)(?:[eE][+-]?[\d_]+)?$/;
const HEX_FLOAT = /^[+-]?0[xX](?=[._]*[0-9a-fA-F])[0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?[pP][+-]?[\d_]+$/;
const SPECIAL_FLOAT = /^[+-]?(?:inf|infinity)$|^nan$/i;

/**
 * strconv.ParseFloat(s, bits), close to Go: decimal and hexadecimal forms, `inf`, `infinity`
 * and `nan` in any case, underscores only between digits. float32 rounding uses Math.fround.
 * No Consul type filtered here has a float field.
 */
export function goParseFloat(s: string, bits = 64): Parsed<number> {
  if (SPECIAL_FLOAT.test(s)) {
    const lower = s.toLowerCase();
    return { ok: true, value: lower.endsWith('nan') ? NaN : lower.startsWith('-') ? -Infinity : Infinity };
  }
  const decimal = DECIMAL_FLOAT.test(s);
  const hex = !decimal && HEX_FLOAT.test(s);
  if ((!decimal && !hex) || (s.includes('_') && !underscoreOK(s))) return numError('ParseFloat', s, INVALID_SYNTAX);
  let value: number;
  if (hex) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[\d_]+)$/.exec(s)!;
    const mant = (m[2] ?? '').replaceAll('_', '');
    const frac = (m[3] ?? '').replaceAll('_', '');
    const digits = mant + frac;
    value = (digits === '' ? 0 : Number.parseInt(digits, 16)) * 2 ** (Number(m[4]!.replaceAll('_', '')) - 4 * frac.length);
    if (m[1] === '-') value = -value;
  } else {
    value = Number(s.replaceAll('_', ''));
  }
  if (bits === 32) value = Math.fround(value);
  if (!Number.isFinite(value)) return numError('ParseFloat', s, OUT_OF_RANGE);
  return { ok: true, value };
}
