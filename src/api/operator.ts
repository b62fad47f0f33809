/**
 * /v1/operator: the gossip keyring (Go's api/operator_keyring.go KeyringList, KeyringInstall,
 * KeyringUse, KeyringRemove). Writes send `{"Key": "<base64>"}`; any status but 200 is the
 * Go client's "Unexpected response code: 500 (<the agent's text>)".
 */
import { decodeJson, type ApiClient, type QueryOptions, type RawRequest, type WriteOptions } from './client.js';
import { statusError } from './errors.js';
import type { QueryParam } from './url.js';

/** A pool's keys as /v1/operator/keyring returns them. */
export interface WireKeyringResponse {
  WAN: boolean;
  Datacenter: string;
  Segment: string;
  Messages?: Record<string, string> | null;
  Keys: Record<string, number> | null;
  PrimaryKeys?: Record<string, number> | null;
  NumNodes: number;
}

export interface KeyringResponse {
  /** A WAN pool (servers of every datacenter) rather than a datacenter's LAN pool. */
  wan: boolean;
  datacenter: string;
  /** Network segment ('' for the default one). */
  segment: string;
  /** Node name → its error or warning. */
  messages: Record<string, string>;
  /** base64 key → number of nodes holding it. */
  keys: Record<string, number>;
  /** base64 key → number of nodes using it as primary. */
  primaryKeys: Record<string, number>;
  /** Members of the pool. */
  numNodes: number;
}

export function keyringResponseFromWire(w: WireKeyringResponse): KeyringResponse {
  return {
    wan: w.WAN,
    datacenter: w.Datacenter,
    segment: w.Segment ?? '',
    messages: w.Messages ?? {},
    keys: w.Keys ?? {},
    primaryKeys: w.PrimaryKeys ?? {},
    numNodes: w.NumNodes,
  };
}

export interface KeyringQueryOptions extends QueryOptions {
  /** 0–5: nodes relay their answers through this many others (`?relay-factor=`, sent when not 0). */
  relayFactor?: number;
  /** List only this datacenter's LAN pools (`?local-only=true`). */
  localOnly?: boolean;
}

export interface KeyringWriteOptions extends WriteOptions {
  relayFactor?: number;
}

const keyringPath = '/v1/operator/keyring';

export class Operator {
  constructor(private readonly client: ApiClient) {}

  /** GET /v1/operator/keyring: the keys of every pool, WAN first. */
  async keyringList(q: KeyringQueryOptions = {}): Promise<KeyringResponse[]> {
    const params: QueryParam[] = [];
    if (q.relayFactor) params.push(['relay-factor', String(q.relayFactor)]);
    if (q.localOnly) params.push(['local-only', 'true']);
    const res = await this.client.query(keyringPath, params, q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    return (decodeJson<WireKeyringResponse[] | null>(res) ?? []).map(keyringResponseFromWire);
  }

  /** POST: installs a key on every member (it opens messages; the primary still seals them). */
  async keyringInstall(key: string, w?: KeyringWriteOptions): Promise<void> {
    await this.keyringWrite('POST', key, w);
  }

  /** PUT: makes an installed key the primary everywhere. */
  async keyringUse(key: string, w?: KeyringWriteOptions): Promise<void> {
    await this.keyringWrite('PUT', key, w);
  }

  /** DELETE: removes a key that is not the primary from every member. */
  async keyringRemove(key: string, w?: KeyringWriteOptions): Promise<void> {
    await this.keyringWrite('DELETE', key, w);
  }

  private async keyringWrite(method: 'POST' | 'PUT' | 'DELETE', key: string, w: KeyringWriteOptions = {}): Promise<void> {
    const params: QueryParam[] = [...this.client.writeParams(w)];
    if (w.relayFactor) params.push(['relay-factor', String(w.relayFactor)]);
    const req: RawRequest = { method, path: keyringPath, params, body: JSON.stringify({ Key: key }) + '\n' };
    if (w.token !== undefined) req.token = w.token;
    if (w.signal !== undefined) req.signal = w.signal;
    const timeoutMs = w.timeoutMs ?? this.client.config.timeoutMs;
    if (timeoutMs !== undefined) req.timeoutMs = timeoutMs;
    const res = await this.client.request(req);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
  }
}
