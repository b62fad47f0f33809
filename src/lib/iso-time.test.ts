import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTimeMs } from './iso-time.js';

describe('isoTimeMs', () => {
  it('formats like Date.prototype.toISOString for any time from 1970 to 9999', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => isoTimeMs(ms) === new Date(ms).toISOString()));
    expect(isoTimeMs(Date.UTC(2026, 10, 23, 5, 0, 0, 7))).toBe('2026-11-23T05:00:00.007Z');
  });
});
