import { describe, expect, it } from 'vitest';
import { randomUuid, secureRandomBytes, secureRandomInt } from './secure-random.js';

describe('secureRandomBytes', () => {
  it('gives the length asked for, from the pool and past it, and never the same bytes twice', () => {
    const seen = new Set<string>();
    for (const n of [1, 4, 16, 63, 64, 65, 200, 4096]) {
      for (let i = 0; i < 40; i++) {
        const b = secureRandomBytes(n);
        expect(b.length).toBe(n);
        if (n >= 16) {
          const key = b.toString('hex');
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
      }
    }
  });

  it('sets every bit position both ways (a stuck bit would show in 2,000 draws)', () => {
    const ones = new Array<number>(16 * 8).fill(0);
    const draws = 2000;
    for (let i = 0; i < draws; i++) {
      const b = secureRandomBytes(16);
      for (let bit = 0; bit < 128; bit++) ones[bit]! += (b[bit >> 3]! >> (bit & 7)) & 1;
    }
    // Binomial(2000, 0.5): mean 1000, sd ~22; 850 is about 7 sd out.
    for (const c of ones) {
      expect(c).toBeGreaterThan(850);
      expect(c).toBeLessThan(1150);
    }
  });
});

describe('secureRandomInt', () => {
  it('stays in [0, n) and reaches every value of a small range evenly', () => {
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) {
      const x = secureRandomInt(6);
      expect(Number.isInteger(x) && x >= 0 && x < 6).toBe(true);
      counts[x]!++;
    }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(200);
    expect(secureRandomInt(1)).toBe(0);
    const big = secureRandomInt(0x1_0000_0000);
    expect(big >= 0 && big < 0x1_0000_0000).toBe(true);
  });

  it('names a bound it cannot honour', () => {
    for (const n of [0, -1, 1.5, 2 ** 33, NaN]) expect(() => secureRandomInt(n)).toThrow(/secureRandomInt: bad bound/);
  });
});

describe('randomUuid', () => {
  it('is a lower-case version 4, variant 1 UUID, unique over many draws', () => {
    const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const u = randomUuid();
      expect(u).toMatch(re);
      seen.add(u);
    }
    expect(seen.size).toBe(5000);
  });
});
