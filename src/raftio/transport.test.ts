/**
 * The transport on real sockets: order per peer, loss and redial, snapshot streams beside the
 * message stream, and frames the protocol does not allow.
 */
import { readdirSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureLogger, encode } from '../lib/index.js';
import type { Message } from '../raft/index.js';
import { frameOf, RpcListener, RpcType } from '../rpc/index.js';
import { SnapshotStore, type SnapshotSink } from './storage/index.js';
import { handles } from '../rpc/test-support.js';
import { host, realClock, removeTempDirs, tempDir, waitFor } from './test-support.js';
import { peerQueueMessagesMax } from './limits.js';
import { RaftTransport, type RaftTransportHandler } from './transport.js';
import type { InstallSnapshotMessage } from './wire.js';

interface End {
  listener: RpcListener;
  transport: RaftTransport;
  address: string;
  port: number;
  log: CaptureLogger;
  got: Message[];
  unreachable: string[];
  sent: { m: InstallSnapshotMessage; ok: boolean }[];
  store: SnapshotStore;
  received: { m: InstallSnapshotMessage; bytes: number }[];
}

const ends: End[] = [];

afterEach(async () => {
  for (const e of ends.splice(0)) {
    await e.transport.close();
    await e.listener.close();
  }
  await removeTempDirs();
});

async function end(port = 0, tweak: (h: RaftTransportHandler, e: End) => void = () => {}): Promise<End> {
  const log = new CaptureLogger();
  const listener = new RpcListener({ logger: log.logger });
  const transport = new RaftTransport({ logger: log.logger });
  listener.handle(RpcType.raft, transport.accept);
  const bound = await listener.listen(host, port);
  const store = await SnapshotStore.open({ dir: await tempDir('muster-raftio-transport-'), clock: realClock, logger: log.logger });
  const e: End = { listener, transport, address: `${host}:${bound}`, port: bound, log, got: [], unreachable: [], sent: [], store, received: [] };
  const handler: RaftTransportHandler = {
    message: (m) => e.got.push(m),
    unreachable: (a) => e.unreachable.push(a),
    openSnapshot: async () => {
      const info = (await store.list())[0]!;
      return store.open(info.id);
    },
    snapshotSent: (m, ok) => e.sent.push({ m, ok }),
    createSnapshotSink: (m) => store.create(m.snapshot),
    snapshotReceived: async (m, sink: SnapshotSink) => {
      const info = await sink.commit();
      e.received.push({ m, bytes: info.size });
    },
  };
  tweak(handler, e);
  transport.attach(handler);
  ends.push(e);
  return e;
}

const heartbeat = (seq: number, to = 'b'): Message => ({ type: 'heartbeat', from: 'a', to, term: 1, commit: 0, seq, sentTick: seq });
const meta = { index: 10, term: 2, configuration: { servers: [{ id: 'a', address: 'x:1', suffrage: 'voter' as const }] }, configurationIndex: 1 };
const installMessage = (to = 'b'): InstallSnapshotMessage => ({ type: 'install-snapshot', from: 'a', to, term: 2, snapshot: meta });

async function storeSnapshot(store: SnapshotStore, bytes: number): Promise<void> {
  const sink = await store.create(meta);
  const chunk = new Uint8Array(64 * 1024);
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    chunk.fill(sent % 251);
    await sink.write(chunk.slice(0, Math.min(chunk.length, bytes - sent)));
  }
  await sink.commit();
}

/** A raw connection to the raft port; resolves once the server closed it. */
function rawRaft(port: number, ...writes: Uint8Array[]): Promise<void> {
  return new Promise((resolve) => {
    const s: Socket = createConnection({ host, port }, () => {
      s.write(Uint8Array.of(RpcType.raft));
      for (const w of writes) s.write(w);
    });
    s.on('error', () => {});
    s.resume();
    s.on('close', () => resolve());
  });
}

describe('RaftTransport', () => {
  it('delivers messages to a peer in the order they were sent', async () => {
    const a = await end();
    const b = await end();
    for (let i = 1; i <= 1000; i++) a.transport.send(b.address, heartbeat(i));
    await waitFor(() => b.got.length === 1000, 5_000, 'the messages sent while dialling');
    for (let i = 1001; i <= 20_000; i++) a.transport.send(b.address, heartbeat(i));
    await waitFor(() => b.got.length === 20_000, 10_000, 'the messages sent on the open connection');
    expect(b.got.map((m) => (m as { seq: number }).seq)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
    expect(a.transport.stats()).toMatchObject({ sent: 20_000, dropped: 0, dials: 1 });
  });

  it('queues a bounded number of messages while dialling and drops (and counts) the rest', async () => {
    const a = await end();
    const b = await end();
    for (let i = 1; i <= peerQueueMessagesMax + 500; i++) a.transport.send(b.address, heartbeat(i));
    await waitFor(() => b.got.length === peerQueueMessagesMax, 5_000, 'the queued messages');
    expect(b.got.map((m) => (m as { seq: number }).seq)).toEqual(Array.from({ length: peerQueueMessagesMax }, (_, i) => i + 1));
    expect(a.transport.stats().dropped).toBe(500);
  });

  it('reports an unreachable peer, drops what it cannot send, and redials once the peer is back', async () => {
    const a = await end();
    // A port nobody listens on (bound, then released).
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, host, () => resolve((probe.address() as { port: number }).port)));
    await new Promise((r) => probe.close(r));
    const address = `${host}:${port}`;
    a.transport.send(address, heartbeat(1));
    await waitFor(() => a.unreachable.includes(address), 5_000, 'unreachable report');
    a.transport.send(address, heartbeat(2));
    expect(a.transport.stats().dropped).toBeGreaterThanOrEqual(2);
    expect(a.log.lines().some((l) => l.includes('raft: failed to contact peer'))).toBe(true);
    // The peer starts on that port: within a backoff the next messages get through.
    const b = await end(port);
    await waitFor(() => {
      a.transport.send(address, heartbeat(3));
      return b.got.length > 0;
    }, 5_000, 'a message after the peer came back');
    // A break of an open connection is reported too.
    const before = a.unreachable.length;
    await b.listener.close();
    await waitFor(() => a.unreachable.length > before, 5_000, 'a report of the break');
  });

  it('streams a snapshot on its own connection; the receiver gets the message once the data is committed', async () => {
    const a = await end();
    const b = await end();
    await storeSnapshot(a.store, 3 * 1024 * 1024 + 17);
    a.transport.send(b.address, installMessage());
    await waitFor(() => a.sent.length === 1, 10_000, 'the sender to report');
    expect(a.sent[0]!.ok).toBe(true);
    expect(b.received).toHaveLength(1);
    expect(b.received[0]!.bytes).toBe(3 * 1024 * 1024 + 17);
    const [info] = await b.store.list();
    expect(info?.meta).toEqual(meta);
    expect(info?.crc).toBe((await a.store.list())[0]!.crc);
    expect(b.transport.stats().snapshotsReceived).toBe(1);
  });

  it('keeps heartbeats flowing to the same peer while a snapshot stream is stalled', async () => {
    const a = await end();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = await end(0, (h) => {
      const create = h.createSnapshotSink;
      h.createSnapshotSink = async (m) => {
        const sink = await create(m);
        const write = sink.write.bind(sink);
        return Object.assign(sink, { write: async (c: Uint8Array) => { await gate; await write(c); } });
      };
    });
    await storeSnapshot(a.store, 8 * 1024 * 1024);
    a.transport.send(b.address, installMessage());
    for (let i = 1; i <= 50; i++) a.transport.send(b.address, heartbeat(i));
    await waitFor(() => b.got.length === 50, 5_000, 'heartbeats during the stream');
    expect(a.sent).toHaveLength(0);
    release();
    await waitFor(() => a.sent.length === 1, 10_000, 'the snapshot to finish');
    expect(a.sent[0]!.ok).toBe(true);
  });

  it('reports a snapshot the receiver refuses as failed', async () => {
    const a = await end();
    const b = await end(0, (h) => {
      h.snapshotReceived = async (_m, sink) => {
        await sink.cancel();
        throw new Error('not now');
      };
    });
    await storeSnapshot(a.store, 1000);
    a.transport.send(b.address, installMessage());
    await waitFor(() => a.sent.length === 1, 5_000, 'the report');
    expect(a.sent[0]!.ok).toBe(false);
    expect(a.log.lines().some((l) => l.includes('failed to send snapshot to'))).toBe(true);
    expect(await b.store.list()).toHaveLength(0);
  });

  it('closes a connection that sends what the protocol does not allow, and nothing else', async () => {
    const b = await end();
    const a = await end();
    a.transport.send(b.address, heartbeat(1));
    await waitFor(() => b.got.length === 1, 5_000, 'the first message');
    const bad = [
      frameOf(Uint8Array.of(0xc1)), // not msgpack (0xc1 is never used)
      frameOf(encode({ k: 'm', m: { type: 'heartbeat', from: 'a', to: 'b', term: -1 } })),
      frameOf(encode({ k: 'm', m: { type: 'install-snapshot', from: 'a', to: 'b', term: 1, snapshot: meta } })),
      frameOf(encode({ k: 'c', d: new Uint8Array(3) })),
      frameOf(encode({ k: 'x' })),
      frameOf(encode([1, 2, 3])),
      Uint8Array.of(0xff, 0xff, 0xff, 0xff), // a length over the frame bound
    ];
    for (const frame of bad) await rawRaft(b.port, frame);
    // A message stream that turns into something else is closed too.
    await rawRaft(b.port, frameOf(encode({ k: 'm', m: heartbeat(99) })), frameOf(encode({ k: 'e', size: 0, crc: 0 })));
    // A snapshot stream whose data does not match its end is refused and its sink removed.
    await rawRaft(b.port, frameOf(encode({ k: 's', m: installMessage() })), frameOf(encode({ k: 'c', d: new Uint8Array(10) })), frameOf(encode({ k: 'e', size: 11, crc: 0 })));
    expect(b.transport.stats().badFrames).toBe(bad.length + 1);
    expect(b.log.lines().filter((l) => l.includes('raft: closing a connection that broke the protocol'))).toHaveLength(bad.length + 1);
    expect(b.log.lines().some((l) => l.includes('raft: failed to install snapshot'))).toBe(true);
    expect(b.received).toHaveLength(0);
    await waitFor(() => readdirSync(b.store.dir).length === 0, 5_000, 'the partial snapshot removed');
    // The good stream is untouched.
    a.transport.send(b.address, heartbeat(2));
    await waitFor(() => b.got.length === 3, 5_000, 'messages after the bad ones');
    expect(b.got.map((m) => (m as { seq: number }).seq)).toEqual([1, 99, 2]);
  });

  it('leaves no socket or timer behind once closed', async () => {
    const before = handles();
    const a = await end();
    const b = await end();
    await storeSnapshot(a.store, 100_000);
    for (let i = 1; i <= 10; i++) a.transport.send(b.address, heartbeat(i));
    a.transport.send(b.address, installMessage());
    a.transport.send('127.0.0.1:1', heartbeat(1)); // refused: a backoff timer
    await waitFor(() => a.sent.length === 1 && b.got.length === 10 && a.unreachable.length === 1, 5_000, 'traffic');
    for (const e of ends.splice(0)) {
      await e.transport.close();
      await e.listener.close();
    }
    await waitFor(() => {
      const now = handles();
      return now.sockets <= before.sockets && now.listeners <= before.listeners && now.timers <= before.timers;
    }, 5_000, 'handles to be released');
  });
});
