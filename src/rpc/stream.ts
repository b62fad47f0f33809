/**
 * Streamed calls on the RPC port (Consul's RPCSnapshot, type byte 5): one request that carries
 * a byte stream each way, for what does not fit a request/response frame (a snapshot archive of
 * any size).
 *
 *   client → server: 5, u32 length + msgpack(request), then the request body
 *   server → client: u32 length + msgpack(reply | {error}), then the reply body
 *
 * A body is chunks of `u32 length + bytes` ended by a chunk of length 0, so a connection that
 * breaks mid-body is an error on the reading side, never a body that looks complete (and no
 * half-close is needed). The server's handler sees the request body as it arrives and answers
 * once it is done with it (a restore) or at once (a save, whose archive follows). An error is a
 * reply `{error: {code, message}}` with no body.
 */
import { createConnection, type Socket } from 'node:net';
import { decode, encode, MusterError, type Logger } from '../lib/index.js';
import { fromWireError, toWireError, type WireError } from './errors.js';
import { frameOf } from './frame.js';
import type { ProtocolHandler } from './listener.js';
import { parseAddress } from './net-errors.js';
import { RpcType } from './protocol.js';

/** A request or reply header longer than this is not one (they are a few fields). */
const headerBytesMax = 64 * 1024;
/** A body chunk longer than this is not one (senders write what they read: 64 KiB or so). */
const bodyChunkBytesMax = 16 * 1024 * 1024;

export interface StreamReply {
  reply: unknown;
  body: AsyncIterable<Uint8Array>;
}

export type StreamServe = (request: unknown, body: AsyncIterable<Uint8Array>) => Promise<{ reply: unknown; body?: AsyncIterable<Uint8Array> }>;

/** One header: the rpc protocol's frame (u32 length + msgpack). */
function frame(value: unknown): Uint8Array {
  return frameOf(encode(value));
}

/** Pulls exact byte counts off a socket's chunks. */
class ByteReader {
  private buf = new Uint8Array(0);

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /** `n` bytes, or undefined when the stream ended before any of them (an error when it ended amid them). */
  async take(n: number, what: string): Promise<Uint8Array | undefined> {
    while (this.buf.length < n) {
      const next = await this.chunks.next();
      if (next.done) {
        if (this.buf.length === 0) return undefined;
        throw new MusterError('ERR_RPC', `rpc: connection closed in the middle of the ${what}`);
      }
      const joined = new Uint8Array(this.buf.length + next.value.length);
      joined.set(this.buf);
      joined.set(next.value, this.buf.length);
      this.buf = joined;
    }
    const out = this.buf.slice(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async frameLength(what: string): Promise<number> {
    const b = await this.take(4, what);
    if (b === undefined) throw new MusterError('ERR_RPC', `rpc: connection closed before the ${what}`);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  async header(what: string): Promise<unknown> {
    const len = await this.frameLength(`${what} header`);
    if (len > headerBytesMax) throw new MusterError('ERR_RPC', `rpc: ${what} header of ${len} bytes`);
    return decode((await this.take(len, `${what} header`)) ?? new Uint8Array(0));
  }

  /** The body's chunks up to the empty one that ends it. */
  async *body(what: string): AsyncGenerator<Uint8Array> {
    for (;;) {
      const len = await this.frameLength(what);
      if (len === 0) return;
      if (len > bodyChunkBytesMax) throw new MusterError('ERR_RPC', `rpc: ${what} chunk of ${len} bytes`);
      yield (await this.take(len, what))!;
    }
  }
}

function chunkHeader(length: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, length);
  return out;
}

/** Writes a body: each chunk framed, then the empty chunk that ends it. */
async function writeBody(socket: Socket, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const c of chunks) {
    if (c.length === 0) continue;
    socket.write(chunkHeader(c.length));
    if (!socket.write(c)) await new Promise<void>((resolve, reject) => {
      const onErr = (err: Error): void => reject(err);
      socket.once('error', onErr);
      socket.once('drain', () => {
        socket.off('error', onErr);
        resolve();
      });
    });
  }
  socket.write(chunkHeader(0));
}

/**
 * Opens a streamed call to `address`; resolves once the reply header is in (the request body
 * has then been sent in full, or the server answered early), with the reply body to read.
 */
export async function streamCall(address: string, request: unknown, body: AsyncIterable<Uint8Array> | undefined, opts: { localAddress?: string | undefined } = {}): Promise<StreamReply> {
  const hp = parseAddress(address);
  if (hp === undefined) throw new MusterError('ERR_RPC', `dial tcp ${address}: address is not host:port`);
  const socket = createConnection({ host: hp.host, port: hp.port, localAddress: opts.localAddress, noDelay: true });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  try {
    await connected;
  } catch (err) {
    socket.destroy();
    throw new MusterError('ERR_RPC', `rpc error getting client: failed to get conn: dial tcp ${address}: ${(err as Error).message}`);
  }
  socket.on('error', () => {}); // surfaces through the reads and writes below
  const reader = new ByteReader(socket[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>);
  socket.write(Uint8Array.of(RpcType.snapshot));
  socket.write(frame(request));
  // A failed send breaks the connection; the header read then fails, or has already succeeded (an early error reply).
  writeBody(socket, body ?? (async function* () {})()).catch(() => socket.destroy());
  try {
    const header = await reader.header('reply');
    const h = header as { error?: WireError };
    if (h !== null && typeof h === 'object' && h.error !== undefined) {
      socket.destroy();
      throw fromWireError(h.error);
    }
    const replyBody = (async function* () {
      try {
        yield* reader.body('reply body');
      } finally {
        socket.destroy();
      }
    })();
    return { reply: header, body: replyBody };
  } catch (err) {
    socket.destroy();
    throw MusterError.is(err) ? err : new MusterError('ERR_RPC', `rpc error: ${(err as Error).message}`);
  }
}

/** The server side: a ProtocolHandler for RpcType.snapshot. */
export function streamHandler(serve: StreamServe, logger: Logger): ProtocolHandler {
  return (socket) => {
    void (async () => {
      const reader = new ByteReader(socket[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>);
      let out: { reply: unknown; body?: AsyncIterable<Uint8Array> };
      try {
        const header = await reader.header('request');
        out = await serve(header, reader.body('request body'));
      } catch (err) {
        if (!socket.destroyed) socket.end(frame({ error: toWireError(err) }));
        return;
      }
      socket.write(frame(out.reply));
      await writeBody(socket, out.body ?? (async function* () {})());
      socket.end();
    })().catch((err: Error) => {
      logger.error('snapshot stream failed', { error: err.message });
      socket.destroy();
    });
  };
}
