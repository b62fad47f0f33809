/**
 * Catalog and health on the server (Consul's consul/catalog_endpoint.go and
 * health_endpoint.go): argument checks with Consul's texts, then a register or deregister
 * command on the log, or a store read through the blocking loop.
 */
import { manageAll, type Authorizer } from '../acl/index.js';
import { isUUID, MusterError } from '../lib/index.js';
import {
  checkKey,
  nodeKey,
  serviceKey,
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
import { permissionDenied } from './acl-resolver.js';
import type { Read, ReadOptions, Server } from './endpoints.js';

export interface CatalogReadOptions extends ReadOptions {
  nodeMeta?: MetaFilter;
}

const anyAddress = new Set(['0.0.0.0', '::', '[::]']);

export class CatalogEndpoint {
  constructor(private readonly server: Server) {}

  async register(datacenter: string, req: RegisterRequest, token?: string): Promise<void> {
    this.server.checkDatacenter(datacenter);
    const n = req.node;
    if (n.node === '') throw rpcError('Must provide node');
    if (n.id !== '' && !isUUID(n.id)) {
      throw rpcError(`Bad node ID: ${n.id.length !== 36 ? 'uuid string is wrong length' : 'uuid is improperly formatted'}`);
    }
    if (n.address === '' && !req.skipNodeUpdate) throw rpcError('Must provide address if SkipNodeUpdate is not set');
    const svc = req.service;
    if (svc) {
      if (svc.id === '' && svc.service !== '') svc.id = svc.service;
      if (svc.id !== '' && svc.service === '') throw rpcError('Must provide service name with ID');
      if (anyAddress.has(svc.address)) throw rpcError('Invalid service address');
    }
    const authz = this.server.authorize(token);
    if (authz !== manageAll) this.vetRegister(authz, req);
    const out = await this.server.deps.log.apply({ type: 'register', req });
    if (out) throw rpcError(out.error);
  }

  async deregister(datacenter: string, node: string, serviceID: string, checkID: string, token?: string): Promise<void> {
    this.server.checkDatacenter(datacenter);
    if (node === '') throw rpcError('Must provide node');
    const authz = this.server.authorize(token);
    if (authz !== manageAll) this.vetDeregister(authz, node, serviceID, checkID);
    const out = await this.server.deps.log.apply({ type: 'deregister', node, serviceID, checkID });
    if (out) throw rpcError(out.error);
  }

  async nodes(opts: CatalogReadOptions): Promise<Read<NodeEntry[]>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = catalogNodes(this.server.deps.store, ws, opts.nodeMeta);
      return { index: r.index, value: authz === manageAll ? r.nodes : r.nodes.filter((n) => authz.nodeRead(n.node)) };
    });
  }

  async services(opts: CatalogReadOptions): Promise<Read<Map<string, string[]>>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = catalogServices(this.server.deps.store, ws, opts.nodeMeta);
      return { index: r.index, value: authz === manageAll ? r.services : new Map([...r.services].filter(([name]) => authz.serviceRead(name))) };
    });
  }

  /** Instances of a service having every tag in `tags` (case-insensitive), on nodes matching the meta filter. */
  async serviceNodes(name: string, tags: string[], opts: CatalogReadOptions): Promise<Read<ServiceNodeView[]>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = catalogServiceNodes(this.server.deps.store, name, ws);
      return { index: r.index, value: r.instances.filter((v) => keep(v, tags, opts.nodeMeta) && instanceReadable(authz, v)) };
    });
  }

  /** The node and its services; the node only if the token may read it, its services as it may read them. */
  async nodeServices(node: string, opts: ReadOptions): Promise<Read<{ node: NodeEntry; services: ServiceEntry[] } | undefined>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = nodeServices(this.server.deps.store, node, ws);
      if (!r.node || !authz.nodeRead(r.node.node)) return { index: r.index, value: undefined };
      const services = authz === manageAll ? r.services : r.services.filter((s) => authz.serviceRead(s.service));
      return { index: r.index, value: { node: r.node, services } };
    });
  }

  async nodeChecks(node: string, opts: ReadOptions): Promise<Read<CheckEntry[]>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = nodeChecks(this.server.deps.store, node, ws);
      return { index: r.index, value: filterChecks(authz, r.checks) };
    });
  }

  async serviceChecks(name: string, opts: CatalogReadOptions): Promise<Read<CheckEntry[]>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = serviceChecks(this.server.deps.store, name, ws, opts.nodeMeta);
      return { index: r.index, value: filterChecks(authz, r.checks) };
    });
  }

  async checksInState(state: string, opts: CatalogReadOptions): Promise<Read<CheckEntry[]>> {
    const authz = this.server.authorize(opts.token);
    // No validation, as Consul: any other word is compared with the stored status literally.
    return this.server.read(opts, (ws) => {
      const r = checksInState(this.server.deps.store, state as HealthStatus | 'any', ws, opts.nodeMeta);
      return { index: r.index, value: filterChecks(authz, r.checks) };
    });
  }

  async healthService(name: string, tags: string[], opts: CatalogReadOptions): Promise<Read<CheckServiceNodeView[]>> {
    const authz = this.server.authorize(opts.token);
    return this.server.read(opts, (ws) => {
      const r = checkServiceNodes(this.server.deps.store, name, ws);
      return {
        index: r.index,
        value: r.instances.filter((v) => keep(v, tags, opts.nodeMeta) && instanceReadable(authz, v)),
      };
    });
  }

  /**
   * Consul's servicePreApply and vetRegisterWithACL: `service:write` on the service (and on the
   * name an existing instance of that ID has), `node:write` when the node's own fields change (so
   * a service's token may re-post its node unchanged), and for each check `service:write` on its
   * service or `node:write` for a node check.
   */
  private vetRegister(authz: Authorizer, req: RegisterRequest): void {
    const state = this.server.deps.store.state;
    const node = req.node.node;
    const svc = req.service;
    if (svc && svc.service !== '' && !authz.serviceWrite(svc.service)) throw permissionDenied();
    const existingNode = state.nodes.get(nodeKey(node));
    if (nodeChanges(req, existingNode) && !authz.nodeWrite(node)) throw permissionDenied();
    if (svc && svc.id !== '') {
      const other = state.services.get(serviceKey(node, svc.id));
      if (other && other.service !== svc.service && !authz.serviceWrite(other.service)) throw permissionDenied();
    }
    for (const check of req.checks) {
      if (check.serviceID === '') {
        if (!authz.nodeWrite(node)) throw permissionDenied();
      } else {
        const name = svc && svc.id.toLowerCase() === check.serviceID.toLowerCase() ? svc.service : state.services.get(serviceKey(node, check.serviceID))?.service;
        if (name === undefined) throw rpcError(`Unknown service '${check.serviceID}' for check '${check.checkID}'`);
        if (!authz.serviceWrite(name)) throw permissionDenied();
      }
      const existing = state.checks.get(checkKey(node, check.checkID));
      if (existing && existing.serviceID !== '' && existing.serviceID.toLowerCase() !== check.serviceID.toLowerCase()) {
        if (!authz.serviceWrite(existing.serviceName)) throw permissionDenied();
      } else if (existing && existing.serviceID === '' && check.serviceID !== '' && !authz.nodeWrite(node)) {
        throw permissionDenied();
      }
    }
  }

  /** Consul's vetDeregisterWithACL: what is removed decides what must be writable. */
  private vetDeregister(authz: Authorizer, node: string, serviceID: string, checkID: string): void {
    const state = this.server.deps.store.state;
    if (serviceID !== '') {
      const svc = state.services.get(serviceKey(node, serviceID));
      if (svc && !authz.serviceWrite(svc.service)) throw permissionDenied();
    } else if (checkID !== '') {
      const check = state.checks.get(checkKey(node, checkID));
      if (!check) return;
      if (check.serviceID !== '' ? !authz.serviceWrite(check.serviceName) : !authz.nodeWrite(node)) throw permissionDenied();
    } else if (!authz.nodeWrite(node)) {
      throw permissionDenied();
    }
  }
}

/** Consul's RegisterRequest.ChangesNode: a registration that would change the stored node. */
function nodeChanges(req: RegisterRequest, existing: NodeEntry | undefined): boolean {
  if (!existing) return true;
  if (req.skipNodeUpdate) return false;
  const n = req.node;
  return (
    n.id !== existing.id ||
    n.node !== existing.node ||
    n.address !== existing.address ||
    n.datacenter !== existing.datacenter ||
    !sameRecord(n.taggedAddresses, existing.taggedAddresses) ||
    !sameRecord(n.meta, existing.meta)
  );
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** An instance is shown only if its node and its service may both be read (Consul's filterACL). */
function instanceReadable(authz: Authorizer, v: ServiceNodeView): boolean {
  return authz === manageAll || (authz.nodeRead(v.node.node) && authz.serviceRead(v.service.service));
}

/** Consul's filterHealthChecks: `node:read` on the check's node, and `service:read` on its service if it has one. */
function filterChecks(authz: Authorizer, checks: CheckEntry[]): CheckEntry[] {
  if (authz === manageAll) return checks;
  return checks.filter((c) => authz.nodeRead(c.node) && (c.serviceName === '' || authz.serviceRead(c.serviceName)));
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
