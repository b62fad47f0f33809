import { describe, expect, it } from 'vitest';
import { defaultSource } from './defaults.js';
import { buildRuntime } from './runtime.js';
import { mergeSources, validateSource } from './validate.js';

const host = { hostname: 'box', privateIPv4s: ['10.0.0.5'] };
const base = validateSource('defaults', defaultSource);
const dnsOf = (over: Record<string, unknown>) => buildRuntime(mergeSources(base, validateSource('f.json', { data_dir: '/d', ...over })), host, false).dns;

describe('DNS settings', () => {
  it("gives Consul's defaults", () => {
    expect(dnsOf({})).toMatchObject({
      addrs: ['127.0.0.1'],
      domain: 'consul.',
      altDomain: '',
      recursors: [],
      recursorTimeoutMs: 2000,
      allowStale: true,
      maxStaleMs: 87600 * 3600 * 1000,
      nodeTtlMs: 0,
      onlyPassing: false,
      enableTruncate: false,
      udpAnswerLimit: 3,
      aRecordLimit: 0,
      nodeMetaTxt: true,
      disableCompression: false,
      soa: { refresh: 3600, retry: 600, expire: 86400, minttl: 0 },
    });
  });

  it('reads dns_config, domains, recursors and addresses.dns', () => {
    const d = dnsOf({
      domain: 'Foo',
      alt_domain: 'alt.example',
      recursors: ['1.1.1.1', '10.0.0.1:5353 10.0.0.2', '1.1.1.1'],
      addresses: { dns: '127.0.0.2 127.0.0.3' },
      dns_config: {
        node_ttl: '10s',
        service_ttl: { '*': '5s', web: '30s' },
        only_passing: true,
        enable_truncate: true,
        udp_answer_limit: 5,
        a_record_limit: 2,
        enable_additional_node_meta_txt: false,
        recursor_timeout: '500ms',
        soa: { min_ttl: 30 },
      },
    });
    expect(d).toMatchObject({ domain: 'foo.', altDomain: 'alt.example.', addrs: ['127.0.0.2', '127.0.0.3'], nodeTtlMs: 10_000, onlyPassing: true });
    expect(d.recursors).toEqual(['1.1.1.1', '10.0.0.1:5353', '10.0.0.2']);
    expect([...d.serviceTtlMs]).toEqual([['*', 5000], ['web', 30_000]]);
    expect([d.udpAnswerLimit, d.aRecordLimit, d.nodeMetaTxt, d.recursorTimeoutMs]).toEqual([5, 2, false, 500]);
    expect(d.soa).toEqual({ refresh: 3600, retry: 600, expire: 86400, minttl: 30 });
  });

  it("refuses what Consul refuses, in Consul's words", () => {
    expect(() => dnsOf({ dns_config: { udp_answer_limit: -1 } })).toThrow('dns_config.udp_answer_limit cannot be -1. Must be greater than or equal to zero');
    expect(() => dnsOf({ dns_config: { a_record_limit: -2 } })).toThrow('dns_config.a_record_limit cannot be -2. Must be greater than or equal to zero');
    expect(() => dnsOf({ alt_domain: 'service.consul' })).toThrow('alt_domain cannot start with {service,connect,node,query,addr,dc1}');
    expect(() => dnsOf({ alt_domain: 'dc1.example' })).toThrow('alt_domain cannot start with');
    expect(() => dnsOf({ recursors: ['unix:///tmp/s'] })).toThrow('DNS Recursors cannot be unix sockets: unix:///tmp/s');
    expect(() => dnsOf({ recursors: ['0.0.0.0'] })).toThrow('DNS recursor address cannot be 0.0.0.0, :: or [::]');
    expect(() => dnsOf({ dns_config: { node_ttl: 'soon' } })).toThrow('dns_config.node_ttl: invalid duration: "soon"');
    expect(() => dnsOf({ dns_config: { service_ttl: { web: '5x' } } })).toThrow('dns_config.service_ttl["web"]: invalid duration: "5x"');
  });
});
