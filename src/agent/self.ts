/** The /v1/agent/self document, in Consul 1.8's shape. */
import { arch, cpus } from 'node:os';
import type { RuntimeConfig } from '../config/index.js';
import { memberJson, type MemberInfo } from '../http/index.js';
import { formatDurationMs } from '../lib/index.js';
import { consulApiVersion, musterVersion } from './version.js';

export interface SelfFacts {
  config: RuntimeConfig;
  member: MemberInfo;
  appliedIndex: number;
  leaderAddr: string;
  stats: { services: number; checks: number };
}

export function selfDocument(f: SelfFacts): Record<string, unknown> {
  const c = f.config;
  return {
    Config: {
      Datacenter: c.datacenter,
      NodeName: c.nodeName,
      NodeID: c.nodeID,
      Revision: `muster-${musterVersion}`,
      Server: c.server,
      Version: consulApiVersion,
    },
    DebugConfig: debugConfig(c),
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: memberJson(f.member),
    Stats: stats(f),
    Meta: { 'consul-network-segment': '' },
  };
}

function debugConfig(c: RuntimeConfig): Record<string, unknown> {
  return {
    AdvertiseAddrLAN: c.advertiseAddr,
    BindAddr: c.bindAddr,
    Bootstrap: c.bootstrap,
    BootstrapExpect: c.bootstrapExpect,
    ClientAddrs: c.clientAddrs,
    DNSDomain: c.domain,
    DNSPort: c.ports.dns,
    DataDir: c.dataDir,
    Datacenter: c.datacenter,
    DevMode: c.devMode,
    EnableDebug: c.enableDebug,
    GRPCPort: c.ports.grpc,
    HTTPAddrs: c.httpAddrs.map((a) => `tcp://${a}:${c.ports.http}`),
    HTTPPort: c.ports.http,
    HTTPSPort: c.ports.https,
    KVMaxValueSize: c.kvValueBytesMax,
    LogJSON: c.logJson,
    LogLevel: c.logLevel.toUpperCase(),
    MaxQueryTime: formatDurationMs(c.queryWaitMsMax),
    DefaultQueryTime: formatDurationMs(c.queryWaitMsDefault),
    NodeID: c.nodeID,
    NodeMeta: c.nodeMeta,
    NodeName: c.nodeName,
    PidFile: c.pidFile,
    PrimaryDatacenter: c.primaryDatacenter,
    RaftMultiplier: c.raftMultiplier,
    SerfAdvertiseAddrLAN: `tcp://${c.advertiseAddr}:${c.ports.serfLan}`,
    SerfAdvertiseAddrWAN: `tcp://${c.advertiseAddr}:${c.ports.serfWan}`,
    SerfBindAddrLAN: `tcp://${c.bindAddr}:${c.ports.serfLan}`,
    SerfBindAddrWAN: `tcp://${c.bindAddr}:${c.ports.serfWan}`,
    SerfPortLAN: c.ports.serfLan,
    SerfPortWAN: c.ports.serfWan,
    SessionTTLMin: formatDurationMs(c.sessionTtlMinMs),
    CheckOutputMaxSize: c.checkOutputMaxSize,
    CheckUpdateInterval: formatDurationMs(c.checkUpdateIntervalMs),
    EnableLocalScriptChecks: c.enableLocalScriptChecks,
    EnableRemoteScriptChecks: c.enableScriptChecks,
    ServerMode: c.server,
    ServerPort: c.ports.server,
    TxnMaxReqLen: c.txnRequestBytesMax,
    UIEnabled: c.uiEnabled,
  };
}

function stats(f: SelfFacts): Record<string, Record<string, string>> {
  const c = f.config;
  const applied = String(f.appliedIndex);
  return {
    agent: { check_monitors: '0', check_ttls: '0', checks: String(f.stats.checks), services: String(f.stats.services) },
    build: { prerelease: '', revision: `muster-${musterVersion}`, version: consulApiVersion },
    consul: {
      acl: 'disabled',
      bootstrap: String(c.bootstrap),
      known_datacenters: '1',
      leader: String(c.server),
      leader_addr: f.leaderAddr,
      server: String(c.server),
    },
    raft: {
      applied_index: applied,
      commit_index: applied,
      fsm_pending: '0',
      last_contact: '0',
      last_log_index: applied,
      last_log_term: '1',
      last_snapshot_index: '0',
      last_snapshot_term: '0',
      latest_configuration: `[{Suffrage:Voter ID:${c.nodeID} Address:${f.leaderAddr}}]`,
      latest_configuration_index: '0',
      num_peers: '0',
      protocol_version: '3',
      protocol_version_max: '3',
      protocol_version_min: '0',
      snapshot_version_max: '1',
      snapshot_version_min: '0',
      state: 'Leader',
      term: '1',
    },
    runtime: {
      arch: arch() === 'x64' ? 'amd64' : arch(),
      cpu_count: String(cpus().length),
      goroutines: '0',
      max_procs: String(cpus().length),
      os: process.platform,
      version: process.version,
    },
    serf_lan: {
      coordinate_resets: '0',
      encrypted: 'false',
      event_queue: '0',
      event_time: '1',
      failed: '0',
      health_score: '0',
      intent_queue: '0',
      left: '0',
      member_time: '1',
      members: '1',
      query_queue: '0',
      query_time: '1',
    },
  };
}
