/**
 * /v1/catalog: Consul's catalog API (api/catalog.go). Wire shapes keep Consul's PascalCase;
 * callers get camelCase. Node-meta filters are sent as `node-meta=key:value`, one per pair.
 */
import { decodeJson, parseQueryMeta, type ApiClient, type QueryOptions, type WriteOptions } from './client.js';
import { statusError } from './errors.js';
import type { Result } from './kv.js';
import type { QueryParam } from './url.js';

/** Go's QueryOptions.Near and NodeMeta, which catalog and health reads take. */
export interface CatalogQueryOptions extends QueryOptions {
  /** Sort by estimated round-trip time from this node (`_agent`: the queried agent). */
  near?: string;
  /** Only nodes with all of these metadata pairs. */
  nodeMeta?: Record<string, string>;
}

export function nearAndMetaParams(q: CatalogQueryOptions = {}): QueryParam[] {
  const p: QueryParam[] = [];
  if (q.near) p.push(['near', q.near]);
  for (const [k, v] of Object.entries(q.nodeMeta ?? {})) p.push(['node-meta', `${k}:${v}`]);
  return p;
}

export interface ServiceAddress {
  address: string;
  port: number;
}

export interface Weights {
  passing: number;
  warning: number;
}

export interface WireNode {
  ID?: string;
  Node: string;
  Address?: string;
  Datacenter?: string;
  TaggedAddresses?: Record<string, string> | null;
  Meta?: Record<string, string> | null;
  CreateIndex?: number;
  ModifyIndex?: number;
}

export interface CatalogNodeInfo {
  id: string;
  node: string;
  address: string;
  datacenter: string;
  taggedAddresses: Record<string, string>;
  meta: Record<string, string>;
  createIndex: number;
  modifyIndex: number;
}

export function nodeFromWire(w: WireNode): CatalogNodeInfo {
  return {
    id: w.ID ?? '',
    node: w.Node,
    address: w.Address ?? '',
    datacenter: w.Datacenter ?? '',
    taggedAddresses: w.TaggedAddresses ?? {},
    meta: w.Meta ?? {},
    createIndex: w.CreateIndex ?? 0,
    modifyIndex: w.ModifyIndex ?? 0,
  };
}

export interface WireServiceAddress {
  Address?: string;
  Port?: number;
}

export function serviceAddressesFromWire(w: Record<string, WireServiceAddress> | null | undefined): Record<string, ServiceAddress> {
  const out: Record<string, ServiceAddress> = {};
  for (const [k, v] of Object.entries(w ?? {})) out[k] = { address: v.Address ?? '', port: v.Port ?? 0 };
  return out;
}

export interface WireCatalogService {
  ID?: string;
  Node: string;
  Address?: string;
  Datacenter?: string;
  TaggedAddresses?: Record<string, string> | null;
  NodeMeta?: Record<string, string> | null;
  ServiceKind?: string;
  ServiceID: string;
  ServiceName: string;
  ServiceAddress?: string;
  ServiceTaggedAddresses?: Record<string, WireServiceAddress> | null;
  ServiceTags?: string[] | null;
  ServiceMeta?: Record<string, string> | null;
  ServicePort?: number;
  ServiceWeights?: { Passing?: number; Warning?: number };
  ServiceEnableTagOverride?: boolean;
  CreateIndex?: number;
  ModifyIndex?: number;
}

export interface CatalogServiceEntry {
  id: string;
  node: string;
  address: string;
  datacenter: string;
  taggedAddresses: Record<string, string>;
  nodeMeta: Record<string, string>;
  serviceKind: string;
  serviceId: string;
  serviceName: string;
  serviceAddress: string;
  serviceTaggedAddresses: Record<string, ServiceAddress>;
  serviceTags: string[];
  serviceMeta: Record<string, string>;
  servicePort: number;
  serviceWeights: Weights;
  serviceEnableTagOverride: boolean;
  createIndex: number;
  modifyIndex: number;
}

export function catalogServiceFromWire(w: WireCatalogService): CatalogServiceEntry {
  return {
    id: w.ID ?? '',
    node: w.Node,
    address: w.Address ?? '',
    datacenter: w.Datacenter ?? '',
    taggedAddresses: w.TaggedAddresses ?? {},
    nodeMeta: w.NodeMeta ?? {},
    serviceKind: w.ServiceKind ?? '',
    serviceId: w.ServiceID,
    serviceName: w.ServiceName,
    serviceAddress: w.ServiceAddress ?? '',
    serviceTaggedAddresses: serviceAddressesFromWire(w.ServiceTaggedAddresses),
    serviceTags: w.ServiceTags ?? [],
    serviceMeta: w.ServiceMeta ?? {},
    servicePort: w.ServicePort ?? 0,
    serviceWeights: { passing: w.ServiceWeights?.Passing ?? 0, warning: w.ServiceWeights?.Warning ?? 0 },
    serviceEnableTagOverride: w.ServiceEnableTagOverride ?? false,
    createIndex: w.CreateIndex ?? 0,
    modifyIndex: w.ModifyIndex ?? 0,
  };
}

/** A service as the agent and /v1/catalog/node describe it (Go's AgentService). */
export interface WireAgentService {
  Kind?: string;
  ID: string;
  Service: string;
  Tags?: string[] | null;
  Meta?: Record<string, string> | null;
  Port?: number;
  Address?: string;
  TaggedAddresses?: Record<string, WireServiceAddress> | null;
  Weights?: { Passing?: number; Warning?: number };
  EnableTagOverride?: boolean;
  CreateIndex?: number;
  ModifyIndex?: number;
  ContentHash?: string;
}

export interface AgentService {
  kind: string;
  id: string;
  service: string;
  tags: string[];
  meta: Record<string, string>;
  port: number;
  address: string;
  taggedAddresses: Record<string, ServiceAddress>;
  weights: Weights;
  enableTagOverride: boolean;
  createIndex: number;
  modifyIndex: number;
  contentHash: string;
}

export function agentServiceFromWire(w: WireAgentService): AgentService {
  return {
    kind: w.Kind ?? '',
    id: w.ID,
    service: w.Service,
    tags: w.Tags ?? [],
    meta: w.Meta ?? {},
    port: w.Port ?? 0,
    address: w.Address ?? '',
    taggedAddresses: serviceAddressesFromWire(w.TaggedAddresses),
    weights: { passing: w.Weights?.Passing ?? 0, warning: w.Weights?.Warning ?? 0 },
    enableTagOverride: w.EnableTagOverride ?? false,
    createIndex: w.CreateIndex ?? 0,
    modifyIndex: w.ModifyIndex ?? 0,
    contentHash: w.ContentHash ?? '',
  };
}

export interface CatalogNodeServices {
  node: CatalogNodeInfo;
  /** By service ID. */
  services: Record<string, AgentService>;
}

export class Catalog {
  constructor(private readonly client: ApiClient) {}

  /** GET /v1/catalog/datacenters: known datacenters, nearest first. */
  async datacenters(): Promise<string[]> {
    return (await this.getJson<string[] | null>('/v1/catalog/datacenters', [], {})).value ?? [];
  }

  /** GET /v1/catalog/nodes. */
  async nodes(q: CatalogQueryOptions = {}): Promise<Result<CatalogNodeInfo[]>> {
    const r = await this.getJson<WireNode[] | null>('/v1/catalog/nodes', nearAndMetaParams(q), q);
    return { value: (r.value ?? []).map(nodeFromWire), meta: r.meta };
  }

  /** GET /v1/catalog/services: service name → the union of its tags. */
  async services(q: CatalogQueryOptions = {}): Promise<Result<Record<string, string[]>>> {
    const r = await this.getJson<Record<string, string[] | null> | null>('/v1/catalog/services', nearAndMetaParams(q), q);
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.value ?? {})) out[k] = v ?? [];
    return { value: out, meta: r.meta };
  }

  /** GET /v1/catalog/service/<name>[?tag=]: the instances of a service. */
  async service(name: string, tags: string[] = [], q: CatalogQueryOptions = {}): Promise<Result<CatalogServiceEntry[]>> {
    const params = [...nearAndMetaParams(q), ...tags.map((t): QueryParam => ['tag', t])];
    const r = await this.getJson<WireCatalogService[] | null>(`/v1/catalog/service/${name}`, params, q);
    return { value: (r.value ?? []).map(catalogServiceFromWire), meta: r.meta };
  }

  /** GET /v1/catalog/node/<name>: the node and its services, or null for an unknown node. */
  async node(name: string, q: CatalogQueryOptions = {}): Promise<Result<CatalogNodeServices | null>> {
    const params = nearAndMetaParams(q);
    const r = await this.getJson<{ Node: WireNode; Services: Record<string, WireAgentService> | null } | null>(`/v1/catalog/node/${name}`, params, q);
    if (!r.value) return { value: null, meta: r.meta };
    const services: Record<string, AgentService> = {};
    for (const [k, v] of Object.entries(r.value.Services ?? {})) services[k] = agentServiceFromWire(v);
    return { value: { node: nodeFromWire(r.value.Node), services }, meta: r.meta };
  }

  /** PUT /v1/catalog/register with a body in Consul's wire shape. */
  async register(registration: Record<string, unknown>, w?: WriteOptions): Promise<void> {
    await this.client.write('PUT', '/v1/catalog/register', [], JSON.stringify(registration) + '\n', w);
  }

  /** PUT /v1/catalog/deregister: `{Node}` removes the node, with ServiceID or CheckID just that. */
  async deregister(d: { node: string; datacenter?: string; serviceId?: string; checkId?: string }, w?: WriteOptions): Promise<void> {
    const body = { Node: d.node, Datacenter: d.datacenter ?? '', ServiceID: d.serviceId ?? '', CheckID: d.checkId ?? '' };
    await this.client.write('PUT', '/v1/catalog/deregister', [], JSON.stringify(body) + '\n', w);
  }

  private async getJson<T>(path: string, params: QueryParam[], q: QueryOptions): Promise<Result<T>> {
    const res = await this.client.query(path, params, q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    return { value: decodeJson<T>(res), meta: parseQueryMeta(res) };
  }
}
