import { describe, expect, it } from 'vitest';
import { checkFromConfig, CheckConfigError } from './config.js';
import {
  checkKind,
  checkTypeName,
  effectiveOutputMaxSize,
  formatCheckDefinitionGo,
  initialHealthCheck,
  loadCheckErrorText,
  reapAfterMs,
  scriptCheckRefusal,
  serviceCheckIdentity,
  validateCheckType,
} from './definition.js';
import { parseGoDuration } from '../../lib/index.js';
import { emptyCheckDefinition, type CheckDefinition } from './types.js';

const def = (over: Partial<CheckDefinition>): CheckDefinition => ({ ...emptyCheckDefinition(), ...over });

describe('Go durations with Go 1.15 error texts', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['-1s', -1000],
    ['0', 0],
    ['1us', 0.001],
    ['1µs', 0.001],
    ['.5s', 500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toEqual({ ok: true, ms });
  });
  it.each([
    ['', 'time: invalid duration ""'],
    ['abc', 'time: invalid duration "abc"'],
    ['1.5', 'time: missing unit in duration "1.5"'],
    ['1x', 'time: unknown unit "x" in duration "1x"'],
    ['1µx', 'time: unknown unit "µx" in duration "1µx"'],
    ['.s', 'time: invalid duration ".s"'],
    ['99999999999h', 'time: invalid duration "99999999999h"'],
  ])('%j fails', (text, error) => {
    expect(parseGoDuration(text)).toEqual({ ok: false, error });
  });
});

describe('kinds and Type', () => {
  it.each<[Partial<CheckDefinition>, string | undefined, string]>([
    [{ ttlMs: 1000 }, 'ttl', 'ttl'],
    [{ http: 'http://x', intervalMs: 1000 }, 'http', 'http'],
    [{ tcp: 'x:1', intervalMs: 1000 }, 'tcp', 'tcp'],
    [{ scriptArgs: ['true'], intervalMs: 1000 }, 'script', 'script'],
    [{ scriptArgs: ['true'], dockerContainerID: 'c', intervalMs: 1000 }, 'docker', 'docker'],
    [{ grpc: 'x:1', intervalMs: 1000 }, 'grpc', 'grpc'],
    [{ aliasService: 'web' }, 'alias', 'alias'],
    [{ aliasNode: 'n1', intervalMs: 1000 }, 'alias', 'alias'],
    [{ grpc: 'x:1', http: 'http://x', intervalMs: 1000 }, 'http', 'grpc'],
  ])('%j', (over, kind, type) => {
    expect(checkKind(def(over))).toBe(kind);
    expect(checkTypeName(def(over))).toBe(type);
  });

  it('an alias_node check may have an interval (Consul accepts it)', () => {
    expect(validateCheckType(def({ aliasNode: 'n', intervalMs: 1000 }))).toBeUndefined();
  });
});

describe('agent rules', () => {
  it('registers critical unless a status is given, ID defaulting to the name', () => {
    expect(initialHealthCheck(def({ name: 'web', ttlMs: 1 }), 'n1')).toEqual({
      node: 'n1', checkID: 'web', name: 'web', status: 'critical', notes: '', output: '', serviceID: '', type: 'ttl',
    });
    expect(initialHealthCheck(def({ id: 'c', name: 'web', status: 'passing' }), 'n1')).toMatchObject({ checkID: 'c', status: 'passing' });
  });

  it("names a service's checks service:<id>[:n] and Service '<name>' check", () => {
    expect(serviceCheckIdentity(def({}), 0, 1, 'web-1', 'web')).toEqual({ checkID: 'service:web-1', name: "Service 'web' check" });
    expect(serviceCheckIdentity(def({}), 1, 2, 'web-1', 'web')).toEqual({ checkID: 'service:web-1:2', name: "Service 'web' check" });
    expect(serviceCheckIdentity(def({ id: 'c', name: 'n' }), 1, 2, 'web-1', 'web')).toEqual({ checkID: 'c', name: 'n' });
  });

  it("a check's output_max_size only lowers the agent's", () => {
    expect(effectiveOutputMaxSize(0, 0)).toBe(4096);
    expect(effectiveOutputMaxSize(4096, 100)).toBe(100);
    expect(effectiveOutputMaxSize(4096, 10_000)).toBe(4096);
  });

  it('refuses script checks with Consul texts', () => {
    const script = def({ scriptArgs: ['true'], intervalMs: 1000 });
    const off = { enableScriptChecks: false, enableLocalScriptChecks: false };
    expect(scriptCheckRefusal(script, 'local', off)).toBe(
      "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true",
    );
    expect(scriptCheckRefusal(script, 'remote', { ...off, enableLocalScriptChecks: true })).toBe(
      "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
    );
    expect(scriptCheckRefusal(script, 'local', { ...off, enableLocalScriptChecks: true })).toBeUndefined();
    expect(scriptCheckRefusal(script, 'remote', { ...off, enableScriptChecks: true })).toBeUndefined();
    expect(scriptCheckRefusal(def({ ttlMs: 1 }), 'remote', off)).toBeUndefined();
  });

  it('raises deregister_critical_service_after to the minimum', () => {
    expect(reapAfterMs(def({}))).toBeUndefined();
    expect(reapAfterMs(def({ deregisterCriticalServiceAfterMs: 1000 }))).toBe(60_000);
    expect(reapAfterMs(def({ deregisterCriticalServiceAfterMs: 90_000 }))).toBe(90_000);
  });

  it("prints a config check in a start-up error as Consul 1.8.7 did", () => {
    const d = checkFromConfig({ name: 'a', args: ['x'] });
    expect(loadCheckErrorText(d, validateCheckType(d)!)).toBe(
      "Failed to register check 'a': Interval must be > 0 for Script, HTTP, or TCP checks &{ a     [x]  map[]    0s    false false   0s 0s 0 0 0s 4096 {}}",
    );
    expect(formatCheckDefinitionGo(def({ header: { b: ['1', '2'], a: ['x'] }, intervalMs: 1000 }))).toContain('map[a:[x] b:[1 2]]    1s');
  });
});

describe('config files (Builder.checkVal)', () => {
  it('reads snake_case keys and defaults output_max_size to 4096', () => {
    const d = checkFromConfig({ id: 'c', name: 'n', http: 'http://x', interval: '10s', header: [{ A: ['b'] }], tls_skip_verify: true });
    expect(d).toMatchObject({ id: 'c', intervalMs: 10_000, header: { A: ['b'] }, tlsSkipVerify: true, outputMaxSize: 4096 });
  });

  it('translates the alias keys Consul knows', () => {
    expect(checkFromConfig({ ScriptArgs: ['a'], serviceid: 's' })).toMatchObject({ scriptArgs: ['a'], serviceID: 's' });
  });

  it('names the check and key of a bad duration (the last one wins)', () => {
    expect(() => checkFromConfig({ name: 'a', interval: 'abc' })).toThrow(
      new CheckConfigError('check[].interval: invalid duration: "abc": time: invalid duration "abc"'),
    );
    expect(() => checkFromConfig({ id: 'cid', interval: 'x', ttl: 'abc' })).toThrow('check[cid].ttl: invalid duration: "abc": time: invalid duration "abc"');
  });
});

describe('legacy script from a config file', () => {
  it('runs it as Consul 1.0 did: $SHELL -c script (args win when both are given)', () => {
    const shell = process.env['SHELL'] || '/bin/sh';
    expect(checkFromConfig({ script: 'echo a', interval: '10s' }).scriptArgs).toEqual([shell, '-c', 'echo a']);
    expect(checkFromConfig({ script: 'echo a', args: ['/bin/true'], interval: '10s' }).scriptArgs).toEqual(['/bin/true']);
  });
});
