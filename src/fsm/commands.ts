/**
 * The commands that change the state store. A command is data: it is encoded into the log,
 * replicated, and applied on every server by `Fsm.apply(index, command)`, which must give the
 * same result everywhere. One handler per command type, as Consul's fsm/commands_ce.go.
 */
import type { ACLOutcome, ACLPolicyWrite, ACLTokenWrite, AutopilotConfigWrite, RegisterRequest, SessionWrite, TxnOp, TxnOutcome } from '../state/index.js';

export type KVSOp = 'set' | 'cas' | 'delete' | 'delete-cas' | 'delete-tree' | 'lock' | 'unlock';

export interface KVSCommand {
  type: 'kvs';
  op: KVSOp;
  key: string;
  value: Uint8Array | null;
  flags: bigint;
  /** ModifyIndex for cas and delete-cas. */
  index: number;
  session: string;
}

export type Command =
  | KVSCommand
  | { type: 'txn'; ops: TxnOp[] }
  | { type: 'register'; req: RegisterRequest }
  /** Without serviceID and checkID the node and everything on it; else that service or check. */
  | { type: 'deregister'; node: string; serviceID: string; checkID: string }
  | { type: 'session-create'; session: SessionWrite }
  | { type: 'session-destroy'; id: string }
  | { type: 'tombstone-reap'; index: number }
  /** Consul's AutopilotRequestType: with `cas`, written only if the stored ModifyIndex is `cas`. */
  | { type: 'autopilot-set'; config: AutopilotConfigWrite; cas?: number | null }
  /** Consul's ACLTokenSetRequestType (batch): all or none; with `cas`, each only if its ModifyIndex matches. */
  | { type: 'acl-token-set'; tokens: ACLTokenWrite[]; cas?: boolean; allowMissingLinks?: boolean }
  | { type: 'acl-token-delete'; accessorIDs: string[] }
  | { type: 'acl-policy-set'; policies: ACLPolicyWrite[] }
  | { type: 'acl-policy-delete'; ids: string[] }
  /** Consul's ACLBootstrapRequestType: the first management token, once (or with the reset index). */
  | { type: 'acl-bootstrap'; token: ACLTokenWrite; resetIndex: number }
  /** A snapshot restore through the log (restore-staging.ts): stage, add frames, install. */
  | RestoreCommand
  | { type: 'noop' };

/** `frame`: one snapshot frame body (msgpack of up to recordsPerFrame records, at most ~1 MiB). */
export type RestoreCommand =
  | { type: 'restore-begin'; id: string }
  | { type: 'restore-chunk'; id: string; frame: Uint8Array }
  | { type: 'restore-end'; id: string }
  | { type: 'restore-abort'; id: string };

export type CommandType = Command['type'];

/** What applying each command type returns. */
export interface CommandResults {
  kvs: boolean;
  txn: TxnOutcome;
  /** Catalog writes fail as a whole with Consul's error text (e.g. "Missing node registration"). */
  register: CatalogOutcome;
  deregister: CatalogOutcome;
  'session-create': CatalogOutcome;
  'session-destroy': null;
  'tombstone-reap': number;
  /** false only for a CAS that did not match. */
  'autopilot-set': boolean;
  /** null when applied; else the error, and the write changed nothing. */
  'acl-token-set': ACLOutcome;
  'acl-token-delete': null;
  'acl-policy-set': ACLOutcome;
  'acl-policy-delete': ACLOutcome;
  'acl-bootstrap': ACLOutcome;
  'restore-begin': null;
  /** An error when the frame is corrupt or the restore was superseded; the staging is then void. */
  'restore-chunk': RestoreOutcome;
  /** An error when nothing was installed (superseded, or a chunk failed). */
  'restore-end': RestoreOutcome;
  'restore-abort': null;
  noop: null;
}

export type RestoreOutcome = { error: string } | null;

/** null when applied; else the error, and the write changed nothing. */
export type CatalogOutcome = { error: string } | null;

export type ResultOf<C extends Command> = CommandResults[C['type']];
