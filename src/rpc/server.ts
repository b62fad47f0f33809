/**
 * The server side of the RPC protocol (messages.ts): methods registered by name, requests on
 * one connection handled concurrently, each answered exactly once, in whatever order they
 * finish. A handler gets an AbortSignal that fires when the caller cancels the call or the
 * connection closes (a blocking query stops watching). Anything a peer sends that breaks the
 * protocol (bad frame, bad msgpack, bad fields, oversized frame, duplicate seq) is logged and
 * closes that connection only; the server and its other connections carry on.
 */
import type { Socket } from 'node:net';
import { assert, MusterError, type Logger } from '../lib/index.js';
import { ProtocolError, toWireError } from './errors.js';
import { FrameDecoder, FrameTooLargeError, FrameWriter, frameOf } from './frame.js';
import { callsInFlightMax, frameBytesMax, serverWriteBufferBytesMax } from './limits.js';
import { logConn, hostPort, type ProtocolHandler } from './listener.js';
import { encodeResponse, errorMessageCharsMax, parseClientMessage, type ResponseMessage } from './messages.js';

export interface RpcContext {
  method: string;
  /** The caller, `host:port`. */
  remoteAddress: string;
  /**
   * Fires when the caller cancels (its timeout or signal) or the connection closes. It may
   * already have fired by the time a handler resumes from an await: check `signal.aborted`.
   */
  signal: AbortSignal;
}

/** Validates `body` (it is whatever the peer sent) and returns the reply body. */
export type RpcHandler = (body: unknown, ctx: RpcContext) => unknown;

export interface RpcServerOptions {
  logger: Logger;
  /** Requests handled at once per connection; more are refused (a well-behaved client never sends them). */
  callsInFlightMax?: number;
}

export interface RpcServerStats {
  connections: number;
  inFlight: number;
  requests: number;
  pings: number;
  protocolErrors: number;
}

/** Go's service/method form, which net/rpc requires. */
const methodPattern = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;

export class RpcServer {
  private readonly methods = new Map<string, RpcHandler>();
  private readonly services = new Set<string>();
  private readonly conns = new Set<ServerConn>();
  private closed = false;
  readonly logger: Logger;
  readonly callsInFlightMax: number;
  readonly counts = { requests: 0, pings: 0, protocolErrors: 0 };

  constructor(opts: RpcServerOptions) {
    this.logger = opts.logger;
    this.callsInFlightMax = opts.callsInFlightMax ?? callsInFlightMax;
  }

  register(method: string, handler: RpcHandler): void {
    assert(methodPattern.test(method), `RPC method must be Service.Method: ${method}`);
    assert(!this.methods.has(method), `RPC method already registered: ${method}`);
    this.methods.set(method, handler);
    this.services.add(method.slice(0, method.indexOf('.')));
  }

  /** The protocol handler to register on a listener for RpcType.rpc. */
  readonly accept: ProtocolHandler = (socket) => {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const conn = new ServerConn(this, socket);
    this.conns.add(conn);
    socket.once('close', () => this.conns.delete(conn));
    socket.resume();
  };

  /** The handler of `method`, or the error net/rpc gives for it. */
  lookup(method: string): RpcHandler | MusterError {
    const handler = this.methods.get(method);
    if (handler) return handler;
    const dot = method.lastIndexOf('.');
    if (dot < 0) return new MusterError('ERR_RPC', `rpc: service/method request ill-formed: ${method}`);
    if (!this.services.has(method.slice(0, dot))) return new MusterError('ERR_RPC', `rpc: can't find service ${method}`);
    return new MusterError('ERR_RPC', `rpc: can't find method ${method}`);
  }

  stats(): RpcServerStats {
    let inFlight = 0;
    for (const c of this.conns) inFlight += c.inFlightCount;
    return { ...this.counts, connections: this.conns.size, inFlight };
  }

  /** Closes every connection (their handlers' signals fire) and refuses new ones. Idempotent. */
  close(): void {
    this.closed = true;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
  }
}

class ServerConn {
  private readonly decoder = new FrameDecoder(frameBytesMax);
  private readonly writer: FrameWriter;
  private readonly inFlight = new Map<number, AbortController>();
  private readonly remoteAddress: string;

  constructor(
    private readonly server: RpcServer,
    private readonly socket: Socket,
  ) {
    this.writer = new FrameWriter(socket);
    this.remoteAddress = hostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.once('close', () => this.abortAll());
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Closes the connection; its handlers' signals fire at once. */
  destroy(): void {
    this.abortAll();
    this.socket.destroy();
  }

  private abortAll(): void {
    const all = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const ac of all) ac.abort(new MusterError('ERR_RPC', 'rpc: connection closed'));
  }

  private onData(chunk: Buffer): void {
    this.decoder.push(chunk);
    try {
      for (let payload = this.decoder.next(); payload !== undefined; payload = this.decoder.next()) {
        if (this.socket.destroyed) return;
        this.onMessage(payload);
      }
    } catch (err) {
      // A peer's protocol error, or a bug of ours: either way only this connection ends.
      if (err instanceof ProtocolError) this.server.counts.protocolErrors++;
      const level = err instanceof FrameTooLargeError ? 'warn' : 'error';
      this.server.logger[level]('RPC error', { conn: logConn(this.socket), error: err instanceof ProtocolError ? err.message : String(err) });
      this.socket.destroy();
    }
  }

  private onMessage(payload: Uint8Array): void {
    const m = parseClientMessage(payload);
    switch (m.kind) {
      case 'ping':
        this.server.counts.pings++;
        return this.reply({ seq: m.seq });
      case 'cancel':
        this.inFlight.get(m.seq)?.abort(new MusterError('ERR_RPC', 'rpc: call cancelled by the caller'));
        return;
      case 'request':
        return this.onRequest(m.seq, m.method, m.body);
    }
  }

  private onRequest(seq: number, method: string, body: unknown): void {
    if (this.inFlight.has(seq)) throw new ProtocolError(`duplicate seq ${seq} in flight`);
    this.server.counts.requests++;
    const handler = this.server.lookup(method);
    if (handler instanceof MusterError) return this.reply({ seq, error: toWireError(handler) });
    if (this.inFlight.size >= this.server.callsInFlightMax) {
      const text = `rpc: too many requests in flight on one connection (limit ${this.server.callsInFlightMax})`;
      return this.reply({ seq, error: { code: 'ERR_RPC', message: text } });
    }
    const ac = new AbortController();
    this.inFlight.set(seq, ac);
    const ctx: RpcContext = { method, remoteAddress: this.remoteAddress, signal: ac.signal };
    // Called synchronously, so the handler is listening on its signal before a cancel that
    // follows in the same chunk is read.
    let result: unknown;
    try {
      result = handler(body, ctx);
    } catch (err) {
      result = Promise.reject(err);
    }
    Promise.resolve(result)
      .then(
        (reply) => ({ seq, body: reply }),
        (err: unknown) => this.failed(seq, method, err),
      )
      .then((response) => {
        if (this.inFlight.get(seq) !== ac) return; // the connection closed meanwhile
        this.inFlight.delete(seq);
        this.reply(response);
      })
      .catch((err: unknown) => {
        this.server.logger.error('RPC error', { conn: logConn(this.socket), error: `cannot send reply: ${String(err)}` });
        this.socket.destroy();
      });
  }

  private failed(seq: number, method: string, err: unknown): ResponseMessage {
    if (!MusterError.is(err)) {
      this.server.logger.error('RPC handler failed', { method, conn: logConn(this.socket), error: String(err) });
    }
    const w = toWireError(err);
    if (w.message.length > errorMessageCharsMax) w.message = w.message.slice(0, errorMessageCharsMax);
    return { seq, error: w };
  }

  /** Sends one response; one that cannot be encoded or is too large becomes an error reply. */
  private reply(r: ResponseMessage): void {
    if (this.socket.destroyed) return;
    let payload: Uint8Array;
    try {
      payload = encodeResponse(r);
    } catch (err) {
      payload = encodeResponse({ seq: r.seq, error: { code: 'ERR_INTERNAL', message: `rpc: cannot encode reply: ${(err as Error).message}` } });
    }
    if (payload.length > frameBytesMax) {
      const message = `rpc: reply of ${payload.length} bytes exceeds the limit of ${frameBytesMax} bytes`;
      payload = encodeResponse({ seq: r.seq, error: { code: 'ERR_INTERNAL', message } });
    }
    const unsentBytes = this.writer.write(frameOf(payload));
    if (unsentBytes > serverWriteBufferBytesMax) {
      this.server.logger.warn('RPC error', { conn: logConn(this.socket), error: `client not reading replies (${unsentBytes} bytes unsent)` });
      this.socket.destroy();
    }
  }
}
