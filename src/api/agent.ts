/**
 * /v1/agent (the local agent) and /v1/status (Raft leader and peers).
 */
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

  /** PUT /v1/agent/leave: the agent leaves the cluster gracefully and shuts down. */
  async leave(w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', '/v1/agent/leave', [], undefined, w);
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
