import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type RuntimeConfig } from '../config/index.js';
import type { MemberInfo } from '../http/index.js';
import { banner } from './run.js';
import { debugConfig, selfDocument, type SelfFacts } from './self.js';

/** The reference transcripts recorded from Consul 1.8.7 (section 9: /v1/agent/self, section 11: the banner). */
const reference = readFileSync(new URL('../../docs/reference/consul-1.8.7-http-kv.md', import.meta.url), 'utf8');
const section = (from: string, to: string): string => reference.slice(reference.indexOf(from), reference.indexOf(to));

/** The dev agent's whole /v1/agent/self reply, as recorded. */
function consulSelf(): Record<string, Record<string, unknown>> {
  const s = section('## 9. /v1/agent/self', '## 10. CLI');
  const body = s.slice(s.indexOf('\n{', s.indexOf('> GET /v1/agent/self')));
  return JSON.parse(body.slice(0, body.indexOf('\n```'))) as Record<string, Record<string, unknown>>;
}

const consulNodeID = 'b5b35df0-3de9-2019-413c-ba515fbe3559';
/** The flags the recorded dev agent ran with (127.0.0.40, ports 40xxx). */
const recordedFlags = {
  bind_addr: '127.0.0.40',
  client_addr: '127.0.0.40',
  node_name: 'vm',
  ports: { http: 40500, dns: 40600, grpc: 40502, server: 40300, serf_lan: 40301, serf_wan: 40302 },
};

function config(dev: boolean, flags: Record<string, unknown>, hcl: string[] = []): RuntimeConfig {
  const { config: c } = loadConfig({ dev, paths: [], format: '', hcl, flags, host: { hostname: 'vm', privateIPv4s: [] } });
  c.nodeID = consulNodeID;
  return c;
}

function facts(c: RuntimeConfig, over: Partial<SelfFacts> = {}): SelfFacts {
  const member: MemberInfo = {
    name: c.nodeName, addr: c.advertiseAddr, port: c.ports.serfLan, tags: { role: c.server ? 'consul' : 'node' }, status: 1,
    protocolMin: 1, protocolMax: 5, protocolCur: 2, delegateMin: 2, delegateMax: 5, delegateCur: 4,
  };
  return { config: c, member, appliedIndex: 12, leaderAddr: c.server ? `${c.advertiseAddr}:${c.ports.server}` : '', stats: { services: 0, checks: 0 }, ...over };
}

describe('/v1/agent/self', () => {
  it('has Consul’s top-level keys in Consul’s order; no xDS, as Consul without a gRPC server', () => {
    const doc = selfDocument(facts(config(true, recordedFlags)));
    expect(Object.keys(doc)).toEqual(['Config', 'DebugConfig', 'Coord', 'Member', 'Stats', 'Meta']);
    expect(Object.keys(consulSelf())).toEqual([...Object.keys(doc), 'xDS']);
    expect(Object.keys(doc['Config'] as object)).toEqual(Object.keys(consulSelf()['Config']!));
    expect(doc['Config']).toMatchObject({ Datacenter: 'dc1', NodeName: 'vm', NodeID: consulNodeID, Server: true, Version: '1.8.7' });
    expect(doc['Coord']).toEqual(consulSelf()['Coord']);
    expect(JSON.stringify(doc['Coord'])).toContain('"Height":0.00001');
    expect(Object.keys(doc['Member'] as object)).toEqual(Object.keys(consulSelf()['Member']!));
  });

  it('DebugConfig of a dev agent is Consul’s, key for key and value for value, but for the features Muster lacks', () => {
    const c = config(true, recordedFlags);
    const ours = debugConfig(c);
    const theirs = consulSelf()['DebugConfig']!;
    expect(Object.keys(ours)).toHaveLength(206);
    expect(Object.keys(ours)).toEqual(Object.keys(theirs)); // the same keys, sorted as Go sorts a map
    const differing = Object.keys(theirs).filter((k) => JSON.stringify(ours[k]) !== JSON.stringify(theirs[k]));
    // Connect and the web UI are off in Muster; Revision names Muster's build; Bootstrap is
    // whatever Muster's -dev config says (Consul's -dev leaves it false).
    expect(differing.filter((k) => k !== 'Bootstrap')).toEqual(['ConnectEnabled', 'EnableUI', 'Revision']);
    expect(ours).toMatchObject({ Bootstrap: c.bootstrap, ConnectEnabled: false, EnableUI: false, Revision: expect.stringMatching(/^muster-/) });
  });

  it('DebugConfig shows the DNS settings from dns_config, domain, alt_domain and recursors', () => {
    const hcl = [
      'domain = "Example." alt_domain = "alt.example" recursors = ["8.8.8.8", "1.1.1.1:53", "8.8.8.8"]',
      'dns_config { node_ttl = "10s" service_ttl { "*" = "5s", web = "30s" } udp_answer_limit = 5 a_record_limit = 2 only_passing = true enable_truncate = true soa { retry = 300 } allow_stale = false max_stale = "1m" }',
    ];
    const d = debugConfig(config(false, { data_dir: '/tmp/x', bind_addr: '10.1.2.3', client_addr: '127.0.0.1 ::1' }, hcl));
    expect(d).toMatchObject({
      DNSAddrs: ['tcp://127.0.0.1:8600', 'tcp://[::1]:8600', 'udp://127.0.0.1:8600', 'udp://[::1]:8600'],
      DNSAllowStale: false,
      DNSAltDomain: 'alt.example',
      DNSARecordLimit: 2,
      DNSDomain: 'Example.',
      DNSEnableTruncate: true,
      DNSMaxStale: '1m0s',
      DNSNodeTTL: '10s',
      DNSOnlyPassing: true,
      DNSPort: 8600,
      DNSRecursorTimeout: '2s',
      DNSRecursors: ['8.8.8.8', '1.1.1.1:53'],
      DNSServiceTTL: { '*': '5s', web: '30s' },
      DNSSOA: { Expire: 86400, Minttl: 0, Refresh: 3600, Retry: 300 },
      DNSUDPAnswerLimit: 5,
      HTTPAddrs: ['tcp://127.0.0.1:8500', 'tcp://[::1]:8500'],
    });
    expect(Object.keys(d['DNSSOA'] as object)).toEqual(['Expire', 'Minttl', 'Refresh', 'Retry']);
  });

  it('DebugConfig of a non-dev server: Consul’s non-dev defaults, raft timeouts scaled by raft_multiplier, the autopilot block, WAN off', () => {
    const hcl = [
      'performance { raft_multiplier = 3 } session_ttl_min = "20s" node_meta { zone = "z", rack = "r1" } log_level = "warn" autopilot { cleanup_dead_servers = false, server_stabilization_time = "3s", max_trailing_logs = 99 }',
      'raft_snapshot_threshold = 500 raft_snapshot_interval = "90s" raft_trailing_logs = 64',
    ];
    const d = debugConfig(config(false, { server: true, bootstrap: true, data_dir: '/tmp/x', bind_addr: '10.1.2.3', ports: { serf_wan: -1 } }, hcl));
    expect(d).toMatchObject({
      AutopilotCleanupDeadServers: false,
      AutopilotLastContactThreshold: '200ms',
      AutopilotMaxTrailingLogs: 99,
      AutopilotServerStabilizationTime: '3s',
      Bootstrap: true,
      ConsulRaftElectionTimeout: '3s',
      ConsulRaftHeartbeatTimeout: '3s',
      ConsulRaftLeaderLeaseTimeout: '1.5s',
      ConsulCoordinateUpdatePeriod: '5s',
      DataDir: '/tmp/x',
      DevMode: false,
      GossipLANProbeInterval: '1s',
      GossipWANSuspicionMult: 6,
      GRPCPort: -1,
      GRPCAddrs: [],
      LeaveOnTerm: false,
      Logging: { LogLevel: 'warn', LogJSON: false },
      NodeMeta: { rack: 'r1', zone: 'z' },
      RPCAdvertiseAddr: 'tcp://10.1.2.3:8300',
      RaftSnapshotInterval: '1m30s',
      RaftSnapshotThreshold: 500,
      RaftTrailingLogs: 64,
      SerfAdvertiseAddrWAN: '',
      SerfBindAddrWAN: '',
      SerfPortWAN: -1,
      SessionTTLMin: '20s',
      SkipLeaveOnInt: true,
      TaggedAddresses: { lan: '10.1.2.3', lan_ipv4: '10.1.2.3', wan: '10.1.2.3', wan_ipv4: '10.1.2.3' },
    });
    expect(Object.keys(d['NodeMeta'] as object)).toEqual(['rack', 'zone']);
    // Consul shows an unset session_ttl_min as 0s (its 10s default applies later).
    expect(debugConfig(config(true, {}))['SessionTTLMin']).toBe('0s');
    // Unset Raft snapshot settings show as 0 (Raft's own defaults apply), as in Consul.
    expect(debugConfig(config(true, {}))).toMatchObject({ RaftSnapshotInterval: '0s', RaftSnapshotThreshold: 0, RaftTrailingLogs: 0 });
  });

  it('DebugConfig lists config-file services and checks as structs.ServiceDefinition and CheckDefinition', () => {
    const hcl = [
      'service { name = "web" port = 80 tags = ["a"] check { ttl = "30s" } }',
      'check { id = "c1" name = "c1" ttl = "10s" token = "secret" deregister_critical_service_after = "90m" }',
    ];
    const d = debugConfig(config(true, {}, hcl));
    const zeroCheck = {
      AliasNode: '', AliasService: '', Body: '', CheckID: '', DeregisterCriticalServiceAfter: '0s', DockerContainerID: '', FailuresBeforeCritical: 0, GRPC: '',
      GRPCUseTLS: false, HTTP: '', Header: {}, Interval: '0s', Method: '', Name: '', Notes: '', OutputMaxSize: 0, ProxyGRPC: '', ProxyHTTP: '', ScriptArgs: [],
      Shell: '', Status: '', SuccessBeforePassing: 0, TCP: '', TLSSkipVerify: false, TTL: '0s', Timeout: '0s',
    };
    expect(d['Services']).toEqual([
      {
        Address: '', Check: zeroCheck, Checks: [{ ...zeroCheck, OutputMaxSize: 4096, TTL: '30s' }], Connect: null, EnableTagOverride: false, EnterpriseMeta: {},
        ID: '', Kind: '', Meta: {}, Name: 'web', Port: 80, Proxy: null, TaggedAddresses: {}, Tags: ['a'], Token: 'hidden', Weights: { Passing: 1, Warning: 1 },
      },
    ]);
    const { CheckID: _c, ProxyGRPC: _g, ProxyHTTP: _h, ...checkDefinition } = zeroCheck;
    expect(d['Checks']).toEqual([
      { ...checkDefinition, DeregisterCriticalServiceAfter: '1h30m0s', EnterpriseMeta: {}, ID: 'c1', Name: 'c1', OutputMaxSize: 4096, ServiceID: '', TTL: '10s', Token: 'hidden' },
    ]);
    expect(JSON.stringify(d)).not.toContain('secret');
  });

  it('Stats of a server have Consul’s sections and keys, every value a string', () => {
    const doc = selfDocument(facts(config(true, recordedFlags), { stats: { services: 2, checks: 3, checkTtls: 1 } }));
    const stats = doc['Stats'] as Record<string, Record<string, string>>;
    const theirs = consulSelf()['Stats'] as Record<string, Record<string, string>>;
    expect(Object.keys(stats)).toEqual(Object.keys(theirs));
    for (const name of Object.keys(theirs)) expect(Object.keys(stats[name]!)).toEqual(Object.keys(theirs[name]!));
    for (const section of Object.values(stats)) for (const v of Object.values(section)) expect(typeof v).toBe('string');
    expect(stats['agent']).toEqual({ check_monitors: '0', check_ttls: '1', checks: '3', services: '2' });
    expect(stats['consul']).toMatchObject({ acl: 'disabled', leader: 'true', leader_addr: '127.0.0.40:40300', server: 'true' });
    expect(stats['raft']).toMatchObject({ applied_index: '12', state: 'Leader', latest_configuration: `[{Suffrage:Voter ID:${consulNodeID} Address:127.0.0.40:40300}]` });
    expect(stats['build']).toMatchObject({ prerelease: '', version: '1.8.7' });
  });

  it('Stats of a follower in a Raft cluster: its term, indexes, last contact, peers and configuration', () => {
    const c = config(true, recordedFlags);
    const servers = [
      { id: c.nodeID, node: 'a', address: '127.0.0.40:40300', voter: true, leader: false },
      { id: 'b-id', node: 'b', address: '127.0.0.41:8300', voter: true, leader: true },
      { id: 'c-id', node: 'c', address: '127.0.0.42:8300', voter: false, leader: false },
    ];
    const raft = { stats: { term: 4, lastIndex: 30, commitIndex: 29, appliedIndex: 29, lastSnapshotIndex: 16, state: 'Follower' as const }, configuration: { index: 7, servers }, lastContactMs: 42 };
    const stats = selfDocument(facts(c, { raft, appliedIndex: 29, leaderAddr: '127.0.0.41:8300' }))['Stats'] as Record<string, Record<string, string>>;
    expect(stats['raft']).toMatchObject({
      applied_index: '29', commit_index: '29', last_log_index: '30', term: '4', last_snapshot_index: '16', last_contact: '42ms',
      num_peers: '1', state: 'Follower', latest_configuration_index: '7',
      latest_configuration: `[{Suffrage:Voter ID:${c.nodeID} Address:127.0.0.40:40300} {Suffrage:Voter ID:b-id Address:127.0.0.41:8300} {Suffrage:Nonvoter ID:c-id Address:127.0.0.42:8300}]`,
    });
    expect(stats['consul']).toMatchObject({ leader: 'false', leader_addr: '127.0.0.41:8300' });
  });

  it('Stats of a client: no raft, no WAN pool, known_servers instead of the leader', () => {
    const c = config(false, { data_dir: '/tmp/x', bind_addr: '10.1.2.3' });
    const stats = selfDocument(facts(c))['Stats'] as Record<string, Record<string, string>>;
    expect(Object.keys(stats)).toEqual(['agent', 'build', 'consul', 'runtime', 'serf_lan']);
    expect(stats['consul']).toEqual({ acl: 'disabled', known_servers: '0', server: 'false' });
    const wanOff = selfDocument(facts(config(true, { ports: { serf_wan: -1 } })))['Stats'] as Record<string, unknown>;
    expect(Object.keys(wanOff)).not.toContain('serf_wan');
  });

  it('Meta carries the node meta beside consul-network-segment, sorted', () => {
    const doc = selfDocument(facts(config(true, { node_meta: { zone: 'z', a: '1' } })));
    expect(JSON.stringify(doc['Meta'])).toBe('{"a":"1","consul-network-segment":"","zone":"z"}');
  });
});

describe('banner', () => {
  it('prints Consul’s rows line for line (Version names Muster and the Consul API it speaks)', () => {
    const s = section('### Startup banner and first lines of the dev agent log', '### Shutdown log');
    const recorded = s.slice(s.indexOf('==> Starting Consul agent...\n') + '==> Starting Consul agent...\n'.length, s.indexOf('\n\n==> Log data'));
    const c = config(true, recordedFlags);
    const ours = banner(c).split('\n').slice(0, -1);
    const theirs = recorded.split('\n');
    expect(ours).toHaveLength(theirs.length);
    expect(ours[0]).toMatch(/^ {11}Version: '\d+\.\d+\.\d+' \(Consul API 1\.8\.7\)$/);
    expect(ours[4]).toBe(`            Server: true (Bootstrap: ${c.bootstrap})`);
    expect(ours.filter((_, i) => i !== 0 && i !== 4)).toEqual(theirs.filter((_, i) => i !== 0 && i !== 4));
  });

  it('is not printed with -log-json, as Consul gates it', () => {
    expect(banner(config(true, { log_json: true }))).toBe('');
  });
});
