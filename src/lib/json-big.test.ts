import { describe, expect, it } from 'vitest';
import { parseJsonBig } from './json-big.js';

describe('parseJsonBig', () => {
  it('keeps integers beyond 2^53 exact and leaves the rest as JSON.parse does', () => {
    expect(parseJsonBig('{"Flags":18446744073709551615,"n":1234567890123456,"s":"12345678901234567890"}')).toEqual({
      Flags: 18446744073709551615n,
      n: 1234567890123456,
      s: '12345678901234567890',
    });
    expect(parseJsonBig('[-9223372036854775808]')).toEqual([-9223372036854775808n]);
  });

  it('leaves long fractions and exponents alone (Consul’s network coordinates)', () => {
    const text = '{"Vec":[0.0012345678901234567,-0.12345678901234567,1.5e-10],"Height":0.000010000000000000001}';
    expect(parseJsonBig(text)).toEqual(JSON.parse(text));
  });
});
