import { describe, expect, it } from 'vitest';
import { defaultSource, devSource } from './defaults.js';
import { buildRuntime } from './runtime.js';
import { ConfigError, keyPaths, mergeSources, validateSource } from './validate.js';

const host = { hostname: 'box', privateIPv4s: ['10.0.0.5'] };

describe('validateSource', () => {
  it("accepts Consul's keys, matching their names case-insensitively", () => {
    const out = validateSource('a.json', { Datacenter: 'east', ports: { HTTP: 9500 }, performance: { raft_multiplier: 2 } });
    expect(out).toEqual({ datacenter: 'east', ports: { http: 9500 }, performance: { raft_multiplier: 2 } });
  });

  it('names the file and every unknown key', () => {
    expect(() => validateSource('/etc/m/a.json', { datacenter: 'x', bogus: 1, ports: { htp: 1 } })).toThrow(
      new ConfigError('failed to parse /etc/m/a.json: invalid config key bogus; invalid config key ports.htp'),
    );
  });

  it('names the key and the expected type of a wrong value, without weak typing', () => {
    expect(() => validateSource('a.json', { ports: { http: '8500' } })).toThrow(
      "failed to parse a.json: 'ports.http' expected type 'int', got unconvertible type 'string', value: '8500'",
    );
    expect(() => validateSource('a.json', { server: 'yes' })).toThrow("'server' expected type 'bool'");
    expect(() => validateSource('a.json', { retry_join: [1] })).toThrow("'retry_join' expected type '[]string'");
  });

  it('unwraps one-element lists (HCL blocks) and wraps single blocks of list keys', () => {
    const out = validateSource('a.hcl', { ports: [{ dns: 53 }], services: { name: 'web' } });
    expect(out).toEqual({ ports: { dns: 53 }, services: [{ name: 'web' }] });
  });

  it('accepts the config file HashiCorp’s API test suite writes', () => {
    const suite = {
      node_name: 'node-abc',
      node_id: '9c1d5ac4-0e2f-4a5a-8c67-0d3f2f5d3a11',
      performance: { raft_multiplier: 1 },
      bootstrap: true,
      server: true,
      data_dir: '/tmp/x/data',
      segments: null,
      disable_update_check: true,
      log_level: 'debug',
      bind_addr: '127.0.0.1',
      addresses: {},
      ports: { dns: 20001, http: 20002, https: 20003, serf_lan: 20004, serf_wan: 20005, server: 20006 },
      acl: { tokens: {} },
      connect: { enabled: true, ca_config: { cluster_id: '11111111-2222-3333-4444-555555555555' } },
    };
    const merged = mergeSources(validateSource('defaults', defaultSource), validateSource('config.json', suite));
    const rt = buildRuntime(merged, host, false);
    expect(rt).toMatchObject({ nodeName: 'node-abc', server: true, bootstrap: true, logLevel: 'debug', raftMultiplier: 1 });
    expect(rt.ports.http).toBe(20002);
    expect(keyPaths(validateSource('config.json', suite))).toContain('connect.enabled');
  });
});

describe('mergeSources', () => {
  it('replaces scalars, merges objects and appends lists, as Consul does', () => {
    const a = { datacenter: 'a', ports: { http: 1, dns: 2 }, retry_join: ['x'] };
    const b = { datacenter: 'b', ports: { http: 3 }, retry_join: ['y'] };
    expect(mergeSources(a, b)).toEqual({ datacenter: 'b', ports: { http: 3, dns: 2 }, retry_join: ['x', 'y'] });
  });
});

describe('buildRuntime', () => {
  const base = validateSource('defaults', defaultSource);
  const build = (over: Record<string, unknown>, dev = false) => buildRuntime(mergeSources(base, validateSource('f.json', over)), host, dev);

  it("gives Consul's defaults", () => {
    const rt = build({ data_dir: '/d' });
    expect(rt).toMatchObject({ datacenter: 'dc1', domain: 'consul.', server: false, clientAddrs: ['127.0.0.1'], advertiseAddr: '10.0.0.5', raftMultiplier: 5 });
    expect(rt.ports).toEqual({ dns: 8600, http: 8500, https: -1, grpc: -1, serfLan: 8301, serfWan: 8302, server: 8300 });
    expect([rt.queryWaitMsDefault, rt.queryWaitMsMax]).toEqual([300_000, 600_000]);
    expect(rt.nodeName).toBe('box');
  });

  it('gives the dev defaults with -dev', () => {
    const rt = buildRuntime(mergeSources(base, validateSource('dev', devSource)), host, true);
    expect(rt).toMatchObject({ server: true, bootstrap: false, bindAddr: '127.0.0.1', advertiseAddr: '127.0.0.1', logLevel: 'debug', raftMultiplier: 1, uiEnabled: true });
    expect(rt.ports.grpc).toBe(8502);
  });

  it.each([
    [{}, 'data_dir cannot be empty'],
    [{ data_dir: '/d', bootstrap: true }, "'bootstrap = true' requires 'server = true'"],
    [{ data_dir: '/d', server: true, bootstrap: true, bootstrap_expect: 3 }, "'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive"],
    [{ data_dir: '/d', performance: { raft_multiplier: 11 } }, 'performance.raft_multiplier cannot be 11. Must be between 1 and 10'],
    [{ data_dir: '/d', encrypt: 'not*base64' }, 'encrypt has invalid key: illegal base64 data at input byte 3'],
    [{ data_dir: '/d', log_level: 'loud' }, 'Invalid log level: loud'],
    [{ data_dir: '/d', datacenter: 'a b' }, 'datacenter cannot be "a b"'],
    [{ data_dir: '/d', node_meta: { 'consul-x': 'y' } }, "Key prefix 'consul-' is reserved"],
    [{ data_dir: '/d', ports: { http: 70000 } }, 'ports.http must be between 1 and 65535 or -1 to disable, got 70000'],
    [{ data_dir: '/d', default_query_time: 'soon' }, 'default_query_time: invalid duration: "soon"'],
    // Consul: hashicorp/raft refuses it when the server starts ("Snapshot interval is too low").
    [{ data_dir: '/d', raft_snapshot_interval: '1ms' }, "raft_snapshot_interval is too low: 1ms (Raft's snapshot interval must be at least 5ms)"],
    // Consul turns a negative count into a huge uint64 (never snapshot, keep every entry).
    [{ data_dir: '/d', raft_trailing_logs: -5 }, 'raft_trailing_logs cannot be -5. Must be greater than or equal to zero'],
    [{ data_dir: '/d', raft_snapshot_threshold: -1 }, 'raft_snapshot_threshold cannot be -1. Must be greater than or equal to zero'],
    // Addresses, in Consul's words (checked against consul 1.8.7 validate).
    [{ data_dir: '/d', bind_addr: '1.2.3.4 5.6.7.8' }, "bind_addr cannot contain multiple addresses. Use 'addresses.{dns,http,https}' instead."],
    [{ data_dir: '/d', bind_addr: 'unix:///tmp/s' }, 'bind_addr cannot be a unix socket'],
    [{ data_dir: '/d', bind_addr: 'abc' }, 'bind_addr: invalid ip address: abc'], // Consul: "bind_addr cannot be empty"
    [{ data_dir: '/d', client_addr: 'unix:///tmp/s' }, '1 error occurred:\n\t* client_addr cannot be a unix socket\n\n'],
    [{ data_dir: '/d', client_addr: 'abc unix:///x', addresses: { http: 'zzz' } }, '2 errors occurred:\n\t* client_addr: invalid ip address: abc\n\t* addresses.http: invalid ip address: zzz\n\n'],
    [{ data_dir: '/d', addresses: { dns: 'unix:///tmp/s' } }, 'DNS address cannot be a unix socket'],
  ])('refuses %j: %s', (over, message) => {
    expect(() => build(over)).toThrow(message);
  });

  it('takes IPv4, IPv6 and [::] addresses, and unix sockets for the HTTP API (and for DNS when it is off)', () => {
    const rt = build({ data_dir: '/d', client_addr: '[::] 127.0.0.1 ::1', addresses: { http: 'unix:///tmp/a.sock 10.1.2.3', dns: 'unix:///tmp/d.sock' }, ports: { dns: -1 }, unix_sockets: { mode: '600', user: 'nobody', group: '0' } });
    expect(rt.clientAddrs).toEqual(['[::]', '127.0.0.1', '::1']);
    expect(rt.httpAddrs).toEqual(['unix:///tmp/a.sock', '10.1.2.3']);
    expect(rt.unixSockets).toEqual({ mode: '600', user: 'nobody', group: '0' });
  });

  it('refuses a 0.0.0.0 bind when the host has several private addresses', () => {
    const merged = mergeSources(base, validateSource('f.json', { data_dir: '/d' }));
    expect(() => buildRuntime(merged, { hostname: 'h', privateIPv4s: ['10.0.0.1', '10.0.0.2'] }, false)).toThrow('Multiple private IPv4 addresses found');
  });
});

describe('check key aliases', () => {
  it("accepts Consul's alternative spellings of check keys (ScriptArgs, ServiceID, ...)", () => {
    const out = validateSource('f.json', {
      check: { id: 'c', ScriptArgs: ['/bin/true'], interval: '10s', serviceid: 'web', TLSSkipVerify: true, DeregisterCriticalServiceAfter: '1m', DockerContainerID: 'x' },
    });
    expect(out['check']).toEqual({
      id: 'c',
      args: ['/bin/true'],
      interval: '10s',
      service_id: 'web',
      tls_skip_verify: true,
      deregister_critical_service_after: '1m',
      docker_container_id: 'x',
    });
    expect(() => validateSource('f.json', { check: { scriptarg: ['x'] } })).toThrow('invalid config key check.scriptarg');
  });
});

describe('legacy check script', () => {
  it('accepts a check\'s `script` (removed in Consul 1.1) wherever a check goes, and reports each use', () => {
    const legacy: string[] = [];
    const out = validateSource(
      'f.json',
      { check: { script: 'echo a', interval: '10s' }, service: { name: 'web', checks: [{ Script: 'echo b', interval: '10s' }] } },
      legacy,
    );
    expect(out['check']).toEqual({ script: 'echo a', interval: '10s' });
    expect(legacy).toEqual(['check.script', 'service.checks[0].script']);
    expect(() => validateSource('f.json', { service: { name: 'web', script: 'x' } })).toThrow('invalid config key service.script');
  });

});
