import { describe, expect, it } from 'vitest';
import { TombstoneGC } from './tombstone-gc.js';

describe('TombstoneGC', () => {
  it('releases the highest hinted index once its bucket is past the TTL', () => {
    const gc = new TombstoneGC(60_000, 10_000);
    gc.hint(5, 1_000);
    gc.hint(7, 4_000);
    gc.hint(9, 12_000);
    expect(gc.nextExpiryMs()).toBe(70_000);
    expect(gc.expire(69_999)).toBeUndefined();
    expect(gc.expire(70_000)).toBe(7);
    expect(gc.expire(70_000)).toBeUndefined();
    expect(gc.expire(80_000)).toBe(9);
    expect(gc.nextExpiryMs()).toBeUndefined();
  });
});
