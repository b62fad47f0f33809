/**
 * The /v1/agent/self document, in Consul 1.8.7's shape (agent/agent_endpoint.go AgentSelf):
 * `Config`, `DebugConfig` (RuntimeConfig.Sanitized(): all 206 keys, maps sorted, durations as Go
 * prints them, secrets "hidden"), `Coord`, `Member`, `Stats`, `Meta`; `xDS` only exists with a
 * gRPC server, which Muster does not have, so it is left out as Consul leaves it out.
 *
 * Values Muster acts on come from its runtime config; a setting of a feature Muster does not
 * have shows the value Consul shows with that feature off or at its default (for the same
 * -dev / non-dev mode). Version fields say Consul's API version; Revision says Muster's.
 */
import { arch, availableParallelism } from 'node:os';
import type { RuntimeConfig } from '../config/index.js';
import { memberJson, type MemberInfo } from '../http/index.js';
import { formatDurationMs } from '../lib/index.js';
import type { RaftConfigurationView, RaftStats } from '../server/index.js';
import { checkFromConfig } from './checks/config.js';
import type { CheckDefinition } from './checks/types.js';
import { serviceFromConfig } from './service-definition.js';
import { consulApiVersion, musterVersion } from './version.js';

export interface SelfFacts {
  config: RuntimeConfig;
  member: MemberInfo;
  appliedIndex: number;
  leaderAddr: string;
  /** A client agent's count of servers it knows. */
  knownServers?: number;
  /** A server's Raft as it stands (absent: this server alone, as -dev). */
  raft?: { stats: RaftStats; configuration: RaftConfigurationView; lastContactMs: number };
  /** Local services and checks; script (`check_monitors`) and TTL checks when known. */
  stats: { services: number; checks: number; checkMonitors?: number; checkTtls?: number };
}

const revision = `muster-${musterVersion}`;
/** Consul's session_ttl_min when unset (consul.DefaultConfig); its DebugConfig then shows 0s. */
const sessionTtlMinMsDefault = 10_000;
/** Consul's default raft timeouts (hashicorp/raft DefaultConfig, and DevConsulSource for -dev), before raft_multiplier. */
const raftTimeoutsMs = { dev: [52, 35, 20], prod: [1000, 1000, 500] } as const;

export function selfDocument(f: SelfFacts): Record<string, unknown> {
  const c = f.config;
  return {
    Config: {
      Datacenter: c.datacenter,
      NodeName: c.nodeName,
      NodeID: c.nodeID,
      Revision: revision,
      Server: c.server,
      Version: consulApiVersion,
    },
    DebugConfig: debugConfig(c),
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: memberJson(f.member),
    Stats: stats(f),
    Meta: sortKeys({ ...c.nodeMeta, 'consul-network-segment': '' }),
  };
}

/** RuntimeConfig.Sanitized(): every key, sorted as Go's encoding/json sorts a map. */
export function debugConfig(c: RuntimeConfig): Record<string, unknown> {
  return sortKeys({
    ...featureOff,
    ...modeDefaults(c),
    ...agentSettings(c),
    ...addressSettings(c),
    ...dnsSettings(c),
    ...autopilotSettings(c),
    ...definitions(c),
  }) as Record<string, unknown>;
}

/** The `autopilot` block as Consul's RuntimeConfig shows it. */
function autopilotSettings(c: RuntimeConfig): Record<string, unknown> {
  const a = c.autopilot;
  return {
    AutopilotCleanupDeadServers: a.cleanupDeadServers,
    AutopilotDisableUpgradeMigration: a.disableUpgradeMigration,
    AutopilotLastContactThreshold: formatDurationMs(a.lastContactThresholdMs),
    AutopilotMaxTrailingLogs: a.maxTrailingLogs,
    AutopilotMinQuorum: a.minQuorum,
    AutopilotRedundancyZoneTag: a.redundancyZoneTag,
    AutopilotServerStabilizationTime: formatDurationMs(a.serverStabilizationTimeMs),
    AutopilotUpgradeVersionTag: a.upgradeVersionTag,
  };
}

function agentSettings(c: RuntimeConfig): Record<string, unknown> {
  const raw = c.raw;
  return {
    ACLDatacenter: c.primaryDatacenter,
    ACLDefaultPolicy: c.acl.defaultPolicy,
    ACLDownPolicy: c.acl.downPolicy,
    ACLEnableKeyListPolicy: c.acl.enableKeyListPolicy,
    ACLsEnabled: c.acl.enabled,
    Bootstrap: c.bootstrap,
    BootstrapExpect: c.bootstrapExpect,
    CheckOutputMaxSize: c.checkOutputMaxSize,
    CheckUpdateInterval: formatDurationMs(c.checkUpdateIntervalMs),
    DataDir: c.dataDir,
    Datacenter: c.datacenter,
    DefaultQueryTime: formatDurationMs(c.queryWaitMsDefault),
    DevMode: c.devMode,
    DisableAnonymousSignature: raw['disable_anonymous_signature'] === true,
    DisableHostNodeID: c.disableHostNodeID,
    DisableRemoteExec: c.disableRemoteExec,
    DisableUpdateCheck: raw['disable_update_check'] === true,
    EnableDebug: c.enableDebug,
    EnableLocalScriptChecks: c.enableLocalScriptChecks,
    EnableRemoteScriptChecks: c.enableScriptChecks,
    KVMaxValueSize: c.kvValueBytesMax,
    RaftSnapshotInterval: formatDurationMs(c.raftSnapshot.intervalMs),
    RaftSnapshotThreshold: c.raftSnapshot.threshold,
    RaftTrailingLogs: c.raftSnapshot.trailingLogs,
    UnixSocketGroup: c.unixSockets.group,
    UnixSocketMode: c.unixSockets.mode,
    UnixSocketUser: c.unixSockets.user,
    // Consul's -dev / server defaults: servers skip the leave on SIGINT, clients leave on SIGTERM.
    LeaveOnTerm: !c.server,
    Logging: {
      EnableSyslog: false,
      LogFilePath: '',
      LogJSON: c.logJson,
      LogLevel: typeof raw['log_level'] === 'string' ? raw['log_level'] : c.logLevel.toUpperCase(),
      LogRotateBytes: 0,
      LogRotateDuration: '0s',
      LogRotateMaxFiles: 0,
      Name: '',
      SyslogFacility: 'LOCAL0',
    },
    MaxQueryTime: formatDurationMs(c.queryWaitMsMax),
    NodeID: c.nodeID,
    NodeMeta: { ...c.nodeMeta },
    NodeName: c.nodeName,
    PidFile: c.pidFile,
    PrimaryDatacenter: c.primaryDatacenter,
    Revision: revision,
    ServerMode: c.server,
    SessionTTLMin: c.sessionTtlMinMs === sessionTtlMinMsDefault ? '0s' : formatDurationMs(c.sessionTtlMinMs),
    SkipLeaveOnInt: c.server,
    Telemetry: { ...telemetryOff, PrometheusRetentionTime: formatDurationMs(c.prometheusRetentionMs) },
    TxnMaxReqLen: c.txnRequestBytesMax,
    Version: consulApiVersion,
  };
}

/** A net.Addr as Sanitized() prints it: `tcp://1.2.3.4:8500`, `tcp://[::1]:8500`, `unix:///path`. */
function netAddr(scheme: string, ip: string, port: number): string {
  if (ip.startsWith('unix://')) return ip;
  return `${scheme}://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

function addressSettings(c: RuntimeConfig): Record<string, unknown> {
  const p = c.ports;
  const adv = c.advertiseAddr;
  const family = adv.includes(':') ? 'ipv6' : 'ipv4';
  const wanOn = p.serfWan >= 0;
  return {
    AdvertiseAddrLAN: adv,
    AdvertiseAddrWAN: adv,
    BindAddr: c.bindAddr,
    ClientAddrs: [...c.clientAddrs],
    // ports.grpc and ports.https as configured (the banner shows them too); Muster serves neither yet.
    GRPCAddrs: p.grpc > 0 ? c.clientAddrs.map((a) => netAddr('tcp', a, p.grpc)) : [],
    GRPCPort: p.grpc,
    HTTPAddrs: p.http > 0 ? c.httpAddrs.map((a) => netAddr('tcp', a, p.http)) : [],
    HTTPPort: p.http,
    HTTPSAddrs: p.https > 0 ? c.clientAddrs.map((a) => netAddr('tcp', a, p.https)) : [],
    HTTPSPort: p.https,
    RPCAdvertiseAddr: netAddr('tcp', adv, p.server),
    RPCBindAddr: netAddr('tcp', c.bindAddr, p.server),
    SerfAdvertiseAddrLAN: netAddr('tcp', adv, p.serfLan),
    SerfAdvertiseAddrWAN: wanOn ? netAddr('tcp', adv, p.serfWan) : '',
    SerfBindAddrLAN: netAddr('tcp', c.bindAddr, p.serfLan),
    SerfBindAddrWAN: wanOn ? netAddr('tcp', c.bindAddr, p.serfWan) : '',
    SerfPortLAN: p.serfLan,
    SerfPortWAN: p.serfWan,
    ServerPort: p.server,
    TaggedAddresses: { lan: adv, [`lan_${family}`]: adv, wan: adv, [`wan_${family}`]: adv },
  };
}

function dnsSettings(c: RuntimeConfig): Record<string, unknown> {
  const d = c.dns;
  const port = c.ports.dns;
  const on = port > 0 ? d.addrs : [];
  return {
    DNSARecordLimit: d.aRecordLimit,
    // Consul lists every TCP address, then the same addresses over UDP.
    DNSAddrs: [...on.map((a) => netAddr('tcp', a, port)), ...on.filter((a) => !a.startsWith('unix://')).map((a) => netAddr('udp', a, port))],
    DNSAllowStale: d.allowStale,
    // Consul shows domain and alt_domain as written; its DNS server qualifies them.
    DNSAltDomain: typeof c.raw['alt_domain'] === 'string' ? c.raw['alt_domain'] : '',
    DNSDisableCompression: d.disableCompression,
    DNSDomain: typeof c.raw['domain'] === 'string' ? c.raw['domain'] : c.domain,
    DNSEnableTruncate: d.enableTruncate,
    DNSMaxStale: formatDurationMs(d.maxStaleMs),
    DNSNodeMetaTXT: d.nodeMetaTxt,
    DNSNodeTTL: formatDurationMs(d.nodeTtlMs),
    DNSOnlyPassing: d.onlyPassing,
    DNSPort: port,
    DNSRecursorTimeout: formatDurationMs(d.recursorTimeoutMs),
    DNSRecursors: [...d.recursors],
    DNSSOA: { Expire: d.soa.expire, Minttl: d.soa.minttl, Refresh: d.soa.refresh, Retry: d.soa.retry },
    DNSServiceTTL: Object.fromEntries([...d.serviceTtlMs].map(([name, ms]) => [name, formatDurationMs(ms)])),
    DNSUDPAnswerLimit: d.udpAnswerLimit,
  };
}

/** Gossip, Raft and coordinate tuning Muster does not have: Consul's defaults for -dev or not. */
function modeDefaults(c: RuntimeConfig): Record<string, unknown> {
  const dev = c.devMode;
  const m = c.raftMultiplier;
  const [election, heartbeat, lease] = dev ? raftTimeoutsMs.dev : raftTimeoutsMs.prod;
  const gossip = (lan: boolean): Record<string, unknown> => {
    const pre = lan ? 'GossipLAN' : 'GossipWAN';
    const [interval, probe, timeout, suspicion] = dev ? ['100ms', '100ms', '100ms', 3] : lan ? ['200ms', '1s', '500ms', 4] : ['500ms', '5s', '3s', 6];
    return {
      [`${pre}GossipInterval`]: interval,
      [`${pre}GossipNodes`]: 3,
      [`${pre}ProbeInterval`]: probe,
      [`${pre}ProbeTimeout`]: timeout,
      [`${pre}RetransmitMult`]: 4,
      [`${pre}SuspicionMult`]: suspicion,
    };
  };
  return {
    ConsulCoordinateUpdatePeriod: dev ? '100ms' : '5s',
    ConsulRaftElectionTimeout: formatDurationMs(election * m),
    ConsulRaftHeartbeatTimeout: formatDurationMs(heartbeat * m),
    ConsulRaftLeaderLeaseTimeout: formatDurationMs(lease * m),
    ConsulServerHealthInterval: dev ? '10ms' : '2s',
    DisableKeyringFile: dev,
    ...gossip(true),
    ...gossip(false),
  };
}

/** The `service` and `check` blocks of the config files, as structs.ServiceDefinition and CheckDefinition. */
function definitions(c: RuntimeConfig): Record<string, unknown> {
  const services: unknown[] = [];
  for (const raw of c.services) {
    try {
      const { service: s, checks } = serviceFromConfig(raw);
      services.push({
        Address: s.address,
        Check: checkType(undefined),
        Checks: checks.map((d) => checkType(d)),
        Connect: null,
        EnableTagOverride: s.enableTagOverride,
        EnterpriseMeta: {},
        ID: s.id,
        Kind: s.kind,
        Meta: { ...s.meta },
        Name: s.service,
        Port: s.port,
        Proxy: null,
        TaggedAddresses: Object.fromEntries(Object.entries(s.taggedAddresses).map(([k, a]) => [k, { Address: a.address, Port: a.port }])),
        Tags: [...s.tags],
        Token: 'hidden',
        Weights: { Passing: s.weights.passing, Warning: s.weights.warning },
      });
    } catch {
      // A block the agent refused at start-up; it is not part of the running config.
    }
  }
  const checks: unknown[] = [];
  for (const raw of c.checks) {
    try {
      const d = checkFromConfig(raw);
      const { CheckID: _id, ProxyGRPC: _g, ProxyHTTP: _h, ...common } = checkType(d);
      checks.push({ ...common, EnterpriseMeta: {}, ID: d.id, ServiceID: d.serviceID, Token: 'hidden' });
    } catch {
      // as above
    }
  }
  return { Checks: checks, Services: services };
}

/** structs.CheckType (a service's check); `undefined` is the zero value of a service's `Check`. */
function checkType(d: CheckDefinition | undefined): Record<string, unknown> {
  const ms = (v: number | undefined): string => formatDurationMs(v ?? 0);
  return {
    AliasNode: d?.aliasNode ?? '',
    AliasService: d?.aliasService ?? '',
    Body: d?.body ?? '',
    CheckID: d?.id ?? '',
    DeregisterCriticalServiceAfter: ms(d?.deregisterCriticalServiceAfterMs),
    DockerContainerID: d?.dockerContainerID ?? '',
    FailuresBeforeCritical: d?.failuresBeforeCritical ?? 0,
    GRPC: d?.grpc ?? '',
    GRPCUseTLS: d?.grpcUseTLS ?? false,
    HTTP: d?.http ?? '',
    Header: { ...d?.header },
    Interval: ms(d?.intervalMs),
    Method: d?.method ?? '',
    Name: d?.name ?? '',
    Notes: d?.notes ?? '',
    OutputMaxSize: d?.outputMaxSize ?? 0,
    ProxyGRPC: '',
    ProxyHTTP: '',
    ScriptArgs: [...(d?.scriptArgs ?? [])],
    Shell: d?.shell ?? '',
    Status: d?.status ?? '',
    SuccessBeforePassing: d?.successBeforePassing ?? 0,
    TCP: d?.tcp ?? '',
    TLSSkipVerify: d?.tlsSkipVerify ?? false,
    TTL: ms(d?.ttlMs),
    Timeout: ms(d?.timeoutMs),
  };
}

const telemetryOff: Record<string, unknown> = {
  ...fill([], ['AllowedPrefixes', 'BlockedPrefixes', 'DogstatsdTags']),
  ...fill('', ['APIApp', 'APIURL', 'BrokerID', 'BrokerSelectTag', 'CheckDisplayName', 'CheckForceMetricActivation', 'CheckID', 'CheckInstanceID', 'CheckSearchTag', 'CheckTags', 'SubmissionInterval', 'SubmissionURL'].map((k) => `Circonus${k}`)),
  ...fill('', ['DogstatsdAddr', 'StatsdAddr', 'StatsiteAddr']),
  ...fill(false, ['Disable', 'DisableHostname']),
  CirconusAPIToken: 'hidden',
  FilterDefault: true,
  MetricsPrefix: 'consul',
};

/** Each key given the same value (a fresh copy of an empty list or map). */
function fill(value: unknown, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, Array.isArray(value) ? [] : typeof value === 'object' && value !== null ? {} : value]));
}

/** Settings of features Muster does not have (ACL replication, TLS, Connect, autopilot, joins, segments, ...), at Consul's defaults. */
const featureOff: Record<string, unknown> = {
  ...fill('hidden', ['ACLAgentMasterToken', 'ACLAgentToken', 'ACLMasterToken', 'ACLReplicationToken', 'ACLToken', 'EncryptKey', 'KeyFile']),
  ...fill('', ['CAFile', 'CAPath', 'CertFile', 'ConnectCAProvider', 'SegmentName', 'ServerName', 'UIDir', 'VersionPrerelease']),
  ...fill(false, [
    'ACLEnableKeyListPolicy', 'ACLEnableTokenPersistence', 'ACLTokenReplication', 'ACLsEnabled', 'AutoEncryptAllowTLS', 'AutoEncryptTLS',
    'ConnectEnabled', 'ConnectMeshGatewayWANFederationEnabled', 'DNSUseCache', 'DisableCoordinates',
    'DisableHTTPUnprintableCharFilter', 'DiscardCheckOutput', 'EnableAgentTLSForChecks', 'EnableCentralServiceConfig', 'EnableUI', 'NonVotingServer',
    'RejoinAfterLeave', 'TLSPreferServerCipherSuites', 'TranslateWANAddrs', 'VerifyIncoming', 'VerifyIncomingHTTPS', 'VerifyIncomingRPC', 'VerifyOutgoing',
    'VerifyServerHostname',
  ]),
  ...fill([], [
    'AllowWriteHTTPFrom', 'AutoEncryptDNSSAN', 'AutoEncryptIPSAN', 'ConfigEntryBootstrap', 'HTTPBlockEndpoints', 'PrimaryGateways', 'RetryJoinLAN',
    'RetryJoinWAN', 'Segments', 'SerfAllowedCIDRsLAN', 'SerfAllowedCIDRsWAN', 'StartJoinAddrsLAN', 'StartJoinAddrsWAN', 'TLSCipherSuites', 'Watches',
  ]),
  ...fill({}, ['ConnectCAConfig', 'EnterpriseRuntimeConfig', 'HTTPResponseHeaders']),
  ...fill(0, ['RaftProtocol', 'RetryJoinMaxAttemptsLAN', 'RetryJoinMaxAttemptsWAN']),
  ...fill('0s', ['ACLRoleTTL', 'ConnectTestCALeafRootChangeSpread', 'DNSCacheMaxAge', 'DiscoveryMaxStale', 'ReconnectTimeoutLAN', 'ReconnectTimeoutWAN']),
  ...fill('30s', ['ACLPolicyTTL', 'ACLTokenTTL', 'CheckReapInterval', 'PrimaryGatewaysInterval', 'RetryJoinIntervalLAN', 'RetryJoinIntervalWAN']),
  ...fill('5s', ['HTTPSHandshakeTimeout', 'LeaveDrainTime', 'RPCHandshakeTimeout']),
  ...fill(true, ['DisableRemoteExec', 'EncryptVerifyIncoming', 'EncryptVerifyOutgoing', 'HTTPUseCache']),
  ...fill(64, ['SegmentLimit', 'SegmentNameLimit', 'SyncCoordinateRateTarget']),
  ACLDefaultPolicy: 'allow',
  ACLDisabledTTL: '2m0s',
  ACLDownPolicy: 'extend-cache',
  AEInterval: '1m0s',
  AutoConfig: {
    Authorizer: {
      AllowReuse: false,
      AuthMethod: {
        ACLAuthMethodEnterpriseFields: {},
        Config: {
          ...fill(null, ['BoundAudiences', 'ClaimMappings', 'JWTSupportedAlgs', 'JWTValidationPubKeys', 'ListClaimMappings']),
          ...fill('', ['BoundIssuer', 'JWKSCACert', 'JWKSURL', 'OIDCDiscoveryCACert', 'OIDCDiscoveryURL']),
          ...fill(0, ['ClockSkewLeeway', 'ExpirationLeeway', 'NotBeforeLeeway']),
        },
        ...fill('', ['Description', 'DisplayName', 'TokenLocality']),
        EnterpriseMeta: {},
        MaxTokenTTL: '0s',
        Name: 'Auto Config Authorizer',
        RaftIndex: { CreateIndex: 0, ModifyIndex: 0 },
        Type: 'jwt',
      },
      ClaimAssertions: [],
      Enabled: false,
    },
    ...fill([], ['DNSSANs', 'IPSANs', 'ServerAddresses']),
    Enabled: false,
    IntroToken: 'hidden',
    IntroTokenFile: '',
  },
  Cache: { EntryFetchMaxBurst: 2, EntryFetchRate: Number.MAX_VALUE },
  CheckDeregisterIntervalMin: '1m0s',
  ConnectSidecarMaxPort: 21255,
  ConnectSidecarMinPort: 21000,
  ConsulCoordinateUpdateBatchSize: 128,
  ConsulCoordinateUpdateMaxBatches: 5,
  ExposeMaxPort: 21755,
  ExposeMinPort: 21500,
  HTTPMaxConnsPerClient: 200,
  RPCHoldTimeout: '7s',
  RPCMaxBurst: 1000,
  RPCMaxConnsPerClient: 100,
  RPCProtocol: 2,
  RPCRateLimit: -1,
  SyncCoordinateIntervalMin: '15s',
  TLSMinVersion: 'tls12',
  UIContentPath: '/ui/',
};

/** Go's encoding/json writes a map's keys sorted; Sanitized() turns every struct into a map. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, x]) => [k, sortKeys(x)]));
}

/** Agent.Stats(): the server's sections, or a client's (`known_servers`, no raft, no WAN pool). */
function stats(f: SelfFacts): Record<string, Record<string, string>> {
  const c = f.config;
  const ownRpc = netAddr('tcp', c.advertiseAddr, c.ports.server).slice('tcp://'.length);
  // This server leads when the leader's address is its own (the server module writes IPv6 without brackets).
  const leader = f.leaderAddr === ownRpc || f.leaderAddr === `${c.advertiseAddr}:${c.ports.server}`;
  const s = f.stats;
  const out: Record<string, Record<string, string>> = {
    agent: { check_monitors: String(s.checkMonitors ?? 0), check_ttls: String(s.checkTtls ?? 0), checks: String(s.checks), services: String(s.services) },
    build: { prerelease: '', revision, version: consulApiVersion },
    consul: c.server
      ? { acl: c.acl.enabled ? 'enabled' : 'disabled', bootstrap: String(c.bootstrap), known_datacenters: '1', leader: String(leader), leader_addr: f.leaderAddr, server: 'true' }
      : { acl: c.acl.enabled ? 'enabled' : 'disabled', known_servers: String(f.knownServers ?? 0), server: 'false' },
  };
  if (c.server) out['raft'] = raftStats(f, ownRpc, leader);
  out['runtime'] = runtimeStats();
  out['serf_lan'] = serfStats();
  if (c.server && c.ports.serfWan >= 0) out['serf_wan'] = serfStats();
  return out;
}

/** hashicorp/raft's Stats(): the numbers of this server's Raft, every value a string. */
function raftStats(f: SelfFacts, ownRpc: string, leader: boolean): Record<string, string> {
  const r = f.raft;
  const applied = String(f.appliedIndex);
  const servers = r?.configuration.servers ?? [{ id: f.config.nodeID, address: ownRpc, voter: true }];
  const others = servers.filter((x) => x.voter && x.id !== f.config.nodeID).length;
  const state = r?.stats.state ?? (leader ? 'Leader' : 'Follower');
  return sortKeys({
    ...fill('0', ['fsm_pending', 'protocol_version_min', 'snapshot_version_min', 'last_snapshot_term']),
    ...fill('3', ['protocol_version', 'protocol_version_max']),
    snapshot_version_max: '1',
    applied_index: applied,
    commit_index: r ? String(r.stats.commitIndex) : applied,
    last_log_index: r ? String(r.stats.lastIndex) : applied,
    last_log_term: r ? String(r.stats.term) : '1',
    term: r ? String(r.stats.term) : '1',
    last_snapshot_index: r ? String(r.stats.lastSnapshotIndex) : '0',
    last_contact: state === 'Leader' ? '0' : r ? formatDurationMs(r.lastContactMs) : 'never',
    latest_configuration: `[${servers.map((x) => `{Suffrage:${x.voter ? 'Voter' : 'Nonvoter'} ID:${x.id} Address:${x.address}}`).join(' ')}]`,
    latest_configuration_index: r ? String(r.configuration.index) : '0',
    num_peers: String(others),
    state,
  }) as Record<string, string>;
}

/** runtime.GOOS / GOARCH spellings of Node's platform and arch. */
const goOs: Record<string, string> = { win32: 'windows' };
const goArch: Record<string, string> = { x64: 'amd64', ia32: '386' };

function runtimeStats(): Record<string, string> {
  const cpus = String(availableParallelism());
  return {
    arch: goArch[arch()] ?? arch(),
    cpu_count: cpus,
    // Go's goroutine count has no Node counterpart.
    goroutines: '0',
    max_procs: cpus,
    os: goOs[process.platform] ?? process.platform,
    version: process.version,
  };
}

/** One member, itself, until gossip exists (issue 5). */
function serfStats(): Record<string, string> {
  return sortKeys({
    ...fill('0', ['coordinate_resets', 'event_queue', 'failed', 'health_score', 'intent_queue', 'left', 'query_queue']),
    ...fill('1', ['event_time', 'member_time', 'members', 'query_time']),
    encrypted: 'false',
  }) as Record<string, string>;
}
