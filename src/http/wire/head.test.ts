import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { headEnd, parseHead, type RequestHead } from './head.js';
import { WireError } from './errors.js';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const date = 'Tue, 24 Nov 2026 15:00:00 GMT';

function parsed(text: string): RequestHead {
  const h = parseHead(text);
  if (h instanceof WireError) throw new Error(`expected a head, got ${h.response(date)}`);
  return h;
}

function refused(text: string): string {
  const h = parseHead(text);
  if (!(h instanceof WireError)) throw new Error(`expected an error for ${JSON.stringify(text)}`);
  return h.response(date);
}

const bad = (reason?: string): string => {
  const e = reason ? `400 Bad Request: ${reason}` : '400 Bad Request';
  return `HTTP/1.1 ${e}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${e}`;
};

describe('headEnd', () => {
  it('finds the blank line after CRLF or bare LF lines, and waits for more bytes otherwise', () => {
    const a = 'GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT';
    expect(headEnd(enc(a), 0, a.length)).toBe(a.length - 4);
    const b = 'GET / HTTP/1.1\nHost: x\n\nNEXT';
    expect(headEnd(enc(b), 0, b.length)).toBe(b.length - 4);
    const c = 'GET / HTTP/1.1\r\nHost: x\r\n';
    expect(headEnd(enc(c), 0, c.length)).toBe(-1);
    expect(headEnd(enc(c + '\r'), 0, c.length + 1)).toBe(-1);
  });

  it('does not skip empty lines before the request line: Go 1.15 answers them 400', () => {
    const a = '\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n';
    expect(headEnd(enc(a), 0, a.length)).toBe(a.length);
    expect(refused(a)).toBe(bad());
    expect(headEnd(enc('\r\n\r\nGET'), 0, 7)).toBe(4);
    expect(refused('\r\n\r\n')).toBe(bad());
  });

  it('gives the same end however the bytes are cut (property)', () => {
    const line = fc.stringMatching(/^[A-Za-z0-9-]{1,8}: [ -~]{0,12}$/);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.boolean(), fc.nat(), (fields, crlf, cutSeed) => {
        const nl = crlf ? '\r\n' : '\n';
        const head = ['GET /x HTTP/1.1', 'Host: h', ...fields].join(nl) + nl + nl;
        const bytes = enc(head + 'GET /next');
        const cut = cutSeed % (bytes.length + 1);
        const end = headEnd(bytes, 0, cut);
        expect(end).toBe(cut >= head.length ? head.length : -1);
      }),
    );
  });
});

describe('parseHead: accepted requests', () => {
  it('reads method, target, version, and fields by lower-cased name, first value winning', () => {
    const h = parsed('PUT /v1/kv/a?cas=0 HTTP/1.1\r\nHost: x\r\nX-Consul-Token: one\r\nx-consul-token: two\r\nContent-Length: 3\r\n\r\n');
    expect(h.method).toBe('PUT');
    expect(h.url).toBe('/v1/kv/a?cas=0');
    expect(h.minor).toBe(1);
    expect(h.headers.get('x-consul-token')).toBe('one');
    expect(h.body).toEqual({ kind: 'length', length: 3 });
    expect(h.keepAlive).toBe(true);
  });

  it('joins a folded field with one space and trims spaces and tabs around values (Go textproto)', () => {
    const h = parsed('GET / HTTP/1.1\r\nHost: x\r\nX-A: \t one \r\n   two\t\r\n\r\n');
    expect(h.headers.get('x-a')).toBe('one two');
  });

  it('reduces an absolute-form target to its path and query', () => {
    expect(parsed('GET http://foo:8500/v1/status/leader?x=1 HTTP/1.1\r\nHost: x\r\n\r\n').url).toBe('/v1/status/leader?x=1');
    expect(parsed('GET http://foo HTTP/1.1\r\nHost: x\r\n\r\n').url).toBe('/');
    expect(parsed('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n').url).toBe('*');
  });

  it('keeps a lower-case method as sent (a token is a token; routing answers 405)', () => {
    expect(parsed('get / HTTP/1.1\r\nHost: x\r\n\r\n').method).toBe('get');
  });

  it('HTTP/1.0 needs no Host and closes unless it asks for keep-alive', () => {
    expect(parsed('GET / HTTP/1.0\r\n\r\n')).toMatchObject({ minor: 0, keepAlive: false });
    expect(parsed('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').keepAlive).toBe(true);
    expect(parsed('GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n').keepAlive).toBe(false);
  });

  it('frames the body by Transfer-Encoding: chunked over Content-Length (Go drops the length)', () => {
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nContent-Length: 2\r\n\r\n').body).toEqual({ kind: 'chunked' });
    // HTTP/1.0 has no chunked encoding: Go ignores the field.
    expect(parsed('PUT /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n').body).toEqual({ kind: 'length', length: 2 });
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n').body).toEqual({ kind: 'none' });
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n').body).toEqual({ kind: 'length', length: 5 });
  });

  it('honours Expect: 100-continue only for an HTTP/1.1 request with a body', () => {
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n').expectContinue).toBe(true);
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n').expectContinue).toBe(false);
    expect(parsed('PUT /a HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n').expectContinue).toBe(false);
  });

  it('skips a field with an empty name, and its continuation lines, as Go does', () => {
    expect(parsed('GET / HTTP/1.1\r\nHost: x\r\n: nameless\r\n\r\n').headers.size).toBe(1);
    expect(parsed('GET / HTTP/1.1\r\nHost: x\r\n: x\r\n y\r\n\r\n').headers.size).toBe(1);
  });

  it("reads lengths and versions as Go's strconv does", () => {
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0000000000000000005\r\n\r\n').body).toEqual({ kind: 'length', length: 5 });
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n').body).toEqual({ kind: 'none' });
    expect(parsed('GET / HTTP/+1.+1\r\nHost: x\r\n\r\n').minor).toBe(1);
    // Chunked drops the lengths, even conflicting ones.
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n').body).toEqual({ kind: 'chunked' });
  });

  it('finds 100-continue among other expectations, and close in any Connection field', () => {
    expect(parsed('PUT /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue, foo\r\nContent-Length: 2\r\n\r\n').expectContinue).toBe(true);
    expect(parsed('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n').keepAlive).toBe(false);
    expect(parsed('GET / HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n').keepAlive).toBe(false);
  });

  it('needs no Host for CONNECT', () => {
    expect(parsed('CONNECT /x HTTP/1.1\r\n\r\n').method).toBe('CONNECT');
  });
});

const unsupportedTE = 'HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding';

describe('parseHead: refused requests get the reference Consul\'s exact answers', () => {
  // Each was sent on a raw socket to Consul 1.8.7 (Go's net/http); these are its replies.
  it.each([
    ['no Host on HTTP/1.1', 'GET /v1/status/leader HTTP/1.1\r\n\r\n', bad('missing required Host header')],
    ['garbage', 'GARBAGE\r\n\r\n', bad()],
    ['HTTP/2.0 in plain text', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', bad('unsupported protocol version')],
    ['two different Content-Lengths', 'PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', bad()],
    ['a space in a field name', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', bad('invalid header name')],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost: x\r\nX : y\r\n\r\n', bad('invalid header name')],
    ['a control byte in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n', bad('invalid header value')],
    ['two spaces after the method', 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n', bad()],
    ['a malformed escape in the path', 'GET /v1/kv/%zz HTTP/1.1\r\nHost: x\r\n\r\n', bad()],
    ['a truncated escape in the path', 'GET /v1/kv/a%2 HTTP/1.1\r\nHost: x\r\n\r\n', bad()],
    ['a relative target', 'GET v1/kv HTTP/1.1\r\nHost: x\r\n\r\n', bad()],
    ['a line without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n', bad()],
    ['a fold before any field', 'GET / HTTP/1.1\r\n folded\r\nHost: x\r\n\r\n', bad()],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n', bad('too many Host headers')],
    ['a negative length', 'PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', bad()],
    ['a length of 2^63', 'PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n', bad()],
    ['a space in Host', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', bad('malformed Host header')],
    ['a slash in Host, on HTTP/1.0', 'GET / HTTP/1.0\r\nHost: a/b\r\n\r\n', bad('malformed Host header')],
    // Go's order: framing before the version and Host, Host before field names and values.
    ['no Host and a bad field name: Host first', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', bad('missing required Host header')],
    ['no Host and a bad value: Host first', 'GET / HTTP/1.1\r\nX-Y: a\x01b\r\n\r\n', bad('missing required Host header')],
    ['a bad length before no Host', 'PUT /a HTTP/1.1\r\nContent-Length: abc\r\n\r\n', bad()],
    ['a bad length before a bad name', 'PUT /a HTTP/1.1\r\nHost: x\r\nX Y: z\r\nContent-Length: abc\r\n\r\n', bad()],
    ['a bad length before HTTP/2.0', 'GET / HTTP/2.0\r\nHost: x\r\nContent-Length: abc\r\n\r\n', bad()],
    ['a transfer coding other than chunked', 'PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', unsupportedTE],
    ['an expectation other than 100-continue', 'PUT /a HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 2\r\n\r\n', `HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: ${date}\r\nContent-Length: 0\r\n\r\n`],
    ['an expectation on HTTP/1.0', 'GET / HTTP/1.0\r\nExpect: foo\r\n\r\n', `HTTP/1.0 417 Expectation Failed\r\nConnection: close\r\nDate: ${date}\r\nContent-Length: 0\r\n\r\n`],
    ['a transfer coding other than chunked, before no Host', 'PUT /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', unsupportedTE],
  ])('%s', (_what, request, response) => {
    expect(refused(request)).toBe(response);
  });

  it('the query is left to its reader (Consul answers a bad query escape from the handler)', () => {
    expect(parsed('GET /v1/status/leader?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n').url).toBe('/v1/status/leader?x=%zz');
  });
});
