/**
 * The values behind HCL1 tokens (hcl/token/token.go Value, hcl/strconv/quote.go) and the
 * key comparison hcl.Decode uses (ast.ObjectList.Filter: strings.EqualFold).
 */
import { goUnquote } from '../lib/index.js';
import { HclPanic, type Token } from './hcl-ast.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** token.Value for the token kinds a string can come from (keys, strings, heredocs). */
export function tokenValue(t: Token): string {
  switch (t.type) {
    case 'STRING': {
      if (t.text === '') return ''; // a JSON null
      const v = t.json ? goUnquote(t.text) : hclUnquote(t.text);
      if (!v.ok) throw new HclPanic(`unquote ${t.text} err: invalid syntax`);
      return v.value;
    }
    case 'HEREDOC':
      return unindentHeredoc(t.text);
    default:
      return t.text;
  }
}

/** strings.EqualFold for an ASCII `target`, as Go folds each rune (K, ſ and friends included). */
export function equalFold(s: string, target: string): boolean {
  const a = [...s];
  if (a.length !== target.length) return false;
  return a.every((ch, i) => {
    const t = target[i]!;
    return ch === t || ch.toLowerCase() === t.toLowerCase() || ch.toUpperCase() === t.toUpperCase();
  });
}

type Unquoted = { ok: true; value: string } | { ok: false };

/**
 * hcl/strconv.Unquote: Go's escapes, except that `${ ... }` is copied as is. Escapes that name
 * bytes (`\x`, octal) make bytes; the result is read as UTF-8.
 */
export function hclUnquote(text: string): Unquoted {
  const bad = { ok: false as const };
  if (text.length < 2 || text[0] !== '"' || text[text.length - 1] !== '"') return bad;
  let s = text.slice(1, -1);
  if (!s.includes('$') && !s.includes('{') && s.includes('\n')) return bad;
  if (!s.includes('\\') && !s.includes('"') && !s.includes('$')) return { ok: true, value: s };
  const bytes: number[] = [];
  const pushText = (str: string): void => {
    for (const b of utf8Encoder.encode(str)) bytes.push(b);
  };
  while (s.length > 0) {
    if (s.startsWith('${')) {
      // An interpolation is copied through to its closing brace.
      pushText('${');
      s = s.slice(2);
      let braces = 1;
      let i = 0;
      while (i < s.length && braces > 0) {
        const ch = s[i]!;
        if (ch === '{') braces++;
        else if (ch === '}') braces--;
        i++;
      }
      pushText(s.slice(0, i));
      s = s.slice(i);
      if (braces !== 0) return bad;
      continue;
    }
    if (s[0] === '\n') return bad;
    const r = unquoteChar(s);
    if (!r) return bad;
    for (const b of r.bytes) bytes.push(b);
    s = s.slice(r.consumed);
  }
  return { ok: true, value: utf8Decoder.decode(new Uint8Array(bytes)) };
}

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };

function unquoteChar(s: string): { bytes: Uint8Array | number[]; consumed: number } | undefined {
  const c = s[0]!;
  if (c === '"') return undefined;
  if (c !== '\\') {
    const ch = String.fromCodePoint(s.codePointAt(0)!);
    return { bytes: utf8Encoder.encode(ch), consumed: ch.length };
  }
  if (s.length <= 1) return undefined;
  const e = s[1]!;
  if (SIMPLE[e] !== undefined) return { bytes: [SIMPLE[e]], consumed: 2 };
  const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const digits = s.slice(2, 2 + hexLen);
    if (digits.length < hexLen || !/^[0-9a-fA-F]+$/.test(digits)) return undefined;
    const v = parseInt(digits, 16);
    if (e === 'x') return { bytes: [v], consumed: 2 + hexLen };
    if (v > 0x10ffff) return undefined;
    // utf8.EncodeRune writes U+FFFD for a surrogate.
    const cp = v >= 0xd800 && v <= 0xdfff ? 0xfffd : v;
    return { bytes: utf8Encoder.encode(String.fromCodePoint(cp)), consumed: 2 + hexLen };
  }
  if (e >= '0' && e <= '7') {
    const digits = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(digits)) return undefined;
    const v = parseInt(digits, 8);
    return v > 255 ? undefined : { bytes: [v], consumed: 4 };
  }
  return undefined;
}

/**
 * token.unindentHeredoc: the text between the anchor lines. A `<<-` heredoc loses the closing
 * line's indentation from every line, if every line has it. Byte offsets, as Go slices.
 */
export function unindentHeredoc(heredoc: string): string {
  const b = utf8Encoder.encode(heredoc);
  const idx = b.indexOf(0x0a);
  if (idx === -1) throw new HclPanic("heredoc doesn't contain newline");
  const slice = (lo: number, hi: number): string => {
    if (lo > hi || hi > b.length) throw new HclPanic(`runtime error: slice bounds out of range [${lo}:${hi}]`);
    return utf8Decoder.decode(b.subarray(lo, hi));
  };
  if (b[2] !== 0x2d) return slice(idx + 1, b.length - idx + 1);
  const lines = slice(idx + 1, b.length - idx + 2).split('\n');
  const prefix = lines[lines.length - 1]!;
  if (!lines.every((l) => l.startsWith(prefix))) return slice(idx + 1, b.length - idx + 1).replace(/[ \t]+$/, '');
  return lines.map((l, k) => (k === lines.length - 1 ? '' : l.slice(prefix.length))).join('\n');
}
