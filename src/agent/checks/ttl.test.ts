import { describe, expect, it } from 'vitest';
import { ManualClock, nullLogger } from '../../lib/index.js';
import { createTtlRunner } from './ttl.js';
import type { CheckStatus } from './types.js';

function recorder() {
  const updates: Array<[string, CheckStatus, string]> = [];
  return { updates, update: (id: string, s: CheckStatus, o: string) => void updates.push([id, s, o]) };
}

describe('TTL checks', () => {
  const setup = (outputMaxSize = 4096) => {
    const clock = new ManualClock();
    const r = recorder();
    const deps = { clock, rng: { next: () => 0, int: () => 0 }, logger: nullLogger, update: r.update };
    return { clock, r, ttl: createTtlRunner({ checkID: 't', ttlMs: 10_000, outputMaxSize }, deps) };
  };

  it('reports nothing at start and expires to critical with "TTL expired"', () => {
    const { clock, r, ttl } = setup();
    ttl.start();
    clock.advance(9_999);
    expect(r.updates).toEqual([]);
    clock.advance(1);
    expect(r.updates).toEqual([['t', 'critical', 'TTL expired']]);
  });

  it('each report restarts the TTL; expiry keeps the last output', () => {
    const { clock, r, ttl } = setup();
    ttl.start();
    clock.advance(8_000);
    expect(ttl.setStatus('passing', 'all good')).toBe('all good');
    clock.advance(8_000);
    expect(r.updates).toEqual([['t', 'passing', 'all good']]);
    clock.advance(2_000);
    expect(r.updates.at(-1)).toEqual(['t', 'critical', 'TTL expired (last output before timeout follows): all good']);
    ttl.setStatus('warning', '');
    clock.advance(10_000);
    expect(r.updates.slice(-2)).toEqual([['t', 'warning', ''], ['t', 'critical', 'TTL expired']]);
  });

  it('cuts long output as Consul does', () => {
    const { r, ttl } = setup(10);
    ttl.start();
    expect(ttl.setStatus('passing', '0123456789abcdefghij')).toBe('0123456789 ... (captured 10 of 20 bytes)');
    expect(r.updates[0]![2]).toBe('0123456789 ... (captured 10 of 20 bytes)');
  });

  it('never expires after stop', () => {
    const { clock, r, ttl } = setup();
    ttl.start();
    ttl.stop();
    ttl.setStatus('passing', 'x');
    clock.advance(60_000);
    expect(r.updates).toEqual([['t', 'passing', 'x']]);
  });
});
