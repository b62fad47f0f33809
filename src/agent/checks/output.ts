/**
 * Check output limits, as Consul applies them:
 * - script and Docker checks keep the last `size` bytes (armon/circbuf) and, when more was
 *   written, prefix `Captured <size> of <total> bytes\n...\n`;
 * - HTTP checks keep the last `size` bytes of the body with no marker;
 * - TTL updates keep the first `size` bytes and append ` ... (captured <size> of <total> bytes)`.
 */

/** armon/circbuf: remembers the last `size` bytes written and how many were written in all. */
export class TailBuffer {
  private readonly buf: Uint8Array;
  private written = 0;

  constructor(readonly size: number) {
    this.buf = new Uint8Array(Math.max(0, size));
  }

  write(chunk: Uint8Array): void {
    const n = this.size;
    if (n === 0) {
      this.written += chunk.length;
      return;
    }
    for (let i = chunk.length > n ? chunk.length - n : 0; i < chunk.length; i++) {
      this.buf[(this.written + i) % n] = chunk[i]!;
    }
    this.written += chunk.length;
  }

  totalWritten(): number {
    return this.written;
  }

  bytes(): Uint8Array {
    const n = this.size;
    if (this.written <= n) return this.buf.slice(0, this.written);
    const start = this.written % n;
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(start), 0);
    out.set(this.buf.subarray(0, start), n - start);
    return out;
  }

  /** The kept bytes as text (invalid UTF-8 becomes U+FFFD, as Go's JSON encoder does). */
  text(): string {
    return decoder.decode(this.bytes());
  }
}

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** CheckMonitor's and CheckDocker's output text. */
export function scriptOutput(buf: TailBuffer): string {
  const text = buf.text();
  if (buf.totalWritten() > buf.size) return `Captured ${buf.size} of ${buf.totalWritten()} bytes\n...\n${text}`;
  return text;
}

/** CheckTTL.SetStatus: the first `max` bytes and a note, when the output is longer. */
export function truncateTtlOutput(output: string, max: number): string {
  const bytes = encoder.encode(output);
  if (bytes.length <= max) return output;
  return `${decoder.decode(bytes.subarray(0, max))} ... (captured ${max} of ${bytes.length} bytes)`;
}
