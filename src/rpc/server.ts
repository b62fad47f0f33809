/**
 * The server side of the RPC protocol (messages.ts): methods registered by name, requests on
 * one connection handled concurrently, each answered exactly once, in whatever order they
 * finish. A handler gets an AbortSignal that fires when the caller cancels the call or the
 * connection closes (a blocking query stops watching). Anything a peer sends that breaks the
 * protocol (bad frame, bad msgpack, bad fields, oversized frame, duplicate seq) is logged and
 * closes that connection only; the server and its other connections carry on.
 *
 * A handler may return a ListReply, a body with one long list (a whole-store KV read): the list
 * goes as parts, a frame and a turn of the event loop each, paced by the socket's drain, then
 * the rest of the body, so no length of list is over the frame bound, holds the event loop, or
 * piles up in the socket's buffer.
 */
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { assert, MusterError, type Logger } from '../lib/index.js';
import { ProtocolError, toWireError, type WireError } from './errors.js';
import { FrameDecoder, FrameTooLargeError, FrameWriter, frameOf } from './frame.js';
import { callsInFlightMax, frameBytesMax, listBufferBytesMax, listFirstPartItems, listPartBytes, listPartItems, serverWriteBufferBytesMax } from './limits.js';
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

/** Validates `body` (it is whatever the peer sent) and returns the reply body (or a ListReply). */
export type RpcHandler = (body: unknown, ctx: RpcContext) => unknown;

/**
 * A handler's reply whose body is `head`, with `head[field]` a long list (a whole-store KV read:
 * 1M entries). The caller gets `head` all the same; on the wire a list longer than
 * listPartItems (or too large for one frame) goes as parts, encoded one at a time in their own
 * turns of the event loop (messages.ts). The list is encoded as it is sent: the handler must not
 * change it once returned.
 */
export class ListReply<T extends object = object> {
  /** `head[field]`. */
  readonly list: readonly unknown[];

  constructor(
    readonly head: T,
    readonly field: keyof T & string,
  ) {
    const list: unknown = (head as Record<string, unknown>)[field];
    assert(Array.isArray(list), `ListReply: field ${field} is not an array`);
    this.list = list;
  }
}

export interface RpcServerOptions {
  logger: Logger;
  /** Requests handled at once per connection; more are refused (a well-behaved client never sends them). */
  callsInFlightMax?: number;
  /** Told after each reply is written (the agent's LoopSpin keeps the loop awake a moment). */
  afterReply?: (() => void) | undefined;
}

export interface RpcServerStats {
  connections: number;
  inFlight: number;
  requests: number;
  pings: number;
  protocolErrors: number;
  /** Parts of list replies sent. */
  listParts: number;
  /** Times a list reply waited for its caller to read (listBufferBytesMax unsent). */
  listDrainWaits: number;
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
  readonly afterReply: (() => void) | undefined;
  readonly counts = { requests: 0, pings: 0, protocolErrors: 0, listParts: 0, listDrainWaits: 0 };

  constructor(opts: RpcServerOptions) {
    this.logger = opts.logger;
    this.callsInFlightMax = opts.callsInFlightMax ?? callsInFlightMax;
    this.afterReply = opts.afterReply;
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
  /** List replies waiting for the socket to drain (one listener on the socket for them all). */
  private readonly drainWaiters = new Set<() => void>();

  constructor(
    private readonly server: RpcServer,
    private readonly socket: Socket,
  ) {
    this.writer = new FrameWriter(socket);
    this.remoteAddress = hostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.wakeDrainWaiters());
    socket.once('close', () => {
      this.abortAll();
      this.wakeDrainWaiters();
    });
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
        (reply) => (reply instanceof ListReply ? this.listAnswer(seq, ac.signal, reply) : encodeReply({ seq, body: reply })),
        (err: unknown) => encodeReply(this.failed(seq, method, err)),
      )
      .then((payload) => {
        // The seq stays in flight until here (through a list's parts): a cancel still finds it.
        if (payload === undefined || this.inFlight.get(seq) !== ac) return; // the connection closed meanwhile
        this.inFlight.delete(seq);
        this.send(payload);
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
    this.send(encodeReply(r));
  }

  /** Writes one message; a peer that does not read what it is sent loses the connection. */
  private send(payload: Uint8Array): void {
    if (this.socket.destroyed) return;
    const unsentBytes = this.writer.write(frameOf(payload));
    this.server.afterReply?.();
    if (unsentBytes > serverWriteBufferBytesMax) {
      this.server.logger.warn('RPC error', { conn: logConn(this.socket), error: `client not reading replies (${unsentBytes} bytes unsent)` });
      this.socket.destroy();
    }
  }

  /**
   * The final response to a ListReply (undefined if the connection closed meanwhile). A short
   * list that fits one frame goes whole in it, as any reply; a longer one, or a short one too
   * large, goes first as parts, and the final response is the rest of the body with `listAt`.
   */
  private async listAnswer(seq: number, signal: AbortSignal, reply: ListReply): Promise<Uint8Array | undefined> {
    const { list, field } = reply;
    let firstPartItems = listFirstPartItems;
    if (list.length <= listPartItems) {
      const whole = encodeWithin({ seq, body: reply.head });
      if (!('refused' in whole)) return whole.payload;
      if (whole.tooLargeBytes === undefined) return errorPayload(seq, whole.refused);
      firstPartItems = nextPartItems(list.length, whole.tooLargeBytes);
    }
    // The field keeps its place in the body (an empty list there), so the caller's body has its
    // keys in the handler's order.
    const final = encodeWithin({ seq, body: { ...reply.head, [field]: [] }, listAt: field });
    if ('refused' in final) return errorPayload(seq, final.refused); // before any part goes
    return this.sendParts(seq, signal, list, firstPartItems, final.payload);
  }

  /**
   * Sends `list` as parts, each in its own turn of the event loop, and returns `final`. Stops at
   * the caller's cancel (its error reply instead), the connection's end (undefined), or an item
   * that cannot be encoded or alone is over the frame bound (that error reply; the caller drops
   * the parts it got).
   */
  private async sendParts(seq: number, signal: AbortSignal, list: readonly unknown[], firstPartItems: number, final: Uint8Array): Promise<Uint8Array | undefined> {
    let items = firstPartItems;
    for (let from = 0; from < list.length; ) {
      if (from > 0) await this.turn(signal);
      if (this.socket.destroyed) return undefined;
      if (signal.aborted) return errorPayload(seq, toWireError(signal.reason));
      const part = encodePart(seq, list, from, items);
      if ('refused' in part) return errorPayload(seq, part.refused);
      this.send(part.payload);
      this.server.counts.listParts++;
      from += part.items;
      items = nextPartItems(part.items, part.payload.length);
    }
    return final;
  }

  /**
   * The next turn of the event loop; first the socket's drain while it holds more than
   * listBufferBytesMax unsent. Always through setImmediate: a socket with room in the kernel
   * emits `drain` on a process.nextTick, which would chain the parts without the loop turning
   * (see http/json-list.ts).
   */
  private async turn(signal: AbortSignal): Promise<void> {
    if (this.socket.writableLength > listBufferBytesMax) {
      this.server.counts.listDrainWaits++;
      await this.drained(signal);
    }
    await nextTurn();
  }

  /** Resolves on the socket's next `drain`, its close, or the call's cancel. */
  private drained(signal: AbortSignal): Promise<void> {
    if (this.socket.destroyed || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.drainWaiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.drainWaiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wakeDrainWaiters(): void {
    for (const done of [...this.drainWaiters]) done();
  }
}

/** A response's payload, or the error reply's error that replaces it (`tooLargeBytes` set when over the frame bound). */
type Encoded = { payload: Uint8Array } | { refused: WireError; tooLargeBytes: number | undefined };

function encodeWithin(r: ResponseMessage): Encoded {
  let payload: Uint8Array;
  try {
    payload = encodeResponse(r);
  } catch (err) {
    return { refused: { code: 'ERR_INTERNAL', message: `rpc: cannot encode reply: ${(err as Error).message}` }, tooLargeBytes: undefined };
  }
  if (payload.length > frameBytesMax) {
    const message = `rpc: reply of ${payload.length} bytes exceeds the limit of ${frameBytesMax} bytes`;
    return { refused: { code: 'ERR_INTERNAL', message }, tooLargeBytes: payload.length };
  }
  return { payload };
}

/** The payload of `r`, or of the error reply that replaces it. */
function encodeReply(r: ResponseMessage): Uint8Array {
  const e = encodeWithin(r);
  return 'refused' in e ? errorPayload(r.seq, e.refused) : e.payload;
}

function errorPayload(seq: number, error: WireError): Uint8Array {
  return encodeResponse({ seq, error });
}

/**
 * The part of up to `items` items from `from`; one over the frame bound is cut, by half or more
 * (to about listPartBytes by its bytes per item), until it fits. A single item over the bound,
 * or one that cannot be encoded, refuses the reply.
 */
function encodePart(seq: number, list: readonly unknown[], from: number, items: number): { payload: Uint8Array; items: number } | { refused: WireError } {
  for (let n = Math.min(items, list.length - from); ; ) {
    const e = encodeWithin({ seq, part: list.slice(from, from + n) });
    if (!('refused' in e)) return { payload: e.payload, items: n };
    if (e.tooLargeBytes === undefined || n === 1) return { refused: e.refused };
    n = Math.min(Math.floor(n / 2), nextPartItems(n, e.tooLargeBytes));
  }
}

/** Items for the next part after `items` took `bytes`: scaled to listPartBytes, at most twice as many, within [1, listPartItems]. */
function nextPartItems(items: number, bytes: number): number {
  return Math.max(1, Math.min(listPartItems, 2 * items, Math.floor((items * listPartBytes) / Math.max(1, bytes))));
}
