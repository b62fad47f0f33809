/**
 * The gossip pool's network: UDP packets and TCP streams on one port (memberlist's
 * NetTransport). Packets carry probes and piggybacked gossip; a stream carries one push/pull
 * exchange: a length-prefixed frame each way. With encryption on, every packet and frame is
 * sealed (AES-GCM, seal.ts) with the keyring's primary key and opened with any installed key.
 * `verifyIncoming` off accepts plaintext too (the step of a rolling switch to encryption);
 * `verifyOutgoing` off sends plaintext.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import { limits, type Logger } from '../lib/index.js';
import { FrameDecoder, frameOf } from '../rpc/frame.js';
import type { Address } from './core/index.js';

/** How sealing is applied; absent means no encryption. */
export interface Sealer {
  seal(plain: Uint8Array): Uint8Array;
  /** The plaintext; throws when no installed key opens it. */
  open(sealed: Uint8Array): Uint8Array;
  verifyIncoming: boolean;
  verifyOutgoing: boolean;
}

export interface TransportOptions {
  ip: string;
  port: number;
  logger: Logger;
  sealer?: () => Sealer | undefined;
  /** Connect + exchange deadline of a stream (memberlist's TCPTimeout). */
  tcpTimeoutMs: number;
}

export interface TransportHandlers {
  packet(from: Address, bytes: Uint8Array): void;
  /** A peer's push/pull state; our reply (undefined: close without one). */
  stream(bytes: Uint8Array, from: Address): Uint8Array | undefined;
}

export class GossipTransport {
  private udp: UdpSocket | undefined;
  private tcp: TcpServer | undefined;
  private readonly sockets = new Set<Socket>();
  private closed = false;
  port = 0;

  constructor(
    private readonly options: TransportOptions,
    private readonly handlers: TransportHandlers,
  ) {}

  /** Binds TCP, then UDP on the same port (port 0: the one the OS gave TCP). */
  async listen(): Promise<void> {
    const { ip } = this.options;
    const tcp = createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.options.port, ip, () => resolve());
    });
    tcp.on('error', (err) => this.options.logger.error('memberlist: TCP listener error', { error: err.message }));
    this.tcp = tcp;
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, ip, () => resolve());
      });
    } catch (err) {
      tcp.close();
      this.tcp = undefined;
      udp.close();
      throw Object.assign(err as Error, { network: 'udp' });
    }
    udp.on('error', (err) => this.options.logger.error('memberlist: UDP error', { error: err.message }));
    udp.on('message', (msg, rinfo) => this.receivePacket(msg, { ip: rinfo.address, port: rinfo.port }));
    this.udp = udp;
    this.port = port;
  }

  sendPacket(to: Address, bytes: Uint8Array): void {
    if (this.closed || !this.udp) return;
    const out = this.sealOut(bytes);
    this.udp.send(out, to.port, to.ip, (err) => {
      if (err && !this.closed) this.options.logger.debug('memberlist: failed to send packet', { to: `${to.ip}:${to.port}`, error: err.message });
    });
  }

  /** One push/pull exchange: our state out, theirs back, within the TCP timeout. */
  exchange(to: Address, state: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('transport closed'));
      const socket = connect({ host: to.ip, port: to.port });
      this.sockets.add(socket);
      let settled = false;
      const finish = (err: Error | undefined, reply?: Uint8Array): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        this.sockets.delete(socket);
        if (err) reject(err);
        else resolve(reply!);
      };
      const timer = setTimeout(() => finish(new Error(`i/o timeout`)), this.options.tcpTimeoutMs);
      socket.on('error', (err) => finish(new Error(dialText(err))));
      socket.on('connect', () => socket.write(frameOf(this.sealOut(state))));
      readFrame(socket, (err, body) => {
        if (err) return finish(err);
        try {
          finish(undefined, this.openIn(body!));
        } catch (e) {
          finish(e as Error);
        }
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.closed) return void socket.destroy();
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    const timer = setTimeout(() => socket.destroy(), this.options.tcpTimeoutMs);
    const from = { ip: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    readFrame(socket, (err, body) => {
      clearTimeout(timer);
      if (err) {
        this.reject(`failed to receive: ${err.message}`, from);
        return void socket.destroy();
      }
      let reply: Uint8Array | undefined;
      try {
        reply = this.handlers.stream(this.openIn(body!), from);
      } catch (e) {
        this.reject(`failed to receive: ${(e as Error).message}`, from);
        return void socket.destroy();
      }
      if (!reply) return void socket.destroy();
      socket.end(frameOf(this.sealOut(reply)));
    });
  }

  private receivePacket(msg: Uint8Array, from: Address): void {
    let plain: Uint8Array;
    try {
      plain = this.openIn(msg);
    } catch (e) {
      this.reject(`failed to receive: ${(e as Error).message}`, from);
      return;
    }
    this.handlers.packet(from, plain);
  }

  private reject(text: string, from: Address): void {
    this.options.logger.error(`memberlist: ${text}`, { from: `${from.ip}:${from.port}` });
  }

  private sealOut(bytes: Uint8Array): Uint8Array {
    const s = this.options.sealer?.();
    return s && s.verifyOutgoing ? s.seal(bytes) : bytes;
  }

  /** Opens a sealed message; plaintext is taken only while incoming verification is off. */
  private openIn(bytes: Uint8Array): Uint8Array {
    const s = this.options.sealer?.();
    if (!s) return bytes;
    try {
      return s.open(bytes);
    } catch (err) {
      if (s.verifyIncoming) throw err;
      return bytes;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all([
      this.tcp && new Promise<void>((r) => this.tcp!.close(() => r())),
      this.udp && new Promise<void>((r) => this.udp!.close(() => r())),
    ]);
  }
}

/** Reads one length-prefixed frame (rpc's framing), bounded by limits.gossipStreamBytesMax. */
function readFrame(socket: Socket, done: (err: Error | undefined, body?: Uint8Array) => void): void {
  const decoder = new FrameDecoder(limits.gossipStreamBytesMax);
  let finished = false;
  const finish = (err: Error | undefined, body?: Uint8Array): void => {
    if (finished) return;
    finished = true;
    socket.removeListener('data', onData);
    done(err, body);
  };
  const onData = (chunk: Buffer): void => {
    decoder.push(chunk);
    try {
      const body = decoder.next();
      if (body) finish(undefined, body);
    } catch (err) {
      finish(err as Error);
    }
  };
  socket.on('data', onData);
  socket.on('end', () => finish(new Error('EOF')));
  socket.on('close', () => finish(new Error('EOF')));
}

/** A dial error as Go's net package words the common ones. */
function dialText(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connect: connection refused';
  if (err.code === 'EHOSTUNREACH') return 'connect: no route to host';
  return err.message;
}
