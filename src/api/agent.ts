/**
 * /v1/agent (the local agent) and /v1/status (Raft leader and peers).
 */
import { agentCheckFromWire, encodeServiceRegistration, openLogStream, type AgentCheck, type AgentServiceRegistration, type LogStream, type WireAgentCheck } from './agent-services.js';
import { agentServiceFromWire, type AgentService, type WireAgentService } from './catalog.js';
import { decodeJson, type ApiClient, type QueryOptions, type WriteOptions } from './client.js';
import { statusError } from './errors.js';
import type { QueryParam } from './url.js';

/** A gossip member as /v1/agent/members returns it. */
export interface WireMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string> | null;
  /** 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

export interface Member {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  status: number;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

export function memberFromWire(w: WireMember): Member {
  return {
    name: w.Name,
    addr: w.Addr,
    port: w.Port,
    tags: w.Tags ?? {},
    status: w.Status,
    protocolMin: w.ProtocolMin,
    protocolMax: w.ProtocolMax,
    protocolCur: w.ProtocolCur,
    delegateMin: w.DelegateMin,
    delegateMax: w.DelegateMax,
    delegateCur: w.DelegateCur,
  };
}

/** /v1/agent/self: the parts typed here; `raw` keeps all of it (DebugConfig, Coord, ...). */
export interface WireAgentSelf {
  Config?: { Datacenter?: string; NodeName?: string; NodeID?: string; Server?: boolean; Revision?: string; Version?: string };
  Member?: WireMember;
  Stats?: Record<string, Record<string, unknown>>;
  Meta?: Record<string, string>;
  [key: string]: unknown;
}

export interface AgentSelf {
  config: { datacenter: string; nodeName: string; nodeId: string; server: boolean; revision: string; version: string };
  member: Member | undefined;
  /** `info`'s sections: agent, build, consul, raft, runtime, serf_lan, serf_wan. */
  stats: Record<string, Record<string, unknown>> | undefined;
  meta: Record<string, string>;
  raw: WireAgentSelf;
}

export class Agent {
  constructor(private readonly client: ApiClient) {}

  async self(q?: QueryOptions): Promise<AgentSelf> {
    const raw = await this.getJson<WireAgentSelf>('/v1/agent/self', [], q);
    const c = raw.Config ?? {};
    return {
      config: {
        datacenter: c.Datacenter ?? '',
        nodeName: c.NodeName ?? '',
        nodeId: c.NodeID ?? '',
        server: c.Server ?? false,
        revision: c.Revision ?? '',
        version: c.Version ?? '',
      },
      member: raw.Member ? memberFromWire(raw.Member) : undefined,
      stats: raw.Stats,
      meta: raw.Meta ?? {},
      raw,
    };
  }

  async members(opts: { wan?: boolean; segment?: string } = {}, q?: QueryOptions): Promise<Member[]> {
    const params: QueryParam[] = [];
    if (opts.wan) params.push(['wan', '1']);
    if (opts.segment !== undefined) params.push(['segment', opts.segment]);
    const wire = (await this.getJson<WireMember[] | null>('/v1/agent/members', params, q)) ?? [];
    return wire.map(memberFromWire);
  }

  /** PUT /v1/agent/join/<address>[?wan=1]: the agent joins the gossip pool through `address`. */
  async join(address: string, wan = false, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', `/v1/agent/join/${address}`, wan ? [['wan', '1']] : [], undefined, w);
  }

  /** PUT /v1/agent/force-leave/<node>[?prune]: marks a failed member left (with prune: forgets it). */
  async forceLeave(node: string, prune = false, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', `/v1/agent/force-leave/${node}`, prune ? [['prune', '1']] : [], undefined, w);
  }

  /** PUT /v1/agent/leave: the agent leaves the cluster gracefully and shuts down. */
  async leave(w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', '/v1/agent/leave', [], undefined, w);
  }

  // --- Local services, checks, maintenance, reload and the log stream (api/agent.go) ---

  private cachedNodeName = '';

  /** The agent's node name (Config.NodeName of /v1/agent/self), cached as Go's client does. */
  async nodeName(): Promise<string> {
    if (this.cachedNodeName === '') this.cachedNodeName = (await this.self()).config.nodeName;
    return this.cachedNodeName;
  }

  /** GET /v1/agent/checks[?filter=]: check ID → check. */
  async checks(filter = ''): Promise<Record<string, AgentCheck>> {
    const wire = (await this.getJson<Record<string, WireAgentCheck> | null>('/v1/agent/checks', filter ? [['filter', filter]] : [])) ?? {};
    const out: Record<string, AgentCheck> = {};
    for (const [id, c] of Object.entries(wire)) out[id] = agentCheckFromWire(c);
    return out;
  }

  /** GET /v1/agent/services[?filter=]: service ID → service. */
  async services(filter = ''): Promise<Record<string, AgentService>> {
    const wire = (await this.getJson<Record<string, WireAgentService> | null>('/v1/agent/services', filter ? [['filter', filter]] : [])) ?? {};
    const out: Record<string, AgentService> = {};
    for (const [id, s] of Object.entries(wire)) out[id] = agentServiceFromWire(s);
    return out;
  }

  /** PUT /v1/agent/service/register[?replace-existing-checks=true]. */
  async serviceRegister(service: AgentServiceRegistration, opts: { replaceExistingChecks?: boolean } = {}, w?: WriteOptions): Promise<void> {
    const params: QueryParam[] = opts.replaceExistingChecks ? [['replace-existing-checks', 'true']] : [];
    await this.client.write('PUT', '/v1/agent/service/register', params, encodeServiceRegistration(service) + '\n', w);
  }

  /** PUT /v1/agent/service/deregister/<id>. */
  async serviceDeregister(serviceId: string, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', `/v1/agent/service/deregister/${serviceId}`, [], undefined, w);
  }

  /** PUT /v1/agent/service/maintenance/<id>?enable=true&reason=. */
  async enableServiceMaintenance(serviceId: string, reason: string, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', `/v1/agent/service/maintenance/${serviceId}`, [['enable', 'true'], ['reason', reason]], undefined, w);
  }

  /** PUT /v1/agent/service/maintenance/<id>?enable=false. */
  async disableServiceMaintenance(serviceId: string, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', `/v1/agent/service/maintenance/${serviceId}`, [['enable', 'false']], undefined, w);
  }

  /** PUT /v1/agent/maintenance?enable=true&reason=. */
  async enableNodeMaintenance(reason: string, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', '/v1/agent/maintenance', [['enable', 'true'], ['reason', reason]], undefined, w);
  }

  /** PUT /v1/agent/maintenance?enable=false. */
  async disableNodeMaintenance(w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', '/v1/agent/maintenance', [['enable', 'false']], undefined, w);
  }

  /** PUT /v1/agent/reload: the agent re-reads its configuration files. */
  async reload(w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', '/v1/agent/reload', [], undefined, w);
  }

  /** GET /v1/agent/monitor?loglevel=[&logjson=true]: the agent's log, streamed. */
  async monitor(logLevel: string, opts: { json?: boolean } = {}): Promise<LogStream> {
    const params: QueryParam[] = [];
    if (logLevel !== '') params.push(['loglevel', logLevel]);
    if (opts.json) params.push(['logjson', 'true']);
    return openLogStream(this.client, params);
  }

  private async getJson<T>(path: string, params: QueryParam[], q?: QueryOptions): Promise<T> {
    const res = await this.client.query(path, params, q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    return decodeJson<T>(res);
  }
}

export class Status {
  constructor(private readonly client: ApiClient) {}

  /** The leader's server RPC address (`10.0.0.1:8300`), or '' when there is none. */
  async leader(q?: QueryOptions): Promise<string> {
    const res = await this.client.query('/v1/status/leader', [], q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    return decodeJson<string>(res);
  }

  /** The Raft peers' server RPC addresses. */
  async peers(q?: QueryOptions): Promise<string[]> {
    const res = await this.client.query('/v1/status/peers', [], q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    return decodeJson<string[] | null>(res) ?? [];
  }
}
