/**
 * A pool of SWIM members (src/gossip/core) on a simulated network, in one process and simulated
 * time, from one seed: member i is `m<i>` at 10.0.<i / 256>.<i % 256>:8301. By default the
 * first `n` start from a view they already agree on (everyone alive at incarnation 1), each
 * started at a random moment of the first probe interval, as memberlist staggers its tickers;
 * with `agreed: false` only member 0 runs and the others are added and joined by the caller.
 * Every death or leave a member records is kept in `deaths`.
 */
import { ManualClock, SeededRng } from '../../lib/index.js';
import { lanTiming, type SwimTiming } from '../../gossip/core/config.js';
import type { MemberState } from '../../gossip/core/members.js';
import type { Address } from '../../gossip/core/messages.js';
import { Swim } from '../../gossip/core/swim.js';
import { SimNetwork, type SlowProcessing } from './network.js';

export interface PoolOptions {
  seed?: number;
  /** Probability that one packet is lost (0–1). */
  loss?: number;
  timing?: SwimTiming;
  /** Member `member` handles whatever reaches it late (the slow member). */
  slow?: SlowProcessing & { member: number };
  /** false: only member 0 starts; the caller adds and joins the rest (default true). */
  agreed?: boolean;
}

export interface Death {
  at: number;
  by: string;
  of: string;
}

export interface GossipPool {
  clock: ManualClock;
  net: SimNetwork;
  timing: SwimTiming;
  /** The members created at the start, by index. */
  swims: Swim[];
  deaths: Death[];
  /** Creates member i on the network (not started). */
  add(i: number): Swim;
  addressOf(i: number): Address;
  nameOf(i: number): string;
  /** Every member created so far, in index order. */
  all(): Swim[];
  /** Bytes sent by everyone so far (packets and streams). */
  bytes(): number;
  /** Crashes member i: from now on it neither sends nor receives. */
  kill(i: number): void;
  /** How every member sees member i ('self' for itself, undefined when it is not known). */
  stateOf(i: number): Array<MemberState | 'self' | undefined>;
}

const vsn = [1, 5, 2, 2, 5, 4];
export const nameOf = (i: number): string => `m${i}`;
export const addressOf = (i: number): Address => ({ ip: `10.0.${i >> 8}.${i & 255}`, port: 8301 });

export function gossipPool(n: number, options: PoolOptions = {}): GossipPool {
  const seed = options.seed ?? 1;
  const clock = new ManualClock(0);
  const net = new SimNetwork(clock, new SeededRng(seed), { loss: options.loss ?? 0 });
  const timing = options.timing ?? lanTiming;
  const bySlot: Swim[] = [];
  const deaths: Death[] = [];
  const add = (i: number): Swim => {
    const name = nameOf(i);
    const self = { name, address: addressOf(i), meta: new Uint8Array(), vsn };
    const swim: Swim = new Swim({
      clock,
      rng: new SeededRng(seed * 1000 + i),
      timing,
      self,
      send: (to, packet) => net.sendPacket(self.address, to, packet),
      startPushPull: (to, state) => net.exchange(self.address, to, state),
      events: { join: () => {}, update: () => {}, leave: (m) => deaths.push({ at: clock.monotonicMs(), by: name, of: m.name }) },
    });
    net.attach(self.address, {
      packet: (from, bytes) => swim.handlePacket(from, bytes),
      streamRequest: (request) => swim.handlePushPull(request),
      streamReply: (reply) => void swim.mergeRemoteState(reply),
    });
    if (options.slow?.member === i) net.makeSlow(self.address, options.slow);
    bySlot[i] = swim;
    return swim;
  };
  const initial = options.agreed === false ? 1 : n;
  for (let i = 0; i < initial; i++) add(i);
  const swims = bySlot.slice();
  if (options.agreed === false) swims[0]!.start();
  else startAgreed(clock, swims, timing, new SeededRng(seed * 7919 + 17));
  const all = (): Swim[] => bySlot.filter((s) => s !== undefined);
  return {
    clock,
    net,
    timing,
    swims,
    deaths,
    add,
    addressOf,
    nameOf,
    all,
    bytes: () => {
      const t = net.totalSent();
      return t.packetBytes + t.streamBytes;
    },
    kill: (i) => net.kill(addressOf(i)),
    stateOf: (i) => all().map((s) => (s === bySlot[i] ? 'self' : s.members.get(nameOf(i))?.state)),
  };
}

/** Everyone knows everyone at incarnation 1; each starts at a random moment of the first probe interval. */
function startAgreed(clock: ManualClock, swims: Swim[], timing: SwimTiming, rng: SeededRng): void {
  const view = swims.map((_, i) => ({ name: nameOf(i), address: addressOf(i), meta: new Uint8Array(), vsn, incarnation: 1, state: 'alive' as const }));
  for (const s of swims) {
    s.adopt(view);
    clock.setTimer(rng.int(timing.probeIntervalMs), () => s.start());
  }
}
