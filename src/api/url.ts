/**
 * URL escaping as Go's net/url does it, so requests (and the URLs quoted in error messages)
 * are the ones HashiCorp's Go client sends: paths keep `$&+,/:;=@`, query values escape every
 * reserved byte and write spaces as `+`, and query parameters are sorted by key.
 */
const unreserved = /^[A-Za-z0-9\-_.~]$/;

function escapeBytes(s: string, keep: (ch: string) => boolean, spacePlus: boolean): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && (unreserved.test(ch) || keep(ch))) out += ch;
    else if (spacePlus && ch === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** url.URL{Path: p}.EscapedPath(). */
export function goPathEscape(path: string): string {
  return escapeBytes(path, (ch) => '$&+,/:;=@'.includes(ch), false);
}

/** url.QueryEscape. */
export function goQueryEscape(s: string): string {
  return escapeBytes(s, () => false, true);
}

/** A query parameter; `''` gives `name=` (Go's `params.Set("recurse", "")`). */
export type QueryParam = readonly [name: string, value: string];

/** url.Values.Encode: sorted by key (stable for repeated keys). */
export function goEncodeQuery(params: readonly QueryParam[]): string {
  return [...params]
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p[0] < b.p[0] ? -1 : a.p[0] > b.p[0] ? 1 : a.i - b.i))
    .map(({ p }) => `${goQueryEscape(p[0])}=${goQueryEscape(p[1])}`)
    .join('&');
}
