/** Domain types of the state store. camelCase here; http/ converts to Consul's PascalCase. */

export interface KVEntry {
  key: string;
  /** null when the key was written with no value at all (Consul's nil Value). */
  value: Uint8Array | null;
  flags: number;
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
  serviceChecks: Array<{ id: string; namespace?: string }>;
  createIndex: number;
  modifyIndex: number;
}

export type TableName = 'kvs' | 'tombstones' | 'nodes' | 'checks' | 'sessions';
export const tableNames: readonly TableName[] = ['kvs', 'tombstones', 'nodes', 'checks', 'sessions'];
