/**
 * Catalog tables, the part this issue needs: nodes and their checks, so an agent can register
 * itself with its serfHealth check. Services, the rest of health and deregistration come with
 * the catalog issue and extend these functions.
 */
import type { Store, WriteTxn } from './store.js';
import type { CheckEntry, NodeEntry } from './types.js';
import type { WatchSet } from './watch.js';

export type NodeWrite = Omit<NodeEntry, 'createIndex' | 'modifyIndex'>;
export type CheckWrite = Omit<CheckEntry, 'createIndex' | 'modifyIndex'>;

export const checkKey = (node: string, checkID: string): string => `${node}\u0000${checkID}`;

/** Creates or updates a node; an identical write keeps its ModifyIndex. */
export function ensureNodeTxn(tx: WriteTxn, write: NodeWrite): NodeEntry {
  const existing = tx.state.nodes.get(write.node);
  const entry: NodeEntry = {
    ...write,
    createIndex: existing ? existing.createIndex : tx.index,
    modifyIndex: tx.index,
  };
  if (existing && sameJson(stripIndexes(existing), stripIndexes(entry))) return existing;
  tx.state.nodes = tx.state.nodes.set(write.node, entry);
  tx.bumpTable('nodes');
  tx.touchRow('nodes', write.node);
  return entry;
}

/** Creates or updates a check of a registered node. */
export function ensureCheckTxn(tx: WriteTxn, write: CheckWrite): CheckEntry {
  const key = checkKey(write.node, write.checkID);
  const existing = tx.state.checks.get(key);
  const entry: CheckEntry = {
    ...write,
    createIndex: existing ? existing.createIndex : tx.index,
    modifyIndex: tx.index,
  };
  if (existing && sameJson(stripIndexes(existing), stripIndexes(entry))) return existing;
  tx.state.checks = tx.state.checks.set(key, entry);
  tx.bumpTable('checks');
  tx.touchRow('checks', key);
  return entry;
}

export function catalogNodes(store: Store, ws?: WatchSet): { index: number; nodes: NodeEntry[] } {
  store.watchTables(ws, 'nodes');
  const nodes: NodeEntry[] = [];
  for (const [, n] of store.state.nodes.entries()) nodes.push(n);
  return { index: store.maxIndex('nodes'), nodes };
}

export function nodeChecks(store: Store, node: string, ws?: WatchSet): { index: number; checks: CheckEntry[] } {
  store.watchTables(ws, 'checks');
  const checks: CheckEntry[] = [];
  store.state.checks.forEachPrefix(`${node}\u0000`, (_k, c) => {
    checks.push(c);
  });
  return { index: store.maxIndex('nodes', 'checks'), checks };
}

function stripIndexes<T extends { createIndex: number; modifyIndex: number }>(e: T): Omit<T, 'createIndex' | 'modifyIndex'> {
  const { createIndex: _c, modifyIndex: _m, ...rest } = e;
  return rest;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
