/**
 * A simulated network for gossip members, in simulated time (ManualClock) and seeded
 * randomness: every packet takes latencyMinMs–latencyMaxMs, is lost with probability `loss`,
 * and reaches nobody when the sender or the receiver is down. Streams (push/pull over TCP) lose
 * nothing. A slow member models the Lifeguard paper's slow message processing (a CPU-starved
 * process): whatever reaches it waits delayMinMs–delayMaxMs, in arrival order, before it is
 * handled, so its answers leave late too; its own timers still fire on time. With several
 * arrivals a second the wait is close to delayMaxMs. Counts what each member sends.
 * Pure: no node:*, no wall clock, no ambient randomness.
 */
import type { Clock, Rng } from '../../lib/index.js';
import type { Address } from '../../gossip/core/messages.js';

export interface NetworkOptions {
  /** Probability that one packet is lost (0–1). */
  loss?: number;
  latencyMinMs?: number;
  latencyMaxMs?: number;
}

/** What a member does with traffic: a packet, a stream request (its reply), a stream reply. */
export interface Endpoint {
  packet(from: Address, bytes: Uint8Array): void;
  streamRequest(request: Uint8Array): Uint8Array | undefined;
  streamReply(reply: Uint8Array): void;
}

/** Each arrival waits delayMinMs–delayMaxMs (uniform), and for whatever arrived before it. */
export interface SlowProcessing {
  delayMinMs: number;
  delayMaxMs: number;
}

export interface SentCounts {
  packets: number;
  packetBytes: number;
  streamBytes: number;
}

export const addressKey = (a: Address): string => `${a.ip}:${a.port}`;

export class SimNetwork {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly down = new Set<string>();
  private readonly slow = new Map<string, SlowProcessing & { lastMs: number }>();
  private readonly sent = new Map<string, SentCounts>();
  /** UDP packets sent, by receiver, then by sender. */
  private readonly addressed = new Map<string, Map<string, number>>();
  private readonly loss: number;
  private readonly latencyMinMs: number;
  private readonly latencySpanMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    options: NetworkOptions = {},
  ) {
    this.loss = options.loss ?? 0;
    this.latencyMinMs = options.latencyMinMs ?? 1;
    this.latencySpanMs = (options.latencyMaxMs ?? 5) - this.latencyMinMs + 1;
  }

  attach(address: Address, endpoint: Endpoint): void {
    this.endpoints.set(addressKey(address), endpoint);
  }

  /** Cuts a member off: it neither sends nor receives from now on (a crash). */
  kill(address: Address): void {
    this.down.add(addressKey(address));
  }

  isDown(address: Address): boolean {
    return this.down.has(addressKey(address));
  }

  /** From now on, whatever reaches `address` is handled late. */
  makeSlow(address: Address, processing: SlowProcessing): void {
    this.slow.set(addressKey(address), { delayMinMs: processing.delayMinMs, delayMaxMs: processing.delayMaxMs, lastMs: 0 });
  }

  /** A UDP packet: counted as sent, then lost or delivered after the latency. */
  sendPacket(from: Address, to: Address, bytes: Uint8Array): void {
    const c = this.counts(from);
    c.packets++;
    c.packetBytes += bytes.length;
    const toKey = addressKey(to);
    const bySender = this.addressed.get(toKey) ?? new Map<string, number>();
    this.addressed.set(toKey, bySender);
    bySender.set(addressKey(from), (bySender.get(addressKey(from)) ?? 0) + 1);
    if (this.isDown(from) || this.rng.next() < this.loss) return;
    this.deliver(to, (e) => e.packet(from, bytes));
  }

  /** A stream exchange (push/pull): the request, then the receiver's reply, both lossless. */
  exchange(from: Address, to: Address, request: Uint8Array): void {
    this.counts(from).streamBytes += request.length;
    if (this.isDown(from)) return;
    this.deliver(to, (e) => {
      const reply = e.streamRequest(request);
      if (!reply) return;
      this.counts(to).streamBytes += reply.length;
      this.deliver(from, (me) => me.streamReply(reply));
    });
  }

  /** UDP packets sent to `address` so far, delivered or not; only those from `senders`, if given. */
  packetsTo(address: Address, senders?: readonly Address[]): number {
    const bySender = this.addressed.get(addressKey(address));
    if (!bySender) return 0;
    const keys = senders ? senders.map(addressKey) : [...bySender.keys()];
    return keys.reduce((n, k) => n + (bySender.get(k) ?? 0), 0);
  }

  /** What `address` has sent so far. */
  sentBy(address: Address): SentCounts {
    return { ...this.counts(address) };
  }

  /** Totals over every member. */
  totalSent(): SentCounts {
    const t: SentCounts = { packets: 0, packetBytes: 0, streamBytes: 0 };
    for (const c of this.sent.values()) {
      t.packets += c.packets;
      t.packetBytes += c.packetBytes;
      t.streamBytes += c.streamBytes;
    }
    return t;
  }

  private counts(a: Address): SentCounts {
    const k = addressKey(a);
    let c = this.sent.get(k);
    if (!c) this.sent.set(k, (c = { packets: 0, packetBytes: 0, streamBytes: 0 }));
    return c;
  }

  private deliver(to: Address, fn: (e: Endpoint) => void): void {
    const k = addressKey(to);
    const run = (): void => {
      const e = this.endpoints.get(k);
      if (e && !this.down.has(k)) fn(e);
    };
    this.clock.setTimer(this.latencyMinMs + this.rng.int(this.latencySpanMs), () => {
      const slow = this.slow.get(k);
      if (!slow) return run();
      // Handled in arrival order: never before what arrived earlier (a backlog, not reordering).
      const now = this.clock.monotonicMs();
      const atMs = Math.max(now + slow.delayMinMs + this.rng.int(slow.delayMaxMs - slow.delayMinMs + 1), slow.lastMs);
      slow.lastMs = atMs;
      this.clock.setTimer(atMs - now, run);
    });
  }
}
