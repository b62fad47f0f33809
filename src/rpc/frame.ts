/**
 * Frames: a u32 big-endian length, then that many bytes of msgpack. The decoder keeps the
 * received chunks in a list (no quadratic concatenation for a frame that arrives in a thousand
 * pieces) and hands out each payload as its own exact-size copy, so a byte array decoded from
 * it (a KV value kept in the state store) never pins a whole socket chunk. A length above the
 * bound is refused as soon as the header is in, before any of the body is buffered.
 */
import type { Socket } from 'node:net';
import { ProtocolError } from './errors.js';
import { frameBytesMax, frameHeaderBytes } from './limits.js';

export class FrameTooLargeError extends ProtocolError {
  constructor(readonly frameBytes: number) {
    super(`frame of ${frameBytes} bytes exceeds the limit of ${frameBytesMax} bytes`);
  }
}

export class FrameDecoder {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes in `chunks`, minus what was consumed from the first one. */
  private bufferedBytes = 0;
  /** Offset already consumed in chunks[0]. */
  private offset = 0;
  /** Payload length of the frame being assembled, once its header is in. */
  private needBytes = -1;

  constructor(private readonly maxBytes = frameBytesMax) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
  }

  /** The next complete payload, or undefined; throws FrameTooLargeError on an oversized header. */
  next(): Uint8Array | undefined {
    if (this.needBytes < 0) {
      if (this.bufferedBytes < frameHeaderBytes) return undefined;
      const h = this.take(frameHeaderBytes);
      const n = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
      if (n > this.maxBytes) throw new FrameTooLargeError(n);
      this.needBytes = n;
    }
    if (this.bufferedBytes < this.needBytes) return undefined;
    const payload = this.take(this.needBytes);
    this.needBytes = -1;
    return payload;
  }

  /** Bytes held (for tests and stats). */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /** Copies the first `n` buffered bytes out (n ≤ bufferedBytes). */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0]!;
      const count = Math.min(n - filled, head.length - this.offset);
      out.set(head.subarray(this.offset, this.offset + count), filled);
      filled += count;
      this.offset += count;
      if (this.offset === head.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.bufferedBytes -= n;
    return out;
  }
}

/** Length-prefixes a payload. */
export function frameOf(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, frameHeaderBytes);
  return out;
}

/**
 * Writes frames to a socket, corking it for the rest of the tick so that the many frames one
 * tick produces (a burst of calls, a burst of replies) leave in one writev.
 */
export class FrameWriter {
  private corked = false;

  constructor(private readonly socket: Socket) {}

  /** Returns the socket's unsent bytes after the write. */
  write(frame: Uint8Array): number {
    const s = this.socket;
    if (s.destroyed) return 0;
    if (!this.corked) {
      this.corked = true;
      s.cork();
      process.nextTick(() => {
        this.corked = false;
        s.uncork();
      });
    }
    s.write(frame);
    return s.writableLength;
  }
}
