/**
 * What a server answers: KV, txn, status and catalog reads, as the HTTP layer (and later the
 * RPC layer for client agents) calls them. Reads go through the blocking loop; writes become
 * commands on the log. Only the leader's state answers default and consistent reads; in a
 * single in-memory server (-dev) this server is always the leader.
 */
import { MusterError, limits, type Clock, type Logger, type Rng } from '../lib/index.js';
import type { CommandLog, KVSOp } from '../fsm/index.js';
import {
  catalogNodes,
  kvReadVerbs,
  kvsGet,
  kvsKeys,
  kvsList,
  kvsTxnDispatch,
  type KVEntry,
  type KVTxnOp,
  type NodeEntry,
  type Store,
  type TxnOutcome,
} from '../state/index.js';
import { blockingQuery, type BlockingOptions, type QueryResult } from './blocking.js';

export type Consistency = 'default' | 'stale' | 'consistent';

export interface ReadOptions extends BlockingOptions {
  datacenter: string;
  consistency: Consistency;
  signal?: AbortSignal;
}

export interface QueryMeta {
  index: number;
  knownLeader: boolean;
  lastContactMs: number;
  consistency: 'leader' | 'stale' | 'consistent';
}

export type Read<T> = { meta: QueryMeta; value: T };

export interface ServerDeps {
  store: Store;
  log: CommandLog;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  datacenter: string;
  /** This server's RPC address (`ip:port`), reported as leader and peer. */
  rpcAddress: string;
  queryWaitMsDefault?: number;
  queryWaitMsMax?: number;
}

export interface KVApply {
  op: KVSOp;
  key: string;
  value: Uint8Array | null;
  flags: number;
  index: number;
  session: string;
}

export class Server {
  constructor(private readonly deps: ServerDeps) {}

  get datacenter(): string {
    return this.deps.datacenter;
  }

  /** Datacenters this server can reach (only its own until WAN federation exists). */
  datacenters(): string[] {
    return [this.deps.datacenter];
  }

  statusLeader(): string {
    return this.deps.rpcAddress;
  }

  statusPeers(): string[] {
    return [this.deps.rpcAddress];
  }

  kvGet(key: string, opts: ReadOptions): Promise<Read<KVEntry | undefined>> {
    return this.read(opts, (ws) => {
      const r = kvsGet(this.deps.store, key, ws);
      return { index: r.index, value: r.entry };
    });
  }

  kvList(prefix: string, opts: ReadOptions): Promise<Read<KVEntry[]>> {
    return this.read(opts, (ws) => {
      const r = kvsList(this.deps.store, prefix, ws);
      return { index: r.index, value: r.entries };
    });
  }

  kvKeys(prefix: string, separator: string, opts: ReadOptions): Promise<Read<string[]>> {
    return this.read(opts, (ws) => {
      const r = kvsKeys(this.deps.store, prefix, separator, ws);
      return { index: r.index, value: r.keys };
    });
  }

  async kvApply(datacenter: string, req: KVApply): Promise<boolean> {
    this.checkDatacenter(datacenter);
    if (req.key === '' && req.op !== 'delete-tree') {
      throw new MusterError('ERR_BAD_REQUEST', 'Must provide key');
    }
    if (req.value !== null && req.value.length > limits.kvValueBytesMax) {
      throw new MusterError('ERR_TOO_LARGE', `Value exceeds ${limits.kvValueBytesMax} byte limit`);
    }
    return this.deps.log.apply({ type: 'kvs', ...req });
  }

  /**
   * A transaction. Read-only ones are answered from the local state without the log (Consul's
   * TxnRO fast path); any write goes through the log as one command.
   */
  async txn(datacenter: string, ops: KVTxnOp[], opts: { consistency: Consistency }): Promise<{ meta: QueryMeta; outcome: TxnOutcome; readOnly: boolean }> {
    this.checkDatacenter(datacenter);
    const readOnly = ops.every((op) => kvReadVerbs.has(op.verb));
    if (readOnly) {
      const store = this.deps.store;
      const tx = store.begin(store.latestIndex);
      const outcome = kvsTxnDispatch(tx, ops);
      return { meta: this.meta(store.latestIndex, opts.consistency), outcome, readOnly };
    }
    const outcome = await this.deps.log.apply({ type: 'txn', ops });
    return { meta: this.meta(this.deps.store.latestIndex, opts.consistency), outcome, readOnly };
  }

  catalogNodes(opts: ReadOptions): Promise<Read<NodeEntry[]>> {
    return this.read(opts, (ws) => {
      const r = catalogNodes(this.deps.store, ws);
      return { index: r.index, value: r.nodes };
    });
  }

  private async read<T>(opts: ReadOptions, query: (ws: Parameters<Parameters<typeof blockingQuery<T>>[2]>[0]) => QueryResult<T>): Promise<Read<T>> {
    this.checkDatacenter(opts.datacenter);
    const r = await blockingQuery(this.deps, opts, query, opts.signal);
    return { meta: this.meta(r.index, opts.consistency), value: r.value };
  }

  private meta(index: number, consistency: Consistency): QueryMeta {
    return {
      index: Math.max(1, index),
      knownLeader: true,
      lastContactMs: 0,
      consistency: consistency === 'default' ? 'leader' : consistency,
    };
  }

  private checkDatacenter(dc: string): void {
    if (dc !== '' && dc !== this.deps.datacenter) {
      throw new MusterError('ERR_NO_PATH_TO_DC', 'No path to datacenter');
    }
  }
}
