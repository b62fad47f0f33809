import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GossipDecodeError, compoundMessagesMax, decodeMessage, decodePushPull, encodeCompound, encodeMessage, encodePushPull, packPackets, splitPacket, type Message } from './messages.js';

const source = { ip: '127.0.0.2', port: 8301 };
const samples: Message[] = [
  { type: 'ping', seqNo: 7, node: 'b', source, sourceNode: 'a' },
  { type: 'indirectPing', seqNo: 8, target: { ip: '::1', port: 8301 }, node: 'c', nack: true, source, sourceNode: 'a' },
  { type: 'ack', seqNo: 7, payload: Uint8Array.from([1, 2, 3]) },
  { type: 'nack', seqNo: 8 },
  { type: 'suspect', incarnation: 3, node: 'c', from: 'a' },
  { type: 'alive', incarnation: 4, node: 'c', address: { ip: '10.0.0.3', port: 8301 }, meta: Uint8Array.from([9]), vsn: [1, 5, 2, 2, 5, 4] },
  { type: 'dead', incarnation: 4, node: 'c', from: 'b' },
  { type: 'user', payload: new TextEncoder().encode('event') },
];

describe('gossip messages', () => {
  it.each(samples.map((m) => [m.type, m]))('round-trips %s', (_t, m) => {
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });

  it('keeps a ping within a few dozen bytes', () => {
    expect(encodeMessage(samples[0]!).length).toBeLessThan(40);
  });

  it('refuses malformed messages with a GossipDecodeError naming what was wrong', () => {
    const ping = encodeMessage(samples[0]!);
    expect(() => decodeMessage(ping.subarray(0, ping.length - 3))).toThrow(GossipDecodeError);
    expect(() => decodeMessage(Uint8Array.from([99, 0x90]))).toThrow('unknown message type 99');
    const badPort = encodeMessage({ ...(samples[0] as Extract<Message, { type: 'ping' }>), source: { ip: 'x', port: 70000 } });
    expect(() => decodeMessage(badPort)).toThrow('port 70000 out of range');
    const wrongField = Uint8Array.from([3, 0x91, 0xa1, 0x78]); // nack with a string seqNo
    expect(() => decodeMessage(wrongField)).toThrow('field 0 is not number');
  });

  it('throws nothing but GossipDecodeError on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const run of [() => decodeMessage(bytes), () => splitPacket(bytes).map(decodeMessage)]) {
          try {
            run();
          } catch (err) {
            if (!(err instanceof GossipDecodeError)) throw err;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('push/pull state', () => {
  it('round-trips every member state and the user state, and refuses a malformed one', () => {
    const state = {
      join: true,
      members: (['alive', 'suspect', 'dead', 'left'] as const).map((st, i) => ({ name: `m${i}`, address: { ip: `10.0.0.${i}`, port: 8301 }, meta: Uint8Array.from([i]), vsn: [1, 5, 2, 2, 5, 4], incarnation: i + 1, state: st })),
      user: Uint8Array.from([7, 7]),
    };
    expect(decodePushPull(encodePushPull(state))).toEqual(state);
    const bad = encodePushPull(state);
    bad[bad.length - 6] = 0xc1; // a msgpack byte that is never valid
    expect(() => decodePushPull(bad)).toThrow(GossipDecodeError);
    expect(() => decodePushPull(Uint8Array.from([0, 0x90]))).toThrow('not a push/pull exchange');
  });
});

describe('compound packets', () => {
  it('splits back into the messages packed, and refuses nesting and cut-off parts', () => {
    const parts = samples.map(encodeMessage);
    const packet = encodeCompound(parts);
    expect(splitPacket(packet).map(decodeMessage)).toEqual(samples);
    expect(() => splitPacket(encodeCompound([packet]))).toThrow('compounds do not nest');
    expect(() => splitPacket(packet.subarray(0, packet.length - 1))).toThrow(GossipDecodeError);
  });

  it('packs in order into packets of at most the limit, and sets aside what never fits', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 2, max: 700 }), { maxLength: 600 }), fc.integer({ min: 64, max: 1400 }), (sizes, limit) => {
        const messages = sizes.map((n, i) => Uint8Array.from({ length: n }, () => (i % 200) + 1).fill(7, 0, 1));
        const { packets, tooLarge } = packPackets(messages, limit);
        for (const p of packets) expect(p.length).toBeLessThanOrEqual(limit);
        expect(tooLarge.map((m) => m.length)).toEqual(sizes.filter((n) => n > limit));
        const back = packets.flatMap((p) => splitPacket(p));
        expect(back.map((m) => m.length)).toEqual(sizes.filter((n) => n <= limit));
        for (const p of packets) if (p[0] === 8) expect(p[1]).toBeLessThanOrEqual(compoundMessagesMax);
      }),
      { numRuns: 300 },
    );
  });
});
