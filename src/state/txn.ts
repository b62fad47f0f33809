/**
 * Multi-operation transactions (/v1/txn): KV, node, service and check operations run inside
 * one write txn, in order, each seeing the effects of the ones before it. All errors are
 * collected; any error means the caller aborts, so nothing of a failed transaction is applied
 * (Consul's TxnRW/TxnRO).
 */
import { goQuote } from '../lib/index.js';
import { kvsDeleteCASTxn, kvsDeleteTreeTxn, kvsDeleteTxn, kvsLockTxn, kvsSetCASTxn, kvsSetTxn, kvsUnlockTxn } from './kvs.js';
import { sessionIDError } from './sessions.js';
import type { WriteTxn } from './store.js';
import { TxnOpError, txnCheck, txnNode, txnService, type CheckTxnOp, type NodeTxnOp, type ServiceTxnOp } from './txn-catalog.js';
import type { CheckEntry, KVEntry, NodeEntry, ServiceEntry } from './types.js';

export const kvTxnVerbs = [
  'set',
  'cas',
  'lock',
  'unlock',
  'get',
  'get-tree',
  'check-index',
  'check-session',
  'check-not-exists',
  'delete',
  'delete-tree',
  'delete-cas',
] as const;
export type KVTxnVerb = (typeof kvTxnVerbs)[number];

export const kvReadVerbs: ReadonlySet<string> = new Set(['get', 'get-tree', 'check-index', 'check-session', 'check-not-exists']);

export interface KVTxnOp {
  verb: KVTxnVerb;
  key: string;
  value: Uint8Array | null;
  flags: bigint;
  /** ModifyIndex for cas, delete-cas and check-index. */
  index: number;
  session: string;
}

export interface TxnError {
  opIndex: number;
  what: string;
}

export type TxnOp = { kv: KVTxnOp } | { node: NodeTxnOp } | { service: ServiceTxnOp } | { check: CheckTxnOp };
export type TxnResult = { kv: KVEntry } | { node: NodeEntry } | { service: ServiceEntry } | { check: CheckEntry };

export interface TxnOutcome {
  results: TxnResult[];
  errors: TxnError[];
}

/** A transaction that only reads is answered from the local state, without the log. */
export function txnIsReadOnly(ops: readonly TxnOp[]): boolean {
  return ops.every((op) => ('kv' in op ? kvReadVerbs.has(op.kv.verb) : ('node' in op ? op.node.verb : 'service' in op ? op.service.verb : op.check.verb) === 'get'));
}

export function txnDispatch(tx: WriteTxn, ops: readonly TxnOp[]): TxnOutcome {
  const results: TxnResult[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, opIndex) => {
    try {
      if ('kv' in op) results.push(...applyOp(tx, op.kv).map((kv) => ({ kv })));
      else if ('node' in op) results.push(...txnNode(tx, op.node).map((node) => ({ node })));
      else if ('service' in op) results.push(...txnService(tx, op.service).map((service) => ({ service })));
      else results.push(...txnCheck(tx, op.check).map((check) => ({ check })));
    } catch (err) {
      if (!(err instanceof TxnOpError)) throw err;
      errors.push({ opIndex, what: err.message });
    }
  });
  return { results, errors };
}

function fail(message: string): never {
  throw new TxnOpError(message);
}

/** Results other than get and get-tree carry no value (Consul blanks it). */
function noValue(e: KVEntry): KVEntry {
  return { ...e, value: null };
}

function applyOp(tx: WriteTxn, op: KVTxnOp): KVEntry[] {
  const q = goQuote(op.key);
  const write = { key: op.key, value: op.value, flags: op.flags, session: op.session };
  const existing = tx.state.kvs.get(op.key);
  switch (op.verb) {
    case 'set':
      return [noValue(kvsSetTxn(tx, write))];
    case 'cas': {
      const e = kvsSetCASTxn(tx, write, op.index);
      return e ? [noValue(e)] : fail(`failed to set key ${q}, index is stale`);
    }
    case 'lock': {
      requireSession(tx, op.session);
      const e = kvsLockTxn(tx, { ...write, session: op.session });
      return e ? [noValue(e)] : fail(`failed to lock key ${q}, lock is already held`);
    }
    case 'unlock': {
      if (op.session === '') fail('missing session');
      const e = kvsUnlockTxn(tx, { ...write, session: op.session });
      return e ? [noValue(e)] : fail(`failed to unlock key ${q}, lock isn't held, or is held by another session`);
    }
    case 'get':
      return existing ? [existing] : fail(`key ${q} doesn't exist`);
    case 'get-tree': {
      const out: KVEntry[] = [];
      tx.state.kvs.forEachPrefix(op.key, (_k, e) => {
        out.push(e);
      });
      return out;
    }
    case 'check-index':
      if (!existing) fail(`failed to check index, key ${q} doesn't exist`);
      if (existing.modifyIndex !== op.index) {
        fail(`failed index check for key ${q}, current modify index ${existing.modifyIndex} != ${op.index}`);
      }
      return [noValue(existing)];
    case 'check-session':
      if (!existing) fail(`failed to check session, key ${q} doesn't exist`);
      if (existing.session !== op.session) {
        fail(`failed session check for key ${q}, current session ${goQuote(existing.session)} != ${goQuote(op.session)}`);
      }
      return [noValue(existing)];
    case 'check-not-exists':
      if (existing) fail(`key ${q} exists`);
      return [];
    case 'delete':
      kvsDeleteTxn(tx, op.key);
      return [];
    case 'delete-tree':
      kvsDeleteTreeTxn(tx, op.key);
      return [];
    case 'delete-cas':
      if (!kvsDeleteCASTxn(tx, op.key, op.index)) fail(`failed to delete key ${q}, index is stale`);
      return [];
    default:
      return fail(`unknown KV verb ${goQuote(String(op.verb))}`);
  }
}

function requireSession(tx: WriteTxn, session: string): void {
  if (session === '') fail('missing session');
  const idError = sessionIDError(session);
  if (idError) fail(idError);
  if (!tx.state.sessions.has(session)) fail(`invalid session ${goQuote(session)}`);
}
