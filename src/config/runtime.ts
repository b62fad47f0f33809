/**
 * The runtime configuration: the merged sources turned into typed settings, with Consul's
 * validation rules and error texts. Pure: host facts (name, addresses) are passed in.
 */
import { buildAclRuntime, type AclRuntime } from './acl-runtime.js';
import { parseIP } from '../dns/resolver/ip.js';
import { limits, multiErrorText, parseDurationMs, parseLogLevel, type LogLevel } from '../lib/index.js';
import { buildAutopilotRuntime, type AutopilotRuntime } from './autopilot-runtime.js';
import { buildDnsRuntime, type DnsRuntime } from './dns-runtime.js';
import { buildGossipRuntime, type GossipRuntime } from './gossip-runtime.js';
import { str, num, bool, sub } from './raw-read.js';
import { ConfigError, type Raw } from './validate.js';

export interface Ports {
  dns: number;
  http: number;
  https: number;
  grpc: number;
  serfLan: number;
  serfWan: number;
  server: number;
}

export interface RuntimeConfig {
  devMode: boolean;
  datacenter: string;
  primaryDatacenter: string;
  /** The `acl` block (and its deprecated top-level forms). */
  acl: AclRuntime;
  nodeName: string;
  /** '' until the agent settles it (persisted in data_dir, or random in -dev). */
  nodeID: string;
  nodeMeta: Record<string, string>;
  dataDir: string;
  server: boolean;
  bootstrap: boolean;
  bootstrapExpect: number;
  bindAddr: string;
  advertiseAddr: string;
  clientAddrs: string[];
  httpAddrs: string[];
  ports: Ports;
  domain: string;
  /** The DNS interface's settings (ports.dns is in `ports`). */
  dns: DnsRuntime;
  /** Joining, encryption and serf timing of the LAN and WAN pools (their ports are in `ports`). */
  gossip: GossipRuntime;
  logLevel: LogLevel;
  logJson: boolean;
  raftMultiplier: number;
  /**
   * raft_snapshot_threshold, raft_snapshot_interval, raft_trailing_logs: when a server takes a
   * Raft snapshot and how much log it keeps behind it. 0: Raft's default (Consul's agent.go sets
   * only what is non-zero).
   */
  raftSnapshot: { threshold: number; intervalMs: number; trailingLogs: number };
  /** The `autopilot` block: what the leader first writes as the cluster's autopilot configuration. */
  autopilot: AutopilotRuntime;
  /** performance.rpc_hold_timeout: how long a client agent retries a request that failed in transport. */
  rpcHoldTimeoutMs: number;
  queryWaitMsDefault: number;
  queryWaitMsMax: number;
  sessionTtlMinMs: number;
  enableScriptChecks: boolean;
  enableLocalScriptChecks: boolean;
  checkOutputMaxSize: number;
  /** check_update_interval: how long an output-only check change may wait before it syncs. */
  checkUpdateIntervalMs: number;
  /** telemetry.prometheus_retention_time: > 0 turns on ?format=prometheus. */
  prometheusRetentionMs: number;
  /** `service` and `services` blocks, in file order (validated, snake_case keys). */
  services: Raw[];
  /** `check` and `checks` blocks. */
  checks: Raw[];
  kvValueBytesMax: number;
  txnRequestBytesMax: number;
  uiEnabled: boolean;
  pidFile: string;
  enableDebug: boolean;
  disableHostNodeID: boolean;
  /** disable_remote_exec: refuse `muster exec` jobs (Consul's default: true). */
  disableRemoteExec: boolean;
  /** Owner and mode of the HTTP API's unix sockets (`unix_sockets`), checked when a socket is made, as Consul does. */
  unixSockets: { user: string; group: string; mode: string };
  /** The merged sources, for /v1/agent/self's DebugConfig. */
  raw: Raw;
}

export interface HostFacts {
  hostname: string;
  /** Private (RFC 1918 / shared) IPv4 addresses of this host, for a 0.0.0.0 bind. */
  privateIPv4s: string[];
}


function duration(raw: Raw, k: string, shown = k): number {
  const text = str(raw, k);
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new ConfigError(`${shown}: invalid duration: "${text}"`);
  return ms;
}

/** A block key's list form and its single form, merged as Consul does: `services = [...]`, then `service {}`. */
function blocks(raw: Raw, one: string, many: string): Raw[] {
  const out: Raw[] = [];
  const list = raw[many];
  if (Array.isArray(list)) out.push(...(list as Raw[]));
  const single = raw[one];
  if (single && typeof single === 'object') out.push(...(Array.isArray(single) ? (single as Raw[]) : [single as Raw]));
  return out;
}

export function buildRuntime(raw: Raw, host: HostFacts, devMode: boolean): RuntimeConfig {
  const ports = sub(raw, 'ports');
  const perf = sub(raw, 'performance');
  const lim = sub(raw, 'limits');
  const addresses = sub(raw, 'addresses');
  const datacenter = str(raw, 'datacenter').toLowerCase();
  if (datacenter === '') throw new ConfigError('datacenter cannot be empty');
  if (!/^[a-z0-9_-]+$/.test(datacenter)) {
    throw new ConfigError(`datacenter cannot be "${datacenter}". Please use only [a-z0-9-_]`);
  }
  const dataDir = str(raw, 'data_dir');
  if (dataDir === '' && !devMode) throw new ConfigError('data_dir cannot be empty');
  const logLevel = parseLogLevel(str(raw, 'log_level'));
  if (!logLevel) throw new ConfigError(`Invalid log level: ${str(raw, 'log_level')}. Valid log levels are: [TRACE DEBUG INFO WARN ERR]`);
  const server = bool(raw, 'server');
  const bootstrap = bool(raw, 'bootstrap');
  const bootstrapExpect = num(raw, 'bootstrap_expect');
  if (bootstrap && !server) throw new ConfigError("'bootstrap = true' requires 'server = true'");
  if (bootstrapExpect < 0) throw new ConfigError(`bootstrap_expect cannot be ${bootstrapExpect}. Must be greater than or equal to zero`);
  if (bootstrapExpect > 0 && !server) throw new ConfigError("'bootstrap_expect > 0' requires 'server = true'");
  if (bootstrapExpect > 0 && bootstrap) throw new ConfigError("'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive");
  const raftMultiplier = num(perf, 'raft_multiplier');
  if (raftMultiplier < 1 || raftMultiplier > 10) {
    throw new ConfigError(`performance.raft_multiplier cannot be ${raftMultiplier}. Must be between 1 and 10`);
  }
  const nodeMeta = validateNodeMeta((raw['node_meta'] as Record<string, string> | undefined) ?? {});
  const bindAddr = checkBindAddr(str(raw, 'bind_addr'));
  // Consul's builder reports every bad address list at once (a go-multierror).
  const addrErrors: string[] = [];
  const clientAddrs = addrList('client_addr', str(raw, 'client_addr'), false, addrErrors);
  const httpAddrs = addrList('addresses.http', str(addresses, 'http'), true, addrErrors);
  const dnsAddrs = addrList('addresses.dns', str(addresses, 'dns'), true, addrErrors);
  if (addrErrors.length > 0) throw new ConfigError(multiErrorText(addrErrors));
  const portsOut: Ports = {
    dns: portOf(ports, 'dns'),
    http: portOf(ports, 'http'),
    https: portOf(ports, 'https'),
    grpc: portOf(ports, 'grpc'),
    serfLan: portOf(ports, 'serf_lan'),
    serfWan: portOf(ports, 'serf_wan'),
    server: portOf(ports, 'server'),
  };
  if (portsOut.dns > 0 && dnsAddrs.some((a) => a.startsWith('unix://'))) throw new ConfigError('DNS address cannot be a unix socket');
  const nodeName = str(raw, 'node_name') || host.hostname;
  const advertiseAddr = str(raw, 'advertise_addr') || advertiseFor(bindAddr, host);
  if (nodeName === '') throw new ConfigError('node_name cannot be empty');
  return {
    devMode,
    datacenter,
    primaryDatacenter: (str(raw, 'primary_datacenter') || str(raw, 'acl_datacenter')).toLowerCase() || datacenter,
    acl: buildAclRuntime(raw),
    nodeName,
    nodeID: str(raw, 'node_id').toLowerCase(),
    nodeMeta,
    dataDir,
    server,
    bootstrap,
    bootstrapExpect,
    bindAddr,
    advertiseAddr,
    clientAddrs,
    httpAddrs: httpAddrs.length > 0 ? httpAddrs : clientAddrs,
    ports: portsOut,
    domain: normaliseDomain(str(raw, 'domain')),
    dns: buildDnsRuntime(raw, datacenter, dnsAddrs.length > 0 ? dnsAddrs : clientAddrs),
    gossip: buildGossipRuntime(raw, server, devMode, bindAddr, advertiseAddr),
    logLevel,
    logJson: bool(raw, 'log_json'),
    raftMultiplier,
    raftSnapshot: buildRaftSnapshotRuntime(raw),
    autopilot: buildAutopilotRuntime(raw),
    rpcHoldTimeoutMs: duration(perf, 'rpc_hold_timeout', 'performance.rpc_hold_timeout'),
    queryWaitMsDefault: duration(raw, 'default_query_time'),
    queryWaitMsMax: duration(raw, 'max_query_time'),
    sessionTtlMinMs: duration(raw, 'session_ttl_min'),
    enableScriptChecks: bool(raw, 'enable_script_checks'),
    enableLocalScriptChecks: bool(raw, 'enable_local_script_checks'),
    checkOutputMaxSize: num(raw, 'check_output_max_size'),
    checkUpdateIntervalMs: duration(raw, 'check_update_interval'),
    prometheusRetentionMs: str(sub(raw, 'telemetry'), 'prometheus_retention_time') ? duration(sub(raw, 'telemetry'), 'prometheus_retention_time') : 0,
    services: blocks(raw, 'service', 'services'),
    checks: blocks(raw, 'check', 'checks'),
    kvValueBytesMax: num(lim, 'kv_max_value_size') || limits.kvValueBytesMax,
    txnRequestBytesMax: num(lim, 'txn_max_req_len') || limits.txnRequestBytesMax,
    uiEnabled: bool(raw, 'ui') || bool(sub(raw, 'ui_config'), 'enabled'),
    pidFile: str(raw, 'pid_file'),
    enableDebug: bool(raw, 'enable_debug'),
    disableHostNodeID: bool(raw, 'disable_host_node_id'),
    disableRemoteExec: bool(raw, 'disable_remote_exec'),
    unixSockets: { user: str(sub(raw, 'unix_sockets'), 'user'), group: str(sub(raw, 'unix_sockets'), 'group'), mode: str(sub(raw, 'unix_sockets'), 'mode') },
    raw,
  };
}

/**
 * Consul passes these to hashicorp/raft, which refuses an interval under 5 ms at start ("Snapshot
 * interval is too low"); we refuse it as a config error. A negative count is an error here too
 * (Consul converts it to a huge uint64: never snapshot, keep every entry).
 */
function buildRaftSnapshotRuntime(raw: Raw): RuntimeConfig['raftSnapshot'] {
  const count = (k: string): number => {
    const n = num(raw, k);
    if (n < 0) throw new ConfigError(`${k} cannot be ${n}. Must be greater than or equal to zero`);
    return n;
  };
  const intervalMs = str(raw, 'raft_snapshot_interval') === '' ? 0 : duration(raw, 'raft_snapshot_interval');
  if (intervalMs !== 0 && intervalMs < 5) {
    throw new ConfigError(`raft_snapshot_interval is too low: ${str(raw, 'raft_snapshot_interval')} (Raft's snapshot interval must be at least 5ms)`);
  }
  return { threshold: count('raft_snapshot_threshold'), intervalMs, trailingLogs: count('raft_trailing_logs') };
}

/**
 * Consul's bind_addr rules: one IP address. (For one that is not an IP, Consul says "bind_addr
 * cannot be empty"; we name what is wrong.)
 */
function checkBindAddr(text: string): string {
  const addrs = text.split(/\s+/).filter(Boolean);
  if (addrs.length === 0) throw new ConfigError('bind_addr cannot be empty');
  if (addrs.length > 1) throw new ConfigError("bind_addr cannot contain multiple addresses. Use 'addresses.{dns,http,https}' instead.");
  if (addrs[0]!.startsWith('unix://')) throw new ConfigError('bind_addr cannot be a unix socket');
  if (!isIPText(addrs[0]!)) throw new ConfigError(`bind_addr: invalid ip address: ${addrs[0]}`);
  return addrs[0]!;
}

/**
 * Consul's expandAddrs / expandIPs: addresses separated by spaces, each an IP (`[::]` too) or,
 * where `unix` allows, `unix:///path`. The first bad one of a list goes into `errors`.
 */
function addrList(name: string, text: string, unix: boolean, errors: string[]): string[] {
  const addrs = text.split(/\s+/).filter(Boolean);
  for (const a of addrs) {
    if (a.startsWith('unix://')) {
      if (unix) continue;
      errors.push(`${name} cannot be a unix socket`);
      return [];
    }
    if (!isIPText(a)) {
      errors.push(`${name}: invalid ip address: ${a}`);
      return [];
    }
  }
  return addrs;
}

/** Go's net.ParseIP, plus the `[::]` Consul also takes. */
function isIPText(text: string): boolean {
  return text === '[::]' || parseIP(text) !== undefined;
}

function portOf(ports: Raw, name: string): number {
  const p = num(ports, name);
  if (!Number.isInteger(p) || p < -1 || p > 65535 || p === 0) {
    throw new ConfigError(`ports.${name} must be between 1 and 65535 or -1 to disable, got ${p}`);
  }
  return p;
}

function normaliseDomain(d: string): string {
  return d.endsWith('.') ? d : `${d}.`;
}

/** Consul's rule: a 0.0.0.0 bind advertises the one private IPv4; several or none is an error. */
function advertiseFor(bind: string, host: HostFacts): string {
  if (bind !== '0.0.0.0' && bind !== '::' && bind !== '[::]') return bind;
  if (host.privateIPv4s.length === 1) return host.privateIPv4s[0]!;
  if (host.privateIPv4s.length === 0) throw new ConfigError("No private IPv4 address found. Please configure one with 'bind' and/or 'advertise'.");
  throw new ConfigError("Multiple private IPv4 addresses found. Please configure one with 'bind' and/or 'advertise'.");
}

function validateNodeMeta(meta: Record<string, string>): Record<string, string> {
  const entries = Object.entries(meta);
  if (entries.length > limits.nodeMetaPairsMax) {
    throw new ConfigError(`node_meta cannot contain more than ${limits.nodeMetaPairsMax} key/value pairs`);
  }
  for (const [k, v] of entries) {
    if (k.length > limits.nodeMetaKeyCharsMax) throw new ConfigError(`node_meta: Key is too long (limit: ${limits.nodeMetaKeyCharsMax} characters)`);
    if (!/^[a-zA-Z0-9_-]+$/.test(k)) throw new ConfigError(`node_meta: Key contains invalid characters: ${k}`);
    if (k.startsWith('consul-')) throw new ConfigError(`node_meta: Key prefix 'consul-' is reserved for internal use`);
    if (v.length > limits.nodeMetaValueCharsMax) throw new ConfigError(`node_meta: Value is too long (limit: ${limits.nodeMetaValueCharsMax} characters)`);
  }
  return { ...meta };
}
