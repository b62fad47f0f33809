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

export function goJson(value: unknown, pretty: boolean): string {
  const text = pretty ? JSON.stringify(value, null, 4) + '\n' : JSON.stringify(value);
  return htmlUnsafe.test(text) ? text.replace(htmlUnsafeAll, (c) => escapes[c]!) : text;
}

/** A copy of a string map with keys in Go's order (Go's json sorts map keys). */
export function sortedRecord<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}
