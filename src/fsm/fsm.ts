/**
 * The finite-state machine: applies committed log entries to the state store, in index order,
 * deterministically. A failed /v1/txn leaves the store untouched (its write txn is dropped).
 */
import { assert, assertNever } from '../lib/index.js';
import {
  ensureCheckTxn,
  ensureNodeTxn,
  kvsDeleteCASTxn,
  kvsDeleteTreeTxn,
  kvsDeleteTxn,
  kvsLockTxn,
  kvsSetCASTxn,
  kvsSetTxn,
  kvsTxnDispatch,
  kvsUnlockTxn,
  restoreState,
  sessionCreateTxn,
  snapshotRecords,
  tombstonesReapTxn,
  type SnapshotRecord,
  type Store,
  type WriteTxn,
} from '../state/index.js';
import type { Command, CommandResults, KVSCommand } from './commands.js';

export class Fsm {
  private appliedIndex = 0;

  constructor(readonly store: Store) {}

  get lastApplied(): number {
    return this.appliedIndex;
  }

  apply<C extends Command>(index: number, command: C): CommandResults[C['type']] {
    assert(index > this.appliedIndex, `entry ${index} applied after ${this.appliedIndex}`);
    const tx = this.store.begin(index);
    const result = this.dispatch(tx, command);
    const failedTxn = command.type === 'txn' && (result as CommandResults['txn']).errors.length > 0;
    if (!failedTxn) this.store.commit(tx);
    this.appliedIndex = index;
    return result as CommandResults[C['type']];
  }

  /** Records of the whole state at the last applied index. */
  snapshot(): { index: number; records: IterableIterator<SnapshotRecord> } {
    return { index: this.appliedIndex, records: snapshotRecords(this.store.state) };
  }

  /** Replaces the whole state; every blocked query wakes up. */
  restore(index: number, records: Iterable<SnapshotRecord>): void {
    this.store.replace(restoreState(records), index);
    this.appliedIndex = index;
  }

  private dispatch(tx: WriteTxn, c: Command): CommandResults[Command['type']] {
    switch (c.type) {
      case 'kvs':
        return applyKVS(tx, c);
      case 'txn':
        return kvsTxnDispatch(tx, c.ops);
      case 'register':
        ensureNodeTxn(tx, c.node);
        for (const check of c.checks) ensureCheckTxn(tx, check);
        return null;
      case 'session-create':
        sessionCreateTxn(tx, c.session);
        return null;
      case 'tombstone-reap':
        return tombstonesReapTxn(tx, c.index);
      case 'noop':
        return null;
      default:
        return assertNever(c, 'command');
    }
  }
}

function applyKVS(tx: WriteTxn, c: KVSCommand): boolean {
  const write = { key: c.key, value: c.value, flags: c.flags, session: c.session };
  switch (c.op) {
    case 'set':
      kvsSetTxn(tx, write);
      return true;
    case 'cas':
      return kvsSetCASTxn(tx, write, c.index) !== undefined;
    case 'delete':
      kvsDeleteTxn(tx, c.key);
      return true;
    case 'delete-cas':
      return kvsDeleteCASTxn(tx, c.key, c.index);
    case 'delete-tree':
      kvsDeleteTreeTxn(tx, c.key);
      return true;
    case 'lock':
      return tx.state.sessions.has(c.session) && kvsLockTxn(tx, write) !== undefined;
    case 'unlock':
      return kvsUnlockTxn(tx, write) !== undefined;
    default:
      return assertNever(c.op, 'kvs op');
  }
}
