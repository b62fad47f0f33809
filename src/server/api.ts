/**
 * What an agent asks of the servers (Consul's `delegate`): the one interface the HTTP API, the
 * DNS interface, anti-entropy and user events use. A server answers it in process (`Server`);
 * a client agent forwards each call over the RPC port (`RemoteServer`). Callers cannot tell the
 * two apart except by latency: every method is async, results are plain data.
 */
import type {
  CheckEntry,
  CheckServiceNodeView,
  KVEntry,
  NodeEntry,
  RegisterRequest,
  ServiceEntry,
  ServiceNodeView,
  SessionEntry,
  TxnOp,
  TxnOutcome,
} from '../state/index.js';
import type { AclApi } from './acl-endpoint.js';
import type { CatalogReadOptions } from './catalog-endpoint.js';
import type { Consistency, KVApply, QueryMeta, Read, ReadOptions } from './endpoints.js';
import type { OperatorApi } from './operator-endpoint.js';
import type { SessionCreateArgs } from './session-endpoint.js';

export interface CatalogApi {
  register(datacenter: string, req: RegisterRequest, token?: string): Promise<void>;
  deregister(datacenter: string, node: string, serviceID: string, checkID: string, token?: string): Promise<void>;
  nodes(opts: CatalogReadOptions): Promise<Read<NodeEntry[]>>;
  services(opts: CatalogReadOptions): Promise<Read<Map<string, string[]>>>;
  serviceNodes(name: string, tags: string[], opts: CatalogReadOptions): Promise<Read<ServiceNodeView[]>>;
  nodeServices(node: string, opts: ReadOptions): Promise<Read<{ node: NodeEntry; services: ServiceEntry[] } | undefined>>;
  nodeChecks(node: string, opts: ReadOptions): Promise<Read<CheckEntry[]>>;
  serviceChecks(name: string, opts: CatalogReadOptions): Promise<Read<CheckEntry[]>>;
  checksInState(state: string, opts: CatalogReadOptions): Promise<Read<CheckEntry[]>>;
  healthService(name: string, tags: string[], opts: CatalogReadOptions): Promise<Read<CheckServiceNodeView[]>>;
}

export interface SessionApi {
  create(datacenter: string, args: SessionCreateArgs, token?: string): Promise<string>;
  destroy(datacenter: string, id: string, token?: string): Promise<void>;
  /** Restarts a session's TTL; undefined if there is no such session. */
  renew(datacenter: string, id: string, token?: string): Promise<SessionEntry | undefined>;
  get(id: string, opts: ReadOptions): Promise<Read<SessionEntry[]>>;
  list(opts: ReadOptions): Promise<Read<SessionEntry[]>>;
  node(node: string, opts: ReadOptions): Promise<Read<SessionEntry[]>>;
}

/**
 * What the DNS interface reads: one non-blocking, stale-allowed lookup each (Consul's DNS reads
 * with `allow_stale`). A datacenter other than the servers' own fails with ERR_NO_PATH_TO_DC.
 */
export interface DnsLookupApi {
  /** A node by name (case-insensitive) or by a unique prefix of its ID. */
  node(dc: string, nameOrID: string): Promise<NodeEntry | undefined>;
  /** Every instance of `service` with its checks, unfiltered by tag or health. */
  serviceNodes(dc: string, service: string): Promise<CheckServiceNodeView[]>;
  nodes(dc: string): Promise<NodeEntry[]>;
  services(dc: string): Promise<ServiceEntry[]>;
}

export interface TxnReply {
  meta: QueryMeta;
  outcome: TxnOutcome;
  readOnly: boolean;
}

export interface ServerApi {
  /** The agent's datacenter: what an empty `?dc` means. */
  readonly datacenter: string;
  readonly catalog: CatalogApi;
  readonly sessions: SessionApi;
  readonly dns: DnsLookupApi;
  readonly operator: OperatorApi;
  /** ACL tokens and policies (Consul's ACL.* RPCs). */
  readonly acl: AclApi;
  datacenters(): Promise<string[]>;
  statusLeader(): Promise<string>;
  statusPeers(): Promise<string[]>;
  kvGet(key: string, opts: ReadOptions): Promise<Read<KVEntry | undefined>>;
  kvList(prefix: string, opts: ReadOptions): Promise<Read<KVEntry[]>>;
  kvKeys(prefix: string, separator: string, opts: ReadOptions): Promise<Read<string[]>>;
  kvApply(datacenter: string, req: KVApply, token?: string): Promise<boolean>;
  txn(datacenter: string, ops: TxnOp[], opts: { consistency: Consistency; token?: string }): Promise<TxnReply>;
  /** Consul's Internal.EventFire: a server broadcasts the (already encoded) user event to its LAN pool. */
  eventFire(datacenter: string, name: string, payload: Uint8Array, token?: string): Promise<void>;
}
