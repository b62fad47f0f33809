/**
 * The agent's HTTP/1.1 server, on `node:net`: the wire format of `wire/` (Go's net/http rules)
 * over sockets, one Exchange per request.
 *
 * Why not node:http (DESIGN.md's choice): a GET of one key spent 25.7 µs of CPU in the agent, of
 * which node:http's machinery (its parser callbacks, IncomingMessage and ServerResponse
 * streams, per-header validation, socket timers) was about 6 µs; this server spends about 1 µs
 * on the same work (http/README.md, "The transport"). It also answers malformed requests as
 * Consul does, which node:http could not be made to.
 *
 * Per connection: requests are read and answered in order (pipelined requests wait, unparsed,
 * until the one before is answered); a request body flows to its exchange as it arrives, with
 * back-pressure; a body the handler did not read is skipped (up to 256 KiB, as Go does, else
 * the connection is closed after the answer). Idle keep-alive connections close after
 * `keepAliveMs`, and a head that takes longer than `headMs` to arrive closes its connection.
 */
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { ChunkedDecoder, BodyError, WireError, headBytesMax, headEnd, parseHead, responseHead, type HeaderValues, type RequestHead } from './wire/index.js';
import type { Exchange } from './exchange.js';

export interface Http1Options {
  /** Takes each request; must answer through the exchange (reply, stream or destroy). */
  handle: (exchange: Exchange) => void;
  /** Wall-clock milliseconds, for the Date field. */
  nowMs: () => number;
  /** An idle keep-alive connection is closed after this long (default 30 s, what node:http did here). */
  keepAliveMs?: number;
  /** A request head must arrive within this long of its first byte (default 60 s). */
  headMs?: number;
}

/** How often idle and slow connections are looked for; the timeouts are this coarse. */
const sweepMs = 1000;
/** Body bytes queued for a handler that has not read them before the socket is paused. */
const bodyQueueBytesMax = 1 << 20;
/** Bytes of pipelined requests read ahead of the one being answered before the socket is paused. */
const readAheadBytesMax = 64 * 1024;
/** Go's maxPostHandlerReadBytes: a body left unread longer than this closes the connection. */
const unreadBodyBytesMax = 256 * 1024;
/** Replies larger than this are written as head and body, not copied into one buffer. */
const copyBytesMax = 64 * 1024;

export class Http1Server {
  private readonly listeners: NetServer[] = [];
  private readonly connections = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;
  private dateSecond = -1;
  private dateText = '';
  readonly keepAliveTicks: number;
  readonly headTicks: number;

  constructor(readonly options: Http1Options) {
    this.keepAliveTicks = Math.max(1, Math.ceil((options.keepAliveMs ?? 30_000) / sweepMs));
    this.headTicks = Math.max(1, Math.ceil((options.headMs ?? 60_000) / sweepMs));
  }

  /** Listens on host:port (port 0: a free one) or a unix socket; resolves with the bound address. */
  listen(at: { host: string; port: number } | { path: string }): Promise<AddressInfo | string> {
    const srv = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
    this.listeners.push(srv);
    this.sweeper ??= setInterval(() => this.sweep(), sweepMs).unref();
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      const listening = (): void => {
        srv.off('error', reject);
        resolve(srv.address() as AddressInfo | string);
      };
      if ('path' in at) srv.listen(at.path, listening);
      else srv.listen(at.port, at.host, listening);
    });
  }

  /** Stops listening and drops every connection (in-flight requests see their signal abort). */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const closed = this.listeners.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const c of this.connections) c.socket.destroy();
    this.listeners.length = 0;
    await Promise.all(closed);
  }

  private accept(socket: Socket): void {
    const conn = new Connection(socket, this);
    this.connections.add(conn);
    socket.once('close', () => this.connections.delete(conn));
  }

  /** The HTTP-date of now, computed once a second. */
  date(): string {
    const ms = this.options.nowMs();
    const second = Math.floor(ms / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.dateText = new Date(second * 1000).toUTCString();
    }
    return this.dateText;
  }

  private sweep(): void {
    for (const c of this.connections) c.tick();
  }
}

type BodyState = { kind: 'length'; remaining: number } | { kind: 'chunked'; decoder: ChunkedDecoder };

class Connection {
  /** Bytes read and not yet parsed. */
  private input: Buffer | undefined;
  /** The exchange being answered. */
  private current: WireExchange | undefined;
  /** The body being read: the current exchange's, or a skipped one after its answer. */
  private body: BodyState | undefined;
  private bodyOwner: WireExchange | undefined;
  private pumping = false;
  private closing = false;
  private ended = false;
  private paused = false;
  private quietTicks = 0;

  constructor(
    readonly socket: Socket,
    readonly server: Http1Server,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  tick(): void {
    if (this.current !== undefined || this.body !== undefined) return;
    this.quietTicks++;
    const limit = this.input === undefined ? this.server.keepAliveTicks : this.server.headTicks;
    if (this.quietTicks >= limit) this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    if (this.input === undefined) {
      this.input = chunk;
      this.quietTicks = 0; // a new head starts (or body bytes come): its clock starts now
    } else {
      this.input = Buffer.concat([this.input, chunk]);
    }
    this.pump();
  }

  private onEnd(): void {
    // The client has sent all it will. As Go's server (and node:http) take it, that is a
    // client going away: the request being answered sees its signal abort (a blocking query
    // lets go of its watches). What it asked is still answered, then the connection closes.
    this.ended = true;
    if (this.body !== undefined) this.failBody(this.body.kind === 'chunked' ? this.body.decoder.eofError() : new BodyError('unexpected EOF'));
    this.current?.abort();
    if (this.current !== undefined) return;
    // A head cut short by the end of the input: Go answers 400 (nothing at all to no bytes).
    if (this.input !== undefined && !this.closing) this.refuse(WireError.badRequest());
    else this.finish();
  }

  private onClose(): void {
    this.closing = true;
    this.input = undefined;
    if (this.body !== undefined) this.failBody(new BodyError('unexpected EOF'));
    this.current?.abort();
  }

  /** Parses and dispatches what can be: body bytes first, then the next request once the last is answered. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.input !== undefined && !this.closing) {
        if (this.body !== undefined) {
          if (!this.readBody(this.input)) break;
          continue;
        }
        if (this.current !== undefined) {
          if (this.input.length > readAheadBytesMax) this.pause();
          break;
        }
        const input = this.input;
        const end = headEnd(input, 0, input.length);
        if (end < 0) {
          if (input.length > headBytesMax) this.refuse(WireError.headTooLarge());
          break;
        }
        if (end > headBytesMax) {
          this.refuse(WireError.headTooLarge());
          break;
        }
        const head = parseHead(input.toString('latin1', 0, end));
        this.input = end === input.length ? undefined : input.subarray(end);
        if (head instanceof WireError) {
          this.refuse(head);
          break;
        }
        const ex = new WireExchange(this, head);
        this.current = ex;
        if (head.body.kind !== 'none') {
          this.body = head.body.kind === 'length' ? { kind: 'length', remaining: head.body.length } : { kind: 'chunked', decoder: new ChunkedDecoder() };
          this.bodyOwner = ex;
        } else {
          ex.endBody();
        }
        if (head.url === '*') asterisk(ex);
        else this.server.options.handle(ex);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Feeds body bytes from `input`; false when more bytes are needed or reading stopped. */
  private readBody(input: Buffer): boolean {
    const state = this.body!;
    const owner = this.bodyOwner!;
    let used: number;
    let complete: boolean;
    if (state.kind === 'length') {
      used = Math.min(state.remaining, input.length);
      owner.pushBody(input.subarray(0, used));
      state.remaining -= used;
      complete = state.remaining === 0;
    } else {
      try {
        used = state.decoder.push(input, 0, input.length, (data) => owner.pushBody(data));
      } catch (err) {
        // The framing is broken: nothing after it can be read. The handler's read fails (Consul
        // answers that as a 500); the connection closes after the answer.
        this.input = undefined;
        this.failBody(err as Error);
        return false;
      }
      complete = state.decoder.done;
    }
    this.input = used === input.length ? undefined : input.subarray(used);
    if (complete) {
      this.body = undefined;
      this.bodyOwner = undefined;
      owner.endBody();
      if (owner.completed) this.next();
    }
    return this.input !== undefined;
  }

  private failBody(err: Error): void {
    const owner = this.bodyOwner;
    this.body = undefined;
    this.bodyOwner = undefined;
    this.closing = true; // no request after a broken body can be found
    this.input = undefined;
    if (owner) {
      owner.failBody(err);
      if (owner.completed) this.finish();
    }
  }

  /** A transport-level error answer (Go's): write it and close. */
  private refuse(err: WireError): void {
    this.closing = true;
    this.input = undefined;
    this.socket.end(err.response(this.server.date()));
  }

  pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  resume(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /**
   * Whether the connection ends after `ex`'s answer: the client asked; it cannot be kept in
   * step (a body not read that is too long to skip, or one the client waits to be asked for);
   * or it is closing anyway.
   */
  closesAfter(ex: WireExchange): boolean {
    if (!ex.head.keepAlive || ex.closeAfter || this.closing || (this.ended && this.input === undefined)) return true;
    if (ex.head.body.kind === 'none') return false;
    // What the handler left of the body: Go reads on to the next request through less than
    // 256 KiB of it, and closes the connection otherwise.
    let unread = ex.unreadBytes;
    if (this.bodyOwner === ex) {
      if (ex.head.expectContinue && !ex.continued) return true;
      const state = this.body!;
      if (state.kind === 'chunked') return true;
      unread += state.remaining;
    }
    return unread >= unreadBodyBytesMax;
  }

  /** `ex` has been answered in full. */
  answered(ex: WireExchange, close: boolean): void {
    if (this.current !== ex) return;
    ex.completed = true;
    if (close) {
      this.closing = true;
      this.finish();
      return;
    }
    if (this.bodyOwner === ex) {
      ex.skipBody(); // read on, dropping it, before the next request
      this.resume();
      return;
    }
    this.next();
  }

  private next(): void {
    this.current = undefined;
    this.quietTicks = 0;
    this.resume();
    this.pump();
    // A client that has sent its last byte gets the answers to all it asked, then the close.
    if (this.ended && this.current === undefined && this.body === undefined) this.finish();
  }

  /** Ends the connection once what was written has gone out. */
  private finish(): void {
    this.closing = true;
    this.current = undefined;
    this.input = undefined;
    if (!this.socket.destroyed) this.socket.end();
  }
}

/**
 * A request for `*` is answered by Go's server itself: `OPTIONS *` with an empty 200 (its
 * globalOptionsHandler), anything else with ServeMux's empty 400 and a close.
 */
function asterisk(ex: WireExchange): void {
  if (ex.method === 'OPTIONS') {
    ex.reply(200, {}, '');
  } else {
    ex.closeAfter = true;
    ex.reply(400, {}, '');
  }
}

class WireExchange implements Exchange {
  readonly method: string;
  readonly url: string;
  /** The answer has begun (reply, stream or destroy). */
  answered = false;
  /** The answer is complete (a stream: ended). */
  completed = false;
  /** The transport closes the connection after this answer. */
  closeAfter = false;
  /** `100 Continue` was sent (or not needed). */
  continued: boolean;
  private aborter: AbortController | undefined;
  private chunks: Uint8Array[] = [];
  private queued = 0;
  private bodyDone = false;
  private bodyError: Error | undefined;
  private skipping = false;
  private wake: (() => void) | undefined;
  private bodyTaken = false;

  constructor(
    private readonly conn: Connection,
    readonly head: RequestHead,
  ) {
    this.method = head.method;
    this.url = head.url;
    this.continued = !head.expectContinue;
  }

  header(name: string): string | undefined {
    return this.head.headers.get(name);
  }

  get contentLength(): number {
    return this.head.body.kind === 'length' ? this.head.body.length : this.head.body.kind === 'none' ? 0 : -1;
  }

  get remote(): string {
    return `${this.conn.socket.remoteAddress}:${this.conn.socket.remotePort}`;
  }

  get signal(): AbortSignal {
    this.aborter ??= new AbortController();
    return this.aborter.signal;
  }

  abort(): void {
    // A stream is answered from its first byte but not complete until it ends: its writer
    // (the monitor, a snapshot) must hear that the client has gone.
    if (!this.completed) this.aborter?.abort();
    this.failBody(new BodyError('unexpected EOF'));
  }

  // ---- the request body ----

  /** Body bytes that arrived and were not read. */
  get unreadBytes(): number {
    return this.queued;
  }

  pushBody(data: Uint8Array): void {
    // After the answer, what is left of a body is read and dropped (closesAfter allowed it only
    // while less than 256 KiB was left).
    if (this.skipping) return;
    this.chunks.push(data);
    this.queued += data.byteLength;
    if (this.queued > bodyQueueBytesMax) this.conn.pause();
    this.wakeReader();
  }

  endBody(): void {
    this.bodyDone = true;
    this.wakeReader();
  }

  failBody(err: Error): void {
    if (this.bodyDone) return;
    this.bodyDone = true;
    this.bodyError = err;
    this.wakeReader();
  }

  skipBody(): void {
    this.skipping = true;
    this.chunks = [];
    this.queued = 0;
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  body(): AsyncIterable<Uint8Array> {
    if (this.bodyTaken) throw new Error('the request body was already read');
    this.bodyTaken = true;
    if (!this.continued && !this.answered) {
      this.continued = true;
      this.conn.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    return { [Symbol.asyncIterator]: () => this.reader() };
  }

  private async *reader(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.chunks.length > 0) {
        const chunk = this.chunks.shift()!;
        this.queued -= chunk.byteLength;
        if (this.queued <= bodyQueueBytesMax / 2) this.conn.resume();
        yield chunk;
        continue;
      }
      if (this.bodyError) throw this.bodyError;
      if (this.bodyDone) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  // ---- the response ----

  reply(status: number, headers: HeaderValues, body: string | Uint8Array, afterWrite?: () => void): void {
    const close = this.conn.closesAfter(this);
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    // Go gives a HEAD answer the length of the body its handler wrote, and none when it wrote none.
    const framing = length === 0 && this.method === 'HEAD' ? 'none' : { length };
    const head = responseHead(this.head.minor, status, headers, this.conn.server.date(), framing, close);
    this.begin();
    const socket = this.conn.socket;
    if (length === 0 || this.method === 'HEAD') {
      socket.write(head, 'latin1', afterWrite);
    } else if (length + head.length <= copyBytesMax) {
      const out = Buffer.allocUnsafe(head.length + length);
      out.write(head, 0, 'latin1');
      if (typeof body === 'string') out.write(body, head.length, 'utf8');
      else out.set(body, head.length);
      socket.write(out, afterWrite);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body, afterWrite);
      socket.uncork();
    }
    this.conn.answered(this, close);
  }

  stream(status: number, headers: HeaderValues): Writable {
    // HTTP/1.0 has no chunks: the body runs to the connection's end.
    const chunked = this.head.minor >= 1;
    const close = !chunked || this.conn.closesAfter(this);
    const socket = this.conn.socket;
    const responseText = responseHead(this.head.minor, status, headers, this.conn.server.date(), chunked ? 'chunked' : 'close', close);
    this.begin();
    socket.write(responseText, 'latin1');
    const head = this.method === 'HEAD';
    let finished = false;
    const complete = (): void => {
      finished = true;
      this.conn.answered(this, close);
    };
    // A failed write means the client has gone (EPIPE, ECONNRESET): the stream is destroyed
    // quietly, as node:http's ServerResponse does, and the writer learns of it from the
    // exchange's signal. An 'error' from a stream nobody listens on would end the process.
    const written = (cb: (err?: Error | null) => void) => (err?: Error | null) => {
      cb();
      if (err) out.destroy();
    };
    const out = new Writable({
      write(chunk: Buffer, _encoding, cb) {
        if (head || chunk.length === 0) return cb();
        if (socket.destroyed) {
          cb();
          return void out.destroy();
        }
        if (!chunked) return void socket.write(chunk, written(cb));
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        socket.write('\r\n', 'latin1', written(cb));
        socket.uncork();
      },
      final(cb) {
        if (chunked && !head && !socket.destroyed) socket.write('0\r\n\r\n', 'latin1');
        complete();
        cb();
      },
      destroy(err, cb) {
        // Destroyed before its end: the answer is cut short, so is the connection.
        if (!finished) socket.destroy();
        cb(err);
      },
    });
    // Errors a writer passes to destroy() (a failed pipeline) only cut the answer short.
    out.on('error', () => {});
    return out;
  }

  /** Also cuts short an answer under way (a reply that failed half-written). */
  destroy(): void {
    this.answered = true;
    this.conn.socket.destroy();
  }

  private begin(): void {
    if (this.answered) throw new Error(`${this.method} ${this.url} was already answered`);
    this.answered = true;
  }
}
