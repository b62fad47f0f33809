/** Domain types of the state store. camelCase here; http/ converts to Consul's PascalCase. */

export interface KVEntry {
  key: string;
  /** null when the key was written with no value at all (Consul's nil Value). */
  value: Uint8Array | null;
  /** uint64 (lock and semaphore magic values exceed 2^53). */
  flags: bigint;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  /** ID of the session holding the lock, or '' when unlocked. */
  session: string;
}

export interface NodeEntry {
  id: string;
  node: string;
  address: string;
  datacenter: string;
  taggedAddresses: Record<string, string>;
  meta: Record<string, string>;
  createIndex: number;
  modifyIndex: number;
}

export type HealthStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

/** A service's extra address (`ServiceTaggedAddresses`: `lan_ipv4` → `{Address, Port}`). */
export interface ServiceAddress {
  address: string;
  port: number;
}

/** One service instance on one node: Consul's ServiceNode minus the node's fields. */
export interface ServiceEntry {
  node: string;
  kind: string;
  id: string;
  service: string;
  tags: string[];
  address: string;
  taggedAddresses: Record<string, ServiceAddress>;
  meta: Record<string, string>;
  port: number;
  weights: { passing: number; warning: number };
  enableTagOverride: boolean;
  /**
   * Connect proxy and native settings, kept verbatim (PascalCase JSON objects) and echoed back:
   * the mesh is out of scope, but a registration must not lose what it was given.
   */
  proxy: Record<string, unknown> | null;
  connect: Record<string, unknown> | null;
  createIndex: number;
  modifyIndex: number;
}

/**
 * How a check runs (Consul's HealthCheckDefinition), as the catalog shows it. Durations in
 * nanoseconds, as Go's time.Duration.
 */
export interface CheckDefinitionData {
  http: string;
  tlsSkipVerify: boolean;
  header: Record<string, string[]>;
  method: string;
  body: string;
  tcp: string;
  intervalNs: number;
  outputMaxSize: number;
  timeoutNs: number;
  deregisterCriticalServiceAfterNs: number;
  scriptArgs: string[];
  dockerContainerID: string;
  shell: string;
  grpc: string;
  grpcUseTLS: boolean;
  aliasNode: string;
  aliasService: string;
  ttlNs: number;
}

export interface CheckEntry {
  node: string;
  checkID: string;
  name: string;
  status: HealthStatus;
  notes: string;
  output: string;
  serviceID: string;
  serviceName: string;
  serviceTags: string[];
  type: string;
  definition: CheckDefinitionData;
  createIndex: number;
  modifyIndex: number;
}

export type SessionBehavior = 'release' | 'delete';

export interface SessionEntry {
  id: string;
  name: string;
  node: string;
  lockDelayMs: number;
  behavior: SessionBehavior;
  /** Go duration text as given ('' for none), e.g. "15s". */
  ttl: string;
  nodeChecks: string[];
  serviceChecks: Array<{ id: string; namespace: string }>;
  /** The deprecated `Checks` list (Consul < 1.7), still honoured and echoed when non-empty. */
  checks: string[];
  createIndex: number;
  modifyIndex: number;
}

export type TableName = 'kvs' | 'tombstones' | 'nodes' | 'services' | 'checks' | 'sessions';
export const tableNames: readonly TableName[] = ['kvs', 'tombstones', 'nodes', 'services', 'checks', 'sessions'];

/**
 * Names in the index table: one per table, plus Consul's per-service `service.<name>` entries
 * (so a health query watches one channel however many instances it returns) and
 * `service_last_extinction` (the index at which the last instance of some service went away).
 */
export type IndexName = TableName | 'acl-tokens' | 'acl-policies' | `service.${string}` | 'service_last_extinction';
export const serviceIndexName = (service: string): IndexName => `service.${service.toLowerCase()}`;
export const serviceExtinctionIndexName: IndexName = 'service_last_extinction';
