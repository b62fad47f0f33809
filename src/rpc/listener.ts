/**
 * The server RPC port (8300): one TCP listener whose connections announce their protocol in
 * their first byte (protocol.ts), as Consul's Server.listen and handleConn. A connection that
 * does not send that byte within the handshake timeout, or sends one nobody registered, is
 * closed and counted; so is one beyond the per-client-IP connection bound
 * (`rpc_max_conns_per_client`). The listener keeps every socket it accepted until it closes, so
 * `close()` ends them all, whoever owns them by then.
 */
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { assert, type Logger } from '../lib/index.js';
import { connsPerClientMaxDefault, handshakeTimeoutMsDefault, tcpKeepaliveDelayMs } from './limits.js';

/**
 * Takes over a connection whose first byte chose it. The socket is paused, with the bytes
 * that followed the type byte put back in front: attach listeners, then `socket.resume()`.
 * The listener has already attached an 'error' listener (errors end in 'close').
 */
export type ProtocolHandler = (socket: Socket) => void;

export interface RpcListenerOptions {
  logger: Logger;
  handshakeTimeoutMs?: number;
  connsPerClientMax?: number;
}

export interface RpcListenerStats {
  accepted: number;
  open: number;
  unknownProtocol: number;
  handshakeTimeouts: number;
  rejectedConnLimit: number;
}

/** memberlist's LogConn, which Consul's RPC log lines carry as `conn`. */
export const logConn = (socket: Socket): string => `from=${hostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0)}`;

export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export class RpcListener {
  private server: Server | undefined;
  private readonly handlers = new Map<number, ProtocolHandler>();
  private readonly sockets = new Set<Socket>();
  private readonly perClient = new Map<string, number>();
  private readonly counts = { accepted: 0, unknownProtocol: 0, handshakeTimeouts: 0, rejectedConnLimit: 0 };
  private readonly handshakeTimeoutMs: number;
  private readonly connsPerClientMax: number;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: RpcListenerOptions) {
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? handshakeTimeoutMsDefault;
    this.connsPerClientMax = opts.connsPerClientMax ?? connsPerClientMaxDefault;
  }

  /** Registers the handler of one protocol byte. */
  handle(type: number, handler: ProtocolHandler): void {
    assert(Number.isInteger(type) && type >= 0 && type < 256, `protocol byte out of range: ${type}`);
    assert(!this.handlers.has(type), `protocol byte ${type} already has a handler`);
    this.handlers.set(type, handler);
  }

  /** Binds `host:port` (port 0: any free port); returns the bound port. */
  listen(host: string, port: number): Promise<number> {
    assert(this.server === undefined && this.closing === undefined, 'listen called twice');
    const server = createServer({ noDelay: true }, (socket) => this.onConnection(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.opts.logger.error('failed to accept RPC conn', { error: err.message }));
        const addr = server.address();
        resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
      });
    });
  }

  /** `host:port` as bound. */
  address(): string {
    const addr = this.server?.address();
    assert(typeof addr === 'object' && addr !== null, 'listener not bound');
    return hostPort(addr.address, addr.port);
  }

  stats(): RpcListenerStats {
    return { ...this.counts, open: this.sockets.size };
  }

  /** Stops accepting and closes every connection (their owners see 'close'). Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const s of this.sockets) s.destroy();
      const server = this.server;
      if (server === undefined || !server.listening) return resolve();
      server.close(() => resolve());
    });
    return this.closing;
  }

  private onConnection(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const client = socket.remoteAddress ?? '';
    const count = this.perClient.get(client) ?? 0;
    if (count >= this.connsPerClientMax) {
      this.counts.rejectedConnLimit++;
      this.opts.logger.error('rejecting RPC conn from because rpc_max_conns_per_client exceeded', { conn: logConn(socket) });
      socket.destroy();
      return;
    }
    this.counts.accepted++;
    this.perClient.set(client, count + 1);
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      this.sockets.delete(socket);
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    });
    socket.setKeepAlive(true, tcpKeepaliveDelayMs);
    this.awaitTypeByte(socket);
  }

  private awaitTypeByte(socket: Socket): void {
    const timer = setTimeout(() => {
      this.counts.handshakeTimeouts++;
      this.opts.logger.error('failed to read byte', { conn: logConn(socket), error: 'i/o timeout' });
      socket.destroy();
    }, this.handshakeTimeoutMs);
    const stop = (): void => clearTimeout(timer);
    socket.once('close', stop);
    const onData = (chunk: Buffer): void => {
      socket.off('data', onData);
      socket.off('close', stop);
      stop();
      socket.pause();
      this.dispatch(socket, chunk);
    };
    socket.on('data', onData);
  }

  private dispatch(socket: Socket, chunk: Buffer): void {
    const type = chunk[0]!;
    const handler = this.handlers.get(type);
    if (handler === undefined) {
      this.counts.unknownProtocol++;
      this.opts.logger.error('unrecognized RPC byte', { byte: type, conn: logConn(socket) });
      socket.destroy();
      return;
    }
    if (chunk.length > 1) socket.unshift(chunk.subarray(1));
    try {
      handler(socket);
    } catch (err) {
      this.opts.logger.error('RPC protocol handler failed', { byte: type, conn: logConn(socket), error: String(err) });
      socket.destroy();
    }
  }
}
