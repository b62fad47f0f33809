import { describe, expect, it } from 'vitest';
import { ManualClock, SeededRng } from '../../lib/index.js';
import type { Address } from '../../gossip/core/messages.js';
import { SimNetwork, type Endpoint } from './network.js';

const a: Address = { ip: '10.0.0.1', port: 8301 };
const b: Address = { ip: '10.0.0.2', port: 8301 };

function net(loss = 0) {
  const clock = new ManualClock(0);
  const n = new SimNetwork(clock, new SeededRng(9), { loss, latencyMinMs: 2, latencyMaxMs: 4 });
  const got: Array<{ at: number; byte: number }> = [];
  const endpoint: Endpoint = {
    packet: (_from, bytes) => got.push({ at: clock.monotonicMs(), byte: bytes[0]! }),
    streamRequest: (req) => Uint8Array.from([...req, ...req]),
    streamReply: (reply) => got.push({ at: clock.monotonicMs(), byte: reply.length }),
  };
  n.attach(a, endpoint);
  n.attach(b, endpoint);
  return { clock, n, got };
}

describe('simulated gossip network', () => {
  it('delivers each packet within the latency bounds and loses about the given share', () => {
    const { clock, n, got } = net(0.1);
    for (let i = 0; i < 10_000; i++) n.sendPacket(a, b, Uint8Array.of(1));
    clock.advance(1);
    expect(got).toEqual([]);
    clock.advance(3);
    expect(got.every((g) => g.at >= 2 && g.at <= 4)).toBe(true);
    expect(got.length).toBeGreaterThan(8800);
    expect(got.length).toBeLessThan(9200);
    expect(n.sentBy(a)).toEqual({ packets: 10_000, packetBytes: 10_000, streamBytes: 0 });
  });

  it('lets a crashed member neither send nor receive', () => {
    const { clock, n, got } = net();
    n.kill(b);
    n.sendPacket(a, b, Uint8Array.of(1));
    n.sendPacket(b, a, Uint8Array.of(2));
    clock.advance(10);
    expect(got).toEqual([]);
    expect(n.isDown(b)).toBe(true);
  });

  it('answers a stream without loss and counts both sides', () => {
    const { clock, n, got } = net(0.99);
    n.exchange(a, b, Uint8Array.of(7, 7, 7));
    clock.advance(10);
    expect(got.map((g) => g.byte)).toEqual([6]);
    expect(n.sentBy(a).streamBytes).toBe(3);
    expect(n.sentBy(b).streamBytes).toBe(6);
    expect(n.totalSent().streamBytes).toBe(9);
  });

  it('has a slow member handle what reaches it late, in arrival order', () => {
    const { clock, n, got } = net();
    n.makeSlow(b, { delayMinMs: 500, delayMaxMs: 3000 });
    for (let i = 0; i < 50; i++) {
      n.sendPacket(a, b, Uint8Array.of(i));
      clock.advance(20);
    }
    clock.advance(3100);
    expect(got.map((g) => g.byte)).toEqual([...Array(50).keys()]);
    expect(got.every((g, i) => g.at - i * 20 >= 502)).toBe(true);
    // A backlog: later arrivals wait for earlier ones, so the wait nears the longest delay.
    expect(got.at(-1)!.at - 49 * 20).toBeGreaterThan(2500);
  });
});
