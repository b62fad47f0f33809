import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChunkedDecoder } from './chunked.js';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const dec = (parts: Uint8Array[]): string => parts.map((p) => String.fromCharCode(...p)).join('');

/** Decodes `text` fed in pieces cut at `cuts`; returns the body and where decoding stopped. */
function decode(text: string, cuts: number[] = []): { body: string; end: number; done: boolean } {
  const bytes = enc(text);
  const d = new ChunkedDecoder();
  const out: Uint8Array[] = [];
  let from = 0;
  let end = -1;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (cut <= from) continue;
    const used = d.push(bytes, from, cut, (p) => out.push(p.slice()));
    if (d.done) {
      end = used;
      break;
    }
    expect(used).toBe(cut);
    from = cut;
  }
  return { body: dec(out), end, done: d.done };
}

describe('ChunkedDecoder', () => {
  it('decodes chunks, extensions and trailers, and stops at the end of the body', () => {
    const body = '5\r\nhello\r\n6;name=value\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n';
    expect(decode(body + 'GET / HTTP/1.1')).toEqual({ body: 'hello world', end: body.length, done: true });
  });

  it('accepts upper-case hex, a size line with trailing spaces, and 16 digits (Go 1.15)', () => {
    expect(decode('A  \r\n0123456789\r\n0\r\n\r\n').body).toBe('0123456789');
    expect(decode('000000000000000A\r\n0123456789\r\n0\r\n\r\n').body).toBe('0123456789');
  });

  it('reads an empty size line as the last chunk, as Go 1.15 does', () => {
    expect(decode('\r\n\r\nNEXT')).toEqual({ body: '', end: 4, done: true });
  });

  it('names what was cut short when the input ends (Go\'s texts)', () => {
    const d = new ChunkedDecoder();
    d.push(enc('5\r\nhel'), 0, 6, () => {});
    expect(d.eofError().message).toBe('http: unexpected EOF reading trailer');
    const s = new ChunkedDecoder();
    s.push(enc('5\r\nhello'), 0, 8, () => {});
    expect(s.eofError().message).toBe('unexpected EOF');
    const t = new ChunkedDecoder();
    t.push(enc('0\r\nX-T: y\r\n'), 0, 12, () => {});
    expect(t.eofError().message).toBe('http: suspiciously long trailer after chunked body');
  });

  it('waits for more bytes in every state', () => {
    expect(decode('5\r\nhel')).toEqual({ body: 'hel', end: -1, done: false });
    expect(decode('5\r\nhello\r\n0\r\n')).toMatchObject({ body: 'hello', done: false });
  });

  it.each([
    ['zz\r\nab\r\n0\r\n\r\n', 'invalid byte in chunk length'],
    ['5 ;ext\r\nhello\r\n0\r\n\r\n', 'invalid byte in chunk length'],
    ['0\r\nbad trailer\r\n\r\n', 'malformed MIME header: missing colon: "bad trailer"'],
    [`0\r\nX: ${'y'.repeat(5000)}\r\n\r\n`, 'http: suspiciously long trailer after chunked body'],
    ['2\r\nabXY0\r\n\r\n', 'malformed chunked encoding'],
    ['2\r\nab\rX0\r\n\r\n', 'malformed chunked encoding'],
    ['10000000000000000\r\n', 'http chunk length too large'],
    [`${'1'.repeat(5000)}`, 'header line too long'],
  ])('refuses %j with Go\'s error "%s"', (text, message) => {
    expect(() => decode(text)).toThrow(message);
  });

  it('gives the same body and end however the bytes are cut (property)', () => {
    const chunk = fc.string({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 6 }), fc.array(fc.nat(400), { maxLength: 8 }), (chunks, cuts) => {
        const framed = chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
        const got = decode(framed + 'NEXT', cuts);
        expect(got).toEqual({ body: chunks.join(''), end: framed.length, done: true });
      }),
    );
  });
});
