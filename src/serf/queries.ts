/**
 * Serf queries (serf's query.go, and Query / handleQuery / handleQueryResponse in serf.go): a
 * question gossiped to every member, answered straight back to the asker within a deadline.
 * Members filtered out by node name or tag pass the query on without answering; an ack can be
 * asked for; answers may be relayed through `relayFactor` other members so that a lossy path to
 * the asker does not lose them. Each query is seen once per member (Lamport time + ID), and
 * each answering node is counted once. Consul runs its keyring operations over queries.
 */
import type { Address, SwimTiming } from '../gossip/core/index.js';
import { MusterError, type Clock, type Rng, type Timer } from '../lib/index.js';
import type { LamportClock } from './lamport.js';
import { QueryFlag, encodeSerfMessage, type QueryMessage, type QueryResponseMessage } from './messages.js';
import type { SerfConfig, SerfMember } from './serf.js';

/** Lamport times of queries remembered for de-duplication (serf's QueryBuffer). */
export const queryBufferSize = 512;
/** serf's maximum relay factor. */
export const relayFactorMax = 5;

export interface QueryParams {
  /** Only these members answer (empty or absent: every member). */
  filterNodes?: string[];
  /** Only members whose tag matches each regular expression answer. */
  filterTags?: Record<string, string>;
  requestAck?: boolean;
  relayFactor?: number;
  /** Absent: serf's default, gossipInterval × queryTimeoutMult × ceil(log10(n + 1)). */
  timeoutMs?: number;
}

export interface QueryCallbacks {
  ack?(from: string): void;
  response(from: string, payload: Uint8Array): void;
  /** The deadline passed: no more answers. */
  done(): void;
}

/** A query this member is asked to answer. */
export interface IncomingQuery {
  name: string;
  payload: Uint8Array;
  sourceNode: string;
  lTime: number;
  /** Answers (once); throws past the deadline or over the size limit, with serf's texts. */
  respond(payload: Uint8Array): void;
}

export type QueryHandler = (q: IncomingQuery) => void;

export interface QueriesDeps {
  clock: Clock;
  rng: Rng;
  timing: SwimTiming;
  config: SerfConfig;
  lamport: LamportClock;
  self(): SerfMember;
  members(): SerfMember[];
  broadcast(bytes: Uint8Array): void;
  send(to: Address, bytes: Uint8Array): void;
}

interface Running {
  id: number;
  callbacks: QueryCallbacks;
  acks: Set<string>;
  responders: Set<string>;
  timer: Timer;
}

export class Queries {
  private readonly handlers = new Map<string, QueryHandler>();
  private readonly running = new Map<number, Running>();
  private readonly seen: Array<{ lTime: number; ids: number[] } | undefined> = new Array(queryBufferSize);

  constructor(private readonly deps: QueriesDeps) {}

  register(name: string, handler: QueryHandler): void {
    this.handlers.set(name, handler);
  }

  defaultTimeoutMs(): number {
    const n = this.deps.members().length;
    return this.deps.timing.gossipIntervalMs * this.deps.config.queryTimeoutMult * Math.max(1, Math.ceil(Math.log10(n + 1)));
  }

  /** Asks every member (this one too); answers come to `callbacks` until the deadline. */
  query(name: string, payload: Uint8Array, params: QueryParams, callbacks: QueryCallbacks): void {
    const d = this.deps;
    const relayFactor = params.relayFactor ?? 0;
    if (relayFactor > relayFactorMax) throw new MusterError('ERR_BAD_REQUEST', `relay factor must be less than or equal to ${relayFactorMax}`);
    const self = d.self();
    const timeoutMs = params.timeoutMs && params.timeoutMs > 0 ? params.timeoutMs : this.defaultTimeoutMs();
    const q: QueryMessage = {
      type: 'query',
      lTime: d.lamport.time(),
      id: d.rng.int(0x1_0000_0000),
      address: self.address,
      sourceNode: self.name,
      filterNodes: params.filterNodes ?? [],
      filterTags: Object.entries(params.filterTags ?? {}),
      flags: params.requestAck ? QueryFlag.ack : 0,
      relayFactor,
      timeoutMs,
      name,
      payload,
    };
    const raw = encodeSerfMessage(q);
    if (raw.length > d.config.querySizeLimit) throw new MusterError('ERR_BAD_REQUEST', `query exceeds limit of ${d.config.querySizeLimit} bytes`);
    d.lamport.increment();
    const timer = d.clock.setTimer(timeoutMs, () => {
      this.running.delete(q.lTime);
      callbacks.done();
    });
    this.running.get(q.lTime)?.timer.cancel();
    this.running.set(q.lTime, { id: q.id, callbacks, acks: new Set(), responders: new Set(), timer });
    this.handleQuery(q);
    d.broadcast(raw);
  }

  /** A query from the network (or our own): true if it is news, to gossip on. */
  handleQuery(q: QueryMessage): boolean {
    const d = this.deps;
    d.lamport.witness(q.lTime);
    const now = d.lamport.time();
    if (now > queryBufferSize && q.lTime < now - queryBufferSize) return false;
    const idx = q.lTime % queryBufferSize;
    let seen = this.seen[idx];
    if (seen && seen.lTime === q.lTime) {
      if (seen.ids.includes(q.id)) return false;
    } else {
      seen = { lTime: q.lTime, ids: [] };
      this.seen[idx] = seen;
    }
    seen.ids.push(q.id);
    const rebroadcast = (q.flags & QueryFlag.noBroadcast) === 0;
    const self = d.self();
    if (!shouldAnswer(q, self)) return rebroadcast;
    if (q.flags & QueryFlag.ack) this.reply(q, { type: 'queryResponse', lTime: q.lTime, id: q.id, from: self.name, flags: QueryFlag.ack, payload: new Uint8Array() });
    const handler = this.handlers.get(q.name);
    if (handler) handler(this.incoming(q, self));
    return rebroadcast;
  }

  private incoming(q: QueryMessage, self: SerfMember): IncomingQuery {
    const deadlineMs = this.deps.clock.monotonicMs() + q.timeoutMs;
    let answered = false;
    return {
      name: q.name,
      payload: q.payload,
      sourceNode: q.sourceNode,
      lTime: q.lTime,
      respond: (payload) => {
        if (answered) throw new MusterError('ERR_BAD_REQUEST', 'response already sent');
        if (this.deps.clock.monotonicMs() > deadlineMs) throw new MusterError('ERR_BAD_REQUEST', 'response is past the deadline');
        const resp: QueryResponseMessage = { type: 'queryResponse', lTime: q.lTime, id: q.id, from: self.name, flags: 0, payload };
        const limit = this.deps.config.queryResponseSizeLimit;
        if (encodeSerfMessage(resp).length > limit) throw new MusterError('ERR_BAD_REQUEST', `response exceeds limit of ${limit} bytes`);
        answered = true;
        this.reply(q, resp);
      },
    };
  }

  /** An answer to the asker: straight to it, and through `relayFactor` others. */
  private reply(q: QueryMessage, resp: QueryResponseMessage): void {
    const d = this.deps;
    if (q.sourceNode === d.self().name) {
      this.handleResponse(resp);
      return;
    }
    const raw = encodeSerfMessage(resp);
    d.send(q.address, raw);
    if (q.relayFactor === 0) return;
    const others = d.members().filter((m) => m.status === 'alive' && m.name !== d.self().name && m.name !== q.sourceNode);
    for (let i = 0; i < q.relayFactor && others.length > 0; i++) {
      const [via] = others.splice(d.rng.int(others.length), 1);
      d.send(via!.address, encodeSerfMessage({ type: 'relay', dest: q.address, message: raw }));
    }
  }

  /** An ack or an answer to one of our queries; duplicates and late ones are dropped. */
  handleResponse(resp: QueryResponseMessage): void {
    const r = this.running.get(resp.lTime);
    if (!r || r.id !== resp.id) return;
    if (resp.flags & QueryFlag.ack) {
      if (r.acks.has(resp.from)) return;
      r.acks.add(resp.from);
      r.callbacks.ack?.(resp.from);
      return;
    }
    if (r.responders.has(resp.from)) return;
    r.responders.add(resp.from);
    r.callbacks.response(resp.from, resp.payload);
  }

  stop(): void {
    for (const r of this.running.values()) r.timer.cancel();
    this.running.clear();
  }
}

/** serf's shouldProcessQuery: named in the node filter (if any), and every tag filter matches. */
function shouldAnswer(q: QueryMessage, self: SerfMember): boolean {
  if (q.filterNodes.length > 0 && !q.filterNodes.includes(self.name)) return false;
  for (const [tag, expr] of q.filterTags) {
    const value = self.tags[tag];
    if (value === undefined) return false;
    let re: RegExp;
    try {
      re = new RegExp(expr);
    } catch {
      return false;
    }
    if (!re.test(value)) return false;
  }
  return true;
}
