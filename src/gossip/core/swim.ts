/**
 * The SWIM protocol over the member table (memberlist state.go: probe, probeNode, gossip;
 * net.go: handlePing, handleIndirectPing, handleAck, handleNack). Each probe interval (scaled
 * by Lifeguard's local health) one member, in a shuffled round-robin, gets a ping; with no ack
 * within the probe timeout, `indirectChecks` others are asked to ping it and to nack if they
 * cannot; with no ack by the end of the interval it is suspected. Every gossip interval the
 * queued broadcasts go to `gossipNodes` random members (also recently dead ones, so they learn
 * it), and with prompt gossip (ours) once more as soon as news is queued. Every packet
 * piggybacks broadcasts up to the UDP limit. Pure: time from the Clock,
 * choices from the Rng, packets out through `send`.
 */
import type { Clock, Logger, Rng, Timer } from '../../lib/index.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue, type Broadcast } from './broadcast-queue.js';
import { pushPullIntervalMs, type SwimTiming } from './config.js';
import { Members, type Member, type MemberEvents, type MemberSnapshot } from './members.js';
import { GossipDecodeError, decodeMessage, decodePushPull, encodeMessage, encodePushPull, packPackets, splitPacket, type Address, type Message } from './messages.js';

export interface SwimDeps {
  clock: Clock;
  rng: Rng;
  timing: SwimTiming;
  self: { name: string; address: Address; meta: Uint8Array; vsn: number[] };
  send(to: Address, packet: Uint8Array): void;
  events?: MemberEvents;
  /** memberlist's log lines about probes and failures (`memberlist: Suspect ...`). */
  logger?: Logger;
  /** A payload for the layer above (user messages). */
  onUser?(payload: Uint8Array, from: Address): void;
  /**
   * Exchange full state with `to` over a stream (the driver's TCP): send `state`, and hand the
   * reply to `mergeRemoteState`. Without it, no push/pull runs (and no join).
   */
  startPushPull?(to: Address, state: Uint8Array): void;
  /** The layer above's state to send along, and where to put a peer's. */
  userState?(join: boolean): Uint8Array;
  mergeUserState?(state: Uint8Array, join: boolean): void;
}

interface PendingAck {
  ack(): void;
  nack(): void;
  timer: Timer;
}

export class Swim {
  readonly members: Members;
  readonly awareness: Awareness;
  private readonly queue: BroadcastQueue;
  private readonly pending = new Map<number, PendingAck>();
  private seqNo = 0;
  private probeIndex = 0;
  /** A probe waits for its ack or its deadline. */
  private probing = false;
  private probeTimer: Timer | undefined;
  private gossipTimer: Timer | undefined;
  private pushPullTimer: Timer | undefined;
  private started = false;
  /** A prompt round is due (its timer is set), or one ran since the last tick of the interval. */
  private promptTimer: Timer | undefined;
  private promptSpent = false;
  /** Malformed packets received (for metrics and tests). */
  badPackets = 0;

  constructor(private readonly deps: SwimDeps) {
    // Without Lifeguard the local health multiplier stays 1 (memberlist's AwarenessMaxMultiplier = 1).
    this.awareness = new Awareness(deps.timing.lifeguard ? deps.timing.awarenessMaxMultiplier : 1);
    this.queue = new BroadcastQueue({ numNodes: () => this.members.size, retransmitMult: deps.timing.retransmitMult });
    this.members = new Members({
      clock: deps.clock,
      rng: deps.rng,
      timing: deps.timing,
      selfName: deps.self.name,
      awareness: this.awareness,
      broadcast: (name, m, sent) => this.enqueue({ name, message: encodeMessage(m), finished: sent }),
      events: deps.events,
      logger: deps.logger,
    });
    const s = deps.self;
    this.members.alive({ type: 'alive', incarnation: this.members.nextIncarnation(), node: s.name, address: s.address, meta: s.meta, vsn: s.vsn }, true);
  }

  /**
   * Starts the periodic work, each loop after a random stagger within its interval, as
   * memberlist's triggerFunc does, so members started together do not probe and gossip in step.
   */
  start(): void {
    const { rng, timing } = this.deps;
    this.started = true;
    this.scheduleProbe(rng.int(timing.probeIntervalMs));
    this.scheduleGossip(rng.int(timing.gossipIntervalMs));
    this.schedulePushPull(rng.int(Math.max(1, pushPullIntervalMs(timing.pushPullIntervalMs, this.members.size))));
  }

  stop(): void {
    this.probeTimer?.cancel();
    this.gossipTimer?.cancel();
    this.pushPullTimer?.cancel();
    this.promptTimer?.cancel();
    this.started = false;
    for (const p of this.pending.values()) p.timer.cancel();
    this.pending.clear();
    this.members.close();
  }

  /**
   * Leaves gracefully: `done` runs once the news has gone out as often as any broadcast does
   * (the agent then stops; others record this member as left, not failed).
   */
  leave(done: () => void): void {
    this.members.leave(done);
  }

  /**
   * Queues a message of the layer above (serf's intents, events, queries) for gossip: it is
   * piggybacked like our own broadcasts, as often, and `sent` runs once it is out.
   */
  broadcastUser(payload: Uint8Array, sent?: () => void): void {
    this.enqueue({ message: encodeMessage({ type: 'user', payload }), finished: sent });
  }

  /**
   * Queues a broadcast and, with prompt gossip, sends it on now rather than at the next tick:
   * one extra round, on a zero timer so that all the news of one packet or one push/pull goes
   * out together, and at most one between two ticks, so a burst of news at most doubles the
   * rounds. The regular ticks keep their fixed schedule.
   */
  private enqueue(b: Broadcast): void {
    this.queue.queue(b);
    if (!this.deps.timing.promptGossip || !this.started || this.promptTimer || this.promptSpent) return;
    this.promptTimer = this.deps.clock.setTimer(0, () => {
      this.promptTimer = undefined;
      this.promptSpent = true;
      this.gossip();
    });
  }

  /**
   * New metadata for this member (serf's tags): announced as alive with a higher incarnation,
   * as memberlist's UpdateNode does, so it replaces the old everywhere.
   */
  updateMeta(meta: Uint8Array): void {
    const me = this.members.get(this.deps.self.name);
    if (!me) return;
    this.deps.self.meta = meta;
    const s = this.deps.self;
    this.members.alive({ type: 'alive', incarnation: this.members.nextIncarnation(), node: s.name, address: s.address, meta, vsn: s.vsn }, true);
  }

  /** A message of the layer above straight to one member (serf's query responses and relays). */
  sendUser(to: Address, payload: Uint8Array): void {
    this.sendTo(to, { type: 'user', payload });
  }

  /** Joins through each address: a push/pull exchange marked as a join. */
  join(addresses: readonly Address[]): void {
    for (const a of addresses) this.deps.startPushPull?.(a, this.localState(true));
  }

  /** Everything this member knows, for a push/pull exchange. */
  localState(join: boolean): Uint8Array {
    return encodePushPull({ join, members: this.members.snapshot(), user: this.deps.userState?.(join) ?? new Uint8Array() });
  }

  /** A peer's state (its reply to our exchange); false if it was malformed. */
  mergeRemoteState(bytes: Uint8Array): boolean {
    let remote;
    try {
      remote = decodePushPull(bytes);
    } catch (err) {
      if (!(err instanceof GossipDecodeError)) throw err;
      this.badPackets++;
      return false;
    }
    this.members.merge(remote.members);
    this.deps.mergeUserState?.(remote.user, remote.join);
    return true;
  }

  /** The receiving side of an exchange: our state as it was, then theirs merged (memberlist's handleConn). */
  handlePushPull(bytes: Uint8Array): Uint8Array | undefined {
    let join = false;
    try {
      join = decodePushPull(bytes).join;
    } catch (err) {
      if (!(err instanceof GossipDecodeError)) throw err;
      this.badPackets++;
      return undefined;
    }
    const reply = this.localState(join);
    this.mergeRemoteState(bytes);
    return reply;
  }

  private schedulePushPull(delayMs?: number): void {
    const { clock, timing } = this.deps;
    if (!this.deps.startPushPull || timing.pushPullIntervalMs <= 0) return;
    this.pushPullTimer = clock.setTimer(delayMs ?? pushPullIntervalMs(timing.pushPullIntervalMs, this.members.size), () => {
      const [peer] = this.randomMembers(1, (m) => m.state === 'alive');
      if (peer) this.deps.startPushPull!(peer.address, this.localState(false));
      this.schedulePushPull();
    });
  }

  /** A packet from the network; anything malformed is counted and dropped. */
  handlePacket(from: Address, packet: Uint8Array): void {
    let messages: Message[];
    try {
      messages = splitPacket(packet).map(decodeMessage);
    } catch (err) {
      if (!(err instanceof GossipDecodeError)) throw err;
      this.badPackets++;
      return;
    }
    for (const m of messages) this.handle(from, m);
  }

  private handle(from: Address, m: Message): void {
    const self = this.deps.self;
    switch (m.type) {
      case 'ping':
        if (m.node !== '' && m.node !== self.name) return; // meant for whoever had this address before
        this.sendTo(m.source, { type: 'ack', seqNo: m.seqNo, payload: new Uint8Array() });
        return;
      case 'indirectPing':
        this.pingFor(m);
        return;
      case 'ack':
        this.pending.get(m.seqNo)?.ack();
        return;
      case 'nack':
        this.pending.get(m.seqNo)?.nack();
        return;
      case 'alive':
        this.members.alive(m);
        return;
      case 'suspect':
        this.members.suspect(m);
        return;
      case 'dead':
        this.members.dead(m);
        return;
      case 'user':
        this.deps.onUser?.(m.payload, from);
        return;
    }
  }

  /** Pings `m.target` for the member that asked; acks it on success, nacks it when asked to and none came. */
  private pingFor(m: Extract<Message, { type: 'indirectPing' }>): void {
    const seqNo = ++this.seqNo;
    const self = this.deps.self;
    const timer = this.deps.clock.setTimer(this.deps.timing.probeTimeoutMs, () => {
      this.pending.delete(seqNo);
      if (m.nack) this.sendTo(m.source, { type: 'nack', seqNo: m.seqNo });
    });
    this.pending.set(seqNo, {
      ack: () => {
        timer.cancel();
        this.pending.delete(seqNo);
        this.sendTo(m.source, { type: 'ack', seqNo: m.seqNo, payload: new Uint8Array() });
      },
      nack: () => {},
      timer,
    });
    this.sendTo(m.target, { type: 'ping', seqNo, node: m.node, source: self.address, sourceNode: self.name });
  }

  /**
   * memberlist's fixed probe ticker: a probe every interval; a tick that comes while the last
   * probe still waits (its deadline is the interval scaled by local health) is skipped, as Go's
   * ticker drops ticks while probeNode blocks. A healthy member thus probes every interval.
   */
  private scheduleProbe(delayMs = this.deps.timing.probeIntervalMs): void {
    this.probeTimer = this.deps.clock.setTimer(delayMs, () => {
      if (!this.probing) this.probe();
      this.scheduleProbe();
    });
  }

  private scheduleGossip(delayMs = this.deps.timing.gossipIntervalMs): void {
    this.gossipTimer = this.deps.clock.setTimer(delayMs, () => {
      this.promptSpent = false;
      this.gossip();
      this.scheduleGossip();
    });
  }

  /** The next member to probe, round-robin; the order is reshuffled after each full round. */
  private probe(): void {
    const order = this.members.order;
    for (let checked = 0; checked < order.length; checked++) {
      if (this.probeIndex >= order.length) {
        this.probeIndex = 0;
        this.members.resetOrder(this.deps.timing.gossipToTheDeadMs);
      }
      const m = order[this.probeIndex++];
      if (m && m.name !== this.deps.self.name && (m.state === 'alive' || m.state === 'suspect')) {
        this.probeNode(m);
        return;
      }
    }
  }

  /**
   * memberlist's probeNode: direct ping, then indirect ones, then suspicion. A suspect target
   * gets the suspicion along with the ping (Lifeguard's buddy system), so it can refute at once.
   * The interval is scaled by local health; the probe timeout is not (waiting longer does not
   * get UDP through). Local health improves with every answered probe and worsens by each
   * missing nack (or by one without helpers) when the target stays silent.
   */
  private probeNode(target: Member): void {
    const { clock, timing, self } = this.deps;
    const seqNo = ++this.seqNo;
    const intervalMs = this.awareness.scaleTimeoutMs(timing.probeIntervalMs);
    let acked = false;
    let nacks = 0;
    let expectedNacks = 0;
    this.probing = true;
    const end = clock.setTimer(intervalMs, () => {
      this.pending.delete(seqNo);
      this.probing = false;
      if (acked) return;
      this.awareness.applyDelta(expectedNacks > 0 ? expectedNacks - nacks : 1);
      this.deps.logger?.info(`memberlist: Suspect ${target.name} has failed, no acks received`);
      this.members.suspect({ type: 'suspect', incarnation: target.incarnation, node: target.name, from: self.name });
    });
    this.pending.set(seqNo, {
      ack: () => {
        if (acked) return;
        acked = true;
        this.probing = false;
        end.cancel();
        this.pending.delete(seqNo);
        this.awareness.applyDelta(-1);
      },
      nack: () => void nacks++,
      timer: end,
    });
    const ping: Message = { type: 'ping', seqNo, node: target.name, source: self.address, sourceNode: self.name };
    if (target.state === 'alive' || !timing.lifeguard) this.sendTo(target.address, ping);
    else {
      const suspect: Message = { type: 'suspect', incarnation: target.incarnation, node: target.name, from: self.name };
      for (const p of packPackets([encodeMessage(ping), encodeMessage(suspect)], timing.udpPacketBytesMax).packets) this.deps.send(target.address, p);
    }
    clock.setTimer(timing.probeTimeoutMs, () => {
      if (acked) return;
      const helpers = this.randomMembers(timing.indirectChecks, (m) => m.state === 'alive' && m.name !== target.name);
      expectedNacks = helpers.length;
      for (const h of helpers) {
        this.sendTo(h.address, { type: 'indirectPing', seqNo, target: target.address, node: target.name, nack: timing.lifeguard, source: self.address, sourceNode: self.name });
      }
    });
  }

  /**
   * memberlist's gossip: queued broadcasts to a few random members, recently dead ones included
   * (they may only be cut off, and learn they were declared dead), but never one that left: it
   * is gone for good, and every send to it would be one fewer for a member that listens.
   */
  private gossip(): void {
    const { clock, timing } = this.deps;
    const now = clock.monotonicMs();
    const targets = this.randomMembers(
      timing.gossipNodes,
      (m) => m.state === 'alive' || m.state === 'suspect' || (m.state === 'dead' && now - m.stateChangeMs <= timing.gossipToTheDeadMs),
    );
    for (const t of targets) {
      const parts = this.queue.getBroadcasts(2, timing.udpPacketBytesMax - 2);
      if (parts.length === 0) return;
      for (const p of packPackets(parts, timing.udpPacketBytesMax).packets) this.deps.send(t.address, p);
    }
  }

  /**
   * Up to `k` distinct members other than us that pass `keep`, at random: memberlist's
   * kRandomNodes, which samples (at most 3n tries) rather than scanning the whole table.
   */
  private randomMembers(k: number, keep: (m: Member) => boolean): Member[] {
    const order = this.members.order;
    const n = order.length;
    const out: Member[] = [];
    for (let tries = 0; tries < 3 * n && out.length < k; tries++) {
      const m = order[this.deps.rng.int(n)]!;
      if (m.name === this.deps.self.name || !keep(m) || out.includes(m)) continue;
      out.push(m);
    }
    return out;
  }

  /** Starts from a view the whole pool already agrees on (a simulation): no broadcasts, no events. */
  adopt(members: readonly MemberSnapshot[]): void {
    this.members.adopt(members);
  }

  /** One message, with as many queued broadcasts as fit the packet. */
  private sendTo(to: Address, m: Message): void {
    const limit = this.deps.timing.udpPacketBytesMax;
    const msg = encodeMessage(m);
    const extra = this.queue.getBroadcasts(2, limit - msg.length - 4);
    const { packets } = packPackets([msg, ...extra], limit);
    for (const p of packets) this.deps.send(to, p);
  }
}
