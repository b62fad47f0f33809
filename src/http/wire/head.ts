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
 * `bytes[from, to)` does not hold all of it yet. Lines end in CRLF or a bare LF, as Go accepts;
 * empty lines before the request line (stray CRLFs after a previous body) belong to the head.
 */
export function headEnd(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  // Skip leading empty lines: they are not the blank line that ends a head.
  while (i < to && (bytes[i] === LF || (bytes[i] === CR && i + 1 < to && bytes[i + 1] === LF))) i += bytes[i] === LF ? 1 : 2;
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

/** Go's validMethod / httpguts.IsTokenRune: one or more token characters. */
const tokenChar = (() => {
  const t = new Uint8Array(128);
  for (const c of "!#$%&'*+-.^_`|~") t[c.charCodeAt(0)] = 1;
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  return t;
})();

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || tokenChar[c] === 0) return false;
  }
  return true;
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

/** Go's http.ParseHTTPVersion: "HTTP/1.1" and "HTTP/1.0" fast, else HTTP/<major>.<minor>. */
function parseVersion(proto: string): { major: number; minor: number } | undefined {
  if (proto === 'HTTP/1.1') return { major: 1, minor: 1 };
  if (proto === 'HTTP/1.0') return { major: 1, minor: 0 };
  const m = /^HTTP\/(\d+)\.(\d+)$/.exec(proto);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major > 1_000_000 || minor > 1_000_000) return undefined;
  return { major, minor };
}

/** Comma-separated tokens of a Connection field, lower-cased. */
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const part of value.split(',')) if (trimOWS(part, 0).toLowerCase() === token) return true;
  return false;
}

/**
 * Parses a request head (the text up to, and including or not, its blank line). Errors are
 * the ones Go's server answers with, status and text.
 */
export function parseHead(text: string): RequestHead | WireError {
  const lines = text.split('\n');
  let li = 0;
  // Empty lines before the request line (headEnd kept them in the head).
  while (li < lines.length && (lines[li] === '' || lines[li] === '\r')) li++;
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
  if (version.major !== 1) return WireError.badRequest('unsupported protocol version');

  const headers = new Map<string, string>();
  let contentLength: string | undefined;
  let transferEncodings = 0;
  let transferEncoding = '';
  let hosts = 0;
  let lastName: string | undefined;
  let lastFirst = false;
  for (; li < lines.length; li++) {
    const line = stripCR(lines[li]!);
    if (line === '') break;
    const c0 = line.charCodeAt(0);
    if (c0 === 0x20 || c0 === 0x09) {
      // obs-fold: a continuation of the previous field's value, joined with one space.
      if (lastName === undefined) return WireError.badRequest();
      const more = trimOWS(line, 0);
      if (!validFieldValue(more)) return WireError.badRequest('invalid header value');
      if (lastFirst) headers.set(lastName, `${headers.get(lastName)!} ${more}`.trim());
      if (lastName === 'content-length') contentLength = `${contentLength ?? ''} ${more}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) return WireError.badRequest();
    const rawName = line.slice(0, colon);
    if (rawName === '') {
      lastName = undefined; // Go skips a field with an empty name
      continue;
    }
    if (!isToken(rawName)) return WireError.badRequest('invalid header name');
    const value = trimOWS(line, colon + 1);
    if (!validFieldValue(value)) return WireError.badRequest('invalid header value');
    const name = rawName.toLowerCase();
    lastName = name;
    lastFirst = !headers.has(name);
    if (lastFirst) headers.set(name, value);
    if (name === 'content-length') {
      if (contentLength !== undefined && contentLength !== value) return WireError.badRequest();
      contentLength = value;
    } else if (name === 'transfer-encoding') {
      transferEncodings++;
      transferEncoding = value;
    } else if (name === 'host') {
      hosts++;
    }
  }

  const minor = version.minor;
  if (minor >= 1 && hosts === 0) return WireError.badRequest('missing required Host header');
  if (hosts > 1) return WireError.badRequest('too many Host headers');

  let body: BodyFraming = { kind: 'none' };
  // Go ignores Transfer-Encoding on HTTP/1.0 requests, and supports only "chunked" (alone).
  if (transferEncodings > 0 && minor >= 1) {
    if (transferEncodings !== 1 || transferEncoding.toLowerCase() !== 'chunked') return WireError.unsupportedTransferEncoding();
    body = { kind: 'chunked' };
  } else if (contentLength !== undefined) {
    if (!/^[0-9]+$/.test(contentLength) || contentLength.length > 15) return WireError.badRequest();
    const n = Number(contentLength);
    if (n > 0) body = { kind: 'length', length: n };
  }

  const connection = headers.get('connection');
  const keepAlive = minor >= 1 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
  const expect = headers.get('expect');
  let expectContinue = false;
  if (expect !== undefined && expect !== '') {
    // Go: 100-continue is honoured on HTTP/1.1 with a body and ignored otherwise; any other
    // expectation fails.
    if (expect.toLowerCase() !== '100-continue') return WireError.expectationFailed();
    expectContinue = minor >= 1 && body.kind !== 'none';
  }
  return { method, url, minor, headers, body, keepAlive, expectContinue };
}

function stripCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}
