import { describe, expect, it } from 'vitest';
import { MusterError } from '../../lib/index.js';
import { CheckDecodeError, decodeCheckDefinition, decodeServiceCheck, parseCheckRegistration, serviceCheckTypes } from './decode.js';

/** The 400 body Consul 1.8.7 answered for PUT /v1/agent/check/register with `body` (recorded). */
function registrationError(body: unknown): string | undefined {
  try {
    parseCheckRegistration(body);
    return undefined;
  } catch (err) {
    if (!MusterError.is(err)) throw err;
    expect(err.code).toBe('ERR_BAD_REQUEST');
    return err.message;
  }
}

describe('PUT /v1/agent/check/register bodies, as Consul 1.8.7 answered them', () => {
  const cases: Array<[unknown, string | undefined]> = [
    [{ Name: 'x', foo: 1 }, 'Request decode failed: json: unknown field "foo"'],
    [{ Name: 1 }, 'Request decode failed: json: cannot unmarshal number into Go struct field .Name of type string'],
    [{ Name: 'x', Interval: 'abc', HTTP: 'http://x' }, 'Request decode failed: time: invalid duration "abc"'],
    [{ Name: 'x', Interval: true, HTTP: 'http://x' }, 'Invalid check: Interval must be > 0 for Script, HTTP, or TCP checks'],
    [{ Name: 'x', Interval: 1e9, HTTP: 'http://x' }, undefined],
    [{ Name: 'x', HTTP: 'http://x' }, 'Invalid check: Interval must be > 0 for Script, HTTP, or TCP checks'],
    [{ Name: 'x' }, 'Invalid check: TTL must be > 0 for TTL checks'],
    [{ Name: 'x', TTL: '10s', Interval: '10s' }, 'Invalid check: Interval and TTL cannot both be specified'],
    [{ Name: 'x', AliasService: 'a', HTTP: 'h', Interval: '1s' }, 'Invalid check: Interval cannot be set for Alias checks'],
    [{ Name: 'x', AliasService: 'a', TTL: '1s' }, 'Invalid check: TTL must be not be set for Alias checks'],
    [{ Name: 'x', TTL: '1s', OutputMaxSize: -1 }, 'Invalid check: MaxOutputMaxSize must be positive'],
    [{ Name: 'x', TTL: '1s', Status: 'bogus' }, 'Bad check status'],
    [{ Name: 'x', TTL: '1s', Status: 'maintenance' }, 'Bad check status'],
    [{}, 'Missing check name'],
    [{ Name: 'x', alias_service: 'a' }, 'Request decode failed: json: unknown field "alias_service"'],
    [{ Name: 'x', Script: 'echo', Interval: '1s' }, 'Request decode failed: json: unknown field "Script"'],
    [{ Name: 'x', TTL: '1s', Namespace: 'default' }, 'Request decode failed: json: unknown field "Namespace"'],
    [{ Name: 'x', Args: ['/bin/true'], Interval: '1s', TTL: '' }, 'Request decode failed: time: invalid duration ""'],
    [{ Name: 'x', Header: { a: 'b' }, TTL: '1s' }, 'Request decode failed: json: cannot unmarshal string into Go struct field .Header of type []string'],
    [{ Name: 'x', TTL: '1s', Header: { a: [1] } }, 'Request decode failed: json: cannot unmarshal number into Go struct field .Header of type string'],
    [{ Name: 'x', TTL: '1s', tls_skip_verify: 'yes' }, 'Request decode failed: json: cannot unmarshal string into Go struct field .tls_skip_verify of type bool'],
    [{ Name: 'x', TTL: '1s', Args: 'abc' }, 'Request decode failed: json: cannot unmarshal string into Go struct field .args of type []string'],
    [{ Name: 'x', TTL: '1s', Args: [1] }, 'Request decode failed: json: cannot unmarshal number into Go struct field .args of type string'],
    [{ Name: 'x', TTL: '1s', Timeout: '-1s' }, undefined],
    [{ Name: 'x', TTL: '1s', SuccessBeforePassing: 1.5 }, 'Request decode failed: json: cannot unmarshal number 1.5 into Go struct field .SuccessBeforePassing of type int'],
    [{ Name: 'x', Interval: '0s', TCP: 'h:1' }, 'Invalid check: Interval must be > 0 for Script, HTTP, or TCP checks'],
    [{ Name: 'x', TTL: '-1s' }, 'Invalid check: TTL must be > 0 for TTL checks'],
    [{ Name: 'x', DockerContainerID: 'abc', Interval: '1s' }, 'Invalid check: TTL must be > 0 for TTL checks'],
    [{ Name: 'x', GRPC: 'localhost:1', Interval: '1s' }, undefined],
    [{ Name: 'x', TTL: '1s', Token: '', Notes: null }, undefined],
    [{ Name: 'x', TTL: '1s', ServiceID: 1 }, 'Request decode failed: json: cannot unmarshal number into Go struct field .ServiceID of type string'],
    [{ Name: 'x', TTL: '1s', service_id: 1 }, 'Request decode failed: json: cannot unmarshal number into Go struct field .service_id of type string'],
    [{ Name: 'x', Args: ['/bin/true'], Interval: '10ms' }, undefined],
    [{ NAME: 'y', tTl: '1s', args: [] }, undefined],
    [{ Name: 'x', TTL: '1.5' }, 'Request decode failed: time: missing unit in duration "1.5"'],
    [{ Name: 'x', TTL: '1s', OutputMaxSize: '1' }, 'Request decode failed: json: cannot unmarshal string into Go struct field .OutputMaxSize of type int'],
    [{ Name: 'x', TTL: '1s', Body: ['x'] }, 'Request decode failed: json: cannot unmarshal array into Go struct field .Body of type string'],
    [{ Name: 'x', TTL: '1s', GRPCUseTLS: 1 }, 'Request decode failed: json: cannot unmarshal number into Go struct field .GRPCUseTLS of type bool'],
    [
      { name: 'lc', ttl: '10s', service_id: '', tls_skip_verify: true, deregister_critical_service_after: '1m', script_args: ['a'] },
      'Invalid check: Interval must be > 0 for Script, HTTP, or TCP checks',
    ],
    // the first error in the document wins, and JSON errors come before duration errors
    [{ Interval: 'zz', Name: 2, foo: 1 }, 'Request decode failed: json: cannot unmarshal number into Go struct field .Name of type string'],
  ];
  it.each(cases)('%j', (body, expected) => {
    expect(registrationError(body)).toBe(expected);
  });

  it('a body that is not an object fails as in Go', () => {
    expect(registrationError([1])).toMatch(/^Request decode failed: json: cannot unmarshal array into Go value of type struct \{ Interval interface \{\}; .*ServiceIDSnake string "json:\\"service_id\\""; \*structs.Alias \}$/);
  });
});

describe('decodeCheckDefinition', () => {
  it('translates the snake_case keys Consul translates, and matches others case-insensitively', () => {
    const d = decodeCheckDefinition({
      name: 'web',
      http: 'http://127.0.0.1/',
      interval: '10s',
      TIMEOUT: '1m30s',
      tls_skip_verify: true,
      deregister_critical_service_after: '90m',
      service_id: 'svc',
      header: { 'X-A': ['1', '2'] },
      outputmaxsize: 100,
    });
    expect(d).toMatchObject({
      name: 'web',
      http: 'http://127.0.0.1/',
      intervalMs: 10_000,
      timeoutMs: 90_000,
      tlsSkipVerify: true,
      deregisterCriticalServiceAfterMs: 5_400_000,
      serviceID: 'svc',
      header: { 'X-A': ['1', '2'] },
      outputMaxSize: 100,
    });
  });

  it('takes ScriptArgs, then args, then script_args', () => {
    expect(decodeCheckDefinition({ args: ['a'], script_args: ['b'] }).scriptArgs).toEqual(['a']);
    expect(decodeCheckDefinition({ script_args: ['b'] }).scriptArgs).toEqual(['b']);
    expect(decodeCheckDefinition({ ScriptArgs: ['c'], args: ['a'] }).scriptArgs).toEqual(['c']);
  });

  it('reads numbers as nanoseconds and ignores other duration types', () => {
    expect(decodeCheckDefinition({ TTL: 1500000000 }).ttlMs).toBe(1500);
    expect(decodeCheckDefinition({ TTL: [1] }).ttlMs).toBe(0);
  });

  it('prefers DeregisterCriticalServiceAfter over its snake_case form', () => {
    expect(decodeCheckDefinition({ deregister_critical_service_after: 'bad', DeregisterCriticalServiceAfter: '1m' }).deregisterCriticalServiceAfterMs).toBe(60_000);
  });

  it('decodes null to an empty definition', () => {
    expect(decodeCheckDefinition(null).name).toBe('');
  });
});

describe('checks inside a service registration (structs.CheckType)', () => {
  it('uses CheckID; ID and Token are unknown; ServiceID is accepted and ignored', () => {
    expect(() => decodeServiceCheck({ ID: 'c', TTL: '1s' }, 'Check')).toThrow(new CheckDecodeError('json: unknown field "ID"'));
    expect(() => decodeServiceCheck({ TTL: '1s', Token: 't' }, 'Checks')).toThrow('json: unknown field "Token"');
    const d = decodeServiceCheck({ CheckID: 'c1', TTL: '1s', ServiceID: 'yy', service_id: 'zz' }, 'Checks');
    expect(d.id).toBe('c1');
    expect(d.serviceID).toBe('');
  });

  it('names the service field in type errors, as Go 1.15 does', () => {
    expect(() => decodeServiceCheck({ CheckID: 'c', Name: 1 }, 'Check')).toThrow('json: cannot unmarshal number into Go struct field .Check of type string');
    expect(() => decodeServiceCheck({ Name: 1 }, 'Checks')).toThrow('json: cannot unmarshal number into Go struct field .Checks of type string');
  });

  it('drops an empty Check, validates the rest, then checks statuses', () => {
    const empty = decodeServiceCheck({}, 'Check');
    expect(serviceCheckTypes(empty, [])).toEqual([]);
    expect(() => serviceCheckTypes(undefined, [decodeServiceCheck({}, 'Checks')])).toThrow('Invalid check: TTL must be > 0 for TTL checks');
    expect(() => serviceCheckTypes(undefined, [decodeServiceCheck({ TTL: '1s', Status: 'bad' }, 'Checks')])).toThrow(
      "Status for checks must 'passing', 'warning', 'critical'",
    );
  });
});
