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
  let text: string;
  try {
    // The fast path: no replacer (a replacer function costs a call per key).
    text = pretty ? JSON.stringify(value, null, 4) + '\n' : JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err; // a BigInt: take the marking path
    text = pretty ? JSON.stringify(value, bigReplacer, 4) + '\n' : JSON.stringify(value, bigReplacer);
    text = text.replace(bigMarked, '$1');
  }
  return htmlUnsafe.test(text) ? text.replace(htmlUnsafeAll, (c) => escapes[c]!) : text;
}

/** A uint64 as JSON wants it: a number when exact, else a BigInt (written as bare digits). */
export const jsonUint64 = (n: bigint): number | bigint => (n <= 9007199254740991n ? Number(n) : n);

/** A copy of a string map with keys in Go's order (Go's json sorts map keys). */
export function sortedRecord<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}
