/**
 * The message stream to one peer: one TCP connection, dialled when the first message is sent,
 * redialled after a break once a doubling backoff has passed. Messages keep their order; while
 * the connection is being dialled or the socket's buffer is full they wait in a bounded queue,
 * and beyond it (or during a backoff) they are dropped and counted: Raft tolerates loss, and a
 * stale queue of heartbeats is worth nothing. Every break is reported (`onUnreachable`), so the
 * leader stops pipelining into the void and probes the peer again.
 */
import { createConnection, type Socket } from 'node:net';
import type { Logger } from '../lib/index.js';
import { FrameWriter, parseAddress, RpcType, rpcLimits } from '../rpc/index.js';
import { connErrorText, dialErrorText } from '../rpc/net-errors.js';
import {
  dialTimeoutMs,
  peerQueueBytesMax,
  peerQueueMessagesMax,
  peerSocketBufferBytesMax,
  redialBackoffMsMax,
  redialBackoffMsMin,
} from './limits.js';

export interface PeerCounters {
  sent: number;
  dropped: number;
  dials: number;
  failures: number;
}

export interface PeerOptions {
  address: string;
  logger: Logger;
  counters: PeerCounters;
  onUnreachable(address: string): void;
  /** Dial from this address (the server's bind address). */
  localAddress?: string | undefined;
}

type PeerState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

export function backoffMs(failures: number): number {
  return Math.min(redialBackoffMsMax, redialBackoffMsMin * 2 ** Math.max(0, Math.min(failures - 1, 20)));
}

export class PeerConnection {
  private state: PeerState = 'idle';
  private socket: Socket | undefined;
  private writer: FrameWriter | undefined;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  /** Failures since the last successful connect (the backoff's exponent). */
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private socketClosed: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PeerOptions) {}

  get address(): string {
    return this.opts.address;
  }

  /** Sends (or queues) one frame; false when it was dropped. */
  send(frame: Buffer): boolean {
    switch (this.state) {
      case 'closed':
      case 'backoff':
        this.opts.counters.dropped++;
        return false;
      case 'idle':
        if (!this.enqueue(frame)) return false;
        this.dial();
        return true;
      case 'connecting':
        return this.enqueue(frame);
      case 'open':
        if (this.queue.length === 0 && this.socket!.writableLength < peerSocketBufferBytesMax) {
          this.writer!.write(frame);
          this.opts.counters.sent++;
          return true;
        }
        return this.enqueue(frame);
    }
  }

  /** Closes the connection for good; resolves once its socket is closed. */
  close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.timer);
    this.opts.counters.dropped += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
    this.socket?.destroy();
    return this.socketClosed;
  }

  private enqueue(frame: Buffer): boolean {
    if (this.queue.length >= peerQueueMessagesMax || this.queuedBytes + frame.length > peerQueueBytesMax) {
      this.opts.counters.dropped++;
      return false;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    return true;
  }

  private flush(): void {
    while (this.state === 'open' && this.queue.length > 0 && this.socket!.writableLength < peerSocketBufferBytesMax) {
      const frame = this.queue.shift()!;
      this.queuedBytes -= frame.length;
      this.writer!.write(frame);
      this.opts.counters.sent++;
    }
  }

  private dial(): void {
    const hp = parseAddress(this.opts.address);
    if (hp === undefined) {
      this.fail(`dial tcp ${this.opts.address}: address is not host:port`);
      return;
    }
    this.state = 'connecting';
    this.opts.counters.dials++;
    const socket = createConnection({ host: hp.host, port: hp.port, localAddress: this.opts.localAddress, noDelay: true, keepAlive: true, keepAliveInitialDelay: rpcLimits.tcpKeepaliveDelayMs });
    this.socket = socket;
    this.writer = new FrameWriter(socket);
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.timer = setTimeout(() => this.fail(dialErrorText(this.opts.address, 'i/o timeout')), dialTimeoutMs);
    socket.once('connect', () => {
      if (this.socket !== socket || this.state !== 'connecting') return;
      clearTimeout(this.timer);
      if (this.failures > 0) this.opts.logger.info('connection to peer restored', { peer: this.opts.address });
      this.failures = 0;
      this.state = 'open';
      this.writer!.write(Uint8Array.of(RpcType.raft));
      this.flush();
    });
    socket.on('drain', () => {
      if (this.socket === socket) this.flush();
    });
    // The receiver never writes on a message stream; anything it sends is ignored.
    socket.on('data', () => {});
    socket.on('error', (err) => {
      if (this.socket !== socket) return;
      this.fail(this.state === 'connecting' ? dialErrorText(this.opts.address, err) : connErrorText(this.opts.address, socket, err));
    });
    socket.once('close', () => {
      if (this.socket === socket) this.fail(this.state === 'connecting' ? dialErrorText(this.opts.address, 'connection closed') : 'EOF');
    });
  }

  private fail(reason: string): void {
    if (this.state === 'closed' || this.state === 'backoff') return;
    clearTimeout(this.timer);
    this.socket?.destroy();
    this.socket = undefined;
    this.writer = undefined;
    this.opts.counters.dropped += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
    this.failures++;
    this.opts.counters.failures++;
    const waitMs = backoffMs(this.failures);
    // One line per outage at warn level; the retries of a long one only at debug.
    const fields = { peer: this.opts.address, backoff: `${waitMs}ms`, error: reason };
    if (this.failures === 1) this.opts.logger.warn('failed to contact peer', fields);
    else this.opts.logger.debug('failed to contact peer', fields);
    this.state = 'backoff';
    this.timer = setTimeout(() => {
      if (this.state === 'backoff') this.state = 'idle';
    }, waitMs);
    this.opts.onUnreachable(this.opts.address);
  }
}
