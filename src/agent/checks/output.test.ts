import { describe, expect, it } from 'vitest';
import { scriptOutput, TailBuffer, truncateTtlOutput } from './output.js';

describe('output limits', () => {
  it('a script keeps the last bytes with the Captured note', () => {
    const b = new TailBuffer(4);
    b.write(new TextEncoder().encode('abc'));
    expect(scriptOutput(b)).toBe('abc');
    b.write(new TextEncoder().encode('defgh'));
    expect(scriptOutput(b)).toBe('Captured 4 of 8 bytes\n...\nefgh');
  });

  it('TTL output counts bytes, not characters', () => {
    expect(truncateTtlOutput('ééé', 4)).toBe('éé ... (captured 4 of 6 bytes)');
    expect(truncateTtlOutput('abc', 3)).toBe('abc');
  });
});
