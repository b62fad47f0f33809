/**
 * The commands that change the state store. A command is data: it is encoded into the log,
 * replicated, and applied on every server by `Fsm.apply(index, command)`, which must give the
 * same result everywhere. One handler per command type, as Consul's fsm/commands_ce.go.
 */
import type { CheckWrite, KVTxnOp, NodeWrite, SessionWrite, TxnOutcome } from '../state/index.js';

export type KVSOp = 'set' | 'cas' | 'delete' | 'delete-cas' | 'delete-tree' | 'lock' | 'unlock';

export interface KVSCommand {
  type: 'kvs';
  op: KVSOp;
  key: string;
  value: Uint8Array | null;
  flags: number;
  /** ModifyIndex for cas and delete-cas. */
  index: number;
  session: string;
}

export type Command =
  | KVSCommand
  | { type: 'txn'; ops: KVTxnOp[] }
  | { type: 'register'; node: NodeWrite; checks: CheckWrite[] }
  | { type: 'session-create'; session: SessionWrite }
  | { type: 'tombstone-reap'; index: number }
  | { type: 'noop' };

export type CommandType = Command['type'];

/** What applying each command type returns. */
export interface CommandResults {
  kvs: boolean;
  txn: TxnOutcome;
  register: null;
  'session-create': null;
  'tombstone-reap': number;
  noop: null;
}

export type ResultOf<C extends Command> = CommandResults[C['type']];
