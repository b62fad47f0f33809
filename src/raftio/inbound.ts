/**
 * One connection accepted on the Raft protocol byte (wire.ts): a message stream, whose
 * messages are handed on as they are decoded, or a snapshot stream, whose chunks go into a
 * snapshot sink one at a time (the socket is paused while a write is outstanding, so a fast
 * sender never fills memory) and whose message is handed on only once all the data is
 * committed. A frame that is not what the protocol allows at that point closes the connection
 * (and cancels its sink); it is logged, and nothing else is affected.
 */
import type { Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import type { Logger } from '../lib/index.js';
import type { Message } from '../raft/index.js';
import { FrameDecoder, rpcLimits } from '../rpc/index.js';
import { logConn } from '../rpc/listener.js';
import type { SnapshotSink } from './storage/index.js';
import { snapshotChunkBytesMax, snapshotIdleTimeoutMs } from './limits.js';
import { frameBytes, parseFrame, RaftProtocolError, type InstallSnapshotMessage, type RaftFrame } from './wire.js';

export interface InboundHost {
  logger: Logger;
  message(m: Message): void;
  /** A sink for the snapshot `m` announces; throws to refuse it. */
  createSink(m: InstallSnapshotMessage): Promise<SnapshotSink>;
  /** All of the data is in `sink`: commit (or cancel) it and step `m`. */
  received(m: InstallSnapshotMessage, sink: SnapshotSink): Promise<void>;
  /** Whether another snapshot stream may start now; `release` once it ended. */
  claimSnapshotSlot(): boolean;
  releaseSnapshotSlot(): void;
  badFrame(): void;
}

/** How long a refused snapshot stream may stay open for its sender to read the answer. */
const refusedLingerMs = 1_000;

type Mode = 'start' | 'messages' | 'snapshot' | 'done';

interface Incoming {
  message: InstallSnapshotMessage;
  sink: SnapshotSink | undefined;
  size: number;
  crc: number;
}

export class InboundConnection {
  private mode: Mode = 'start';
  private readonly decoder = new FrameDecoder(rpcLimits.frameBytesMax);
  private busy = false;
  private snap: Incoming | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly socket: Socket, private readonly host: InboundHost) {
    socket.on('data', (chunk: Buffer) => {
      if (this.mode === 'done') return;
      this.decoder.push(chunk);
      this.pump();
    });
    socket.once('close', () => this.onClose());
    socket.resume();
  }

  private pump(): void {
    while (!this.busy && this.mode !== 'done' && !this.socket.destroyed) {
      let work: Promise<void> | undefined;
      try {
        const payload = this.decoder.next();
        if (payload === undefined) return;
        work = this.handle(parseFrame(payload));
      } catch (err) {
        this.protocolError(err as Error);
        return;
      }
      if (work === undefined) continue;
      this.busy = true;
      this.socket.pause();
      work.then(
        () => {
          this.busy = false;
          if (this.socket.destroyed) return;
          this.socket.resume();
          this.pump();
        },
        (err: unknown) => this.snapshotFailed(err as Error),
      );
      return;
    }
  }

  /** Handles one frame; a promise when the next frame must wait for it. */
  private handle(f: RaftFrame): Promise<void> | undefined {
    if (this.mode === 'start' && f.k === 'm') this.mode = 'messages';
    if (this.mode === 'messages') {
      if (f.k !== 'm') throw new RaftProtocolError(`frame of kind ${f.k} on a message stream`);
      this.host.message(f.m);
      return undefined;
    }
    if (this.mode === 'start' && f.k === 's') return this.begin(f.m);
    if (this.mode === 'snapshot' && this.snap !== undefined) {
      if (f.k === 'c') return this.chunk(this.snap, f.d);
      if (f.k === 'e') return this.end(this.snap, f.size, f.crc);
    }
    throw new RaftProtocolError(`frame of kind ${f.k} out of place (${this.mode})`);
  }

  private async begin(m: InstallSnapshotMessage): Promise<void> {
    this.mode = 'snapshot';
    if (!this.host.claimSnapshotSlot()) throw new Error('too many snapshots being received');
    this.snap = { message: m, sink: undefined, size: 0, crc: 0 };
    this.armIdle();
    this.snap.sink = await this.host.createSink(m);
  }

  private async chunk(s: Incoming, d: Uint8Array): Promise<void> {
    if (d.length > snapshotChunkBytesMax) throw new RaftProtocolError(`snapshot chunk of ${d.length} bytes`);
    this.armIdle();
    s.size += d.length;
    s.crc = crc32(d, s.crc);
    await s.sink!.write(d);
  }

  private async end(s: Incoming, size: number, crc: number): Promise<void> {
    if (size !== s.size || crc !== s.crc) throw new Error(`snapshot data damaged: ${s.size} bytes with CRC ${s.crc}, the sender says ${size} bytes with CRC ${crc}`);
    clearTimeout(this.idleTimer);
    const sink = s.sink!;
    s.sink = undefined;
    try {
      await this.host.received(s.message, sink);
    } catch (err) {
      await sink.cancel().catch(() => {});
      throw err;
    }
    this.finish();
    this.socket.end(frameBytes({ k: 'a', ok: true }));
    this.socket.resume();
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.snapshotFailed(new Error('snapshot stream stalled: i/o timeout')), snapshotIdleTimeoutMs);
  }

  /** The stream is over: no more frames, the slot is free again. */
  private finish(): void {
    if (this.mode === 'done') return;
    const wasSnapshot = this.snap !== undefined;
    this.mode = 'done';
    clearTimeout(this.idleTimer);
    if (wasSnapshot) this.host.releaseSnapshotSlot();
  }

  private snapshotFailed(err: Error): void {
    if (this.mode === 'done') return;
    const s = this.snap;
    const text = err.message;
    this.host.logger.error('failed to install snapshot', { conn: logConn(this.socket), index: s?.message.snapshot.index, error: text });
    void s?.sink?.cancel().catch(() => {});
    if (s !== undefined) s.sink = undefined;
    this.finish();
    if (err instanceof RaftProtocolError) this.host.badFrame();
    if (this.socket.destroyed) return;
    // Answer, then read (and ignore) until the sender closes its side, or drop it after a while.
    this.socket.end(frameBytes({ k: 'a', ok: false, error: text }));
    this.socket.resume();
    const timer = setTimeout(() => this.socket.destroy(), refusedLingerMs);
    this.socket.once('close', () => clearTimeout(timer));
  }

  private protocolError(err: Error): void {
    if (this.mode === 'snapshot') {
      this.snapshotFailed(err instanceof RaftProtocolError ? err : new RaftProtocolError(err.message));
      return;
    }
    this.finish();
    this.host.badFrame();
    this.host.logger.error('closing a connection that broke the protocol', { conn: logConn(this.socket), error: err.message });
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.mode === 'snapshot') {
      const s = this.snap;
      void s?.sink?.cancel().catch(() => {});
      if (s !== undefined) s.sink = undefined;
      if (!this.busy) this.host.logger.warn('snapshot stream ended before all of its data arrived', { index: s?.message.snapshot.index });
    }
    this.finish();
  }
}
