/**
 * The head of an HTTP/1.x request (request line and header fields), read as Go's net/http
 * server reads it (Consul's HTTP server is Go's): which requests are accepted, how fields are
 * folded and looked up, and the exact error each malformed request gets.
 *
 * Pure: the transport finds the end of the head in its bytes (`headEnd`), decodes that much as
 * Latin-1 (one byte, one char, as HTTP field bytes are) and hands the text to `parseHead`.
 */
import { WireError } from './errors.js';

export interface RequestHead {
  method: string;
  /** The request target in origin form (`/path?query`), as sent; absolute-form targets reduced to it. */
  url: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x). */
  minor: number;
  /** Field names lower-cased; the first value of each name (Go's Header.Get), folded lines joined. */
  headers: Map<string, string>;
  body: BodyFraming;
  /** The client asked to keep the connection open after this exchange. */
  keepAlive: boolean;
  /** `Expect: 100-continue` on an HTTP/1.1 request with a body. */
  expectContinue: boolean;
}

export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

/**
 * Go's MaxHeaderBytes default (1 MiB) plus the 4 KiB its reader allows beyond it: a head longer
 * than this gets 431.
 */
export const headBytesMax = (1 << 20) + 4096;

const LF = 10;
const CR = 13;

/**
 * Where the head that starts at `from` ends (the offset just past its blank line), or -1 when
 * `bytes[from, to)` does not hold all of it yet. Lines end in CRLF or a bare LF, as Go accepts.
 * Empty lines before the request line are not skipped (Go 1.15 answers them 400, as the
 * request line is then empty).
 */
export function headEnd(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  for (;;) {
    const lf = bytes.indexOf(LF, i);
    if (lf < 0 || lf >= to) return -1;
    const next = lf + 1;
    if (next < to && bytes[next] === LF) return next + 1;
    if (next + 1 < to && bytes[next] === CR && bytes[next + 1] === LF) return next + 2;
    if (next >= to || (bytes[next] === CR && next + 1 >= to)) return -1;
    i = next;
  }
}

/** An ASCII set: letters, digits and `extra`. */
function asciiSet(extra: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of extra) t[c.charCodeAt(0)] = 1;
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  return t;
}

function allIn(set: Uint8Array, s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || set[c] === 0) return false;
  }
  return true;
}

/** Go's validMethod / httpguts.IsTokenRune. */
const tokenChars = asciiSet("!#$%&'*+-.^_`|~");
/** httpguts.ValidHostHeader. */
const hostChars = asciiSet("!$%&'()*+,-.:;=[]_~");

/** One or more token characters (a method, a field name). */
export function isToken(s: string): boolean {
  return s.length > 0 && allIn(tokenChars, s);
}

/** httpguts.ValidHeaderFieldValue: no control bytes but horizontal tab (obs-text above 0x7f is allowed). */
function validFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** textproto.TrimString: leading and trailing ASCII space and tab. */
function trimOWS(s: string, from: number): string {
  let a = from;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const hexDigit = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * The request target as Go's url.ParseRequestURI takes it, reduced to origin form: `/path?q`,
 * `*`, or an absolute URL (`http://host/path?q` → `/path?q`). Anything else, a control byte,
 * or a malformed %-escape in the path is a bad request (the query is checked by its reader).
 */
function originForm(target: string): string | undefined {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return undefined;
  }
  let url = target;
  if (target.charCodeAt(0) !== 0x2f /* / */) {
    if (target === '*') return target;
    const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(target);
    if (!scheme) return undefined;
    const rest = target.slice(scheme[0].length);
    const slash = rest.search(/[/?]/);
    url = slash < 0 ? '/' : rest[slash] === '?' ? `/${rest.slice(slash)}` : rest.slice(slash);
  }
  const q = url.indexOf('?');
  const pathEnd = q < 0 ? url.length : q;
  for (let i = url.indexOf('%'); i >= 0 && i < pathEnd; i = url.indexOf('%', i + 1)) {
    if (i + 2 >= pathEnd || !hexDigit(url.charCodeAt(i + 1)) || !hexDigit(url.charCodeAt(i + 2))) return undefined;
  }
  return url;
}

/**
 * Go's http.ParseHTTPVersion: "HTTP/1.1" and "HTTP/1.0" fast, else HTTP/<major>.<minor> with
 * each number as strconv.Atoi reads it (a sign is allowed), at most 1000000.
 */
function parseVersion(proto: string): { major: number; minor: number } | undefined {
  if (proto === 'HTTP/1.1') return { major: 1, minor: 1 };
  if (proto === 'HTTP/1.0') return { major: 1, minor: 0 };
  const m = /^HTTP\/([+-]?\d+)\.([+-]?\d+)$/.exec(proto);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < 0 || minor < 0 || major > 1_000_000 || minor > 1_000_000) return undefined;
  return { major: major + 0, minor: minor + 0 };
}

/** httpguts.HeaderValuesContainsToken: `token` among the comma-separated tokens of any value. */
function valuesHaveToken(values: readonly string[], token: string): boolean {
  for (const value of values) {
    for (const part of value.split(',')) if (trimOWS(part, 0).toLowerCase() === token) return true;
  }
  return false;
}

/**
 * Go's hasToken (net/http): `token` appears in `v`, case-insensitively, bounded by the value's
 * ends, spaces, tabs or commas.
 */
function hasToken(v: string, token: string): boolean {
  const lower = v.toLowerCase();
  const boundary = (c: string | undefined): boolean => c === undefined || c === ' ' || c === ',' || c === '\t';
  for (let i = lower.indexOf(token); i >= 0; i = lower.indexOf(token, i + 1)) {
    if (boundary(lower[i - 1]) && boundary(lower[i + token.length])) return true;
  }
  return false;
}

/**
 * Parses a request head (the text up to, and including or not, its blank line). Errors are
 * the ones Go's server answers with, status and text, and in Go's order: the request line,
 * the field lines, the body's framing (Transfer-Encoding, Content-Length), then the protocol
 * version, Host, and field names and values.
 */
export function parseHead(text: string): RequestHead | WireError {
  const lines = text.split('\n');
  let li = 0;
  const requestLine = stripCR(lines[li++] ?? '');
  const s1 = requestLine.indexOf(' ');
  const s2 = s1 < 0 ? -1 : requestLine.indexOf(' ', s1 + 1);
  if (s1 < 0 || s2 < 0) return WireError.badRequest();
  const method = requestLine.slice(0, s1);
  const target = requestLine.slice(s1 + 1, s2);
  const version = parseVersion(requestLine.slice(s2 + 1));
  if (!version) return WireError.badRequest();
  if (!isToken(method)) return WireError.badRequest();
  const url = target === '' ? undefined : originForm(target);
  if (url === undefined) return WireError.badRequest();

  const headers = new Map<string, string>();
  const contentLengths: string[] = [];
  const transferEncodings: string[] = [];
  const connections: string[] = [];
  const hosts: string[] = [];
  let invalid: 'invalid header name' | 'invalid header value' | undefined;
  for (; li < lines.length; li++) {
    let line = stripCR(lines[li]!);
    if (line === '') break;
    const c0 = line.charCodeAt(0);
    // obs-fold before any field: Go's "malformed MIME header initial line".
    if (c0 === 0x20 || c0 === 0x09) return WireError.badRequest();
    // The field with its continuation lines (obs-fold), joined with one space.
    while (li + 1 < lines.length && (lines[li + 1]!.charCodeAt(0) === 0x20 || lines[li + 1]!.charCodeAt(0) === 0x09)) {
      const more = trimOWS(stripCR(lines[++li]!), 0);
      line = more === '' ? line : `${trimOWS(line, 0)} ${more}`;
    }
    const colon = line.indexOf(':');
    if (colon < 0) return WireError.badRequest();
    const rawName = line.slice(0, colon);
    if (rawName === '') continue; // Go skips a field with an empty name (and its continuations)
    const value = trimOWS(line, colon + 1);
    if (!isToken(rawName)) {
      invalid ??= 'invalid header name';
      continue;
    }
    if (!validFieldValue(value)) invalid ??= 'invalid header value';
    const name = rawName.toLowerCase();
    if (!headers.has(name)) headers.set(name, value);
    if (name === 'content-length') contentLengths.push(value);
    else if (name === 'transfer-encoding') transferEncodings.push(value);
    else if (name === 'connection') connections.push(value);
    else if (name === 'host') hosts.push(value);
  }

  const atLeast11 = version.major > 1 || (version.major === 1 && version.minor >= 1);
  let body: BodyFraming = { kind: 'none' };
  // Go ignores Transfer-Encoding on HTTP/1.0 requests, supports only "chunked" (alone), and
  // then drops Content-Length.
  if (transferEncodings.length > 0 && atLeast11) {
    if (transferEncodings.length !== 1 || trimOWS(transferEncodings[0]!, 0).toLowerCase() !== 'chunked') return WireError.unsupportedTransferEncoding();
    body = { kind: 'chunked' };
  } else if (contentLengths.length > 0) {
    const first = contentLengths[0]!;
    if (contentLengths.some((v) => v !== first)) return WireError.badRequest();
    if (first !== '') {
      // strconv.ParseUint(v, 10, 63): digits only, below 2^63.
      const digits = first.replace(/^0+(?=\d)/, '');
      if (!/^[0-9]+$/.test(digits) || digits.length > 19 || (digits.length === 19 && digits > '9223372036854775807')) return WireError.badRequest();
      const n = Number(digits);
      if (n > 0) body = { kind: 'length', length: n };
    }
  }

  if (version.major !== 1) return WireError.badRequest('unsupported protocol version');
  const minor = version.minor;
  if (minor >= 1 && hosts.length === 0 && method !== 'CONNECT') return WireError.badRequest('missing required Host header');
  if (hosts.length > 1) return WireError.badRequest('too many Host headers');
  if (hosts.length === 1 && !allIn(hostChars, hosts[0]!)) return WireError.badRequest('malformed Host header');
  if (invalid) return WireError.badRequest(invalid);

  // Go's shouldClose: `close` in any Connection field ends the connection; HTTP/1.0 also needs `keep-alive`.
  const keepAlive = !valuesHaveToken(connections, 'close') && (minor >= 1 || valuesHaveToken(connections, 'keep-alive'));
  const expect = headers.get('expect');
  let expectContinue = false;
  if (expect !== undefined && expect !== '') {
    // Go: a 100-continue token is honoured on HTTP/1.1 with a body and ignored otherwise; any
    // other expectation fails.
    if (!hasToken(expect, '100-continue')) return WireError.expectationFailed(minor);
    expectContinue = minor >= 1 && body.kind !== 'none';
  }
  return { method, url, minor, headers, body, keepAlive, expectContinue };
}

function stripCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}
