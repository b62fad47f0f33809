/**
 * The gossip figures of issue 5, each from one seeded run of a simulated pool (pool.ts):
 * convergence after joins, detection of a killed member, false positives under loss with one
 * slow member, and bytes sent per member per second. The same seed gives the same figures.
 * Times are simulated milliseconds.
 */
import { SeededRng } from '../../lib/index.js';
import { lanTiming, pushPullIntervalMs, type SwimTiming } from '../../gossip/core/config.js';
import type { Swim } from '../../gossip/core/swim.js';
import { gossipPool, nameOf, type GossipPool } from './pool.js';

export interface ScenarioBase {
  n: number;
  seed: number;
  timing?: SwimTiming;
}

/** How often the scenarios look at the pool while they wait for something. */
export const pollMs = 50;

/**
 * Advances `p` in steps of `stepMs` (pollMs by default) until `done` holds or `limitMs` has
 * passed; the elapsed time when it first held, else undefined.
 */
function waitFor(p: GossipPool, limitMs: number, done: () => boolean, stepMs = pollMs): number | undefined {
  const start = p.clock.monotonicMs();
  for (let elapsed = 0; elapsed <= limitMs; elapsed += stepMs) {
    if (done()) return p.clock.monotonicMs() - start;
    p.clock.advance(stepMs);
  }
  return undefined;
}

/** Every member knows all `n` members, each as alive. */
function converged(members: readonly Swim[], n: number): boolean {
  if (members.length < n || members.some((s) => s.members.size !== n)) return false;
  return members.every((s) => s.members.all().every((m) => m.state === 'alive'));
}

export interface JoinResult {
  /** When the last member called join, from the first one's start. */
  lastJoinMs: number;
  /** From the last join until 99.99% of the n² (member, member) pairs were known. */
  mostKnownMs: number | undefined;
  /** ... until every member knew every other as alive (undefined: not within the limit). */
  convergedMs: number | undefined;
  /** Deaths recorded meanwhile (none should be: nobody failed). */
  deaths: number;
}

/**
 * (a) A pool built by joins: member 0 starts alone; every `spacingMs` another starts and joins
 * through a random member already started.
 */
export function joinConvergence(o: ScenarioBase & { spacingMs?: number; limitMs?: number }): JoinResult {
  const p = gossipPool(1, { seed: o.seed, timing: o.timing ?? lanTiming, agreed: false });
  const rng = new SeededRng(o.seed * 31 + 5);
  const spacingMs = o.spacingMs ?? 10;
  for (let i = 1; i < o.n; i++) {
    p.clock.advance(spacingMs);
    const s = p.add(i);
    s.start();
    s.join([p.addressOf(rng.int(i))]);
  }
  const lastJoinMs = p.clock.monotonicMs();
  let mostKnownMs: number | undefined;
  const convergedMs = waitFor(p, o.limitMs ?? 300_000, () => {
    const all = p.all();
    if (mostKnownMs === undefined && all.reduce((sum, s) => sum + s.members.size, 0) >= 0.9999 * o.n * o.n) mostKnownMs = p.clock.monotonicMs() - lastJoinMs;
    return converged(all, o.n);
  });
  return { lastJoinMs, mostKnownMs, convergedMs, deaths: p.deaths.length };
}

export interface SpreadResult {
  /** From the newcomer's join until every member knew it as alive and it knew them all. */
  knownMs: number | undefined;
}

/**
 * (a) One newcomer joins a settled pool of n − 1 members through a random one of them. `stepMs`:
 * how finely the time is measured (default pollMs).
 */
export function joinSpread(o: ScenarioBase & { limitMs?: number; stepMs?: number }): SpreadResult {
  const p = gossipPool(o.n - 1, { seed: o.seed, timing: o.timing });
  p.clock.advance(2 * p.timing.probeIntervalMs);
  const newcomer = p.add(o.n - 1);
  newcomer.start();
  newcomer.join([p.addressOf(new SeededRng(o.seed * 31 + 7).int(o.n - 1))]);
  const name = nameOf(o.n - 1);
  const knownMs = waitFor(p, o.limitMs ?? 60_000, () => newcomer.members.size === o.n && p.swims.every((s) => s.members.get(name)?.state === 'alive'), o.stepMs);
  return { knownMs };
}

export interface DetectionResult {
  /** From the kill until the first other member declared it dead. */
  firstMs: number | undefined;
  /** ... until every other member had. */
  allMs: number | undefined;
  /** Live members declared dead meanwhile (by anyone but the killed one, which sees everyone go). */
  falseDeaths: number;
}

/** (b) A random member of a settled pool crashes. */
export function detection(o: ScenarioBase & { limitMs?: number }): DetectionResult {
  const p = gossipPool(o.n, { seed: o.seed, timing: o.timing });
  p.clock.advance(5 * p.timing.probeIntervalMs);
  const victim = new SeededRng(o.seed * 31 + 11).int(o.n);
  const name = nameOf(victim);
  p.kill(victim);
  const killedAt = p.clock.monotonicMs();
  const seen = new Set<string>();
  const allMs = waitFor(p, o.limitMs ?? 120_000, () => {
    for (const d of p.deaths) if (d.of === name) seen.add(d.by);
    return seen.size >= o.n - 1;
  });
  const byOthers = p.deaths.filter((d) => d.by !== name);
  const first = byOthers.filter((d) => d.of === name).map((d) => d.at);
  return {
    firstMs: first.length > 0 ? Math.min(...first) - killedAt : undefined,
    allMs,
    falseDeaths: byOthers.filter((d) => d.of !== name).length,
  };
}

/** The slow member's processing delay: what the brief names (a CPU-starved member). */
export const defaultSlowDelayMs: [number, number] = [500, 3000];

export interface FalsePositiveOptions extends ScenarioBase {
  lifeguard: boolean;
  durationMs: number;
  /** Probability that one packet is lost (default 0.1). */
  loss?: number;
  /** The slow member's processing delay range (default defaultSlowDelayMs); null: no slow member. */
  slowDelayMs?: [number, number] | null;
}

export interface FalsePositiveResult {
  /** Deaths of healthy members (all but the slow one) recorded by anyone, one per recorder. */
  healthyDeaths: number;
  /** Distinct healthy members declared dead by at least one member. */
  healthyVictims: number;
  /** Of healthyDeaths: recorded by the slow member. */
  bySlow: number;
  /** Deaths of the slow member recorded by the others. */
  slowDeaths: number;
  /** Suspicions refuted (incarnations bumped) over all members. */
  refutations: number;
  /** The slow member's local health score at the end. */
  slowAwareness: number;
}

/** (c) Nobody fails, but packets are lost and one member (index 0) is slow. */
export function falsePositives(o: FalsePositiveOptions): FalsePositiveResult {
  const delay = o.slowDelayMs === undefined ? defaultSlowDelayMs : o.slowDelayMs;
  const slow = delay ? { member: 0, delayMinMs: delay[0], delayMaxMs: delay[1] } : undefined;
  const timing = { ...(o.timing ?? lanTiming), lifeguard: o.lifeguard };
  const p = gossipPool(o.n, { seed: o.seed, timing, loss: o.loss ?? 0.1, slow });
  p.clock.advance(o.durationMs);
  const slowName = slow ? nameOf(0) : undefined;
  const healthy = p.deaths.filter((d) => d.of !== slowName);
  return {
    healthyDeaths: healthy.length,
    healthyVictims: new Set(healthy.map((d) => d.of)).size,
    bySlow: healthy.filter((d) => d.by === slowName).length,
    slowDeaths: p.deaths.length - healthy.length,
    refutations: p.swims.reduce((sum, s, i) => sum + (s.members.get(nameOf(i))!.incarnation - 1), 0),
    slowAwareness: p.swims[0]!.awareness.score,
  };
}

export interface BandwidthResult {
  windowMs: number;
  /** Per member per second, averaged over the pool. */
  packetsPerS: number;
  packetBytesPerS: number;
  streamBytesPerS: number;
  /** The busiest member's packet and stream bytes per second. */
  maxBytesPerS: number;
  /** One member's push/pull state, bytes. */
  stateBytes: number;
}

/**
 * (d) A settled healthy pool, over one push/pull interval (scaled for n) after the first probe
 * interval, so each member initiates one push/pull in the window.
 */
export function bandwidth(o: ScenarioBase & { windowMs?: number }): BandwidthResult {
  const p = gossipPool(o.n, { seed: o.seed, timing: o.timing });
  const windowMs = o.windowMs ?? pushPullIntervalMs(p.timing.pushPullIntervalMs, o.n);
  p.clock.advance(p.timing.probeIntervalMs);
  const before = p.swims.map((_, i) => p.net.sentBy(p.addressOf(i)));
  p.clock.advance(windowMs);
  const perS = 1000 / windowMs;
  let packets = 0;
  let packetBytes = 0;
  let streamBytes = 0;
  let maxBytes = 0;
  p.swims.forEach((_, i) => {
    const now = p.net.sentBy(p.addressOf(i));
    const b = before[i]!;
    packets += now.packets - b.packets;
    packetBytes += now.packetBytes - b.packetBytes;
    streamBytes += now.streamBytes - b.streamBytes;
    maxBytes = Math.max(maxBytes, now.packetBytes - b.packetBytes + now.streamBytes - b.streamBytes);
  });
  return {
    windowMs,
    packetsPerS: (packets / o.n) * perS,
    packetBytesPerS: (packetBytes / o.n) * perS,
    streamBytesPerS: (streamBytes / o.n) * perS,
    maxBytesPerS: maxBytes * perS,
    stateBytes: p.swims[0]!.localState(false).length,
  };
}
