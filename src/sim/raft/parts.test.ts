/**
 * The simulator's parts on their own: simulated time, the disk's fsync and crash model, the
 * network's cuts and clogs, the chain book, and the swarm draw.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../lib/index.js';
import type { Entry } from '../../raft/index.js';
import { ChainBook } from './chain.js';
import { EventQueue } from './event-queue.js';
import { SimFailure } from './failure.js';
import { SimDisk } from './sim-disk.js';
import { SimNetwork } from './sim-network.js';
import { MEMBERSHIP_ON, SPARES_MAX, drawSwarm, formatSwarm, leaderBoundMs, membershipOn } from './swarm.js';

const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, type: 'command', data: new TextEncoder().encode(text) });

describe('EventQueue', () => {
  it('runs events in time order, ties in scheduling order, and stops at the bound', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.after(5, () => seen.push('b'));
    q.after(1, () => {
      seen.push('a');
      q.after(4, () => seen.push('c')); // also at 5, scheduled after b
    });
    q.after(9, () => seen.push('late'));
    q.runUntil(6);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(q.now).toBe(6);
    q.runUntil(100, () => seen.length === 4);
    expect(seen).toEqual(['a', 'b', 'c', 'late']);
    expect(q.now).toBe(9);
  });
});

describe('SimDisk', () => {
  it('keeps unsynced writes in the page cache; fsync makes them durable', () => {
    const d = new SimDisk('n1', new ChainBook());
    d.write({ entries: [entry(1, 1), entry(2, 1)], hardState: { term: 1, vote: 'n1', commit: 0 } });
    expect(d.lastIndex()).toBe(0);
    d.sync();
    expect(d.lastIndex()).toBe(2);
    expect(d.hardState.vote).toBe('n1');
    expect(d.holds(2, 1)).toBe(true);
  });

  it('a crash keeps an ordered prefix of the unsynced writes (none with keepProb 0, all with 1)', () => {
    for (const [keep, last] of [[0, 1], [1, 3]] as const) {
      const d = new SimDisk('n1', new ChainBook());
      d.write({ entries: [entry(1, 1)] });
      d.sync();
      d.write({ entries: [entry(2, 1)] });
      d.write({ entries: [entry(3, 1)] });
      d.crash(new SeededRng(1), keep);
      expect(d.lastIndex()).toBe(last);
      d.sync();
      expect(d.lastIndex()).toBe(last);
    }
  });

  it('truncates a conflicting suffix, and the chain book catches a log that breaks Log Matching', () => {
    const book = new ChainBook();
    const a = new SimDisk('n1', book);
    const b = new SimDisk('n2', book);
    a.write({ entries: [entry(1, 1), entry(2, 1), entry(3, 1)] });
    a.write({ entries: [entry(2, 2), entry(3, 2)] }); // a new leader's entries replace 2..3
    a.sync();
    expect(a.entries.map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/2', '3/2']);
    b.write({ entries: [entry(1, 1, 'other'), entry(2, 2)] });
    expect(() => b.sync()).toThrow(SimFailure);
  });

  it('a snapshot replaces the log; compaction keeps the entries from firstIndex', () => {
    const book = new ChainBook();
    const d = new SimDisk('n1', book);
    d.write({ entries: [entry(1, 1), entry(2, 1), entry(3, 1)] });
    d.sync();
    const meta = { index: 3, term: 1, configuration: { servers: [] }, configurationIndex: 0 };
    d.saveSnapshot({ meta, data: new Uint8Array() }, 3);
    expect(d.entries.map((e) => e.index)).toEqual([3]);
    expect(d.holds(1, 1)).toBe(true);
    d.write({ entries: [entry(4, 1)] });
    d.sync();
    expect(d.lastIndex()).toBe(4);
  });
});

describe('SimNetwork', () => {
  const swarm = drawSwarm(1, { patch: { lossProb: 0, dupProb: 0, delayMinMs: 1, delayMeanMs: 2 } });

  it('delivers after a delay; a one-way cut loses messages in that direction only, in flight too', () => {
    const q = new EventQueue();
    const net = new SimNetwork(q, new SeededRng(2), swarm);
    const got: string[] = [];
    const lost: string[] = [];
    net.sendServer('a', 'b', () => got.push('a>b'));
    net.cutOneWay('a', 'b');
    net.sendServer('a', 'b', () => got.push('a>b 2'), (why) => lost.push(`a>b 2 ${why}`));
    net.sendServer('b', 'a', () => got.push('b>a'));
    q.runUntil(1000);
    expect(got).toEqual(['b>a']);
    expect(lost).toEqual(['a>b 2 cut']);
    expect(net.stats.cut).toBe(2);
  });

  it('a clogged link holds its messages until it unclogs', () => {
    const q = new EventQueue();
    const net = new SimNetwork(q, new SeededRng(3), swarm);
    let at = -1;
    net.clog('a', 'b', 200);
    net.sendServer('a', 'b', () => (at = q.now));
    q.runUntil(1000);
    expect(at).toBeGreaterThanOrEqual(200);
  });
});

describe('swarm', () => {
  it('is a function of the seed; overrides win; the liveness bound is 10 longest election timeouts', () => {
    expect(drawSwarm(42)).toEqual(drawSwarm(42));
    expect(formatSwarm(drawSwarm(42))).not.toBe(formatSwarm(drawSwarm(43)));
    const s = drawSwarm(5, { nodes: 5, safetyMs: 100, patch: { driftMax: 0 } });
    expect([s.nodes, s.safetyMs, s.driftMax]).toEqual([5, 100, 0]);
    expect(leaderBoundMs(s)).toBe(10 * 2 * s.electionTicks * s.tickMs);
  });

  it('switches membership changes on in about 40% of the seeds; off, no spare joins, nobody leaves or is cleaned up', () => {
    const swarms = Array.from({ length: 200 }, (_, i) => drawSwarm(i));
    const on = swarms.filter(membershipOn).length;
    expect(on).toBeGreaterThan(200 * MEMBERSHIP_ON * 0.7);
    expect(on).toBeLessThan(200 * MEMBERSHIP_ON * 1.3);
    for (const s of swarms.filter((x) => !membershipOn(x))) expect([s.spares, s.leaveProb, s.cleanupDeadServers]).toEqual([0, 0, false]);
    expect(swarms.some((s) => s.spares === SPARES_MAX && s.leaveProb > 0)).toBe(true);
  });

  it('switches fault classes on and off across seeds (swarm testing)', () => {
    const swarms = Array.from({ length: 200 }, (_, i) => drawSwarm(i));
    for (const k of ['lossProb', 'dupProb', 'clogProb', 'crashProb', 'slowDiskProb', 'partitionProb'] as const) {
      const on = swarms.filter((s) => s[k] > 0).length;
      expect(on, k).toBeGreaterThan(60);
      expect(on, k).toBeLessThan(180);
    }
  });
});
