/**
 * Go's strconv.ParseBool, ParseInt(s, 0, 64) and ParseUint(s, 0, 64), as the `flag` package
 * calls them, with Go's two error kinds ("parse error", "value out of range").
 */
export type NumParse = { ok: true; value: bigint } | { ok: false; error: 'parse error' | 'value out of range' };

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;

/** strconv.ParseBool: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** strconv.ParseUint(s, 0, 64): base prefixes 0b, 0o, 0x, a leading 0 for octal, `_` separators. */
export function parseGoUint(s: string): NumParse {
  if (s === '') return { ok: false, error: 'parse error' };
  let base = 10n;
  let digits = s;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1]!.toLowerCase() : '';
    if (p === 'b') base = 2n;
    else if (p === 'o') base = 8n;
    else if (p === 'x') base = 16n;
    if (base !== 10n) digits = s.slice(2);
    else {
      base = 8n;
      digits = s.slice(1);
    }
  }
  let n = 0n;
  let underscores = false;
  for (const ch of digits) {
    if (ch === '_') {
      underscores = true;
      continue;
    }
    const d = digitValue(ch);
    if (d === undefined || BigInt(d) >= base) return { ok: false, error: 'parse error' };
    n = n * base + BigInt(d);
    if (n > uint64Max) return { ok: false, error: 'value out of range' };
  }
  if (underscores && !underscoreOK(s)) return { ok: false, error: 'parse error' };
  return { ok: true, value: n };
}

/** strconv.ParseInt(s, 0, 64). */
export function parseGoInt(s: string): NumParse {
  if (s === '') return { ok: false, error: 'parse error' };
  let neg = false;
  let body = s;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    body = s.slice(1);
  }
  const u = parseGoUint(body);
  if (!u.ok) return u;
  const v = neg ? -u.value : u.value;
  if (v < int64Min || v > int64Max) return { ok: false, error: 'value out of range' };
  return { ok: true, value: v };
}

function digitValue(ch: string): number | undefined {
  const c = ch.toLowerCase();
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 87;
  return undefined;
}

/** Go's underscoreOK: `_` only between digits (or after a base prefix). */
function underscoreOK(str: string): boolean {
  let s = str;
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
    const lc = c.toLowerCase();
    if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) {
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
