/**
 * What clients and servers say to each other (Consul's KV endpoints, reduced): a request names
 * the client and its attempt; the answer is the outcome, or a refusal that proves the request
 * had no effect (not the leader, a proposal refused, or its log entry was overwritten by
 * another leader's), naming the leader the server knows. Pure.
 */
import type { ReadMode } from '../../raft/index.js';
import type { KvInput, KvOutput } from '../linearizability/index.js';

/** get, put and cas of one key (deletes are not part of the workload). */
export type ClientOp = Exclude<KvInput, { kind: 'delete' }>;

export interface ClientRequest {
  client: number;
  attempt: number;
  op: ClientOp;
  /** For a get: Consul's default mode (leader lease) or ?consistent (a quorum round). */
  readMode: ReadMode;
}

export type ClientResponse =
  | { attempt: number; kind: 'ok'; output: KvOutput }
  | { attempt: number; kind: 'refused'; leader: string };
