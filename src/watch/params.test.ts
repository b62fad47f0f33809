import { describe, expect, it } from 'vitest';
import { parseHcl } from '../config/hcl.js';
import { parseAgentWatch, parseAgentWatches } from './agent-config.js';
import { goFloat, goSharpV } from './go-format.js';
import { parseWatch, type WatchParams } from './params.js';

const parse = (p: WatchParams, exempt?: string[]): ReturnType<typeof parseWatch> => parseWatch({ ...p }, exempt);

describe('parseWatch (watch.Parse)', () => {
  it('reads the generic and per-type parameters (TestParseBasic, TestParse_exempt)', () => {
    const p = parse({ type: 'key', datacenter: 'dc2', token: '12345', key: 'foo' });
    expect([p.datacenter, p.token, p.type, p.query]).toEqual(['dc2', '12345', 'key', { type: 'key', key: 'foo', stale: false }]);
    expect(parse({ type: 'key', key: 'foo', handler: 'foobar' }, ['handler']).exempt['handler']).toBe('foobar');
    expect(parse({ type: 'service', service: 'web', tag: 'a', passingonly: true, stale: true }).query).toEqual({ type: 'service', service: 'web', tags: ['a'], passingOnly: true, stale: true });
    expect(parse({ type: 'service', service: 'web', tag: ['a', 'b'] }).query).toMatchObject({ tags: ['a', 'b'] });
    expect(parse({ type: 'checks' }).query).toEqual({ type: 'checks', service: '', state: 'any', stale: false });
    expect(parse({ type: 'event' }).query).toEqual({ type: 'event', name: '' });
  });

  it("refuses bad parameters with Consul's texts", () => {
    const cases: Array<[WatchParams, string]> = [
      [{}, 'Watch type must be specified'],
      [{ type: 1 }, 'Expecting type to be a string'],
      [{ type: 'foo' }, 'Unsupported watch type: foo'],
      [{ type: 'key' }, 'Must specify a single key to watch'],
      [{ type: 'keyprefix' }, 'Must specify a single prefix to watch'],
      [{ type: 'service' }, 'Must specify a single service to watch'],
      [{ type: 'service', service: 's', tag: 1 }, 'Expecting tag to be a string or []string'],
      [{ type: 'service', service: 's', tag: ['a', 2] }, 'Index 1 of tag expected to be string'],
      [{ type: 'service', service: 's', passingonly: 'yes' }, 'Expecting passingonly to be a boolean'],
      [{ type: 'checks', service: 'a', state: 'b' }, 'Cannot specify service and state'],
      [{ type: 'event', stale: true }, 'Invalid parameters: [stale]'],
      [{ type: 'nodes', b: 1, a: 2 }, 'Invalid parameters: [a b]'],
      [{ type: 'key', key: 'k', handler_type: 'http' }, "Handler type 'http' requires 'http_handler_config' to be set"],
      [{ type: 'key', key: 'k', handler_type: 'http', http_handler_config: {} }, "Failed to parse 'http_handler_config': Requires 'path' to be set"],
      [{ type: 'key', key: 'k', handler_type: 'http', http_handler_config: { path: 'http://x', timeout: 'zz' } }, 'Failed to parse \'http_handler_config\': Failed to parse timeout: time: invalid duration "zz"'],
      [
        { type: 'key', key: 'k', handler_type: 'http', http_handler_config: { path: 'http://x', header: { a: 'b' } } },
        "Failed to parse 'http_handler_config': 1 error(s) decoding:\n\n* 'header[a]': source data must be an array or slice, got string",
      ],
    ];
    for (const [p, message] of cases) expect(() => parse(p), JSON.stringify(p)).toThrow(message);
  });

  it('fills the http handler defaults (POST, 10 s)', () => {
    const p = parse({ type: 'key', key: 'k', handler_type: 'http', http_handler_config: { path: 'http://h/x', header: { 'x-a': ['1'] }, tls_skip_verify: true } });
    expect(p.exempt.httpHandlerConfig).toEqual({ path: 'http://h/x', method: 'POST', timeoutMs: 10_000, header: { 'x-a': ['1'] }, tlsSkipVerify: true });
  });
});

describe('agent watches (reloadWatches, makeWatchPlan)', () => {
  /** Texts read from Consul 1.8.7's agent start with each entry. */
  it("gives Consul's start errors, printing what is left of the entry", () => {
    const cases: Array<[WatchParams, string]> = [
      [{ type: 'key', handler: 'x' }, 'Failed to parse watch (map[string]interface {}{"handler":"x"}): Must specify a single key to watch'],
      [{ type: 'key', key: 'k' }, 'Must define a watch handler'],
      [{ type: 'key', key: 'k', args: ['a'], handler_type: 'foo' }, "Handler type 'foo' not recognized"],
      [{ type: 'key', key: 'k', args: ['a', 'b'], foo: 1 }, 'Failed to parse watch (map[string]interface {}{"foo":1}): Invalid parameters: [foo]'],
      [
        { type: 'key', key: 'k', handler_type: 'http', http_handler_config: { path: 'http://x', timeout: 'zz', header: { a: ['b', 'c'] } } },
        'Failed to parse watch (map[string]interface {}{"http_handler_config":map[string]interface {}{"header":map[string]interface {}{"a":[]interface {}{"b", "c"}}, "path":"http://x", "timeout":"zz"}, "key":"k"}): Failed to parse \'http_handler_config\': Failed to parse timeout: time: invalid duration "zz"',
      ],
      [{ type: 'connect_roots', args: ['a'] }, 'Watch type connect_roots is not allowed in agent config'],
      [{ type: 'key', key: 'k', handler: 1 }, 'Watch handler must be a string'],
      [{ type: 'key', key: 'k', args: [1] }, 'Watch args must be a list of strings'],
      [{ type: 'key', key: 'k', args: ['a'], handler: 'b' }, 'Only one watch handler allowed'],
      [{ type: 'key', key: 'k', args: ['a'], handler_type: 'http', http_handler_config: { path: 'http://x' } }, 'Only one watch handler allowed'],
    ];
    for (const [p, message] of cases) expect(() => parseAgentWatch(p), JSON.stringify(p)).toThrow(message);
  });

  it('accepts args (a string or a list), the legacy handler, and http; never changes the entry', () => {
    const entry = { type: 'nodes', handler: '/opt/bin/check.sh' };
    expect(parseAgentWatch(entry)).toMatchObject({ handler: { kind: 'script', handler: '/opt/bin/check.sh' }, deprecatedHandler: true });
    expect(entry).toEqual({ type: 'nodes', handler: '/opt/bin/check.sh' });
    expect(parseAgentWatch({ type: 'key', key: 'k', args: 'x' }).handler).toEqual({ kind: 'script', handler: ['x'] });
    expect(parseAgentWatch({ type: 'key', key: 'k', handler_type: 'http', http_handler_config: { path: 'http://x', method: 'PUT' } }).handler).toMatchObject({ kind: 'http', config: { method: 'PUT' } });
  });

  it('needs an HTTP address, and reads an HCL config the way it reads JSON', () => {
    expect(() => parseAgentWatches([{ type: 'nodes', args: ['x'] }], false)).toThrow('watch plans require an HTTP or HTTPS endpoint');
    expect(parseAgentWatches(undefined, false)).toEqual([]);
    const hcl = parseHcl('watches = [{ type = "key", key = "k", args = ["/bin/reload.sh", "now"] }]')['watches'];
    expect(parseAgentWatches(hcl, true)[0]!.handler).toEqual({ kind: 'script', handler: ['/bin/reload.sh', 'now'] });
    expect(parseAgentWatches({ type: 'nodes', args: ['x'] }, true)).toHaveLength(1);
  });
});

describe("Go's %#v and float formatting", () => {
  it('prints as fmt does', () => {
    expect(goSharpV({ b: 1, a: 'x"y', c: ['p', 2.5, true, null], d: { z: 1e6, y: 123456789, x: 1e21 }, e: null, f: 100000, g: 0.00001 })).toBe(
      'map[string]interface {}{"a":"x\\"y", "b":1, "c":[]interface {}{"p", 2.5, true, interface {}(nil)}, "d":map[string]interface {}{"x":1e+21, "y":1.23456789e+08, "z":1e+06}, "e":interface {}(nil), "f":100000, "g":1e-05}',
    );
    expect([goFloat(0), goFloat(-1.5), goFloat(1e-4)]).toEqual(['0', '-1.5', '0.0001']);
  });
});
