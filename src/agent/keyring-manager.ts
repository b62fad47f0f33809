/**
 * Keyring operations across the cluster (serf's keymanager.go and internal_query.go, Consul's
 * KeyringOperation): `list`, `install`, `use` and `remove` go out as serf queries
 * (`_serf_list-keys` ...) to every member of each pool, WAN first, then LAN; each member
 * answers from its own keyring and persists a changed ring in data_dir. The answers are
 * counted into Consul's KeyringResponse per pool.
 */
import { answerKeyQuery, collectKeyResponses, goBase64Decode, writeKeyringFile, type KeyringOp, type NodeKeyResponse } from '../gossip/index.js';
import type { KeyringApi, KeyringOptions, KeyringResponse } from '../http/index.js';
import { keyringResponse } from '../http/index.js';
import { decode, encode, type Logger } from '../lib/index.js';
import type { GossipPool } from './gossip-pool.js';

/** serf's internal query names for each operation. */
const queryName: Record<KeyringOp, string> = {
  list: '_serf_list-keys',
  install: '_serf_install-key',
  use: '_serf_use-key',
  remove: '_serf_remove-key',
};

interface PoolEntry {
  pool: GossipPool;
  wan: boolean;
  /** Where the ring is persisted after a change (undefined: nowhere). */
  file: string | undefined;
}

export class KeyringManager implements KeyringApi {
  private readonly pools: PoolEntry[] = [];

  constructor(
    private readonly datacenter: string,
    private readonly logger: Logger,
  ) {}

  /** Answers this pool's key queries from its keyring, and asks through it. */
  addPool(pool: GossipPool, wan: boolean, file: string | undefined): void {
    const entry = { pool, wan, file };
    this.pools.push(entry);
    for (const op of Object.keys(queryName) as KeyringOp[]) {
      pool.serf.handleQueries(queryName[op], (q) => {
        let key: Uint8Array = new Uint8Array();
        try {
          const body = decode(q.payload);
          if (body instanceof Uint8Array) key = body;
        } catch {
          // an unreadable request: answered as a key of no bytes (refused as a bad key)
        }
        void this.answer(entry, op, key).then(
          (answer) => q.respond(encode([answer.result, answer.message, answer.keys, answer.primaryKey])),
          (err: Error) => this.logger.error('failed to answer a key query', { error: err.message }),
        );
      });
    }
  }

  private async answer(entry: PoolEntry, op: KeyringOp, key: Uint8Array): Promise<NodeKeyResponse> {
    const answer = answerKeyQuery(entry.pool.keyring, op, key);
    if (answer.result && op !== 'list' && entry.file && entry.pool.keyring) {
      try {
        await writeKeyringFile(entry.file, entry.pool.keyring);
      } catch (err) {
        return { result: false, message: `Failed to write keyring file: ${(err as Error).message}`, keys: [], primaryKey: '' };
      }
    }
    return answer;
  }

  list(opts: KeyringOptions): Promise<KeyringResponse[]> {
    return this.run('list', '', opts);
  }

  install(key: string, opts: KeyringOptions): Promise<KeyringResponse[]> {
    return this.run('install', key, opts);
  }

  use(key: string, opts: KeyringOptions): Promise<KeyringResponse[]> {
    return this.run('use', key, opts);
  }

  remove(key: string, opts: KeyringOptions): Promise<KeyringResponse[]> {
    return this.run('remove', key, opts);
  }

  /** One operation over each pool, WAN first (Consul's order); `localOnly` lists the LAN pool only. */
  private async run(op: KeyringOp, keyText: string, opts: KeyringOptions): Promise<KeyringResponse[]> {
    const pools = [...this.pools].sort((a, b) => Number(b.wan) - Number(a.wan)).filter((p) => !(opts.localOnly && p.wan));
    const out: KeyringResponse[] = [];
    for (const p of pools) {
      const where = { wan: p.wan, datacenter: this.datacenter };
      let key: Uint8Array = new Uint8Array();
      if (op !== 'list') {
        const d = goBase64Decode(keyText);
        if (!d.ok) {
          out.push(keyringResponse(where, undefined, d.error));
          continue;
        }
        key = d.data;
      }
      const { pool, error } = await this.query(p.pool, op, key, opts.relayFactor);
      out.push(keyringResponse(where, pool, error));
    }
    return out;
  }

  /** The query over one pool: answers are counted until every member answered or the deadline. */
  private query(pool: GossipPool, op: KeyringOp, key: Uint8Array, relayFactor: number): Promise<ReturnType<typeof collectKeyResponses>> {
    const numNodes = pool.members().filter((m) => m.status === 'alive' || m.status === 'leaving').length;
    const answers: Array<{ from: string; answer: NodeKeyResponse | undefined }> = [];
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        resolve(collectKeyResponses(numNodes, answers));
      };
      try {
        pool.serf.queries.query(queryName[op], encode(key), { relayFactor }, {
          response: (from, payload) => {
            answers.push({ from, answer: decodeAnswer(payload) });
            if (answers.length >= numNodes) finish();
          },
          done: finish,
        });
      } catch (err) {
        reject(err as Error);
      }
    });
  }
}

function decodeAnswer(payload: Uint8Array): NodeKeyResponse | undefined {
  try {
    const v = decode(payload);
    if (!Array.isArray(v) || v.length !== 4) return undefined;
    const [result, message, keys, primaryKey] = v as unknown[];
    if (typeof result !== 'boolean' || typeof message !== 'string' || typeof primaryKey !== 'string') return undefined;
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) return undefined;
    return { result, message, keys: keys as string[], primaryKey };
  } catch {
    return undefined;
  }
}
