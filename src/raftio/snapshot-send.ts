/**
 * The sending side of a snapshot stream (wire.ts): its own connection, so a stream of any size
 * never holds up the heartbeats and appends on the message stream to the same peer. Chunks are
 * read from the snapshot file one at a time and written as the socket drains, so neither the
 * file nor the socket buffer is ever held whole. The stream fails when the peer stops making
 * progress for snapshotIdleTimeoutMs, answers no, or the connection breaks.
 */
import { createConnection, type Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import { FrameDecoder, parseAddress, RpcType, rpcLimits } from '../rpc/index.js';
import { connErrorText, dialErrorText } from '../rpc/net-errors.js';
import { dialTimeoutMs, snapshotIdleTimeoutMs } from './limits.js';
import { frameBytes, parseFrame, type InstallSnapshotMessage } from './wire.js';

/** A snapshot's data, in chunks; `close` when not read to the end. */
export interface SnapshotSource extends AsyncIterable<Uint8Array> {
  close(): Promise<void>;
}

/**
 * Waits on one socket: each wait settles on its event, on the socket's end (rejects with the
 * reason) or after the idle deadline.
 */
class SocketWaits {
  private ended: Error | undefined;
  private readonly waiters = new Set<(err: Error | undefined) => void>();
  private readonly decoder = new FrameDecoder(rpcLimits.frameBytesMax);
  private answer: Uint8Array | undefined;
  connected = false;

  constructor(private readonly socket: Socket, private readonly address: string) {
    const end = (err: Error): void => {
      this.ended ??= err;
      for (const w of [...this.waiters]) w(this.ended);
    };
    socket.on('error', (err) => end(new Error(this.connected ? connErrorText(address, socket, err) : dialErrorText(address, err))));
    socket.once('close', () => end(new Error(this.connected ? 'EOF' : dialErrorText(address, 'connection closed'))));
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      try {
        this.answer ??= this.decoder.next();
      } catch (err) {
        end(err as Error);
      }
      if (this.answer !== undefined) this.notify();
    });
    socket.on('drain', () => this.notify());
    socket.once('connect', () => {
      this.connected = true;
      this.notify();
    });
  }

  /** Resolves once `ready()` holds, checked at each socket event. */
  until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${what}: i/o timeout`)), timeoutMs);
      const done = (err: Error | undefined): void => {
        if (err === undefined && !ready()) return;
        clearTimeout(timer);
        this.waiters.delete(done);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(done);
    });
  }

  takeAnswer(): Uint8Array | undefined {
    return this.answer;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w(undefined);
  }
}

/**
 * Streams `source` to `address` after `message`; resolves with the bytes sent once the
 * receiver committed them, rejects with the reason otherwise. `track` learns the socket (so a
 * closing transport can destroy it).
 */
export async function sendSnapshot(
  address: string,
  message: InstallSnapshotMessage,
  source: SnapshotSource,
  track: (s: Socket) => () => void,
  localAddress?: string,
): Promise<number> {
  const hp = parseAddress(address);
  if (hp === undefined) throw new Error(`dial tcp ${address}: address is not host:port`);
  const socket = createConnection({ host: hp.host, port: hp.port, localAddress, noDelay: true });
  const untrack = track(socket);
  const waits = new SocketWaits(socket, address);
  try {
    await waits.until(() => waits.connected, dialTimeoutMs, dialErrorText(address, 'connect'));
    socket.write(Uint8Array.of(RpcType.raft));
    socket.write(frameBytes({ k: 's', m: message }));
    let size = 0;
    let crc = 0;
    for await (const chunk of source) {
      size += chunk.length;
      crc = crc32(chunk, crc);
      if (!socket.write(frameBytes({ k: 'c', d: chunk }))) {
        await waits.until(() => socket.writableLength === 0, snapshotIdleTimeoutMs, 'snapshot stream stalled');
      }
    }
    socket.write(frameBytes({ k: 'e', size, crc }));
    await waits.until(() => waits.takeAnswer() !== undefined, snapshotIdleTimeoutMs, 'waiting for the snapshot to be committed');
    const answer = parseFrame(waits.takeAnswer()!);
    if (answer.k !== 'a') throw new Error(`unexpected frame of kind ${answer.k} in answer to a snapshot`);
    if (!answer.ok) throw new Error(`peer refused the snapshot: ${answer.error ?? 'no reason given'}`);
    return size;
  } finally {
    untrack();
    socket.destroy();
    await source.close().catch(() => {});
  }
}
