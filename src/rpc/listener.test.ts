/** The first-byte dispatch of the server RPC port, over real sockets. */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RpcType } from './protocol.js';
import { closedOf, leakChecked, newClient, rawConnect, startServer, waitFor, within } from './test-support.js';

describe('RpcListener', () => {
  const { defer } = leakChecked();

  it('hands a connection to the handler of its first byte, with the bytes that followed', async () => {
    const fx = await startServer((s) => s.register('Status.Ping', () => 'pong'));
    defer(() => fx.listener.close());
    const received: Buffer[] = [];
    fx.listener.handle(RpcType.raft, (socket: Socket) => {
      socket.on('data', (d: Buffer) => received.push(d));
      socket.resume();
    });
    const raw = await rawConnect(fx.port);
    defer(() => raw.destroy());
    raw.write(Buffer.from([RpcType.raft, 10, 20, 30]));
    await waitFor(() => Buffer.concat(received).length === 3, 2_000, 'the raft handler to see its bytes');
    raw.write(Buffer.from([40]));
    await waitFor(() => Buffer.concat(received).length === 4);
    expect([...Buffer.concat(received)]).toEqual([10, 20, 30, 40]);
    // The RPC protocol on the same port at the same time.
    const { client } = newClient();
    defer(() => client.close());
    expect(await client.call(fx.address, 'Status.Ping', {}, { timeoutMs: 5_000 })).toBe('pong');
  });

  it('closes and counts a connection with an unknown protocol byte', async () => {
    const fx = await startServer();
    defer(() => fx.listener.close());
    for (const byte of [2, 4, 7, 0x16, 0xff]) {
      const raw = await rawConnect(fx.port);
      const closed = closedOf(raw);
      raw.write(Buffer.from([byte, 1, 2, 3]));
      await within(closed, 2_000, `close after byte ${byte}`);
    }
    expect(fx.listener.stats()).toMatchObject({ unknownProtocol: 5, open: 0 });
    expect(fx.log.lines().filter((l) => l === '[ERROR] unrecognized RPC byte')).toHaveLength(5);
  });

  it('closes a connection that sends no protocol byte within the handshake timeout', async () => {
    const fx = await startServer(() => {}, { listener: { handshakeTimeoutMs: 30 } });
    defer(() => fx.listener.close());
    const raw = await rawConnect(fx.port);
    await within(closedOf(raw), 2_000, 'the handshake timeout');
    expect(fx.listener.stats().handshakeTimeouts).toBe(1);
  });

  it('refuses connections beyond the per-client bound', async () => {
    const fx = await startServer(() => {}, { listener: { connsPerClientMax: 2 } });
    defer(() => fx.listener.close());
    const kept = [await rawConnect(fx.port), await rawConnect(fx.port)];
    for (const s of kept) defer(() => s.destroy());
    await waitFor(() => fx.listener.stats().open === 2);
    const third = await rawConnect(fx.port);
    await within(closedOf(third), 2_000, 'the refusal');
    expect(fx.listener.stats()).toMatchObject({ rejectedConnLimit: 1, open: 2 });
    kept[0]!.destroy();
    await waitFor(() => fx.listener.stats().open === 1);
    const fourth = await rawConnect(fx.port);
    defer(() => fourth.destroy());
    await waitFor(() => fx.listener.stats().open === 2, 2_000, 'a slot to free up');
  });

  it('closes every connection on close, whoever owns it', async () => {
    const fx = await startServer();
    fx.listener.handle(RpcType.raft, (socket) => socket.resume());
    const raw = [await rawConnect(fx.port), await rawConnect(fx.port), await rawConnect(fx.port)];
    raw[0]!.write(Buffer.from([RpcType.rpc]));
    raw[1]!.write(Buffer.from([RpcType.raft]));
    await waitFor(() => fx.listener.stats().open === 3);
    const closed = raw.map(closedOf);
    await fx.listener.close();
    await within(Promise.all(closed), 2_000, 'every connection closed');
    await fx.listener.close(); // idempotent
  });
});
