/**
 * /v1/operator/raft and /v1/operator/autopilot (Go's api/operator_raft.go and
 * operator_autopilot.go). Any status but 200 is the Go client's "Unexpected response code"
 * error, so an unhealthy cluster's health (429) throws as it does in Go.
 */
import { formatDurationMs, nsNumberToMs, parseGoDuration } from '../lib/index.js';
import { decodeJson, type ApiClient, type QueryOptions, type WriteOptions } from './client.js';
import { statusError } from './errors.js';

export interface RaftServer {
  id: string;
  node: string;
  address: string;
  leader: boolean;
  protocolVersion: string;
  voter: boolean;
}

export interface RaftConfiguration {
  servers: RaftServer[];
  index: number;
}

/** api.AutopilotConfiguration; durations in milliseconds. */
export interface AutopilotConfiguration {
  cleanupDeadServers: boolean;
  lastContactThresholdMs: number;
  maxTrailingLogs: number;
  minQuorum: number;
  serverStabilizationTimeMs: number;
  redundancyZoneTag: string;
  disableUpgradeMigration: boolean;
  upgradeVersionTag: string;
  createIndex: number;
  modifyIndex: number;
}

export interface ServerHealthView {
  id: string;
  name: string;
  address: string;
  serfStatus: string;
  version: string;
  leader: boolean;
  lastContactMs: number;
  lastTerm: number;
  lastIndex: number;
  healthy: boolean;
  voter: boolean;
  /** RFC 3339, as sent. */
  stableSince: string;
}

export interface OperatorHealthReply {
  healthy: boolean;
  failureTolerance: number;
  servers: ServerHealthView[];
}

type Wire = Record<string, unknown>;

/** ReadableDuration on the wire: a Go duration string (or, leniently, nanoseconds). */
function durationMs(v: unknown): number {
  if (typeof v === 'number') return nsNumberToMs(v);
  if (typeof v === 'string') {
    const r = parseGoDuration(v);
    if (r.ok) return r.ms;
  }
  return 0;
}

const str = (w: Wire, k: string): string => (typeof w[k] === 'string' ? (w[k] as string) : '');
const num = (w: Wire, k: string): number => (typeof w[k] === 'number' ? (w[k] as number) : 0);
const bool = (w: Wire, k: string): boolean => w[k] === true;

export function autopilotConfigurationFromWire(w: Wire): AutopilotConfiguration {
  return {
    cleanupDeadServers: bool(w, 'CleanupDeadServers'),
    lastContactThresholdMs: durationMs(w['LastContactThreshold']),
    maxTrailingLogs: num(w, 'MaxTrailingLogs'),
    minQuorum: num(w, 'MinQuorum'),
    serverStabilizationTimeMs: durationMs(w['ServerStabilizationTime']),
    redundancyZoneTag: str(w, 'RedundancyZoneTag'),
    disableUpgradeMigration: bool(w, 'DisableUpgradeMigration'),
    upgradeVersionTag: str(w, 'UpgradeVersionTag'),
    createIndex: num(w, 'CreateIndex'),
    modifyIndex: num(w, 'ModifyIndex'),
  };
}

/** The PUT body as Go's client encodes it (every field; durations as strings). */
export function autopilotConfigurationToWire(c: AutopilotConfiguration): string {
  const body = {
    CleanupDeadServers: c.cleanupDeadServers,
    LastContactThreshold: formatDurationMs(c.lastContactThresholdMs),
    MaxTrailingLogs: c.maxTrailingLogs,
    MinQuorum: c.minQuorum,
    ServerStabilizationTime: formatDurationMs(c.serverStabilizationTimeMs),
    RedundancyZoneTag: c.redundancyZoneTag,
    DisableUpgradeMigration: c.disableUpgradeMigration,
    UpgradeVersionTag: c.upgradeVersionTag,
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
  return JSON.stringify(body) + '\n';
}

const raftConfigPath = '/v1/operator/raft/configuration';
const raftPeerPath = '/v1/operator/raft/peer';
const autopilotConfigPath = '/v1/operator/autopilot/configuration';
const autopilotHealthPath = '/v1/operator/autopilot/health';

/** The Raft and autopilot calls of Go's api.Operator. */
export class OperatorRaft {
  constructor(private readonly client: ApiClient) {}

  async raftGetConfiguration(q: QueryOptions = {}): Promise<RaftConfiguration> {
    const res = await this.client.query(raftConfigPath, [], q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    const w = decodeJson<Wire | null>(res) ?? {};
    const servers = Array.isArray(w['Servers']) ? (w['Servers'] as Wire[]) : [];
    return {
      index: num(w, 'Index'),
      servers: servers.map((s) => ({
        id: str(s, 'ID'),
        node: str(s, 'Node'),
        address: str(s, 'Address'),
        leader: bool(s, 'Leader'),
        protocolVersion: str(s, 'ProtocolVersion'),
        voter: bool(s, 'Voter'),
      })),
    };
  }

  async raftRemovePeerByAddress(address: string, w?: WriteOptions): Promise<void> {
    await this.client.write('DELETE', raftPeerPath, [['address', address]], undefined, w);
  }

  async raftRemovePeerByID(id: string, w?: WriteOptions): Promise<void> {
    await this.client.write('DELETE', raftPeerPath, [['id', id]], undefined, w);
  }

  async autopilotGetConfiguration(q: QueryOptions = {}): Promise<AutopilotConfiguration> {
    const res = await this.client.query(autopilotConfigPath, [], q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    return autopilotConfigurationFromWire(decodeJson<Wire | null>(res) ?? {});
  }

  async autopilotSetConfiguration(conf: AutopilotConfiguration, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', autopilotConfigPath, [], autopilotConfigurationToWire(conf), w);
  }

  /** A check-and-set against `conf.modifyIndex`: true when it was written. */
  async autopilotCASConfiguration(conf: AutopilotConfiguration, w?: WriteOptions): Promise<boolean> {
    const res = await this.client.write('PUT', autopilotConfigPath, [['cas', String(conf.modifyIndex)]], autopilotConfigurationToWire(conf), w);
    return res.body.toString('utf8').includes('true');
  }

  async autopilotServerHealth(q: QueryOptions = {}): Promise<OperatorHealthReply> {
    const res = await this.client.query(autopilotHealthPath, [], q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    const w = decodeJson<Wire | null>(res) ?? {};
    const servers = Array.isArray(w['Servers']) ? (w['Servers'] as Wire[]) : [];
    return {
      healthy: bool(w, 'Healthy'),
      failureTolerance: num(w, 'FailureTolerance'),
      servers: servers.map((s) => ({
        id: str(s, 'ID'),
        name: str(s, 'Name'),
        address: str(s, 'Address'),
        serfStatus: str(s, 'SerfStatus'),
        version: str(s, 'Version'),
        leader: bool(s, 'Leader'),
        lastContactMs: durationMs(s['LastContact']),
        lastTerm: num(s, 'LastTerm'),
        lastIndex: num(s, 'LastIndex'),
        healthy: bool(s, 'Healthy'),
        voter: bool(s, 'Voter'),
        stableSince: str(s, 'StableSince'),
      })),
    };
  }
}
