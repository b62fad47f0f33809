/**
 * JSON.parse that keeps integers beyond 2^53 exact, as BigInts: a Go client sends uint64 KV
 * flags as bare numbers, and Consul answers with them. Integer literals of 16+ digits outside
 * strings are quoted and marked before parsing, then revived as BigInt (or as a number when
 * that is exact). Text without such a literal takes the plain JSON.parse path.
 */
const bigMark = '\u0000big:';

export function parseJsonBig(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  // A digit run inside a fraction or exponent (a coordinate's 0.1234567890123456789) is not one.
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])(-?\d{16,})(?![.eE\d])/g, (m, digits: string | undefined) => (digits ? `"\\u0000big:${digits}"` : m));
  return JSON.parse(marked, (_k, v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(bigMark)) return v;
    const n = BigInt(v.slice(bigMark.length));
    return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  });
}
