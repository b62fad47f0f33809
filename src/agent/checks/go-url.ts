/**
 * The parts of Go's net/url and net/http request checks whose errors a HTTP check shows
 * (http.NewRequest, then Client.Do): `parse "::x": missing protocol scheme`,
 * `parse "http://a b/": invalid character " " in host name`,
 * `parse "http://h:x/": invalid port ":x" after host`, `net/http: invalid method "GE T"`,
 * `Get "ftp://x/": unsupported protocol scheme "ftp"`, `Get "http:///x": http: no Host in request URL`.
 */
import { goQuote } from '../../lib/index.js';

/** url.Error's text: `Op "url": err`. */
export function urlErrorText(op: string, url: string, err: string): string {
  return `${op} ${goQuote(url)}: ${err}`;
}

/** http's urlErrorOp: `Get`, `Post`, ... */
export function urlErrorOp(method: string): string {
  return method === '' ? 'Get' : method[0]! + method.slice(1).toLowerCase();
}

const tokenChars = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** http.NewRequest's method check. */
export function methodError(method: string): string | undefined {
  return tokenChars.test(method) ? undefined : `net/http: invalid method ${goQuote(method)}`;
}

/** Go's shouldEscape(c, encodeHost) is false for these (besides letters and digits). */
const hostChars = new Set("-._~!$&'()*+,;=:[]<>\"%".split(''));

/**
 * url.Parse's errors for the URL of a check, then Client.Do's scheme and host checks.
 * Returns undefined when Go would send the request.
 */
export function requestUrlError(raw: string, method: string): string | undefined {
  const parseError = (why: string): string => urlErrorText('parse', raw, why);
  if (/[\x00-\x1f\x7f]/.test(raw)) return parseError('net/url: invalid control character in URL');
  let scheme = '';
  let rest = raw;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*)?:/.exec(raw);
  if (raw.startsWith(':')) return parseError('missing protocol scheme');
  if (m && m[1] !== undefined) {
    scheme = m[1].toLowerCase();
    rest = raw.slice(m[0].length);
  }
  rest = rest.replace(/[?#].*$/s, '');
  let host = '';
  if (rest.startsWith('//')) {
    const authority = rest.slice(2).replace(/\/.*$/s, '');
    host = authority.slice(authority.lastIndexOf('@') + 1);
    const hostError = checkHost(host);
    if (hostError !== undefined) return parseError(hostError);
  } else if (scheme === '' && /^[^/]*:/.test(rest)) {
    return parseError('first path segment in URL cannot contain colon');
  }
  const op = urlErrorOp(method);
  if (scheme !== 'http' && scheme !== 'https') return urlErrorText(op, raw, `unsupported protocol scheme ${goQuote(scheme)}`);
  if (host === '') return urlErrorText(op, raw, 'http: no Host in request URL');
  return undefined;
}

function checkHost(host: string): string | undefined {
  let name = host;
  let colonPort = '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return "missing ']' in host";
    colonPort = host.slice(end + 1);
    if (colonPort !== '' && !/^:[0-9]*$/.test(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
    return undefined;
  }
  const i = host.lastIndexOf(':');
  if (i >= 0) {
    colonPort = host.slice(i);
    name = host.slice(0, i);
    if (!/^:[0-9]*$/.test(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
  }
  for (const ch of name) {
    if (ch.codePointAt(0)! >= 0x80 || /[A-Za-z0-9]/.test(ch) || hostChars.has(ch)) continue;
    return `invalid character ${goQuote(ch)} in host name`;
  }
  return undefined;
}
