import { describe, expect, it } from 'vitest';
import { decode, encode } from './codec.js';

describe('codec', () => {
  it('round-trips plain values, byte arrays and uint64 BigInts exactly', () => {
    const value = { a: 1, s: 'x', list: [1, 'two', null], bytes: new Uint8Array([0, 255, 7]), flags: 18446744073709551615n, small: 42 };
    const back = decode<typeof value>(encode(value));
    expect(back).toEqual(value);
    expect(typeof back.small).toBe('number');
  });

  it('an encoded entry owns exactly its bytes, so a value decoded from it pins no more than the entry', () => {
    const entry = encode({ key: 'k', value: new Uint8Array(100) });
    expect(entry.buffer.byteLength).toBe(entry.byteLength);
    const nested = encode({ inner: encode({ x: 1 }) });
    expect(decode<{ inner: Uint8Array }>(nested).inner).toEqual(encode({ x: 1 }));
  });
});
