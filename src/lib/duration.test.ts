import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['0', 0],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['1us', 0.001],
    ['-2s', -2000],
    ['2h45m10s', 9_910_000],
  ])('reads %s', (text, ms) => expect(parseDurationMs(text)).toBeCloseTo(ms, 9));

  it.each(['', '10', 's', '10x', '1h-2m', 'abc', '--1s'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0s'],
    [15_000, '15s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [500, '500ms'],
    [1500, '1.5s'],
    [-2000, '-2s'],
  ])('writes %d as %s', (ms, text) => expect(formatDurationMs(ms)).toBe(text));
});
