/**
 * What a server answers: KV, txn, status and catalog reads, as the HTTP layer (and later the
 * RPC layer for client agents) calls them. Reads go through the blocking loop; writes become
 * commands on the log. Only the leader's state answers default and consistent reads; in a
 * single in-memory server (-dev) this server is always the leader.
 */
import { MusterError, formatDurationMs, limits, type Clock, type Logger, type Rng, type Timer } from '../lib/index.js';
import type { CommandLog, KVSCommand } from '../fsm/index.js';
import {
  sessionIDError,
  kvsGet,
  KVKeysScan,
  KVListScan,
  type KVPrefixScan,
  txnDispatch,
  txnIsReadOnly,
  type KVEntry,
  serviceKey,
  type StoreState,
  type TxnOp,
  type TxnResult,
  type Store,
} from '../state/index.js';
import { manageAll, type Authorizer } from '../acl/index.js';
import { AclResolver, aclDisabled, permissionDenied, type AclSettings } from './acl-resolver.js';
import { AclEndpoint } from './acl-endpoint.js';
import type { ServerApi, TxnReply } from './api.js';
import { blockingQuery, type BlockingOptions, type QueryFn, type QueryResult } from './blocking.js';
import { CatalogEndpoint } from './catalog-endpoint.js';
import { ServerDnsLookups } from './dns-lookups.js';
import { SessionEndpoint } from './session-endpoint.js';
import type { AutopilotServer } from './autopilot.js';
import { OperatorEndpoint } from './operator-endpoint.js';
import { SoloRaft, type RaftView } from './raft-view.js';
import { TombstoneGC } from './tombstone-gc.js';

export type Consistency = 'default' | 'stale' | 'consistent';

export interface ReadOptions extends BlockingOptions {
  datacenter: string;
  consistency: Consistency;
  signal?: AbortSignal;
  /** The caller's ACL token ('' or absent: the anonymous token). */
  token?: string;
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
  /** This server's RPC address (`ip:port`). */
  rpcAddress: string;
  /** Raft as the endpoints see it; default: SoloRaft (this server alone, always leading: -dev). */
  raft?: RaftView;
  queryWaitMsDefault?: number;
  queryWaitMsMax?: number;
  /** See BlockingDeps.yieldAfterWake. */
  yieldAfterWake?: () => Promise<void>;
  /**
   * Awaited between the slices of a long prefix read (the agent: a turn of the event loop), so
   * that listing 1M keys never holds Raft, gossip and other requests. Without it a read runs in
   * one piece (unit tests, the simulator).
   */
  readTurn?: () => Promise<void>;
  /** How long tombstones of deleted keys are kept (Consul's tombstone_ttl, 15m). */
  tombstoneTtlMs?: number;
  /** Makes session IDs: random UUIDs (they are lock credentials, so never predictable). */
  newID: () => string;
  /** Consul's session_ttl_min (10s). */
  sessionTtlMinMs?: number;
  /** The server members of the LAN pool (autopilot); default: this server alone, alive. */
  serverMembers?: () => AutopilotServer[];
  /** Broadcasts a user event (already encoded) to the LAN pool: Consul's Server.UserEvent. */
  userEvent?: (name: string, payload: Uint8Array) => void;
  /** The agent's ACL settings; default: ACLs disabled. */
  acl?: AclSettings;
}

/** A KV write as the endpoints receive it: the log command without its type tag. */
export type KVApply = Omit<KVSCommand, 'type'>;

const deleteOps: ReadonlySet<string> = new Set(['delete', 'delete-cas', 'delete-tree']);

export class Server implements ServerApi {
  readonly catalog: CatalogEndpoint;
  readonly sessions: SessionEndpoint;
  readonly dns: ServerDnsLookups;
  readonly operator: OperatorEndpoint;
  readonly raft: RaftView;
  readonly aclResolver: AclResolver;
  /** ACL tokens and policies (Consul's ACL.* RPCs). */
  readonly acl: AclEndpoint;
  private readonly tombstoneGC: TombstoneGC;
  private reapTimer: Timer | undefined;

  constructor(readonly deps: ServerDeps) {
    this.raft = deps.raft ?? new SoloRaft({ id: '', node: '', address: deps.rpcAddress }, deps.log);
    this.tombstoneGC = new TombstoneGC(deps.tombstoneTtlMs);
    this.aclResolver = new AclResolver(deps.store, deps.acl ?? aclDisabled, deps.datacenter, () => deps.clock.nowMs());
    this.acl = new AclEndpoint(this);
    this.catalog = new CatalogEndpoint(this);
    this.sessions = new SessionEndpoint(this, deps.newID, deps.sessionTtlMinMs ?? 10_000);
    this.dns = new ServerDnsLookups(this);
    const self = (): AutopilotServer[] => this.raft.configuration().servers.map((s) => ({ id: s.id, name: s.node, address: s.address, status: 'alive', build: '' }));
    this.operator = new OperatorEndpoint({
      store: deps.store,
      log: deps.log,
      raft: this.raft,
      datacenter: deps.datacenter,
      clock: deps.clock,
      logger: deps.logger,
      servers: deps.serverMembers ?? self,
      authorize: (token) => this.authorize(token),
    });
  }

  /** Stops background duties (tombstone reaping, session TTL timers). */
  close(): void {
    this.operator.stopAutopilot();
    this.reapTimer?.cancel();
    this.reapTimer = undefined;
    this.sessions.clearAllTimers();
  }

  get datacenter(): string {
    return this.deps.datacenter;
  }

  /** Datacenters this server can reach (only its own until WAN federation exists). */
  async datacenters(): Promise<string[]> {
    return [this.deps.datacenter];
  }

  /** The leader's RPC address ('' with no known leader). */
  leaderAddress(): string {
    return this.raft.leaderAddress();
  }

  async statusLeader(): Promise<string> {
    return this.leaderAddress();
  }

  /** Every server of the Raft configuration (Consul's Status.Peers). */
  async statusPeers(): Promise<string[]> {
    return this.raft.configuration().servers.map((s) => s.address);
  }

  async eventFire(datacenter: string, name: string, payload: Uint8Array, token?: string): Promise<void> {
    this.checkDatacenter(datacenter);
    if (!this.authorize(token).eventWrite(name)) throw permissionDenied();
    if (!this.deps.userEvent) throw new MusterError('ERR_INTERNAL', 'user events need gossip');
    this.deps.userEvent(name, payload);
  }

  async kvGet(key: string, opts: ReadOptions): Promise<Read<KVEntry | undefined>> {
    if (!this.authorize(opts.token).keyRead(key)) throw permissionDenied();
    return this.read(opts, (ws) => {
      const r = kvsGet(this.deps.store, key, ws);
      return { index: r.index, value: r.entry };
    });
  }

  /** Entries under `prefix` the token may read (Consul's filterDirEnt; with enable_key_list_policy, `list` on the prefix first). */
  async kvList(prefix: string, opts: ReadOptions): Promise<Read<KVEntry[]>> {
    const authz = this.listAuthorizer(prefix, opts.token);
    if (authz === manageAll) return this.read(opts, (ws) => this.scan(new KVListScan(this.deps.store, prefix, ws), opts.signal));
    return this.read(opts, async (ws) => {
      const r = await this.scan(new KVListScan(this.deps.store, prefix, ws), opts.signal);
      return { index: r.index, value: r.value.filter((e) => authz.keyRead(e.key)) };
    });
  }

  async kvKeys(prefix: string, separator: string, opts: ReadOptions): Promise<Read<string[]>> {
    const authz = this.listAuthorizer(prefix, opts.token);
    if (authz === manageAll) return this.read(opts, (ws) => this.scan(new KVKeysScan(this.deps.store, prefix, separator, ws), opts.signal));
    return this.read(opts, async (ws) => {
      const r = await this.scan(new KVKeysScan(this.deps.store, prefix, separator, ws), opts.signal);
      return { index: r.index, value: r.value.filter((k) => authz.keyRead(k)) };
    });
  }

  private listAuthorizer(prefix: string, token: string | undefined): Authorizer {
    const authz = this.authorize(token);
    if (authz !== manageAll && this.aclResolver.settings.enableKeyListPolicy && !authz.keyList(prefix)) throw permissionDenied();
    return authz;
  }

  /**
   * Runs a prefix read to its end: in one piece when it is short or no `readTurn` is given,
   * else slice by slice with a turn of the loop between them. A caller that gave up (its
   * signal) stops the read.
   */
  private scan<T>(scan: KVPrefixScan<T>, signal: AbortSignal | undefined): QueryResult<T> | Promise<QueryResult<T>> {
    const turn = this.deps.readTurn;
    if (scan.step(turn ? limits.readSliceEntries : Infinity)) return scan.result();
    return (async () => {
      do {
        await turn!();
        if (signal?.aborted) throw new MusterError('ERR_RPC', 'read cancelled by the caller');
      } while (!scan.step(limits.readSliceEntries));
      return scan.result();
    })();
  }

  async kvApply(datacenter: string, req: KVApply, token?: string): Promise<boolean> {
    this.checkDatacenter(datacenter);
    if (req.key === '' && req.op !== 'delete-tree') {
      throw new MusterError('ERR_BAD_REQUEST', 'Must provide key');
    }
    const authz = this.authorize(token);
    if (!(req.op === 'delete-tree' ? authz.keyWritePrefix(req.key) : authz.keyWrite(req.key))) throw permissionDenied();
    if (req.value !== null && req.value.length > limits.kvValueBytesMax) {
      throw new MusterError('ERR_TOO_LARGE', `Value exceeds ${limits.kvValueBytesMax} byte limit`);
    }
    if (req.op === 'lock') {
      const idError = sessionIDError(req.session);
      if (idError) throw new MusterError('ERR_RPC', idError);
      const delayMs = this.deps.store.lockDelay.remainingMs(req.key);
      if (delayMs > 0) {
        this.deps.logger.warn('Rejecting lock of key due to lock-delay', { key: req.key, remaining: formatDurationMs(delayMs) });
        return false;
      }
    }
    const applied = await this.deps.log.apply({ type: 'kvs', ...req });
    if (deleteOps.has(req.op)) this.hintTombstones();
    return applied;
  }

  /**
   * A transaction. Read-only ones are answered from the local state without the log (Consul's
   * TxnRO fast path); any write goes through the log as one command.
   */
  async txn(datacenter: string, ops: TxnOp[], opts: { consistency: Consistency; token?: string }): Promise<TxnReply> {
    this.checkDatacenter(datacenter);
    const authz = this.authorize(opts.token);
    if (authz !== manageAll) {
      const denied = txnDenied(authz, ops, this.deps.store.state);
      if (denied.length > 0) {
        const meta = this.meta(this.deps.store.latestIndex, opts.consistency);
        return { meta, outcome: { results: [], errors: denied }, readOnly: txnIsReadOnly(ops) };
      }
    }
    const reply = await this.txnApply(ops, opts);
    if (authz !== manageAll) reply.outcome = { ...reply.outcome, results: reply.outcome.results.filter((r) => txnResultReadable(authz, r)) };
    return reply;
  }

  private async txnApply(ops: TxnOp[], opts: { consistency: Consistency }): Promise<TxnReply> {
    const readOnly = txnIsReadOnly(ops);
    if (readOnly) {
      await this.readBarrier(opts.consistency);
      const store = this.deps.store;
      const tx = store.begin(store.latestIndex);
      const outcome = txnDispatch(tx, ops);
      return { meta: this.meta(store.latestIndex, opts.consistency), outcome, readOnly };
    }
    const outcome = await this.deps.log.apply({ type: 'txn', ops });
    if (outcome.errors.length === 0 && ops.some((op) => 'kv' in op && deleteOps.has(op.kv.verb))) this.hintTombstones();
    return { meta: this.meta(this.deps.store.latestIndex, opts.consistency), outcome, readOnly };
  }

  /** A delete left tombstones at the latest index; reap them once they are past the TTL. */
  private hintTombstones(): void {
    this.tombstoneGC.hint(this.deps.store.latestIndex, this.deps.clock.monotonicMs());
    this.armReaper();
  }

  private armReaper(): void {
    const next = this.tombstoneGC.nextExpiryMs();
    if (this.reapTimer || next === undefined) return;
    this.reapTimer = this.deps.clock.setTimer(Math.max(0, next - this.deps.clock.monotonicMs()), () => {
      this.reapTimer = undefined;
      const index = this.tombstoneGC.expire(this.deps.clock.monotonicMs());
      const done = index === undefined ? Promise.resolve(0) : this.deps.log.apply({ type: 'tombstone-reap', index });
      done
        .then((n) => n > 0 && this.deps.logger.debug('reaped tombstones', { count: n, index }))
        .catch((err: unknown) => this.deps.logger.error('tombstone reap failed', { error: String(err) }))
        .finally(() => this.armReaper());
    });
  }

  /** Runs a read through the blocking loop with this server's consistency metadata. */
  async read<T>(opts: ReadOptions, query: QueryFn<T>): Promise<Read<T>> {
    this.checkDatacenter(opts.datacenter);
    await this.readBarrier(opts.consistency);
    const r = await blockingQuery(this.deps, opts, query, opts.signal);
    return { meta: this.meta(r.index, opts.consistency), value: r.value };
  }

  /**
   * A default read waits until this leader's state holds everything committed while its lease
   * holds; a consistent one confirms leadership with a quorum first (Consul's consistentRead).
   * Stale reads answer from whatever this server has.
   */
  private async readBarrier(consistency: Consistency): Promise<void> {
    if (consistency !== 'stale') await this.raft.readBarrier(consistency === 'consistent' ? 'quorum' : 'lease');
  }

  meta(index: number, consistency: Consistency): QueryMeta {
    return {
      index: Math.max(1, index),
      knownLeader: this.raft.leaderAddress() !== '',
      lastContactMs: this.raft.lastContactMs(),
      consistency: consistency === 'default' ? 'leader' : consistency,
    };
  }

  /** What the caller's token may do (every thing, with ACLs disabled); "ACL not found" for an unknown token. */
  authorize(token: string | undefined): Authorizer {
    return this.aclResolver.authorize(token);
  }

  checkDatacenter(dc: string): void {
    if (dc !== '' && dc !== this.deps.datacenter) {
      throw new MusterError('ERR_NO_PATH_TO_DC', 'No path to datacenter');
    }
  }
}

/**
 * Consul's Txn.preCheck: each operation the token may not perform is an error of the
 * transaction, which then changes nothing. KV reads are filtered on the way out instead, except
 * check-index and check-session, whose outcome alone tells something about the key.
 */
function txnDenied(authz: Authorizer, ops: readonly TxnOp[], state: StoreState): Array<{ opIndex: number; what: string }> {
  const errors: Array<{ opIndex: number; what: string }> = [];
  ops.forEach((op, opIndex) => {
    let allowed = true;
    if ('kv' in op) {
      const { verb, key } = op.kv;
      if (verb === 'get' || verb === 'get-tree') allowed = true;
      else if (verb === 'check-index' || verb === 'check-session') allowed = authz.keyRead(key);
      else if (verb === 'delete-tree') allowed = authz.keyWritePrefix(key);
      else allowed = authz.keyWrite(key);
    } else if ('node' in op) {
      allowed = op.node.verb === 'get' || authz.nodeWrite(op.node.node.node);
    } else if ('service' in op) {
      allowed = op.service.verb === 'get' || authz.serviceWrite(op.service.service.service);
    } else if (op.check.verb !== 'get') {
      const c = op.check.check;
      // A service check needs its service's `service:write` (the name from the catalog; a check
      // of a service not registered yet fails in the state store anyway), a node check `node:write`.
      const service = c.serviceID === '' ? undefined : state.services.get(serviceKey(c.node, c.serviceID));
      allowed = service ? authz.serviceWrite(service.service) : authz.nodeWrite(c.node);
    }
    if (!allowed) errors.push({ opIndex, what: 'Permission denied' });
  });
  return errors;
}

/** Consul's filterTxnResults: what the token may not read is left out of the results. */
function txnResultReadable(authz: Authorizer, r: TxnResult): boolean {
  if ('kv' in r) return authz.keyRead(r.kv.key);
  if ('node' in r) return authz.nodeRead(r.node.node);
  if ('service' in r) return authz.serviceRead(r.service.service);
  return authz.nodeRead(r.check.node) && (r.check.serviceName === '' || authz.serviceRead(r.check.serviceName));
}
