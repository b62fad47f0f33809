/**
 * Snapshots from any agent (Consul's Snapshot RPC over RPCSnapshot): a save or restore runs on
 * the leader (a save with `?stale` on any server), reached over a streamed call on the RPC port
 * (rpc's stream.ts) from a follower or a client agent. A save that finds no leader (or no
 * server) is held within rpc_hold_timeout like any call; a restore is not retried, since its
 * archive was read while it was sent.
 */
import { MusterError, type Clock, type Rng } from '../lib/index.js';
import type { StreamReply, StreamServe } from '../rpc/index.js';
import { rpcHoldTimeoutMsDefault, withHold } from './hold.js';
import type { RaftView } from './raft-view.js';
import type { SnapshotApi, SnapshotSaveOptions, SnapshotSaveReply } from './snapshot-endpoint.js';

export type SnapshotStreamCall = (address: string, request: unknown, body?: AsyncIterable<Uint8Array>) => Promise<StreamReply>;

export interface SnapshotForwarderDeps {
  /** This server's own endpoint (absent on a client agent). */
  local?: SnapshotApi | undefined;
  /** Absent on a client agent, which always sends to a server. */
  raft?: RaftView | undefined;
  /** Where to send: the leader (a server), or the router's server (a client); undefined when none is known. */
  target: () => string | undefined;
  /** The error when no target is known: "No cluster leader" (retried) or "No known Consul servers". */
  noTarget: () => MusterError;
  call: SnapshotStreamCall;
  clock: Clock;
  rng: Rng;
  holdTimeoutMs?: number;
  /** Aborted when the agent shuts down: calls waiting out a hold give up at once. */
  stop?: AbortSignal;
}

interface WireSaveReply {
  index: number;
  knownLeader: boolean;
  lastContactMs: number;
}

export class SnapshotForwarder implements SnapshotApi {
  constructor(private readonly deps: SnapshotForwarderDeps) {}

  private here(stale: boolean): SnapshotApi | undefined {
    const { local, raft } = this.deps;
    return local !== undefined && raft !== undefined && (stale || raft.isLeader()) ? local : undefined;
  }

  save(dc: string, opts: SnapshotSaveOptions): Promise<SnapshotSaveReply> {
    const hold = { ...this.deps, holdTimeoutMs: this.deps.holdTimeoutMs ?? rpcHoldTimeoutMsDefault, isRead: true };
    return withHold(hold, async () => {
      const local = this.here(opts.consistency === 'stale');
      if (local) return local.save(dc, opts);
      const r = await this.deps.call(this.address(), { op: 'save', dc, consistency: opts.consistency, token: opts.token ?? '' });
      const h = r.reply as WireSaveReply;
      return { index: h.index, knownLeader: h.knownLeader, lastContactMs: h.lastContactMs, archive: r.body };
    });
  }

  async restore(dc: string, archive: AsyncIterable<Uint8Array>, token?: string): Promise<void> {
    const local = this.here(false);
    if (local) return local.restore(dc, archive, token);
    await this.deps.call(this.address(), { op: 'restore', dc, token: token ?? '' }, archive);
  }

  private address(): string {
    const a = this.deps.target();
    if (a === undefined || a === '') throw this.deps.noTarget();
    return a;
  }
}

/** A server's side of the streamed call: checks the request and runs it on `api` (which forwards further when needed). */
export function snapshotStreamServe(api: SnapshotApi): StreamServe {
  const bad = (what: string): MusterError => new MusterError('ERR_BAD_REQUEST', `rpc: bad request: ${what}`);
  return async (request, body) => {
    if (typeof request !== 'object' || request === null) throw bad('request must be a map');
    const r = request as Record<string, unknown>;
    if (typeof r['dc'] !== 'string') throw bad('dc must be a string');
    const token = r['token'] ?? '';
    if (typeof token !== 'string') throw bad('token must be a string');
    if (r['op'] === 'save') {
      const c = r['consistency'];
      if (c !== 'default' && c !== 'stale' && c !== 'consistent') throw bad('unknown consistency');
      const saved = await api.save(r['dc'], { consistency: c, token });
      const reply: WireSaveReply = { index: saved.index, knownLeader: saved.knownLeader ?? true, lastContactMs: saved.lastContactMs ?? 0 };
      return { reply, body: saved.archive };
    }
    if (r['op'] === 'restore') {
      await api.restore(r['dc'], body, token);
      return { reply: {} };
    }
    throw bad('op must be save or restore');
  };
}
