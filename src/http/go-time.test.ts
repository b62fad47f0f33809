import { describe, expect, it } from 'vitest';
import { GoDecodeError } from './go-decode.js';
import { goZeroTimeMs, parseGoJsonTime } from './go-time.js';

const err = (v: unknown): string => {
  try {
    parseGoJsonTime(v);
  } catch (e) {
    expect(e).toBeInstanceOf(GoDecodeError);
    return (e as Error).message;
  }
  throw new Error('parsed');
};

describe('parseGoJsonTime (time.Time.UnmarshalJSON)', () => {
  it('reads RFC 3339 with a fraction and an offset', () => {
    expect(parseGoJsonTime('2030-01-01T00:00:00Z')).toBe(Date.UTC(2030, 0, 1));
    expect(parseGoJsonTime('2030-01-01T01:30:00.250+01:30')).toBe(Date.UTC(2030, 0, 1) + 250);
    expect(parseGoJsonTime('0001-01-01T00:00:00Z')).toBe(goZeroTimeMs);
  });

  it("fails with Go's texts (checked against Consul 1.8.7)", () => {
    const l = '""2006-01-02T15:04:05Z07:00""';
    expect(err('bad')).toBe(`parsing time ""bad"" as ${l}: cannot parse "bad"" as "2006"`);
    expect(err(5)).toBe(`parsing time "5" as ${l}: cannot parse "5" as """`);
    expect(err('2030-01-01 00:00:00Z')).toBe(`parsing time ""2030-01-01 00:00:00Z"" as ${l}: cannot parse " 00:00:00Z"" as "T"`);
    expect(err('2030-01-01T00:00:00Zx')).toBe(`parsing time ""2030-01-01T00:00:00Zx"" as ${l}: cannot parse "x"" as """`);
    expect(err('2030-13-01T00:00:00Z')).toBe('parsing time ""2030-13-01T00:00:00Z"": month out of range');
    expect(err('2030-02-30T00:00:00Z')).toBe('parsing time ""2030-02-30T00:00:00Z"": day out of range');
  });
});
