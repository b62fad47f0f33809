/**
 * Garbage never crashes either side: random bytes, and well-framed msgpack of random shape,
 * sent to a server; random replies sent to a client. Each bad connection ends; the server keeps
 * answering real calls, and every client call settles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, MusterError } from '../lib/index.js';
import { frameOf } from './frame.js';
import { RpcType } from './protocol.js';
import { closedOf, host, leakChecked, newClient, rawConnect, rawServer, requestFrame, startServer, within } from './test-support.js';

/** Values that look a little like requests, a lot of the time. */
const messageLike = fc.oneof(
  fc.anything(),
  fc.record(
    {
      seq: fc.oneof(fc.integer({ min: -2, max: 2 ** 33 }), fc.double(), fc.string(), fc.constant(null)),
      method: fc.oneof(fc.constantFrom('Echo.Body', 'Echo.Nope', 'Nope.Nope', 'NoDot', ''), fc.string(), fc.integer()),
      body: fc.anything(),
      cancel: fc.oneof(fc.constant(true), fc.anything()),
      ping: fc.oneof(fc.constant(true), fc.anything()),
      error: fc.anything(),
    },
    { requiredKeys: [] },
  ),
);

describe('RPC under garbage', () => {
  const { defer } = leakChecked();

  it('a server survives random bytes and random messages, and keeps serving', async () => {
    const fx = await startServer((s) => s.register('Echo.Body', (b) => b));
    defer(() => fx.listener.close());
    const { client } = newClient();
    defer(() => client.close());

    const send = async (bytes: Uint8Array): Promise<void> => {
      const raw = await rawConnect(fx.port);
      const closed = closedOf(raw);
      raw.on('data', () => {}); // replies, if any, are read and dropped
      raw.end(Buffer.concat([Buffer.from([RpcType.rpc]), bytes]));
      await within(closed, 2_000, 'the connection to end');
    };
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), send), { numRuns: 150 });
    const frames = fc.array(
      messageLike.map((m) => frameOf(encode(m))),
      { minLength: 1, maxLength: 5 },
    );
    await fc.assert(fc.asyncProperty(frames, (fs) => send(Buffer.concat(fs))), { numRuns: 150 });
    // Valid frames mixed with junk on one connection.
    await send(Buffer.concat([requestFrame(1, 'Echo.Body', 1), Buffer.from([0, 0, 0, 2, 0xc1, 0xc1]), requestFrame(2, 'Echo.Body', 2)]));

    expect(await client.call(fx.address, 'Echo.Body', 'still here', { timeoutMs: 5_000 })).toBe('still here');
    expect(fx.server.stats().protocolErrors).toBeGreaterThan(100);
  });

  it('a client settles every call whatever a server replies', async () => {
    let reply: Uint8Array = new Uint8Array(0);
    const fake = await rawServer((s) => s.once('data', () => s.end(reply)));
    defer(() => fake.close());
    const address = `${host}:${fake.port}`;
    const replies = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      messageLike.map((m) => frameOf(encode(m))),
      fc.record({ seq: fc.constant(1), body: fc.anything() }).map((m) => frameOf(encode(m))),
    );
    await fc.assert(
      fc.asyncProperty(replies, async (bytes) => {
        reply = bytes;
        const { client } = newClient();
        try {
          await within(client.call(address, 'KVS.Get', {}, { timeoutMs: 5_000 }), 2_000).catch((err: unknown) => {
            expect(MusterError.is(err), String(err)).toBe(true);
          });
        } finally {
          await client.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
