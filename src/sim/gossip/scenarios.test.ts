import { describe, expect, it } from 'vitest';
import { lanTiming } from '../../gossip/core/config.js';
import { epidemicSpreadMs, expectations } from './formulas.js';
import { bandwidth, detection, falsePositives, joinConvergence, joinSpread } from './scenarios.js';

// A fixed seed corpus, small enough for `npm test`; bench/gossip-sim.sh runs more seeds and 1,000 members.
const seeds = [1, 2];
const lanOff = { ...lanTiming, lifeguard: false };
const slowMs = 30_000;

describe("memberlist's and serf's formulas", () => {
  it('match the tables of RELIABILITY-NOTES §5', () => {
    expect(epidemicSpreadMs(100, 3, 200, 0, 0.9999)).toBe(2000);
    expect(epidemicSpreadMs(1000, 3, 200, 0, 0.9999)).toBe(2200);
    expect(epidemicSpreadMs(100, 3, 200, 0.1, 0.9999)).toBe(2200);
    const e = expectations(lanTiming, 1000);
    expect([e.suspicionMinMs, e.suspicionMaxMs, e.confirmationsWanted, e.retransmits, e.pushPullIntervalMs]).toEqual([12_000, 72_000, 2, 16, 180_000]);
    expect(expectations(lanOff, 1000)).toMatchObject({ suspicionMinMs: 12_000, suspicionMaxMs: 12_000, confirmationsWanted: 0 });
  });
});

describe('gossip simulator, 100 members', () => {
  const e = expectations(lanTiming, 100);

  it.each(seeds)('seed %i: a crashed member is found dead by everyone within the suspicion bounds, with or without Lifeguard', (seed) => {
    for (const timing of [lanTiming, lanOff]) {
      const r = detection({ n: 100, seed, timing });
      expect(r.falseDeaths).toBe(0);
      // Never before the suspicion's minimum; confirmations bring it near there (8 s + a probe).
      expect(r.firstMs).toBeGreaterThanOrEqual(e.suspicionMinMs);
      expect(r.firstMs).toBeLessThanOrEqual(e.detectionMs + 5 * lanTiming.probeIntervalMs);
      // Then the news spreads as fast as any broadcast.
      expect(r.allMs! - r.firstMs!).toBeLessThanOrEqual(e.spreadMs);
    }
  }, slowMs);

  it.each(seeds)('seed %i: 100 members joining 10 ms apart converge within the push/pull interval, nearly all within seconds', (seed) => {
    const r = joinConvergence({ n: 100, seed });
    expect(r.deaths).toBe(0);
    expect(r.mostKnownMs).toBeLessThanOrEqual(5000);
    // A member that joined through one not yet told of a recent newcomer may miss its news: push/pull repairs that.
    expect(r.convergedMs).toBeLessThanOrEqual(e.pushPullIntervalMs);
  }, slowMs);

  it.each(seeds)('seed %i: one newcomer is known everywhere within the epidemic bound of serf\'s simulator', (seed) => {
    expect(joinSpread({ n: 100, seed }).knownMs).toBeLessThanOrEqual(e.spreadMs);
  }, slowMs);

  it.each(seeds)("seed %i: prompt gossip spreads a newcomer through 100 members within a gossip interval, several times faster than memberlist's ticks", (seed) => {
    const prompt = joinSpread({ n: 100, seed, stepMs: 1 }).knownMs!;
    const ticksOnly = joinSpread({ n: 100, seed, stepMs: 1, timing: { ...lanTiming, promptGossip: false } }).knownMs!;
    expect(prompt).toBeLessThanOrEqual(lanTiming.gossipIntervalMs);
    expect(3 * prompt).toBeLessThan(ticksOnly);
  }, slowMs);

  it('sends a ping and an ack a second per member, push/pull at twice its state per interval, nothing else when all is well', () => {
    const r = bandwidth({ n: 100, seed: 1 });
    expect(r.packetsPerS).toBeGreaterThanOrEqual(e.probePacketsPerS);
    expect(r.packetsPerS).toBeLessThan(e.probePacketsPerS * 1.1);
    const pushPull = (2 * r.stateBytes * 1000) / e.pushPullIntervalMs;
    expect(r.streamBytesPerS).toBeGreaterThan(pushPull * 0.9);
    expect(r.streamBytesPerS).toBeLessThan(pushPull * 1.1);
    expect(r.packetBytesPerS + r.streamBytesPerS).toBeLessThan(200);
  }, slowMs);

  // Not a law, a rate: a member that misses every copy of a refutation (each of ~12 lost with 10%
  // probability) keeps its suspicion; Lifeguard's longer timeout lets push/pull repair most of those.
  // bench/gossip-sim.sh measures the rate over more seeds and minutes.
  it('with Lifeguard, 10% loss and one slow member (0.5–3 s) declare no member dead in a minute; the slow one backs off', () => {
    const r = falsePositives({ n: 100, seed: 1, lifeguard: true, durationMs: 60_000 });
    expect(r).toMatchObject({ healthyDeaths: 0, slowDeaths: 0 });
    expect(r.slowAwareness).toBeGreaterThan(0);
  }, slowMs);
});

describe('gossip simulator, 1,000 members', () => {
  it('seed 1: a crashed member is found dead by everyone within the suspicion bounds of that size', () => {
    const e = expectations(lanTiming, 1000);
    const r = detection({ n: 1000, seed: 1 });
    expect(r.falseDeaths).toBe(0);
    expect(r.firstMs).toBeGreaterThanOrEqual(e.suspicionMinMs);
    expect(r.firstMs).toBeLessThanOrEqual(e.detectionMs + 5 * lanTiming.probeIntervalMs);
    expect(r.allMs! - r.firstMs!).toBeLessThanOrEqual(e.spreadMs);
  }, 60_000);
});

describe('Lifeguard against the SWIM baseline (50 members, 10% loss, a slow member 6–10 s behind)', () => {
  it.each(seeds)('seed %i: only without Lifeguard does the slow member declare healthy members dead', (seed) => {
    const base = { n: 50, seed, durationMs: 60_000, slowDelayMs: [6000, 10_000] as [number, number] };
    const on = falsePositives({ ...base, lifeguard: true });
    const off = falsePositives({ ...base, lifeguard: false });
    expect(on).toMatchObject({ healthyDeaths: 0, bySlow: 0 });
    expect(on.slowAwareness).toBe(lanTiming.awarenessMaxMultiplier - 1);
    expect(off.bySlow).toBeGreaterThan(10);
    expect(off.healthyDeaths).toBeGreaterThan(on.healthyDeaths);
    // Its answers come later than the suspicion minimum, so the others declare it dead now and then, either way.
    expect(on.slowDeaths).toBeGreaterThan(0);
    expect(off.refutations).toBeGreaterThan(on.refutations);
  }, slowMs);
});
