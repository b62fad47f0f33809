import { describe, expect, it } from 'vitest';
import { Router, type Match } from './router.js';

const name = (m: Match): string => ('route' in m ? m.route.pattern : 'redirect' in m ? `-> ${m.redirect}` : 'not found');

describe('Router (Go ServeMux rules)', () => {
  const r = new Router();
  for (const p of ['/', '/v1/kv/', '/v1/agent/service/', '/v1/agent/service/register', '/v1/agent/services', '/v1/a/b/c/']) r.add(p, ['GET'], () => ({}));

  it('prefers an exact pattern, then the longest subtree that is a prefix', () => {
    expect(name(r.match('/v1/agent/service/register', ''))).toBe('/v1/agent/service/register');
    expect(name(r.match('/v1/agent/service/web', ''))).toBe('/v1/agent/service/');
    expect(name(r.match('/v1/kv/a/b/c', ''))).toBe('/v1/kv/');
    expect(name(r.match('/v1/kv/', ''))).toBe('/v1/kv/');
    expect(name(r.match('/v1/a/b/c/d/e', ''))).toBe('/v1/a/b/c/');
    expect(name(r.match('/v1/a/b/x', ''))).toBe('/');
    expect(name(r.match('/nothing', ''))).toBe('/');
  });

  it('redirects a subtree root asked without its slash, and an unclean path, keeping the query', () => {
    expect(name(r.match('/v1/kv', 'recurse'))).toBe('-> /v1/kv/?recurse');
    expect(name(r.match('/v1//kv/a', ''))).toBe('-> /v1/kv/a');
    expect(name(r.match('/v1/kv/../agent/services', 'x=1'))).toBe('-> /v1/agent/services?x=1');
  });

  it('finds nothing without a root pattern', () => {
    const bare = new Router();
    bare.add('/v1/kv/', ['GET'], () => ({}));
    expect(name(bare.match('/v1/status', ''))).toBe('not found');
  });
});
