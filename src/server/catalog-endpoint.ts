/**
 * Catalog and health on the server (Consul's consul/catalog_endpoint.go and
 * health_endpoint.go): argument checks with Consul's texts, then a register or deregister
 * command on the log, or a store read through the blocking loop.
 */
import { MusterError } from '../lib/index.js';
import {
  catalogNodes,
  catalogServiceNodes,
  catalogServices,
  checkServiceNodes,
  checksInState,
  nodeChecks,
  nodeServices,
  serviceChecks,
  type CheckEntry,
  type CheckServiceNodeView,
  type HealthStatus,
  type MetaFilter,
  type NodeEntry,
  type RegisterRequest,
  type ServiceEntry,
  type ServiceNodeView,
} from '../state/index.js';
import type { Read, ReadOptions, Server } from './endpoints.js';

export interface CatalogReadOptions extends ReadOptions {
  nodeMeta?: MetaFilter;
}

const uuidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const anyAddress = new Set(['0.0.0.0', '::', '[::]']);

export class CatalogEndpoint {
  constructor(private readonly server: Server) {}

  async register(datacenter: string, req: RegisterRequest): Promise<void> {
    this.server.checkDatacenter(datacenter);
    const n = req.node;
    if (n.node === '') throw rpcError('Must provide node');
    if (n.id !== '' && !uuidRe.test(n.id)) {
      throw rpcError(`Bad node ID: ${n.id.length !== 36 ? 'uuid string is wrong length' : 'uuid is improperly formatted'}`);
    }
    if (n.address === '' && !req.skipNodeUpdate) throw rpcError('Must provide address if SkipNodeUpdate is not set');
    const svc = req.service;
    if (svc) {
      if (svc.id === '' && svc.service !== '') svc.id = svc.service;
      if (svc.id !== '' && svc.service === '') throw rpcError('Must provide service name with ID');
      if (anyAddress.has(svc.address)) throw rpcError('Invalid service address');
    }
    const out = await this.server.deps.log.apply({ type: 'register', req });
    if (out) throw rpcError(out.error);
  }

  async deregister(datacenter: string, node: string, serviceID: string, checkID: string): Promise<void> {
    this.server.checkDatacenter(datacenter);
    if (node === '') throw rpcError('Must provide node');
    const out = await this.server.deps.log.apply({ type: 'deregister', node, serviceID, checkID });
    if (out) throw rpcError(out.error);
  }

  nodes(opts: CatalogReadOptions): Promise<Read<NodeEntry[]>> {
    return this.server.read(opts, (ws) => {
      const r = catalogNodes(this.server.deps.store, ws, opts.nodeMeta);
      return { index: r.index, value: r.nodes };
    });
  }

  services(opts: CatalogReadOptions): Promise<Read<Map<string, string[]>>> {
    return this.server.read(opts, (ws) => {
      const r = catalogServices(this.server.deps.store, ws, opts.nodeMeta);
      return { index: r.index, value: r.services };
    });
  }

  /** Instances of a service having every tag in `tags` (case-insensitive), on nodes matching the meta filter. */
  serviceNodes(name: string, tags: string[], opts: CatalogReadOptions): Promise<Read<ServiceNodeView[]>> {
    return this.server.read(opts, (ws) => {
      const r = catalogServiceNodes(this.server.deps.store, name, ws);
      return { index: r.index, value: r.instances.filter((v) => keep(v, tags, opts.nodeMeta)) };
    });
  }

  nodeServices(node: string, opts: ReadOptions): Promise<Read<{ node: NodeEntry; services: ServiceEntry[] } | undefined>> {
    return this.server.read(opts, (ws) => {
      const r = nodeServices(this.server.deps.store, node, ws);
      return { index: r.index, value: r.node ? { node: r.node, services: r.services } : undefined };
    });
  }

  nodeChecks(node: string, opts: ReadOptions): Promise<Read<CheckEntry[]>> {
    return this.server.read(opts, (ws) => {
      const r = nodeChecks(this.server.deps.store, node, ws);
      return { index: r.index, value: r.checks };
    });
  }

  serviceChecks(name: string, opts: CatalogReadOptions): Promise<Read<CheckEntry[]>> {
    return this.server.read(opts, (ws) => {
      const r = serviceChecks(this.server.deps.store, name, ws, opts.nodeMeta);
      return { index: r.index, value: r.checks };
    });
  }

  checksInState(state: string, opts: CatalogReadOptions): Promise<Read<CheckEntry[]>> {
    // No validation, as Consul: any other word is compared with the stored status literally.
    return this.server.read(opts, (ws) => {
      const r = checksInState(this.server.deps.store, state as HealthStatus | 'any', ws, opts.nodeMeta);
      return { index: r.index, value: r.checks };
    });
  }

  healthService(name: string, tags: string[], opts: CatalogReadOptions): Promise<Read<CheckServiceNodeView[]>> {
    return this.server.read(opts, (ws) => {
      const r = checkServiceNodes(this.server.deps.store, name, ws);
      return { index: r.index, value: r.instances.filter((v) => keep(v, tags, opts.nodeMeta)) };
    });
  }
}

function keep(v: ServiceNodeView, tags: string[], meta: MetaFilter | undefined): boolean {
  for (const tag of tags) {
    const t = tag.toLowerCase();
    if (!v.service.tags.some((x) => x.toLowerCase() === t)) return false;
  }
  if (meta) for (const [k, val] of meta) if (v.node.meta[k] !== val) return false;
  return true;
}

export function rpcError(message: string): MusterError {
  return new MusterError('ERR_RPC', message);
}
