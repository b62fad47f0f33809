/**
 * Catalog writes: nodes, services and checks, with Consul's state/catalog.go semantics.
 *
 * - A write that changes nothing keeps ModifyIndex and wakes no one (Consul's IsSame checks),
 *   so anti-entropy re-syncing an unchanged catalog is free.
 * - Every change to a service instance, or to a check that can affect it (its own checks and
 *   its node's), moves that service's `service.<name>` index; health queries watch only that.
 * - When the last instance of a service goes, its index entry is dropped and
 *   `service_last_extinction` moves, so a query for a now-missing service never sees its index
 *   go backwards.
 * - A critical or deleted check ends the sessions that name it; a deleted node ends its sessions.
 */
import { sessionDestroyTxn } from './sessions.js';
import type { WriteTxn } from './store.js';
import {
  serviceExtinctionIndexName,
  serviceIndexName,
  type CheckDefinitionData,
  type CheckEntry,
  type NodeEntry,
  type ServiceEntry,
} from './types.js';

export type NodeWrite = Omit<NodeEntry, 'createIndex' | 'modifyIndex'>;
export type ServiceWrite = Omit<ServiceEntry, 'createIndex' | 'modifyIndex' | 'node'>;
/** ServiceName and ServiceTags are filled in from the service the check belongs to. */
export type CheckWrite = Omit<CheckEntry, 'createIndex' | 'modifyIndex' | 'serviceName' | 'serviceTags'> &
  Partial<Pick<CheckEntry, 'serviceName' | 'serviceTags'>>;

/** Consul's RegisterRequest: a node, optionally one service, and checks, in one transaction. */
export interface RegisterRequest {
  node: NodeWrite;
  /** Leave an existing node's fields alone (the node is still created if missing). */
  skipNodeUpdate: boolean;
  service?: ServiceWrite;
  checks: CheckWrite[];
}

/** Operating errors of catalog writes, with Consul's texts (state/catalog.go, ErrMissing…). */
export class CatalogError extends Error {}

export const nodeKey = (node: string): string => node.toLowerCase();
export const serviceKey = (node: string, id: string): string => `${node.toLowerCase()}\u0000${id.toLowerCase()}`;
export const checkKey = (node: string, checkID: string): string => `${node.toLowerCase()}\u0000${checkID.toLowerCase()}`;
export const serviceByNameKey = (name: string, primary: string): string => `${name.toLowerCase()}\u0000${primary}`;

export function emptyCheckDefinition(): CheckDefinitionData {
  return {
    http: '',
    tlsSkipVerify: false,
    header: {},
    method: '',
    body: '',
    tcp: '',
    intervalNs: 0,
    outputMaxSize: 0,
    timeoutNs: 0,
    deregisterCriticalServiceAfterNs: 0,
    scriptArgs: [],
    dockerContainerID: '',
    shell: '',
    grpc: '',
    grpcUseTLS: false,
    aliasNode: '',
    aliasService: '',
    ttlNs: 0,
  };
}

export function ensureRegistrationTxn(tx: WriteTxn, req: RegisterRequest): void {
  const existing = tx.state.nodes.get(nodeKey(req.node.node));
  if (!existing || (!req.skipNodeUpdate && changesNode(req.node, existing))) ensureNodeTxn(tx, req.node);
  if (req.service) ensureServiceTxn(tx, req.node.node, req.service);
  for (const check of req.checks) {
    if (check.node !== req.node.node) {
      throw new CatalogError(`check node "${check.node}" does not match node "${req.node.node}"`);
    }
    ensureCheckTxn(tx, check);
  }
}

function changesNode(w: NodeWrite, n: NodeEntry): boolean {
  return (
    w.id !== n.id ||
    w.node !== n.node ||
    w.address !== n.address ||
    w.datacenter !== n.datacenter ||
    !sameJson(w.taggedAddresses, n.taggedAddresses) ||
    !sameJson(w.meta, n.meta)
  );
}

/** Creates or updates a node; an identical write keeps its ModifyIndex. */
export function ensureNodeTxn(tx: WriteTxn, write: NodeWrite): NodeEntry {
  if (write.id !== '') renameByID(tx, write);
  const existing = tx.state.nodes.get(nodeKey(write.node));
  const entry: NodeEntry = {
    ...write,
    createIndex: existing ? existing.createIndex : tx.index,
    modifyIndex: tx.index,
  };
  if (existing && sameJson(stripIndexes(existing), stripIndexes(entry))) return existing;
  tx.state.nodes = tx.state.nodes.set(nodeKey(write.node), entry);
  tx.bumpTable('nodes');
  tx.touchRow('nodes', nodeKey(write.node));
  // Health results carry node fields, so every service on the node changes with it.
  bumpServicesOfNode(tx, write.node);
  return entry;
}

/**
 * A node ID names one machine: registering a known ID under a new name renames the node
 * (dropping the old registration), unless another healthy node holds the new name.
 */
function renameByID(tx: WriteTxn, write: NodeWrite): void {
  let holder: NodeEntry | undefined;
  for (const [, n] of tx.state.nodes.entries()) {
    if (n.id === write.id) {
      holder = n;
      break;
    }
  }
  const clash = tx.state.nodes.get(nodeKey(write.node));
  if (clash && clash.id !== write.id && !(clash.id === '' && !holder) && nodeHealthy(tx, clash.node)) {
    const prefix = holder ? `Error while renaming Node ID: "${write.id}" (${write.address})` : `Error while renaming Node ID: "${write.id}"`;
    throw new CatalogError(`${prefix}: Node name ${write.node} is reserved by node ${clash.id} with name ${clash.node} (${clash.address})`);
  }
  if (holder && holder.node !== write.node) deleteNodeTxn(tx, holder.node);
}

function nodeHealthy(tx: WriteTxn, node: string): boolean {
  const serf = tx.state.checks.get(checkKey(node, 'serfHealth'));
  return serf !== undefined && serf.status !== 'critical';
}

export function deleteNodeTxn(tx: WriteTxn, node: string): void {
  const existing = tx.state.nodes.get(nodeKey(node));
  if (!existing) return;
  for (const svc of servicesOfNode(tx, node)) deleteServiceTxn(tx, node, svc.id);
  for (const chk of checksOfNode(tx, node)) deleteCheckTxn(tx, node, chk.checkID);
  tx.state.nodes = tx.state.nodes.delete(nodeKey(node));
  tx.bumpTable('nodes');
  tx.touchRow('nodes', nodeKey(node));
  const sessions: string[] = [];
  for (const [, s] of tx.state.sessions.entries()) if (nodeKey(s.node) === nodeKey(node)) sessions.push(s.id);
  for (const id of sessions) sessionDestroyTxn(tx, id);
}

export function ensureServiceTxn(tx: WriteTxn, node: string, write: ServiceWrite): ServiceEntry {
  const n = tx.state.nodes.get(nodeKey(node));
  if (!n) throw new CatalogError('Missing node registration');
  const key = serviceKey(node, write.id);
  const existing = tx.state.services.get(key);
  const entry: ServiceEntry = {
    ...write,
    node: n.node,
    createIndex: existing ? existing.createIndex : tx.index,
    modifyIndex: tx.index,
  };
  if (existing && sameJson(stripIndexes(existing), stripIndexes(entry))) return existing;
  if (existing && existing.service.toLowerCase() !== entry.service.toLowerCase()) {
    tx.state.servicesByName = tx.state.servicesByName.delete(serviceByNameKey(existing.service, key));
    afterServiceGone(tx, existing.service);
  }
  tx.state.services = tx.state.services.set(key, entry);
  tx.state.servicesByName = tx.state.servicesByName.set(serviceByNameKey(entry.service, key), key);
  tx.bumpTable('services');
  tx.bumpTable(serviceIndexName(entry.service));
  tx.touchRow('services', nodeKey(node));
  // The service's own checks carry its name and tags.
  for (const chk of checksOfService(tx, node, write.id)) {
    if (chk.serviceName !== entry.service || !sameJson(chk.serviceTags, entry.tags)) {
      putCheck(tx, { ...chk, serviceName: entry.service, serviceTags: entry.tags, modifyIndex: tx.index });
    }
  }
  return entry;
}

export function deleteServiceTxn(tx: WriteTxn, node: string, serviceID: string): void {
  const key = serviceKey(node, serviceID);
  const svc = tx.state.services.get(key);
  if (!svc) return;
  for (const chk of checksOfService(tx, node, serviceID)) deleteCheckTxn(tx, node, chk.checkID);
  tx.bumpTable('checks');
  tx.state.services = tx.state.services.delete(key);
  tx.state.servicesByName = tx.state.servicesByName.delete(serviceByNameKey(svc.service, key));
  tx.bumpTable('services');
  tx.touchRow('services', nodeKey(node));
  afterServiceGone(tx, svc.service);
}

/** After an instance of `name` went away: bump its index, or retire it if none is left. */
function afterServiceGone(tx: WriteTxn, name: string): void {
  let remaining = false;
  tx.state.servicesByName.forEachPrefix(`${name.toLowerCase()}\u0000`, () => {
    remaining = true;
    return true;
  });
  if (remaining) {
    tx.bumpTable(serviceIndexName(name));
  } else {
    tx.dropIndex(serviceIndexName(name));
    tx.bumpTable(serviceExtinctionIndexName);
  }
}

export function ensureCheckTxn(tx: WriteTxn, write: CheckWrite): CheckEntry {
  const key = checkKey(write.node, write.checkID);
  const existing = tx.state.checks.get(key);
  const n = tx.state.nodes.get(nodeKey(write.node));
  if (!n) throw new CatalogError('Missing node registration');
  let entry: CheckEntry = {
    ...write,
    node: n.node,
    status: write.status || 'critical',
    serviceName: '',
    serviceTags: [],
    createIndex: existing ? existing.createIndex : tx.index,
    modifyIndex: existing ? existing.modifyIndex : tx.index,
  };
  if (write.serviceID !== '') {
    const svc = tx.state.services.get(serviceKey(write.node, write.serviceID));
    if (!svc) throw new CatalogError('Missing service registration');
    entry.serviceName = svc.service;
    entry.serviceTags = svc.tags;
  }
  const modified = !existing || !sameJson(stripIndexes(existing), stripIndexes(entry));
  if (modified) {
    if (entry.serviceID !== '') tx.bumpTable(serviceIndexName(entry.serviceName));
    else bumpServicesOfNode(tx, entry.node);
    entry = { ...entry, modifyIndex: tx.index };
  }
  if (entry.status === 'critical') {
    for (const id of sessionsOfCheck(tx, entry.node, entry.checkID)) sessionDestroyTxn(tx, id);
  }
  if (modified) putCheck(tx, entry);
  return entry;
}

function putCheck(tx: WriteTxn, entry: CheckEntry): void {
  tx.state.checks = tx.state.checks.set(checkKey(entry.node, entry.checkID), entry);
  tx.bumpTable('checks');
  tx.touchRow('checks', nodeKey(entry.node));
}

export function deleteCheckTxn(tx: WriteTxn, node: string, checkID: string): void {
  const key = checkKey(node, checkID);
  const existing = tx.state.checks.get(key);
  if (!existing) return;
  if (existing.serviceID !== '') {
    tx.bumpTable(serviceIndexName(existing.serviceName));
  } else {
    bumpServicesOfNode(tx, node);
    tx.bumpTable('services');
  }
  tx.state.checks = tx.state.checks.delete(key);
  tx.bumpTable('checks');
  tx.touchRow('checks', nodeKey(node));
  for (const id of sessionsOfCheck(tx, node, checkID)) sessionDestroyTxn(tx, id);
}

function bumpServicesOfNode(tx: WriteTxn, node: string): void {
  for (const svc of servicesOfNode(tx, node)) tx.bumpTable(serviceIndexName(svc.service));
}

function servicesOfNode(tx: WriteTxn, node: string): ServiceEntry[] {
  const out: ServiceEntry[] = [];
  tx.state.services.forEachPrefix(`${nodeKey(node)}\u0000`, (_k, s) => {
    out.push(s);
  });
  return out;
}

function checksOfNode(tx: WriteTxn, node: string): CheckEntry[] {
  const out: CheckEntry[] = [];
  tx.state.checks.forEachPrefix(`${nodeKey(node)}\u0000`, (_k, c) => {
    out.push(c);
  });
  return out;
}

function checksOfService(tx: WriteTxn, node: string, serviceID: string): CheckEntry[] {
  const id = serviceID.toLowerCase();
  return checksOfNode(tx, node).filter((c) => c.serviceID.toLowerCase() === id);
}

function sessionsOfCheck(tx: WriteTxn, node: string, checkID: string): string[] {
  const out: string[] = [];
  tx.state.sessionChecks.forEachPrefix(`${checkKey(node, checkID)}\u0000`, (_k, id) => {
    out.push(id);
  });
  return out;
}

function stripIndexes<T extends { createIndex: number; modifyIndex: number }>(e: T): Omit<T, 'createIndex' | 'modifyIndex'> {
  const { createIndex: _c, modifyIndex: _m, ...rest } = e;
  return rest;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
