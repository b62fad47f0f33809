/**
 * Catalog reads with Consul's index rules (state/catalog.go): each returns the index a blocking
 * query compares with, and registers what it depends on in the watch set.
 *
 * Service-centred reads (a service's instances, its health) watch one channel, the service's
 * `service.<name>` index, which every relevant write moves (also when the service does not
 * exist yet or just went away). Their index is that entry's value; with no instance left,
 * `service_last_extinction`; failing both, the catalog's table indexes.
 */
import { nodeKey } from './catalog.js';
import type { Store } from './store.js';
import { serviceExtinctionIndexName, serviceIndexName, type CheckEntry, type HealthStatus, type NodeEntry, type ServiceEntry } from './types.js';
import type { WatchSet } from './watch.js';

/** `node-meta=k:v` filters: a node matches if it has every pair. */
export type MetaFilter = ReadonlyArray<readonly [string, string]>;

export function nodeMatchesMeta(node: NodeEntry, filter: MetaFilter | undefined): boolean {
  if (!filter) return true;
  for (const [k, v] of filter) if (node.meta[k] !== v) return false;
  return true;
}

/**
 * Go's api.HealthChecks.AggregatedStatus: a maintenance check wins, then critical, warning,
 * passing (also for no checks at all).
 */
export function aggregatedStatus(checks: ReadonlyArray<Pick<CheckEntry, 'checkID' | 'status'>>): HealthStatus {
  if (checks.some((c) => c.checkID === '_node_maintenance' || c.checkID.startsWith('_service_maintenance:'))) return 'maintenance';
  if (checks.some((c) => c.status === 'critical')) return 'critical';
  if (checks.some((c) => c.status === 'warning')) return 'warning';
  return 'passing';
}

/** A service instance with its node, as `/v1/catalog/service/:name` shows it. */
export interface ServiceNodeView {
  node: NodeEntry;
  service: ServiceEntry;
}

/** A service instance with its node and every check that applies (node's and its own). */
export interface CheckServiceNodeView extends ServiceNodeView {
  checks: CheckEntry[];
}

export function catalogNodes(store: Store, ws?: WatchSet, meta?: MetaFilter): { index: number; nodes: NodeEntry[] } {
  store.watchTables(ws, 'nodes');
  const nodes: NodeEntry[] = [];
  for (const [, n] of store.state.nodes.entries()) if (nodeMatchesMeta(n, meta)) nodes.push(n);
  return { index: store.maxIndex('nodes'), nodes };
}

export function getNode(store: Store, node: string): NodeEntry | undefined {
  return store.state.nodes.get(nodeKey(node));
}

/** Every service name with the union of its instances' tags (first-seen order). */
export function catalogServices(store: Store, ws?: WatchSet, meta?: MetaFilter): { index: number; services: Map<string, string[]> } {
  store.watchTables(ws, 'services');
  if (meta) store.watchTables(ws, 'nodes');
  const byName = new Map<string, Set<string>>();
  for (const [, s] of store.state.services.entries()) {
    if (meta) {
      const n = store.state.nodes.get(nodeKey(s.node));
      if (!n || !nodeMatchesMeta(n, meta)) continue;
    }
    let tags = byName.get(s.service);
    if (!tags) byName.set(s.service, (tags = new Set()));
    for (const t of s.tags) tags.add(t);
  }
  const services = new Map<string, string[]>();
  for (const [name, tags] of byName) services.set(name, [...tags]);
  const index = meta ? store.maxIndex('services', 'nodes') : store.maxIndex('services');
  return { index, services };
}

export function serviceInstances(store: Store, name: string, ws?: WatchSet): readonly ServiceNodeView[] {
  store.watchTables(ws, serviceIndexName(name));
  return store.memo(`instances\u0000${name.toLowerCase()}`, () => {
    const out: ServiceNodeView[] = [];
    const state = store.state;
    state.servicesByName.forEachPrefix(`${name.toLowerCase()}\u0000`, (_k, primary) => {
      const service = state.services.get(primary);
      const node = service && state.nodes.get(nodeKey(service.node));
      if (service && node) out.push({ node, service });
    });
    return out;
  });
}

/** Consul's maxIndexForService. */
export function serviceIndex(store: Store, name: string, exists: boolean, withChecks: boolean): number {
  if (!exists) {
    const extinct = store.state.indexes.get(serviceExtinctionIndexName);
    if (extinct !== undefined) return extinct;
  }
  const idx = store.state.indexes.get(serviceIndexName(name));
  if (idx !== undefined) return idx;
  return withChecks ? store.maxIndex('nodes', 'services', 'checks') : store.maxIndex('nodes', 'services');
}

export function catalogServiceNodes(store: Store, name: string, ws?: WatchSet): { index: number; instances: readonly ServiceNodeView[] } {
  const instances = serviceInstances(store, name, ws);
  return { index: serviceIndex(store, name, instances.length > 0, false), instances };
}

export function checkServiceNodes(store: Store, name: string, ws?: WatchSet): { index: number; instances: readonly CheckServiceNodeView[] } {
  const views = serviceInstances(store, name, ws);
  const instances = store.memo(`health\u0000${name.toLowerCase()}`, () => {
    const byNode = new Map<string, NodeChecks>();
    return views.map((v) => ({ ...v, checks: checksOfInstance(store, v.service, byNode) }));
  });
  return { index: serviceIndex(store, name, instances.length > 0, true), instances };
}

/** A node's checks: its own (node-level) ones, and its instances' by lower-cased service ID. */
interface NodeChecks {
  node: CheckEntry[];
  byService: Map<string, CheckEntry[]>;
}

/**
 * The node's own checks, then the instance's, in check-ID order within each (Consul). `byNode`
 * caches each node's checks, grouped, for the rest of one read: a node's checks are scanned once
 * however many of its instances the read lists.
 */
function checksOfInstance(store: Store, svc: ServiceEntry, byNode: Map<string, NodeChecks>): CheckEntry[] {
  const key = nodeKey(svc.node);
  let group = byNode.get(key);
  if (!group) {
    const g: NodeChecks = { node: [], byService: new Map() };
    store.state.checks.forEachPrefix(`${key}\u0000`, (_k, c) => {
      if (c.serviceID === '') {
        g.node.push(c);
        return;
      }
      const id = c.serviceID.toLowerCase();
      const list = g.byService.get(id);
      if (list) list.push(c);
      else g.byService.set(id, [c]);
    });
    byNode.set(key, (group = g));
  }
  const own = group.byService.get(svc.id.toLowerCase());
  return own ? group.node.concat(own) : group.node.slice();
}

/** A node by name (case-insensitive) or by a unique prefix (2 characters at least) of its ID. */
export function findNode(store: Store, nodeNameOrID: string, ws?: WatchSet): NodeEntry | undefined {
  store.watchRow(ws, 'nodes', nodeKey(nodeNameOrID));
  const node = store.state.nodes.get(nodeKey(nodeNameOrID));
  if (node || nodeNameOrID.length < 2) return node;
  store.watchTables(ws, 'nodes');
  return nodeByIDPrefix(store, nodeNameOrID);
}

/** A node and its services, by name (case-insensitive) or by a unique prefix of its ID. */
export function nodeServices(
  store: Store,
  nodeNameOrID: string,
  ws?: WatchSet,
): { index: number; node: NodeEntry | undefined; services: ServiceEntry[] } {
  const index = store.maxIndex('nodes', 'services');
  const node = findNode(store, nodeNameOrID, ws);
  // Consul answers an unknown node with index 0 (shown as 1).
  if (!node) return { index: 0, node: undefined, services: [] };
  store.watchRow(ws, 'services', nodeKey(node.node));
  const services: ServiceEntry[] = [];
  store.state.services.forEachPrefix(`${nodeKey(node.node)}\u0000`, (_k, s) => {
    services.push(s);
  });
  return { index, node, services };
}

function nodeByIDPrefix(store: Store, prefix: string): NodeEntry | undefined {
  const p = prefix.toLowerCase();
  let found: NodeEntry | undefined;
  for (const [, n] of store.state.nodes.entries()) {
    if (n.id !== '' && n.id.toLowerCase().startsWith(p)) {
      if (found) return undefined; // ambiguous
      found = n;
    }
  }
  return found;
}

export function nodeChecks(store: Store, node: string, ws?: WatchSet): { index: number; checks: CheckEntry[] } {
  store.watchRow(ws, 'checks', nodeKey(node));
  const checks: CheckEntry[] = [];
  store.state.checks.forEachPrefix(`${nodeKey(node)}\u0000`, (_k, c) => {
    checks.push(c);
  });
  return { index: store.maxIndex('checks'), checks };
}

export function getCheck(store: Store, node: string, checkID: string): CheckEntry | undefined {
  return store.state.checks.get(`${nodeKey(node)}\u0000${checkID.toLowerCase()}`);
}

/** The checks of every instance of a service (not the nodes' own checks). */
export function serviceChecks(store: Store, name: string, ws?: WatchSet, meta?: MetaFilter): { index: number; checks: CheckEntry[] } {
  store.watchTables(ws, serviceIndexName(name));
  if (meta) store.watchTables(ws, 'nodes');
  const lower = name.toLowerCase();
  const checks: CheckEntry[] = [];
  for (const [, c] of store.state.checks.entries()) {
    if (c.serviceID === '' || c.serviceName.toLowerCase() !== lower) continue;
    if (meta && !nodeMatchesMeta(store.state.nodes.get(nodeKey(c.node))!, meta)) continue;
    checks.push(c);
  }
  return { index: meta ? store.maxIndex('checks', 'nodes') : store.maxIndex('checks'), checks };
}

/** Checks in a state (`any` for all). */
export function checksInState(
  store: Store,
  state: HealthStatus | 'any' | (string & {}),
  ws?: WatchSet,
  meta?: MetaFilter,
): { index: number; checks: CheckEntry[] } {
  store.watchTables(ws, 'checks');
  if (meta) store.watchTables(ws, 'nodes');
  const checks: CheckEntry[] = [];
  for (const [, c] of store.state.checks.entries()) {
    if (state !== 'any' && c.status !== state) continue;
    if (meta && !nodeMatchesMeta(store.state.nodes.get(nodeKey(c.node))!, meta)) continue;
    checks.push(c);
  }
  return { index: meta ? store.maxIndex('checks', 'nodes') : store.maxIndex('checks'), checks };
}
