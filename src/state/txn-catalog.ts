/**
 * Catalog operations inside /v1/txn (Consul's state/txn.go txnNode, txnService, txnCheck):
 * get, set, cas, delete and delete-cas on nodes, services and checks, with Consul's error
 * texts. They run in the same write txn as the KV operations, so a failure anywhere rolls
 * everything back.
 */
import { CatalogError, checkKey, deleteCheckTxn, deleteNodeTxn, deleteServiceTxn, ensureCheckTxn, ensureNodeTxn, ensureServiceTxn, nodeKey, serviceKey, type CheckWrite, type NodeWrite, type ServiceWrite } from './catalog.js';
import type { WriteTxn } from './store.js';
import type { CheckEntry, NodeEntry, ServiceEntry } from './types.js';

export type CatalogTxnVerb = 'get' | 'set' | 'cas' | 'delete' | 'delete-cas';

export interface NodeTxnOp {
  verb: CatalogTxnVerb;
  node: NodeWrite;
  /** For cas and delete-cas. */
  modifyIndex: number;
}

export interface ServiceTxnOp {
  verb: CatalogTxnVerb;
  node: string;
  service: ServiceWrite;
  modifyIndex: number;
}

export interface CheckTxnOp {
  verb: CatalogTxnVerb;
  check: CheckWrite;
  modifyIndex: number;
}

/** An operation's failure: becomes one of the txn's Errors. */
export class TxnOpError extends Error {}

const q = (s: string): string => JSON.stringify(s);

/** Runs an ensure/delete that may throw a CatalogError, turning it into a txn error. */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CatalogError) throw new TxnOpError(err.message);
    throw err;
  }
}

function findNode(tx: WriteTxn, w: NodeWrite): NodeEntry | undefined {
  if (w.id !== '') {
    for (const [, n] of tx.state.nodes.entries()) if (n.id.toLowerCase() === w.id.toLowerCase()) return n;
    return undefined;
  }
  return tx.state.nodes.get(nodeKey(w.node));
}

export function txnNode(tx: WriteTxn, op: NodeTxnOp): NodeEntry[] {
  const name = op.node.node;
  switch (op.verb) {
    case 'get': {
      const n = findNode(tx, op.node);
      if (!n) throw new TxnOpError(`node ${q(name)} doesn't exist`);
      return [n];
    }
    case 'set':
      guarded(() => ensureNodeTxn(tx, op.node));
      return [findNode(tx, op.node)!];
    case 'cas': {
      const existing = tx.state.nodes.get(nodeKey(name));
      if (!casMatches(existing, op.modifyIndex)) throw new TxnOpError(`failed to set node ${q(name)}, index is stale`);
      guarded(() => ensureNodeTxn(tx, op.node));
      return [findNode(tx, op.node)!];
    }
    case 'delete':
      guarded(() => deleteNodeTxn(tx, name));
      return [];
    case 'delete-cas': {
      const existing = tx.state.nodes.get(nodeKey(name));
      if (!existing || existing.modifyIndex !== op.modifyIndex) throw new TxnOpError(`failed to delete node ${q(name)}, index is stale`);
      guarded(() => deleteNodeTxn(tx, name));
      return [];
    }
    default:
      throw new TxnOpError(`unknown Node verb ${q(String(op.verb))}`);
  }
}

export function txnService(tx: WriteTxn, op: ServiceTxnOp): ServiceEntry[] {
  const id = op.service.id;
  const get = (): ServiceEntry | undefined => tx.state.services.get(serviceKey(op.node, id));
  switch (op.verb) {
    case 'get': {
      const s = get();
      if (!s) throw new TxnOpError(`service ${q(id)} on node ${q(op.node)} doesn't exist`);
      return [s];
    }
    case 'set':
      guarded(() => ensureServiceTxn(tx, op.node, op.service));
      return [get()!];
    case 'cas':
      if (!casMatches(get(), op.modifyIndex)) throw new TxnOpError(`failed to set service ${q(id)} on node ${q(op.node)}, index is stale`);
      guarded(() => ensureServiceTxn(tx, op.node, op.service));
      return [get()!];
    case 'delete':
      guarded(() => deleteServiceTxn(tx, op.node, id));
      return [];
    case 'delete-cas': {
      const s = get();
      if (!s || s.modifyIndex !== op.modifyIndex) throw new TxnOpError(`failed to delete service ${q(id)} on node ${q(op.node)}, index is stale`);
      guarded(() => deleteServiceTxn(tx, op.node, id));
      return [];
    }
    default:
      throw new TxnOpError(`unknown Service verb ${q(String(op.verb))}`);
  }
}

export function txnCheck(tx: WriteTxn, op: CheckTxnOp): CheckEntry[] {
  const { node, checkID } = op.check;
  const get = (): CheckEntry | undefined => tx.state.checks.get(checkKey(node, checkID));
  switch (op.verb) {
    case 'get': {
      const c = get();
      if (!c) throw new TxnOpError(`check ${q(checkID)} on node ${q(node)} doesn't exist`);
      return [c];
    }
    case 'set':
      guarded(() => ensureCheckTxn(tx, op.check));
      return [get()!];
    case 'cas':
      if (!casMatches(get(), op.modifyIndex)) throw new TxnOpError(`failed to set check ${q(checkID)} on node ${q(node)}, index is stale`);
      guarded(() => ensureCheckTxn(tx, op.check));
      return [get()!];
    case 'delete':
      guarded(() => deleteCheckTxn(tx, node, checkID));
      return [];
    case 'delete-cas': {
      const c = get();
      if (!c || c.modifyIndex !== op.modifyIndex) throw new TxnOpError(`failed to delete check ${q(checkID)} on node ${q(node)}, index is stale`);
      guarded(() => deleteCheckTxn(tx, node, checkID));
      return [];
    }
    default:
      throw new TxnOpError(`unknown Check verb ${q(String(op.verb))}`);
  }
}

/** Consul's CAS rule: index 0 means "only if absent", otherwise it must equal ModifyIndex. */
function casMatches(existing: { modifyIndex: number } | undefined, index: number): boolean {
  if (index === 0) return existing === undefined;
  return existing !== undefined && existing.modifyIndex === index;
}
