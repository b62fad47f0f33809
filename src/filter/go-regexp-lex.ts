/**
 * Lexical pieces of Go's regexp/syntax parser (parse.go): errors, escapes and `{n,m}` counts.
 */

export class GoRegexpError extends Error {
  constructor(code: string, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

export const ERR = {
  invalidCharRange: 'invalid character class range',
  invalidEscape: 'invalid escape sequence',
  invalidNamedCapture: 'invalid named capture',
  invalidPerlOp: 'invalid or unsupported Perl syntax',
  invalidRepeatOp: 'invalid nested repetition operator',
  invalidRepeatSize: 'invalid repeat count',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArgument: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
} as const;

const isAlnum = (c: string | undefined) => c !== undefined && /^[0-9A-Za-z]$/.test(c);

export function codePointAt(s: string, i: number): { cp: number; next: number } {
  const cp = s.codePointAt(i)!;
  return { cp, next: i + (cp > 0xffff ? 2 : 1) };
}

/** Go's parseRepeat: `{n}`, `{n,}`, `{n,m}`; null means `{` is a literal. */
export function parseRepeat(s: string, start: number): { min: number; max: number; after: number } | null {
  let i = start + 1;
  const int = (): number | null => {
    const m = /^\d+/.exec(s.slice(i));
    if (!m || (m[0].length >= 2 && m[0][0] === '0')) return null;
    i += m[0].length;
    return m[0].length > 8 ? -1 : Number(m[0]);
  };
  let min = int();
  if (min === null || i >= s.length) return null;
  let max = min;
  if (s[i] === ',') {
    i++;
    if (i >= s.length) return null;
    if (s[i] === '}') max = -1;
    else {
      const m = int();
      if (m === null) return null;
      max = m;
      if (max < 0) min = -1;
    }
  }
  if (s[i] !== '}') return null;
  return { min, max, after: i + 1 };
}


/** Go's parseEscape: one escaped character. */
export function parseEscape(s: string, t: number): { cp: number; next: number } {
  if (t + 1 >= s.length) throw new GoRegexpError(ERR.trailingBackslash, '');
  const { cp, next } = codePointAt(s, t + 1);
  const c = String.fromCodePoint(cp);
  let i = next;
  const bad = () => new GoRegexpError(ERR.invalidEscape, s.slice(t, i));
  if (cp < 0x80 && !isAlnum(c)) return { cp, next };
  const isOct = (x: string | undefined) => x !== undefined && x >= '0' && x <= '7';
  if ((c >= '1' && c <= '7' && isOct(s[i])) || c === '0') {
    let r = cp - 48;
    for (let k = 1; k < 3 && isOct(s[i]); k++) r = r * 8 + (s.charCodeAt(i++) - 48);
    return { cp: r, next: i };
  }
  if (c === 'x') {
    if (i >= s.length) throw bad();
    if (s[i] === '{') {
      i++;
      let r = 0;
      let nhex = 0;
      for (;;) {
        if (i >= s.length) throw bad();
        const d = s[i++]!;
        if (d === '}') break;
        if (!/^[0-9A-Fa-f]$/.test(d)) throw bad();
        r = r * 16 + parseInt(d, 16);
        if (r > 0x10ffff) throw bad();
        nhex++;
      }
      if (nhex === 0) throw bad();
      return { cp: r, next: i };
    }
    const x = s[i++];
    const y = s[i] === undefined ? undefined : s[i++];
    if (x === undefined || y === undefined || !/^[0-9A-Fa-f]{2}$/.test(x + y)) throw bad();
    return { cp: parseInt(x + y, 16), next: i };
  }
  const cEsc: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  if (c in cEsc) return { cp: cEsc[c]!, next: i };
  throw bad();
}
