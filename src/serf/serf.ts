/**
 * Serf over the SWIM pool (hashicorp/serf serf.go, delegate.go): member status alive, leaving,
 * left and failed; tags in the gossip metadata; Lamport-clocked join and leave intents, so a
 * graceful leave is told apart from a failure and an old leave never wins over a newer join;
 * force-leave; reaping of failed members after `reconnectTimeoutMs` and of left ones after
 * `tombstoneTimeoutMs`; reconnect attempts to failed members; user events, de-duplicated by
 * Lamport time and carried in push/pull so a member that was away catches up. Pure: time from
 * the Clock, choices from the Rng, packets and streams through the deps.
 */
import { GossipDecodeError, Swim, type Address, type Member, type SwimTiming } from '../gossip/core/index.js';
import { MusterError, type Clock, type Logger, type Rng, type Timer } from '../lib/index.js';
import { Coalescer } from './coalescer.js';
import { EventBuffer } from './event-buffer.js';
import { RecentIntents } from './intents.js';
import { LamportClock } from './lamport.js';
import { decodeSerfMessage, decodeSerfPushPull, encodeSerfMessage, encodeSerfPushPull, type JoinIntent, type LeaveIntent, type SerfMessage, type UserEventMessage } from './messages.js';
import { Queries } from './queries.js';
import type { QueryHandler } from './queries.js';
import { decodeTags, encodeTags } from './tags.js';

export type MemberStatus = 'alive' | 'leaving' | 'left' | 'failed';
/** serf's MemberStatus numbers, as /v1/agent/members shows them. */
export const memberStatusCodes: Readonly<Record<MemberStatus, number>> = { alive: 1, leaving: 2, left: 3, failed: 4 };

export interface SerfMember {
  name: string;
  address: Address;
  tags: Record<string, string>;
  status: MemberStatus;
  /** Protocol versions: pMin, pMax, pCur, dMin, dMax, dCur. */
  vsn: number[];
}

interface MemberState extends SerfMember {
  /** Lamport time of the newest intent applied. */
  statusLTime: number;
  /** When it failed or left (monotonic ms), for reaping. */
  leaveTimeMs: number;
}

export interface SerfConfig {
  reapIntervalMs: number;
  reconnectIntervalMs: number;
  /** Failed members are forgotten after this (Consul's reconnect_timeout, 72 h on the LAN). */
  reconnectTimeoutMs: number;
  /** Left members are forgotten after this. */
  tombstoneTimeoutMs: number;
  recentIntentTimeoutMs: number;
  /** Lamport times of user events remembered for de-duplication. */
  eventBuffer: number;
  /** Largest user event, name and payload together (serf's UserEventSizeLimit). */
  userEventSizeLimit: number;
  broadcastTimeoutMs: number;
  leavePropagateDelayMs: number;
  /** Events marked to coalesce are held this long, only the newest of a name delivered (0: off). */
  coalescePeriodMs: number;
  quiescentPeriodMs: number;
  /** A query's default timeout is gossipInterval × queryTimeoutMult × ceil(log10(n + 1)). */
  queryTimeoutMult: number;
  querySizeLimit: number;
  queryResponseSizeLimit: number;
}

/** serf's DefaultConfig, with Consul's LAN reconnect timeout (lib/serf.go). */
export const serfDefaults: SerfConfig = {
  reapIntervalMs: 15_000,
  reconnectIntervalMs: 30_000,
  reconnectTimeoutMs: 72 * 3600_000,
  tombstoneTimeoutMs: 24 * 3600_000,
  recentIntentTimeoutMs: 5 * 60_000,
  eventBuffer: 512,
  userEventSizeLimit: 512,
  broadcastTimeoutMs: 5000,
  leavePropagateDelayMs: 1000,
  coalescePeriodMs: 0,
  quiescentPeriodMs: 0,
  queryTimeoutMult: 16,
  querySizeLimit: 1024,
  queryResponseSizeLimit: 1024,
};

/** serf's own ceiling on a user event, whatever the configured limit (UserEventSizeLimit). */
export const userEventSaneLimit = 9 * 1024;

export type MemberEventKind = 'join' | 'leave' | 'failed' | 'update' | 'reap';

export interface UserEvent {
  lTime: number;
  name: string;
  payload: Uint8Array;
  coalesce: boolean;
}

export interface SerfEvents {
  member?(kind: MemberEventKind, m: SerfMember): void;
  user?(e: UserEvent): void;
}

export interface SerfDeps {
  clock: Clock;
  rng: Rng;
  timing: SwimTiming;
  config: SerfConfig;
  logger: Logger;
  /** The SWIM layer's own log lines (`memberlist: ...`); Consul names it `memberlist.lan` beside `serf.lan`. */
  memberlistLogger?: Logger;
  self: { name: string; address: Address; tags: Record<string, string>; vsn?: number[] };
  send(to: Address, packet: Uint8Array): void;
  /** A periodic or reconnecting push/pull exchange over a stream (the driver's TCP). */
  startPushPull?(to: Address, state: Uint8Array): void;
  events?: SerfEvents;
}

/** memberlist's protocol and serf's delegate versions (what `members -detailed` shows). */
export const defaultVsn = [1, 5, 2, 2, 5, 4];

export class Serf {
  readonly swim: Swim;
  readonly clock = new LamportClock();
  readonly eventClock = new LamportClock();
  readonly queryClock = new LamportClock();
  readonly queries: Queries;
  private readonly byName = new Map<string, MemberState>();
  private readonly intents = new RecentIntents();
  private readonly events: EventBuffer;
  private readonly coalescer: Coalescer | undefined;
  private readonly logger: Logger;
  private state: 'alive' | 'leaving' | 'left' | 'shutdown' = 'alive';
  private ignoreOldEvents = false;
  private reapTimer: Timer | undefined;
  private reconnectTimer: Timer | undefined;
  private tags: Record<string, string>;

  constructor(private readonly deps: SerfDeps) {
    this.logger = deps.logger;
    this.events = new EventBuffer(deps.config.eventBuffer);
    this.tags = { ...deps.self.tags };
    this.clock.increment();
    this.eventClock.increment();
    this.queryClock.increment();
    const deliver = (e: UserEvent): void => deps.events?.user?.(e);
    this.coalescer = deps.config.coalescePeriodMs > 0 ? new Coalescer(deps.clock, deps.config.coalescePeriodMs, deps.config.quiescentPeriodMs, deliver) : undefined;
    this.swim = new Swim({
      clock: deps.clock,
      rng: deps.rng,
      timing: deps.timing,
      self: { name: deps.self.name, address: deps.self.address, meta: encodeTags(this.tags), vsn: deps.self.vsn ?? defaultVsn },
      send: deps.send,
      startPushPull: deps.startPushPull,
      logger: deps.memberlistLogger ?? deps.logger,
      events: {
        join: (m) => this.handleNodeJoin(m),
        leave: (m) => this.handleNodeLeave(m),
        update: (m) => this.handleNodeUpdate(m),
      },
      onUser: (payload) => this.handleUserMessage(payload),
      userState: () => this.localState(),
      mergeUserState: (bytes, join) => this.mergeRemoteState(bytes, join),
    });
    this.queries = new Queries({
      clock: deps.clock,
      rng: deps.rng,
      timing: deps.timing,
      config: deps.config,
      lamport: this.queryClock,
      self: () => this.localMember(),
      members: () => this.members(),
      broadcast: (bytes) => this.swim.broadcastUser(bytes),
      send: (to, bytes) => this.sendUser(to, bytes),
    });
  }

  get name(): string {
    return this.deps.self.name;
  }

  start(): void {
    this.swim.start();
    this.scheduleReap();
    this.scheduleReconnect();
  }

  /** Stops every timer; the member just goes silent (others will find it failed). */
  stop(): void {
    this.state = 'shutdown';
    this.reapTimer?.cancel();
    this.reconnectTimer?.cancel();
    this.coalescer?.stop();
    this.queries.stop();
    this.swim.stop();
  }

  members(): SerfMember[] {
    return [...this.byName.values()].map(publicMember);
  }

  member(name: string): SerfMember | undefined {
    const m = this.byName.get(name);
    return m && publicMember(m);
  }

  localMember(): SerfMember {
    const m = this.byName.get(this.name);
    return m ? publicMember(m) : { name: this.name, address: this.deps.self.address, tags: { ...this.tags }, status: 'alive', vsn: this.deps.self.vsn ?? defaultVsn };
  }

  localTags(): Record<string, string> {
    return { ...this.tags };
  }

  /** New tags for this member, gossiped at once; too large a set is refused (serf's text). */
  setTags(tags: Record<string, string>): void {
    const meta = encodeTags(tags);
    this.tags = { ...tags };
    this.swim.updateMeta(meta);
  }

  /** Registers the handler of queries of one name (serf's internal `_serf_` queries, Consul's). */
  handleQueries(name: string, handler: QueryHandler): void {
    this.queries.register(name, handler);
  }

  // --- joining and leaving ---

  /** Our state for a join exchange (memberlist's push/pull marked as a join). */
  joinState(): Uint8Array {
    return this.swim.localState(true);
  }

  /**
   * A join exchange's reply. With `ignoreOld`, the user events the peer knows are not delivered
   * here (Consul joins so: a new agent does not replay old events). False if malformed.
   */
  mergeJoinReply(reply: Uint8Array, ignoreOld: boolean): boolean {
    this.ignoreOldEvents = ignoreOld;
    try {
      return this.swim.mergeRemoteState(reply);
    } finally {
      this.ignoreOldEvents = false;
    }
  }

  /** After a join reached at least one member: our join intent, so older leave intents lose. */
  joined(): void {
    this.broadcastJoin(this.clock.time());
  }

  /**
   * Leaves gracefully (serf's Leave): a leave intent first, so the others record us as leaving
   * and then left rather than failed; then the gossip leave; then a short wait so the news
   * spreads while we still answer probes. `done` runs once, with an error text if it timed out.
   */
  leave(done: (error?: string) => void): void {
    if (this.state === 'left') return done();
    if (this.state === 'leaving') return done('Leave already in progress');
    if (this.state === 'shutdown') return done('Leave called after Shutdown');
    this.state = 'leaving';
    const msg: LeaveIntent = { type: 'leave', lTime: this.clock.time(), node: this.name, prune: false };
    this.clock.increment();
    this.handleLeaveIntent(msg);
    const { clock, config } = this.deps;
    const gossipLeave = (): void => {
      this.withTimeout((sent) => this.swim.leave(sent), () => {
        clock.setTimer(config.leavePropagateDelayMs, () => {
          if (this.state === 'leaving') this.state = 'left';
          done();
        });
      }, () => done('timeout waiting for leave broadcast'));
    };
    if (!this.hasAliveMembers()) return gossipLeave();
    this.withTimeout((sent) => this.swim.broadcastUser(encodeSerfMessage(msg), sent), gossipLeave, () => done('timeout while waiting for graceful leave'));
  }

  /**
   * Removes a failed member (serf's RemoveFailedNode): it is marked left everywhere; with
   * `prune` it is forgotten at once. `done` runs once the news is out (or at once when alone).
   */
  forceLeave(node: string, prune: boolean, done: (error?: string) => void): void {
    const msg: LeaveIntent = { type: 'leave', lTime: this.clock.time(), node, prune };
    this.clock.increment();
    this.handleLeaveIntent(msg);
    if (!this.hasAliveMembers()) return done();
    this.withTimeout((sent) => this.swim.broadcastUser(encodeSerfMessage(msg), sent), () => done(), () => done('timed out broadcasting node removal'));
  }

  /** Runs `start(sent)`; `then` once sent, or `late` if the broadcast timeout passes first. */
  private withTimeout(start: (sent: () => void) => void, then: () => void, late: () => void): void {
    let settled = false;
    const timer = this.deps.clock.setTimer(this.deps.config.broadcastTimeoutMs, () => {
      if (settled) return;
      settled = true;
      late();
    });
    start(() => {
      if (settled) return;
      settled = true;
      timer.cancel();
      then();
    });
  }

  // --- user events ---

  /** Fires a user event to every member, this one included (serf's UserEvent; its error texts). */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    const limit = this.deps.config.userEventSizeLimit;
    const before = new TextEncoder().encode(name).length + payload.length;
    if (before > limit) throw new MusterError('ERR_BAD_REQUEST', `user event exceeds configured limit of ${limit} bytes before encoding`);
    if (before > userEventSaneLimit) throw new MusterError('ERR_BAD_REQUEST', `user event exceeds sane limit of ${userEventSaneLimit} bytes before encoding`);
    const msg: UserEventMessage = { type: 'userEvent', lTime: this.eventClock.time(), name, payload, cc: coalesce };
    const raw = encodeSerfMessage(msg);
    if (raw.length > limit) throw new MusterError('ERR_BAD_REQUEST', `encoded user event exceeds configured limit of ${limit} bytes after encoding`);
    this.eventClock.increment();
    this.handleUserEvent(msg);
    this.swim.broadcastUser(raw);
  }

  // --- gossip handlers ---

  private handleUserMessage(payload: Uint8Array): void {
    let msg: SerfMessage;
    try {
      msg = decodeSerfMessage(payload);
    } catch (err) {
      if (!(err instanceof GossipDecodeError)) throw err;
      this.swim.badPackets++;
      return;
    }
    let rebroadcast = false;
    switch (msg.type) {
      case 'leave':
        rebroadcast = this.handleLeaveIntent(msg);
        break;
      case 'join':
        rebroadcast = this.handleJoinIntent(msg);
        break;
      case 'userEvent':
        rebroadcast = this.handleUserEvent(msg);
        break;
      case 'query':
        rebroadcast = this.queries.handleQuery(msg);
        break;
      case 'queryResponse':
        this.queries.handleResponse(msg);
        break;
      case 'relay':
        this.sendUser(msg.dest, msg.message);
        break;
    }
    if (rebroadcast) this.swim.broadcastUser(payload);
  }

  /** A serf message sent straight to one member (query responses, relays). */
  private sendUser(to: Address, payload: Uint8Array): void {
    this.swim.sendUser(to, payload);
  }

  private handleNodeJoin(n: Member): void {
    let m = this.byName.get(n.name);
    const tags = decodeTags(n.meta);
    if (!m) {
      m = { name: n.name, address: n.address, tags, status: 'alive', vsn: n.vsn, statusLTime: 0, leaveTimeMs: 0 };
      const join = this.intents.get(n.name, 'join');
      if (join !== undefined) m.statusLTime = join;
      const leave = this.intents.get(n.name, 'leave');
      if (leave !== undefined) {
        m.status = 'leaving';
        m.statusLTime = leave;
      }
      this.byName.set(n.name, m);
    } else {
      Object.assign(m, { status: 'alive', leaveTimeMs: 0, address: n.address, tags, vsn: n.vsn });
    }
    this.logger.info(`serf: EventMemberJoin: ${m.name} ${m.address.ip}`);
    this.deps.events?.member?.('join', publicMember(m));
  }

  private handleNodeLeave(n: Member): void {
    const m = this.byName.get(n.name);
    if (!m) return;
    if (m.status === 'leaving' || (n.state === 'left' && m.status === 'alive')) m.status = 'left';
    else if (m.status === 'alive') m.status = 'failed';
    else return;
    m.leaveTimeMs = this.deps.clock.monotonicMs();
    const kind = m.status === 'left' ? 'leave' : 'failed';
    this.logger.info(`serf: ${kind === 'leave' ? 'EventMemberLeave' : 'EventMemberFailed'}: ${m.name} ${m.address.ip}`);
    this.deps.events?.member?.(kind, publicMember(m));
  }

  private handleNodeUpdate(n: Member): void {
    const m = this.byName.get(n.name);
    if (!m) return;
    Object.assign(m, { address: n.address, tags: decodeTags(n.meta), vsn: n.vsn });
    this.logger.info(`serf: EventMemberUpdate: ${m.name}`);
    this.deps.events?.member?.('update', publicMember(m));
  }

  /** serf's handleNodeLeaveIntent: true if the intent is news (to gossip on). */
  private handleLeaveIntent(msg: LeaveIntent): boolean {
    this.clock.witness(msg.lTime);
    const m = this.byName.get(msg.node);
    if (!m) return this.intents.upsert(msg.node, 'leave', msg.lTime, this.deps.clock.monotonicMs());
    if (msg.lTime <= m.statusLTime) return false;
    if (msg.node === this.name && this.state === 'alive') {
      // An old leave intent of ours, still going around: we are here.
      this.logger.debug('serf: Refuting an older leave intent');
      this.broadcastJoin(this.clock.time());
      return false;
    }
    switch (m.status) {
      case 'alive':
        m.status = 'leaving';
        m.statusLTime = msg.lTime;
        break;
      case 'failed':
        m.status = 'left';
        m.statusLTime = msg.lTime;
        this.logger.info(`serf: EventMemberLeave (forced): ${m.name} ${m.address.ip}`);
        this.deps.events?.member?.('leave', publicMember(m));
        break;
      default:
        break;
    }
    if (msg.prune) this.prune(m);
    return true;
  }

  /** serf's handleNodeJoinIntent. */
  private handleJoinIntent(msg: JoinIntent): boolean {
    this.clock.witness(msg.lTime);
    const m = this.byName.get(msg.node);
    if (!m) return this.intents.upsert(msg.node, 'join', msg.lTime, this.deps.clock.monotonicMs());
    if (msg.lTime <= m.statusLTime) return false;
    m.statusLTime = msg.lTime;
    if (m.status === 'leaving') m.status = 'alive';
    return true;
  }

  private broadcastJoin(lTime: number): void {
    const msg: JoinIntent = { type: 'join', lTime, node: this.name };
    this.clock.witness(lTime);
    this.handleJoinIntent(msg);
    this.swim.broadcastUser(encodeSerfMessage(msg));
  }

  /** serf's handleUserEvent: true if the event is new here (to gossip on). */
  private handleUserEvent(msg: UserEventMessage): boolean {
    this.eventClock.witness(msg.lTime);
    const verdict = this.events.record(msg.lTime, msg.name, msg.payload, this.eventClock.time());
    if (verdict === 'old' && msg.lTime >= this.events.minTime) {
      this.logger.warn(`serf: received old event ${msg.name} from time ${msg.lTime} (current: ${this.eventClock.time()})`);
    }
    if (verdict !== 'new') return false;
    const e: UserEvent = { lTime: msg.lTime, name: msg.name, payload: msg.payload, coalesce: msg.cc };
    if (this.coalescer && msg.cc) this.coalescer.add(e);
    else this.deps.events?.user?.(e);
    return true;
  }

  /** A member removed at once (force-leave -prune): it no longer shows anywhere. */
  private prune(m: MemberState): void {
    this.logger.info(`serf: EventMemberReap (forced): ${m.name} ${m.address.ip}`);
    this.erase(m);
  }

  private erase(m: MemberState): void {
    this.byName.delete(m.name);
    this.deps.events?.member?.('reap', publicMember(m));
  }

  private hasAliveMembers(): boolean {
    for (const m of this.byName.values()) if (m.name !== this.name && m.status === 'alive') return true;
    return false;
  }

  // --- push/pull ---

  private localState(): Uint8Array {
    const statusLTimes: Array<[string, number]> = [];
    const leftMembers: string[] = [];
    for (const m of this.byName.values()) {
      statusLTimes.push([m.name, m.statusLTime]);
      if (m.status === 'left') leftMembers.push(m.name);
    }
    return encodeSerfPushPull({
      lTime: this.clock.time(),
      statusLTimes,
      leftMembers,
      eventLTime: this.eventClock.time(),
      events: this.events.all(),
      queryLTime: this.queryClock.time(),
    });
  }

  /** serf's MergeRemoteState: clocks, intents, then the events we missed. */
  private mergeRemoteState(bytes: Uint8Array, join: boolean): void {
    if (bytes.length === 0) return;
    let pp;
    try {
      pp = decodeSerfPushPull(bytes);
    } catch (err) {
      if (!(err instanceof GossipDecodeError)) throw err;
      this.swim.badPackets++;
      return;
    }
    if (pp.lTime > 0) this.clock.witness(pp.lTime - 1);
    if (pp.eventLTime > 0) this.eventClock.witness(pp.eventLTime - 1);
    if (pp.queryLTime > 0) this.queryClock.witness(pp.queryLTime - 1);
    const times = new Map(pp.statusLTimes);
    const left = new Set(pp.leftMembers);
    // A left member's leave came after its last status time.
    for (const node of left) this.handleLeaveIntent({ type: 'leave', lTime: (times.get(node) ?? 0) + 1, node, prune: false });
    for (const [node, lTime] of times) if (!left.has(node)) this.handleJoinIntent({ type: 'join', lTime, node });
    if (join && this.ignoreOldEvents && pp.eventLTime > this.events.minTime) this.events.minTime = pp.eventLTime;
    for (const at of pp.events) {
      for (const e of at.events) this.handleUserEvent({ type: 'userEvent', lTime: at.lTime, name: e.name, payload: e.payload, cc: false });
    }
  }

  // --- reaping and reconnecting ---

  private scheduleReap(): void {
    this.reapTimer = this.deps.clock.setTimer(this.deps.config.reapIntervalMs, () => {
      this.reap();
      this.scheduleReap();
    });
  }

  /** Forgets failed members after the reconnect timeout, left ones after the tombstone timeout. */
  reap(): void {
    const { clock, config } = this.deps;
    const now = clock.monotonicMs();
    for (const m of [...this.byName.values()]) {
      const timeout = m.status === 'failed' ? config.reconnectTimeoutMs : m.status === 'left' ? config.tombstoneTimeoutMs : undefined;
      if (timeout === undefined || now - m.leaveTimeMs <= timeout) continue;
      this.logger.info(`serf: EventMemberReap: ${m.name}`);
      this.erase(m);
    }
    this.intents.prune(now, config.recentIntentTimeoutMs);
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = this.deps.clock.setTimer(this.deps.config.reconnectIntervalMs, () => {
      this.reconnect();
      this.scheduleReconnect();
    });
  }

  /**
   * serf's reconnect: with probability failed / alive, one random failed member is asked to
   * join again, so the pool as a whole tries each failed member about once per interval.
   */
  private reconnect(): void {
    const all = [...this.byName.values()];
    const failed = all.filter((m) => m.status === 'failed');
    if (failed.length === 0) return;
    const alive = Math.max(1, all.length - failed.length - all.filter((m) => m.status === 'left').length);
    if (this.deps.rng.next() > failed.length / alive) return;
    const m = failed[this.deps.rng.int(failed.length)]!;
    this.logger.debug(`serf: attempting reconnect to ${m.name} ${m.address.ip}:${m.address.port}`);
    this.swim.join([m.address]);
  }
}

function publicMember(m: MemberState): SerfMember {
  return { name: m.name, address: { ...m.address }, tags: { ...m.tags }, status: m.status, vsn: [...m.vsn] };
}
