/**
 * One client connection to one server, carrying many calls at once (multiplexed by seq, as
 * Consul multiplexes yamux streams over one TCP connection). A call waits in a FIFO queue until
 * the connection is up, fewer than `callsInFlightMax` calls are out, and the socket's buffer
 * has room; then its request is written and it is "in flight" until its reply arrives.
 *
 * Invariants:
 * - every call settles exactly once: reply, its own timeout or signal, or the connection's end;
 * - a call whose caller gave up after sending keeps its slot until the server's reply (the
 *   server is still working on it; a cancel frame asks it to stop), so the in-flight count is
 *   the server's too;
 * - a reply with a long list (messages.ts) comes as parts before it: they gather on the call
 *   (or are dropped once it has settled) and are put in the body at its final response; they
 *   do not free the slot;
 * - when the connection ends, for whatever reason, every unsettled call fails at once with an
 *   RpcError naming the server and the reason, every timer is cancelled and the socket is
 *   destroyed; the connection is never used again (the pool dials a new one).
 */
import { createConnection, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatDurationMs, MusterError, type Logger } from '../lib/index.js';
import { fromWireError, ProtocolError, RpcError, type RpcErrorKind } from './errors.js';
import { FrameDecoder, FrameWriter, frameOf } from './frame.js';
import { clientDecodeMsPerTurn, clientWriteBufferBytesMax, frameBytesMax, seqMax, tcpKeepaliveDelayMs, waitingBytesMax } from './limits.js';
import { encodeCancel, encodePing, encodeRequest, parseResponse, type ResponseMessage } from './messages.js';
import { connErrorText, dialErrorText, type SocketAddresses } from './net-errors.js';
import { RpcType } from './protocol.js';

export interface ConnectionOptions {
  logger: Logger;
  dialTimeoutMs: number;
  idleMs: number;
  keepaliveIntervalMs: number;
  keepaliveTimeoutMs: number;
  callsInFlightMax: number;
  callsWaitingMax: number;
  /** Told after calls are written (the agent's LoopSpin keeps the loop awake for the reply). */
  afterWrite?: (() => void) | undefined;
  /** The address to dial from (Consul's RPCSrcAddr: the server's bind address), default the OS's choice. */
  localAddress?: string | undefined;
}

interface Call {
  seq: number;
  method: string;
  frame: Buffer | undefined;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Items of the list parts received so far (until the call settles). */
  items: unknown[] | undefined;
}

type State = 'connecting' | 'open' | 'closed';
type TimerName = 'dial' | 'idle' | 'keepalive' | 'pingDeadline';
const timerNames: readonly TimerName[] = ['dial', 'idle', 'keepalive', 'pingDeadline'];

export class RpcConnection {
  private state: State = 'connecting';
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder(frameBytesMax);
  private readonly writer: FrameWriter;
  /** Every unsettled or unanswered call, by seq. */
  private readonly calls = new Map<number, Call>();
  private readonly waiting = new Set<Call>();
  private waitingBytes = 0;
  private inFlight = 0;
  private lastSeq = 0;
  private readonly timers: Record<TimerName, NodeJS.Timeout | undefined> = {
    dial: undefined,
    idle: undefined,
    keepalive: undefined,
    pingDeadline: undefined,
  };
  private pingSeq = 0;
  private pingSentMs = 0;
  private lastReceiveMs = 0;
  /** Time spent decoding replies since the reading last let the event loop turn. */
  private decodeMs = 0;
  private readPaused = false;
  /** This end's address, kept at connect (the socket forgets it once it fails). */
  private local: SocketAddresses = {};
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;

  constructor(
    readonly address: string,
    host: string,
    port: number,
    private readonly opts: ConnectionOptions,
    /** Told once, when the connection ends (the pool forgets it). */
    private readonly onEnd: (conn: RpcConnection) => void,
  ) {
    this.socket = createConnection({ host, port, localAddress: opts.localAddress, noDelay: true, keepAlive: true, keepAliveInitialDelay: tcpKeepaliveDelayMs });
    this.writer = new FrameWriter(this.socket);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    const dialTimeout = `rpc error getting client: failed to get conn: ${dialErrorText(address, 'i/o timeout')}`;
    this.timers.dial = setTimeout(() => this.fail('dial', dialTimeout), opts.dialTimeoutMs);
    this.socket.once('connect', () => this.onConnect());
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('drain', () => this.pump());
    this.socket.on('error', (err) => this.onSocketError(err));
    this.socket.once('close', () => this.fail(this.state === 'connecting' ? 'dial' : 'broken', this.eofText()));
  }

  stats(): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight, waiting: this.waiting.size };
  }

  /** Sends one call; settles with the reply body, the server's error, or an RpcError. */
  call(method: string, body: unknown, timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.state === 'closed') return reject(this.error('shutdown', false, 'rpc error: shutdown'));
      if (signal?.aborted) return reject(this.error('aborted', false, `rpc error making call: ${method} aborted`));
      if (this.waiting.size >= this.opts.callsWaitingMax) {
        const text = `rpc error getting client: ${this.waiting.size} calls already waiting for server ${this.address}`;
        return reject(this.error('overloaded', false, text));
      }
      const seq = this.nextSeq();
      const frame = this.encode(seq, method, body);
      if (frame instanceof Error) return reject(frame);
      if (this.waitingBytes + frame.length > waitingBytesMax) {
        const text = `rpc error getting client: ${this.waitingBytes} bytes of calls already waiting for server ${this.address}`;
        return reject(this.error('overloaded', false, text));
      }
      const call: Call = { seq, method, frame, resolve, reject, settled: false, timer: undefined, signal, onAbort: undefined, items: undefined };
      call.timer = setTimeout(() => this.giveUp(call, 'timeout', `${method} timed out after ${formatDurationMs(timeoutMs)}`), timeoutMs);
      if (signal) {
        call.onAbort = () => this.giveUp(call, 'aborted', `${method} aborted`);
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      this.calls.set(seq, call);
      this.waiting.add(call);
      this.waitingBytes += frame.length;
      this.clearTimer('idle');
      this.pump();
    });
  }

  /** Fails every call as `shutdown` and closes the socket. */
  shutdown(): Promise<void> {
    this.fail('shutdown', 'rpc error: shutdown');
    return this.closed;
  }

  private encode(seq: number, method: string, body: unknown): Buffer | Error {
    let payload: Uint8Array;
    try {
      payload = encodeRequest(seq, method, body);
    } catch (err) {
      return new MusterError('ERR_INTERNAL', `rpc: cannot encode request for ${method}: ${(err as Error).message}`);
    }
    if (payload.length > frameBytesMax) {
      return new MusterError('ERR_TOO_LARGE', `rpc: request for ${method} of ${payload.length} bytes exceeds the limit of ${frameBytesMax} bytes`);
    }
    return frameOf(payload);
  }

  private nextSeq(): number {
    do this.lastSeq = this.lastSeq >= seqMax ? 1 : this.lastSeq + 1;
    while (this.calls.has(this.lastSeq) || this.lastSeq === this.pingSeq);
    return this.lastSeq;
  }

  private onConnect(): void {
    this.clearTimer('dial');
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.local = { localAddress: this.socket.localAddress, localPort: this.socket.localPort };
    this.lastReceiveMs = performance.now();
    this.writer.write(Uint8Array.of(RpcType.rpc));
    this.scheduleKeepalive();
    this.pump();
  }

  /** Moves waiting calls onto the wire while the bounds allow. */
  private pump(): void {
    let wrote = false;
    while (this.state === 'open' && this.waiting.size > 0 && this.inFlight < this.opts.callsInFlightMax) {
      if (this.socket.writableLength >= clientWriteBufferBytesMax) return; // 'drain' calls again
      const call = this.waiting.values().next().value as Call;
      this.waiting.delete(call);
      this.waitingBytes -= call.frame!.length;
      this.inFlight++;
      this.writer.write(call.frame!);
      call.frame = undefined;
      wrote = true;
    }
    if (wrote) this.opts.afterWrite?.();
    this.maybeIdle();
  }

  private onData(chunk: Buffer): void {
    const started = performance.now();
    this.lastReceiveMs = started;
    this.decoder.push(chunk);
    try {
      for (let payload = this.decoder.next(); payload !== undefined && this.state === 'open'; payload = this.decoder.next()) {
        this.onResponse(parseResponse(payload));
      }
    } catch (err) {
      const text = err instanceof ProtocolError ? `protocol error: ${err.message}` : String(err);
      this.fail('broken', `rpc error making call: ${text} (server ${this.address})`);
      return;
    }
    this.decodeMs += performance.now() - started;
    if (this.decodeMs >= clientDecodeMsPerTurn) this.letLoopTurn();
  }

  /**
   * Pauses reading for one turn of the event loop: the many parts of a long list reply that
   * wait in the kernel would otherwise be read and decoded in one go (see clientDecodeMsPerTurn).
   */
  private letLoopTurn(): void {
    if (this.readPaused || this.state !== 'open') return;
    this.readPaused = true;
    this.socket.pause();
    setImmediate(() => {
      this.readPaused = false;
      this.decodeMs = 0;
      if (this.state === 'open') this.socket.resume();
    });
  }

  private onResponse(r: ResponseMessage): void {
    if (r.part !== undefined) return this.onPart(r.seq, r.part);
    if (r.seq === this.pingSeq) {
      this.pingSeq = 0;
      this.clearTimer('pingDeadline');
      return;
    }
    const call = this.calls.get(r.seq);
    if (call === undefined || call.frame !== undefined) throw new ProtocolError(`reply to seq ${r.seq}, which is not in flight`);
    this.calls.delete(r.seq);
    this.inFlight--;
    if (!call.settled) {
      if (r.error) this.settle(call, fromWireError(r.error));
      else this.settle(call, undefined, r.listAt === undefined ? r.body : withList(r.body as Record<string, unknown>, r.listAt, call.items ?? []));
    }
    this.pump();
  }

  /** A list part: its items gather on the call, in order; a call that has settled drops them. */
  private onPart(seq: number, items: unknown[]): void {
    const call = this.calls.get(seq);
    if (call === undefined || call.frame !== undefined) throw new ProtocolError(`list part for seq ${seq}, which is not in flight`);
    if (call.settled) return;
    const gathered = (call.items ??= []);
    for (const item of items) gathered.push(item); // not push(...items): a spread of a long part overflows the stack
  }

  /** The caller's timeout or signal: fail the call now; a sent one keeps its slot until the reply. */
  private giveUp(call: Call, kind: 'timeout' | 'aborted', what: string): void {
    if (call.settled) return;
    const sent = call.frame === undefined;
    this.settle(call, this.error(kind, sent, `rpc error making call: ${what} (server ${this.address})`));
    if (!sent) {
      this.waiting.delete(call);
      this.waitingBytes -= call.frame!.length;
      this.calls.delete(call.seq);
      this.maybeIdle();
    } else if (this.state === 'open') {
      this.writer.write(frameOf(encodeCancel(call.seq)));
    }
  }

  private settle(call: Call, err: Error | undefined, body?: unknown): void {
    call.settled = true;
    call.items = undefined;
    clearTimeout(call.timer);
    if (call.onAbort) call.signal!.removeEventListener('abort', call.onAbort);
    if (err) call.reject(err);
    else call.resolve(body);
  }

  private onSocketError(err: Error): void {
    if (this.state === 'connecting') this.fail('dial', `rpc error getting client: failed to get conn: ${dialErrorText(this.address, err)}`);
    else this.fail('broken', `rpc error making call: ${connErrorText(this.address, this.local, err)}`);
  }

  private eofText(): string {
    return this.state === 'connecting'
      ? `rpc error getting client: failed to get conn: ${dialErrorText(this.address, 'connection closed')}`
      : `rpc error making call: EOF (server ${this.address})`;
  }

  /** Ends the connection: every unsettled call fails with `kind` and `message`. Idempotent. */
  private fail(kind: RpcErrorKind, message: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const name of timerNames) this.clearTimer(name);
    this.socket.destroy();
    if (kind !== 'shutdown') this.opts.logger.debug('RPC connection ended', { server: this.address, error: message });
    const calls = [...this.calls.values()];
    this.calls.clear();
    this.waiting.clear();
    this.waitingBytes = 0;
    this.inFlight = 0;
    for (const call of calls) {
      // A call still waiting was never sent (`sent` false): retryable on any server.
      if (!call.settled) this.settle(call, this.error(kind, call.frame === undefined, message));
    }
    this.onEnd(this);
  }

  private error(kind: RpcErrorKind, sent: boolean, message: string): RpcError {
    return new RpcError(kind, this.address, sent, message);
  }

  private maybeIdle(): void {
    if (this.state !== 'open' || this.calls.size > 0 || this.timers.idle !== undefined) return;
    this.timers.idle = setTimeout(() => {
      this.timers.idle = undefined;
      this.fail('shutdown', 'rpc error: idle connection closed');
    }, this.opts.idleMs);
  }

  /** yamux's keepalive: after an interval of silence, a ping; no bytes back within the timeout ends it. */
  private scheduleKeepalive(): void {
    this.timers.keepalive = setTimeout(() => {
      const now = performance.now();
      if (this.pingSeq === 0 && now - this.lastReceiveMs >= this.opts.keepaliveIntervalMs) this.sendPing(now);
      this.scheduleKeepalive();
    }, this.opts.keepaliveIntervalMs);
  }

  private sendPing(now: number): void {
    this.pingSeq = this.nextSeq();
    this.pingSentMs = now;
    this.writer.write(frameOf(encodePing(this.pingSeq)));
    const check = (): void => {
      // Bytes arriving (a long reply still streaming in) prove the server alive: wait on.
      if (this.lastReceiveMs > this.pingSentMs) {
        this.pingSentMs = performance.now();
        this.timers.pingDeadline = setTimeout(check, this.opts.keepaliveTimeoutMs);
        return;
      }
      this.timers.pingDeadline = undefined;
      this.fail('broken', `rpc error making call: keepalive timeout (server ${this.address})`);
    };
    this.timers.pingDeadline = setTimeout(check, this.opts.keepaliveTimeoutMs);
  }

  private clearTimer(name: TimerName): void {
    clearTimeout(this.timers[name]);
    this.timers[name] = undefined;
  }
}

/**
 * `body` with `field` set to the list gathered from the parts. Defined rather than assigned, so
 * that any name (`__proto__` too) is an own property; one the body already has keeps its place.
 */
function withList(body: Record<string, unknown>, field: string, items: unknown[]): Record<string, unknown> {
  Object.defineProperty(body, field, { value: items, enumerable: true, writable: true, configurable: true });
  return body;
}
