import { describe, expect, it } from 'vitest';
import { RenderCache } from './cache.js';

describe('RenderCache.ofObject (a KV entry read by many clients)', () => {
  it('renders an object once per form (compact, pretty) and answers later reads with the same bytes', () => {
    const cache = new RenderCache();
    const entry = { key: 'config/<db>', value: 'x' };
    let builds = 0;
    const json = { of: entry, build: () => (builds++, [{ Key: entry.key }]) };
    const compact = cache.ofObject(json, false);
    expect(compact.toString()).toBe('[{"Key":"config/\\u003cdb\\u003e"}]'); // Go's HTML escaping, as goJson
    expect(cache.ofObject(json, false)).toBe(compact);
    expect(cache.ofObject(json, true).toString()).toBe('[\n    {\n        "Key": "config/\\u003cdb\\u003e"\n    }\n]\n');
    cache.ofObject(json, true);
    expect(builds).toBe(2);
  });

  it('renders a new object (the key written again) anew, and keeps only the most recent objects', () => {
    const cache = new RenderCache();
    const first = { v: 1 };
    const next = { v: 1 }; // equal content, another version of the entry: identity is what counts
    let builds = 0;
    const of = (o: object) => ({ of: o, build: () => (builds++, o) });
    cache.ofObject(of(first), false);
    cache.ofObject(of(next), false);
    expect(builds).toBe(2);
    for (let i = 0; i < 64; i++) cache.ofObject(of({ i }), false);
    cache.ofObject(of(first), false); // pushed out by 64 newer ones: rendered again
    expect(builds).toBe(2 + 64 + 1);
  });

  it('does not keep a large rendering', () => {
    const cache = new RenderCache();
    const big = { v: 'x'.repeat(20_000) };
    let builds = 0;
    const json = { of: big, build: () => (builds++, big) };
    cache.ofObject(json, false);
    cache.ofObject(json, false);
    expect(builds).toBe(2);
  });
});
