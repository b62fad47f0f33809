/**
 * /v1/operator/raft/* and /v1/operator/autopilot/* (Consul's agent/operator_endpoint.go). The
 * replies carry no X-Consul-Index (Consul's handlers never set the query meta); durations are
 * Go's ReadableDuration (`"200ms"`); an unhealthy cluster's health is a 429 with the same body.
 */
import { formatDurationMs, goQuote, isoTimeMs, limits, MusterError, nsNumberToMs, parseGoDuration } from '../lib/index.js';
import type { OperatorApi, OperatorHealth, RaftConfigurationReply } from '../server/index.js';
import type { AutopilotConfig, AutopilotConfigWrite } from '../state/index.js';
import type { RequestContext } from './context.js';
import { decodeGo, go, GoDecodeError, parseGoJson, type Decoded } from './go-decode.js';
import { readOptions } from './query-options.js';
import type { Reply } from './reply.js';
import type { Router } from './router.js';

/** api.AutopilotConfiguration as the PUT body decodes it (lib.DecodeJSON: unknown fields refused). */
const autopilotType = go.struct('AutopilotConfiguration', {
  CleanupDeadServers: go.bool,
  LastContactThreshold: go.any,
  MaxTrailingLogs: go.uint64,
  MinQuorum: go.uint,
  ServerStabilizationTime: go.any,
  RedundancyZoneTag: go.string,
  DisableUpgradeMigration: go.bool,
  UpgradeVersionTag: go.string,
  CreateIndex: go.uint64,
  ModifyIndex: go.uint64,
});

const badRequest = (reason: string): MusterError => new MusterError('ERR_BAD_REQUEST', `Bad request: ${reason}`);

export function registerOperator(router: Router, api: OperatorApi): void {
  router.add('/v1/operator/raft/configuration', ['GET'], async (ctx) => {
    const opts = readOptions(ctx);
    return { json: raftConfigurationJson(await api.raftConfiguration(opts.datacenter, opts)) };
  });
  router.add('/v1/operator/raft/peer', ['DELETE'], async (ctx) => {
    const hasID = ctx.query.has('id');
    const hasAddress = ctx.query.has('address');
    if (!hasID && !hasAddress) throw badRequest("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
    if (hasID && hasAddress) throw badRequest('Must specify only one of ?id or ?address');
    const dc = ctx.query.get('dc');
    await api.raftRemovePeer(dc, hasID ? { id: ctx.query.get('id') } : { address: ctx.query.get('address') }, ctx.token);
    return {};
  });
  router.add('/v1/operator/autopilot/configuration', ['GET', 'PUT'], (ctx) => (ctx.method === 'GET' ? getAutopilot(ctx, api) : putAutopilot(ctx, api)));
  router.add('/v1/operator/autopilot/health', ['GET'], async (ctx) => {
    const opts = readOptions(ctx);
    const health = await api.serverHealth(opts.datacenter, ctx.token);
    return { status: health.healthy ? 200 : 429, json: serverHealthJson(health) };
  });
}

async function getAutopilot(ctx: RequestContext, api: OperatorApi): Promise<Reply> {
  const opts = readOptions(ctx);
  return { json: autopilotConfigJson(await api.autopilotConfiguration(opts.datacenter, opts)) };
}

async function putAutopilot(ctx: RequestContext, api: OperatorApi): Promise<Reply> {
  const body = await ctx.body(limits.requestBodyBytesMax);
  let conf: AutopilotConfigWrite;
  try {
    conf = autopilotWriteFrom(body.toString('utf8'));
  } catch (e) {
    if (e instanceof GoDecodeError) throw badRequest(`Error parsing autopilot config: ${e.message}`);
    throw e;
  }
  let cas: number | undefined;
  if (ctx.query.has('cas')) {
    const parsed = parseUint10(ctx.query.get('cas'));
    if (typeof parsed === 'string') throw badRequest(`Error parsing cas value: ${parsed}`);
    if (parsed > BigInt(Number.MAX_SAFE_INTEGER)) return { json: false }; // no index is that high yet
    cas = Number(parsed);
  }
  const written = await api.autopilotSetConfiguration(ctx.query.get('dc'), conf, cas, ctx.token);
  return { json: cas === undefined ? true : written };
}

const uint64Max = (1n << 64n) - 1n;

/** strconv.ParseUint(s, 10, 64): the value, or Go's error text. */
function parseUint10(text: string): bigint | string {
  if (!/^[0-9]+$/.test(text)) return `strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`;
  const n = BigInt(text);
  return n > uint64Max ? `strconv.ParseUint: parsing ${goQuote(text)}: value out of range` : n;
}

/** The PUT body as Consul decodes it: absent fields are zero (a PUT replaces the whole config). */
export function autopilotWriteFrom(text: string): AutopilotConfigWrite {
  const v = parseGoJson(text);
  if (v !== null && (typeof v !== 'object' || Array.isArray(v))) {
    const kind = Array.isArray(v) ? 'array' : typeof v;
    throw new GoDecodeError(`json: cannot unmarshal ${kind} into Go value of type api.AutopilotConfiguration`);
  }
  const d: Decoded = decodeGo(v, autopilotType as Parameters<typeof decodeGo>[1]);
  return {
    cleanupDeadServers: (d['CleanupDeadServers'] as boolean | undefined) ?? false,
    lastContactThresholdMs: readableDurationMs(d['LastContactThreshold']),
    maxTrailingLogs: (d['MaxTrailingLogs'] as number | undefined) ?? 0,
    minQuorum: (d['MinQuorum'] as number | undefined) ?? 0,
    serverStabilizationTimeMs: readableDurationMs(d['ServerStabilizationTime']),
    redundancyZoneTag: (d['RedundancyZoneTag'] as string | undefined) ?? '',
    disableUpgradeMigration: (d['DisableUpgradeMigration'] as boolean | undefined) ?? false,
    upgradeVersionTag: (d['UpgradeVersionTag'] as string | undefined) ?? '',
  };
}

/** ReadableDuration.UnmarshalJSON: a quoted Go duration, else the raw text as float64 nanoseconds. */
function readableDurationMs(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v === 'string') {
    const r = parseGoDuration(v);
    if (!r.ok) throw new GoDecodeError(r.error);
    return r.ms;
  }
  if (typeof v === 'number') return nsNumberToMs(v);
  throw new GoDecodeError(`strconv.ParseFloat: parsing ${goQuote(JSON.stringify(v))}: invalid syntax`);
}

export function raftConfigurationJson(r: RaftConfigurationReply): Record<string, unknown> {
  return {
    Servers:
      r.servers.length === 0
        ? null
        : r.servers.map((s) => ({ ID: s.id, Node: s.node, Address: s.address, Leader: s.leader, ProtocolVersion: s.protocolVersion, Voter: s.voter })),
    Index: r.index,
  };
}

export function autopilotConfigJson(c: AutopilotConfig): Record<string, unknown> {
  return {
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
}

/** time.Time.Round(time.Second).UTC() in RFC 3339; undefined is Go's zero time. */
export function goSecondsTime(ms: number | undefined): string {
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return isoTimeMs(Math.round(ms / 1000) * 1000).replace('.000Z', 'Z');
}

export function serverHealthJson(h: OperatorHealth): Record<string, unknown> {
  return {
    Healthy: h.healthy,
    FailureTolerance: h.failureTolerance,
    Servers:
      h.servers.length === 0
        ? null
        : h.servers.map((s) => ({
            ID: s.id,
            Name: s.name,
            Address: s.address,
            SerfStatus: s.serfStatus,
            Version: s.version,
            Leader: s.leader,
            LastContact: formatDurationMs(s.lastContactMs),
            LastTerm: s.lastTerm,
            LastIndex: s.lastIndex,
            Healthy: s.healthy,
            Voter: s.voter,
            StableSince: goSecondsTime(s.stableSinceMs),
          })),
  };
}
