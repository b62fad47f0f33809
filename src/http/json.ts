/**
 * JSON as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped, maps with
 * sorted keys (callers sort with `sortedRecord`), `?pretty` indented with four spaces and a
 * trailing newline (Consul's marshalJSON).
 */
const htmlUnsafe = /[<>&\u2028\u2029]/;
const htmlUnsafeAll = /[<>&\u2028\u2029]/g;
const escapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** BigInts (uint64 fields) are written as bare digits: marked in the replacer, unquoted after. */
const bigMark = '\u0000big:';
const bigMarked = /"\\u0000big:(\d+)"/g;
const bigReplacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? bigMark + v.toString() : v);

export function goJson(value: unknown, pretty: boolean): string {
  let text = pretty ? JSON.stringify(value, bigReplacer, 4) + '\n' : JSON.stringify(value, bigReplacer);
  if (text.includes('\\u0000big:')) text = text.replace(bigMarked, '$1');
  return htmlUnsafe.test(text) ? text.replace(htmlUnsafeAll, (c) => escapes[c]!) : text;
}

/**
 * JSON.parse that keeps integers beyond 2^53 exact, as BigInts (a Go client sends uint64 KV
 * flags as bare numbers). Integer literals of 16+ digits outside strings are quoted and marked
 * before parsing, and revived as BigInt (or as a number when that is exact).
 */
export function parseJsonBig(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|(-?\d{16,})(?![.eE\d])/g, (m, digits: string | undefined) => (digits ? `"\\u0000big:${digits}"` : m));
  return JSON.parse(marked, (_k, v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(bigMark)) return v;
    const n = BigInt(v.slice(bigMark.length));
    return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  });
}

/** A copy of a string map with keys in Go's order (Go's json sorts map keys). */
export function sortedRecord<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}
