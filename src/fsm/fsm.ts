/**
 * The finite-state machine: applies committed log entries to the state store, in index order,
 * deterministically. A failed /v1/txn leaves the store untouched (its write txn is dropped).
 */
import { GLOBAL_MANAGEMENT_RULES } from '../acl/index.js';
import { assert, assertNever } from '../lib/index.js';
import {
  aclBootstrapTxn,
  aclPolicyBatchDeleteTxn,
  aclPolicyBatchSetTxn,
  aclTokenBatchDeleteTxn,
  aclTokenBatchSetTxn,
  autopilotCASConfigTxn,
  autopilotSetConfigTxn,
  CatalogError,
  deleteCheckTxn,
  deleteNodeTxn,
  deleteServiceTxn,
  ensureRegistrationTxn,
  kvsDeleteCASTxn,
  kvsDeleteTreeTxn,
  kvsDeleteTxn,
  kvsLockTxn,
  kvsSetCASTxn,
  kvsSetTxn,
  txnDispatch,
  kvsUnlockTxn,
  restoreState,
  sessionCreateTxn,
  sessionDestroyTxn,
  snapshotRecords,
  tombstonesReapTxn,
  type SnapshotRecord,
  type Store,
  type StoreState,
  type WriteTxn,
} from '../state/index.js';
import type { CatalogOutcome, Command, CommandResults, KVSCommand } from './commands.js';
import { highestIndex, isRestoreCommand, RestoreStaging } from './restore-staging.js';

export class Fsm {
  private appliedIndex = 0;
  /**
   * Store index = log index + this. A restored snapshot keeps its indexes (ModifyIndex, table
   * indexes), which may be past this log's: Consul's raft.Restore moves the log to
   * max(last, snapshot index) + 1; a log here cannot jump, so the store's clock does instead.
   * Replicated (set by restore-end, carried in Raft snapshots), so deterministic; never shrinks.
   */
  private offset = 0;
  /** A snapshot restore arriving through the log (restore-begin/chunk/end). */
  readonly staging = new RestoreStaging();

  constructor(readonly store: Store) {}

  get lastApplied(): number {
    return this.appliedIndex;
  }

  /** Store index minus log index (0 until a restore brought indexes past the log's). */
  get indexOffset(): number {
    return this.offset;
  }

  apply<C extends Command>(index: number, command: C): CommandResults[C['type']] {
    assert(index > this.appliedIndex, `entry ${index} applied after ${this.appliedIndex}`);
    if (isRestoreCommand(command)) {
      const outcome = this.staging.apply(command, (state) => this.install(state, index, Math.max(this.offset, highestIndex(state) + 1 - index)));
      this.appliedIndex = index;
      return outcome as CommandResults[C['type']];
    }
    const tx = this.store.begin(index + this.offset);
    let result: CommandResults[Command['type']];
    let failed: boolean;
    try {
      result = this.dispatch(tx, command);
      failed = command.type === 'txn' ? (result as CommandResults['txn']).errors.length > 0 : command.type.startsWith('acl-') && result !== null;
    } catch (err) {
      // An operating error of a catalog write: the write is dropped whole, as Consul's aborted memdb txn.
      if (!(err instanceof CatalogError)) throw err;
      result = { error: err.message } satisfies CatalogOutcome;
      failed = true;
    }
    if (!failed) this.store.commit(tx);
    this.appliedIndex = index;
    return result as CommandResults[C['type']];
  }

  /** Records of the whole state at the last applied index. */
  snapshot(): { index: number; records: IterableIterator<SnapshotRecord> } {
    return { index: this.appliedIndex, records: snapshotRecords(this.store.state) };
  }

  /** Replaces the whole state; every blocked query wakes up. */
  restore(index: number, records: Iterable<SnapshotRecord>): void {
    this.install(restoreState(records), index);
  }

  /** Installs a state rebuilt from a snapshot taken at log `index` (store index `index + indexOffset`). */
  install(state: StoreState, index: number, indexOffset = this.offset): void {
    this.offset = indexOffset;
    this.store.replace(state, index + indexOffset);
    this.appliedIndex = index;
  }

  private dispatch(tx: WriteTxn, c: Command): CommandResults[Command['type']] {
    switch (c.type) {
      case 'kvs':
        return applyKVS(tx, c);
      case 'txn':
        return txnDispatch(tx, c.ops);
      case 'register':
        ensureRegistrationTxn(tx, c.req);
        return null;
      case 'deregister':
        if (c.serviceID !== '') deleteServiceTxn(tx, c.node, c.serviceID);
        else if (c.checkID !== '') deleteCheckTxn(tx, c.node, c.checkID);
        else deleteNodeTxn(tx, c.node);
        return null;
      case 'session-create':
        sessionCreateTxn(tx, c.session);
        return null;
      case 'session-destroy':
        sessionDestroyTxn(tx, c.id);
        return null;
      case 'tombstone-reap':
        return tombstonesReapTxn(tx, c.index);
      case 'autopilot-set':
        if (typeof c.cas === 'number') return autopilotCASConfigTxn(tx, c.cas, c.config);
        autopilotSetConfigTxn(tx, c.config);
        return true;
      case 'acl-token-set':
        return aclTokenBatchSetTxn(tx, c.tokens, { cas: c.cas === true, allowMissingLinks: c.allowMissingLinks === true });
      case 'acl-token-delete':
        aclTokenBatchDeleteTxn(tx, c.accessorIDs);
        return null;
      case 'acl-policy-set':
        return aclPolicyBatchSetTxn(tx, c.policies, GLOBAL_MANAGEMENT_RULES);
      case 'acl-policy-delete':
        return aclPolicyBatchDeleteTxn(tx, c.ids);
      case 'acl-bootstrap':
        return aclBootstrapTxn(tx, c.token, c.resetIndex);
      case 'restore-begin':
      case 'restore-chunk':
      case 'restore-end':
      case 'restore-abort':
        throw new Error(`${c.type} is applied beside the store (Fsm.apply), not in a write txn`);
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
