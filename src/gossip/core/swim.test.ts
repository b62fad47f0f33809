import { describe, expect, it } from 'vitest';
import { gossipPool as pool } from '../../sim/gossip/pool.js';
import { lanTiming } from './config.js';
import { decodeMessage, splitPacket } from './messages.js';

describe('SWIM over a simulated network', () => {
  it('keeps 10 healthy members alive everywhere for a minute without a single suspicion', () => {
    const p = pool(10);
    p.clock.advance(60_000);
    expect(p.deaths).toEqual([]);
    for (const s of p.swims) expect(s.members.all().every((m) => m.state === 'alive')).toBe(true);
    expect(p.swims.every((s) => s.awareness.score === 0)).toBe(true);
  });

  it('finds a killed member dead everywhere, within the suspicion bounds', () => {
    const p = pool(10);
    p.clock.advance(5000);
    p.kill(3);
    const killedAt = p.clock.monotonicMs();
    p.clock.advance(40_000);
    // Dead everywhere (or already forgotten, gossipToTheDead after its death).
    expect(p.stateOf(3).filter((s) => s !== 'self' && s !== 'dead' && s !== undefined)).toEqual([]);
    // m3 itself, cut off, sees everyone else fail: only the others' view counts.
    const seen = p.deaths.filter((d) => d.by !== 'm3');
    const firstDeath = Math.min(...seen.filter((d) => d.of === 'm3').map((d) => d.at));
    // Found within a few probe rounds, then suspicion: at least its minimum (4 s), at most its maximum (24 s) later.
    expect(firstDeath - killedAt).toBeGreaterThanOrEqual(4000);
    expect(firstDeath - killedAt).toBeLessThanOrEqual(30_000);
    expect(seen.every((d) => d.of === 'm3')).toBe(true);
  });

  it('refutes suspicions under 10% packet loss: no live member is declared dead', () => {
    const p = pool(10, { seed: 7, loss: 0.1 });
    p.clock.advance(120_000);
    expect(p.deaths.map((d) => `${d.by} declared ${d.of} dead`)).toEqual([]);
  });

  it('lets a new member join through one address: everyone learns of it, and it of everyone', () => {
    const p = pool(10);
    const newcomer = p.add(10);
    newcomer.start();
    newcomer.join([p.addressOf(4)]);
    p.clock.advance(10_000);
    for (const s of p.all()) {
      expect(s.members.all().filter((m) => m.state === 'alive').map((m) => m.name).sort()).toHaveLength(11);
    }
    expect(p.deaths).toEqual([]);
  });

  it('records a member that leaves as left everywhere, not failed, and tells it when the news is out', () => {
    const p = pool(6);
    p.clock.advance(2000);
    let sent = false;
    p.swims[2]!.leave(() => (sent = true));
    p.clock.advance(5000);
    expect(sent).toBe(true);
    expect(p.stateOf(2).filter((s) => s !== 'self' && s !== 'left')).toEqual([]);
    expect(p.deaths.filter((d) => d.by !== 'm2').map((d) => d.of)).toEqual(['m2', 'm2', 'm2', 'm2', 'm2']);
  });

  it('gossips to a member declared dead for a while (it may only be cut off), never to one that left', () => {
    const p = pool(8, { seed: 11 });
    p.clock.advance(2000);
    p.kill(3); // crashed
    let deadAt = 0;
    for (let t = 0; t < 40 && !deadAt; t++) {
      p.clock.advance(1000);
      if (p.stateOf(3).every((s) => s === 'self' || s === 'dead')) deadAt = p.clock.monotonicMs();
    }
    expect(deadAt).toBeGreaterThan(0);
    p.swims[2]!.leave(() => {});
    // How the live members see m2 (m3, cut off, has its own ideas).
    const viewsOf2 = (): unknown[] => p.stateOf(2).filter((s, i) => i !== 3 && s !== 'self' && s !== 'left');
    for (let t = 0; t < 10 && viewsOf2().length > 0; t++) p.clock.advance(500);
    expect(viewsOf2()).toEqual([]);
    p.kill(2); // gone, as a member that left is
    // Within gossipToTheDead (30 s) of both, a join gives everyone something to gossip. Only the
    // live members count: m3, cut off, still takes m2 for alive.
    const live = [0, 1, 4, 5, 6, 7, 8].map((i) => p.addressOf(i));
    const [toLeft, toDead] = [p.net.packetsTo(p.addressOf(2), live), p.net.packetsTo(p.addressOf(3), live)];
    const newcomer = p.add(8);
    newcomer.start();
    newcomer.join([p.addressOf(0)]);
    p.clock.advance(5000);
    expect(p.clock.monotonicMs() - deadAt).toBeLessThan(30_000);
    expect(p.net.packetsTo(p.addressOf(2), live) - toLeft).toBe(0);
    expect(p.net.packetsTo(p.addressOf(3), live) - toDead).toBeGreaterThan(0);
  });

  it('finds a killed member among 100 within the suspicion bounds of that size (8–48 s)', () => {
    const p = pool(100, { seed: 3 });
    p.clock.advance(3000);
    p.kill(42);
    const killedAt = p.clock.monotonicMs();
    p.clock.advance(70_000);
    const seen = p.deaths.filter((d) => d.by !== 'm42');
    expect(seen.every((d) => d.of === 'm42')).toBe(true);
    expect(p.stateOf(42).filter((s) => s !== 'self' && s !== 'dead' && s !== undefined)).toEqual([]);
    const first = Math.min(...seen.map((d) => d.at)) - killedAt;
    expect(first).toBeGreaterThanOrEqual(8000);
    expect(first).toBeLessThanOrEqual(60_000);
  });

  it('keeps 1,000 healthy members quiet: no suspicion in 30 s, and about one ping and one ack per member per second', () => {
    const p = pool(1000, { seed: 5 });
    // UDP only: push/pull (TCP, every 3 min in a pool this big) is another matter.
    const before = p.net.totalSent().packetBytes;
    p.clock.advance(30_000);
    expect(p.deaths).toEqual([]);
    const perMemberPerSecond = (p.net.totalSent().packetBytes - before) / 1000 / 30;
    expect(perMemberPerSecond).toBeLessThan(100);
  }, 60_000);

  it('gossips news at once (prompt gossip), but at most once more between two ticks, however much news comes', () => {
    const gossipPackets = (promptGossip: boolean): number => {
      const p = pool(10, { seed: 3, timing: { ...lanTiming, promptGossip } });
      p.clock.advance(3000);
      // Packets from m0 that open with a user message are gossip rounds (probes open with a ping or an ack).
      let count = 0;
      const send = p.net.sendPacket.bind(p.net);
      p.net.sendPacket = (from, to, bytes) => {
        if (from.ip === p.addressOf(0).ip && decodeMessage(splitPacket(bytes)[0]!).type === 'user') count++;
        send(from, to, bytes);
      };
      // News every 5 ms for 2 s: 400 user messages queued on m0.
      for (let t = 0; t < 400; t++) {
        p.swims[0]!.broadcastUser(Uint8Array.of(t & 255, t >> 8));
        p.clock.advance(5);
      }
      return count;
    };
    const ticks = 2000 / lanTiming.gossipIntervalMs + 1;
    const perRound = lanTiming.gossipNodes;
    const withTicksOnly = gossipPackets(false);
    expect(withTicksOnly).toBeLessThanOrEqual(ticks * perRound);
    const prompt = gossipPackets(true);
    expect(prompt).toBeGreaterThan(ticks * perRound); // the extra rounds ran ...
    expect(prompt).toBeLessThanOrEqual(2 * ticks * perRound); // ... one between two ticks at most
  });

  it('ignores malformed packets', () => {
    const p = pool(3);
    p.swims[0]!.handlePacket({ ip: '10.9.9.9', port: 1 }, Uint8Array.from([8, 5, 0]));
    p.swims[0]!.handlePacket({ ip: '10.9.9.9', port: 1 }, Uint8Array.from([0, 0x91]));
    expect(p.swims[0]!.badPackets).toBe(2);
  });
});
