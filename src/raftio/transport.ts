/**
 * Raft's network (README.md "Transport"): messages to a peer go over one connection per peer
 * address (peer.ts), in order, dialled lazily and redialled after a break; an install-snapshot
 * goes over a connection of its own with the snapshot's data behind it (snapshot-send.ts), so
 * it never holds up heartbeats. Incoming connections arrive through the server RPC port's
 * listener (`listener.handle(RpcType.raft, transport.accept)`), and are read by inbound.ts.
 *
 * The transport knows nothing of storage: the driver attaches a handler that provides the
 * snapshot data to send, the sinks to receive into, and takes the messages.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../lib/index.js';
import type { Message } from '../raft/index.js';
import type { ProtocolHandler } from '../rpc/index.js';
import type { SnapshotSink } from './storage/index.js';
import { InboundConnection } from './inbound.js';
import { inboundSnapshotsMax, outboundSnapshotsMax } from './limits.js';
import { PeerConnection, type PeerCounters } from './peer.js';
import { sendSnapshot, type SnapshotSource } from './snapshot-send.js';
import { frameBytes, type InstallSnapshotMessage } from './wire.js';

export type { SnapshotSource } from './snapshot-send.js';

/** What the transport needs from (and tells) its driver. */
export interface RaftTransportHandler {
  /** A message arrived (already checked by `checkMessage`; never an install-snapshot, see below). */
  message(m: Message): void;
  /** The connection to this address broke, or could not be made. */
  unreachable(address: string): void;
  /** The data of the snapshot `m` announces, to stream after it. */
  openSnapshot(m: InstallSnapshotMessage): Promise<SnapshotSource>;
  /** A snapshot stream ended: committed by the receiver, or failed. */
  snapshotSent(m: InstallSnapshotMessage, ok: boolean): void;
  /** Where the data of an incoming snapshot goes; throw to refuse it. */
  createSnapshotSink(m: InstallSnapshotMessage): Promise<SnapshotSink>;
  /** All of the data is in `sink`: commit or cancel it, then step `m`. */
  snapshotReceived(m: InstallSnapshotMessage, sink: SnapshotSink): Promise<void>;
}

export interface RaftTransportOptions {
  logger: Logger;
  /** Dial peers from this address (the server's bind address, as Consul does). */
  localAddress?: string | undefined;
}

export interface RaftTransportStats extends PeerCounters {
  received: number;
  badFrames: number;
  snapshotsSent: number;
  snapshotsFailed: number;
  snapshotsReceived: number;
}

export class RaftTransport {
  private readonly logger: Logger;
  private handler: RaftTransportHandler | undefined;
  private readonly peers = new Map<string, PeerConnection>();
  private readonly inbound = new Set<Socket>();
  private readonly outSnapshots = new Map<string, Socket | undefined>();
  private readonly tasks = new Set<Promise<unknown>>();
  private inSnapshots = 0;
  private closed = false;
  private readonly counters: RaftTransportStats = {
    sent: 0, dropped: 0, dials: 0, failures: 0, received: 0, badFrames: 0, snapshotsSent: 0, snapshotsFailed: 0, snapshotsReceived: 0,
  };

  private readonly localAddress: string | undefined;

  constructor(options: RaftTransportOptions) {
    this.logger = options.logger.named('raft');
    this.localAddress = options.localAddress;
  }

  /** The driver takes over (one at a time). */
  attach(handler: RaftTransportHandler): void {
    this.handler = handler;
  }

  detach(handler: RaftTransportHandler): void {
    if (this.handler === handler) this.handler = undefined;
  }

  stats(): RaftTransportStats {
    return { ...this.counters };
  }

  /** Register on the RPC listener for `RpcType.raft`. */
  readonly accept: ProtocolHandler = (socket) => {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.once('close', () => this.inbound.delete(socket));
    new InboundConnection(socket, {
      logger: this.logger,
      message: (m) => {
        this.counters.received++;
        this.handler?.message(m);
      },
      createSink: (m) => {
        if (this.handler === undefined) throw new Error('raft is not running');
        return this.handler.createSnapshotSink(m);
      },
      received: async (m, sink) => {
        if (this.handler === undefined) throw new Error('raft is not running');
        await this.handler.snapshotReceived(m, sink);
        this.counters.snapshotsReceived++;
      },
      claimSnapshotSlot: () => this.inSnapshots < inboundSnapshotsMax && ++this.inSnapshots > 0,
      releaseSnapshotSlot: () => void this.inSnapshots--,
      badFrame: () => void this.counters.badFrames++,
    });
  };

  /** Sends `m` to the server at `address` (dropped when it cannot be sent soon: see peer.ts). */
  send(address: string, m: Message): void {
    if (this.closed) return;
    if (m.type === 'install-snapshot') {
      this.startSnapshot(address, m);
      return;
    }
    let peer = this.peers.get(address);
    if (peer === undefined) {
      peer = new PeerConnection({ address, logger: this.logger, counters: this.counters, localAddress: this.localAddress, onUnreachable: (a) => this.handler?.unreachable(a) });
      this.peers.set(address, peer);
    }
    peer.send(frameBytes({ k: 'm', m }));
  }

  private startSnapshot(address: string, m: InstallSnapshotMessage): void {
    const handler = this.handler;
    if (handler === undefined) return;
    if (this.outSnapshots.has(address)) {
      this.logger.debug('a snapshot is already being sent to this peer', { peer: address });
      return;
    }
    if (this.outSnapshots.size >= outboundSnapshotsMax) {
      this.logger.warn('failed to send snapshot to', { peer: address, error: `${outboundSnapshotsMax} snapshots already being sent` });
      this.counters.snapshotsFailed++;
      queueMicrotask(() => handler.snapshotSent(m, false));
      return;
    }
    this.outSnapshots.set(address, undefined);
    const task = this.streamSnapshot(handler, address, m).finally(() => {
      this.outSnapshots.delete(address);
      this.tasks.delete(task);
    });
    this.tasks.add(task);
  }

  private async streamSnapshot(handler: RaftTransportHandler, address: string, m: InstallSnapshotMessage): Promise<void> {
    const started = performance.now();
    let ok = false;
    try {
      const source = await handler.openSnapshot(m);
      if (this.closed) {
        await source.close();
        throw new Error('transport closed');
      }
      const bytes = await sendSnapshot(address, m, source, (socket) => {
        this.outSnapshots.set(address, socket);
        if (this.closed) socket.destroy();
        return () => this.outSnapshots.set(address, undefined);
      }, this.localAddress);
      ok = true;
      this.counters.snapshotsSent++;
      this.logger.info('sent snapshot', { peer: address, index: m.snapshot.index, bytes, duration: `${Math.round(performance.now() - started)}ms` });
    } catch (err) {
      this.counters.snapshotsFailed++;
      this.logger.error('failed to send snapshot to', { peer: address, index: m.snapshot.index, error: (err as Error).message });
    }
    handler.snapshotSent(m, ok);
  }

  /** Closes every connection, in and out, and waits for snapshot streams to end. */
  async close(): Promise<void> {
    this.closed = true;
    this.handler = undefined;
    const waits: Promise<unknown>[] = [...this.peers.values()].map((p) => p.close());
    this.peers.clear();
    for (const s of this.inbound) {
      waits.push(new Promise((resolve) => s.once('close', resolve)));
      s.destroy();
    }
    for (const s of this.outSnapshots.values()) s?.destroy();
    await Promise.all([...waits, ...this.tasks]);
  }
}
