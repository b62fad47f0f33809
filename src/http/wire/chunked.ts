/**
 * Decodes a chunked request body (RFC 9112 §7.1) as Go's internal/chunked reader does, with its
 * error texts (a handler reading the body sees them; Consul answers them as 500s). Incremental:
 * bytes come in whatever pieces the socket gives, and decoding stops exactly at the end of the
 * body, so the bytes after it (a pipelined request) stay with the caller.
 */
import { BodyError } from './errors.js';

/** Go's maxLineLength for chunk-size and trailer lines. */
const lineBytesMax = 4096;
/** Go looks for the trailer's end within its 4 KiB read buffer, else refuses it. */
const trailerBytesMax = 4096;
const longTrailer = 'http: suspiciously long trailer after chunked body';

const enum State {
  Size,
  Data,
  DataCR,
  DataLF,
  Trailer,
  Done,
}

export class ChunkedDecoder {
  private state = State.Size;
  private line = '';
  private remaining = 0;
  private trailerBytes = 0;

  get done(): boolean {
    return this.state === State.Done;
  }

  /** The error a body cut short by the client's end reads as (Go 1.15's texts, by where it stopped). */
  eofError(): BodyError {
    if (this.state === State.Trailer && (this.line !== '' || this.trailerBytes > 0)) return new BodyError(longTrailer);
    if (this.state === State.Data || this.state === State.Trailer) return new BodyError('http: unexpected EOF reading trailer');
    return new BodyError('unexpected EOF');
  }

  /**
   * Decodes `bytes[from, to)`, handing each piece of body data to `out` (subarrays of `bytes`),
   * and returns how far it read: `to`, or the offset just past the body's end. Throws a
   * BodyError on a malformed framing.
   */
  push(bytes: Uint8Array, from: number, to: number, out: (data: Uint8Array) => void): number {
    let i = from;
    while (i < to) {
      switch (this.state) {
        case State.Data: {
          const n = Math.min(this.remaining, to - i);
          out(bytes.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.DataCR;
          break;
        }
        case State.DataCR:
          if (bytes[i++] !== 13) throw new BodyError('malformed chunked encoding');
          this.state = State.DataLF;
          break;
        case State.DataLF:
          if (bytes[i++] !== 10) throw new BodyError('malformed chunked encoding');
          this.state = State.Size;
          break;
        case State.Size:
        case State.Trailer: {
          const lf = bytes.indexOf(10, i);
          const end = lf < 0 || lf >= to ? to : lf;
          this.line += latin1(bytes, i, end);
          if (this.state === State.Trailer && this.trailerBytes + this.line.length > trailerBytesMax) throw new BodyError(longTrailer);
          if (this.line.length >= lineBytesMax) throw new BodyError('header line too long');
          if (end === to) return to;
          i = end + 1;
          const line = this.line;
          this.line = '';
          if (this.state === State.Size) this.sizeLine(line);
          else this.trailerLine(line);
          if ((this.state as State) === State.Done) return i;
          break;
        }
        case State.Done:
          return i;
      }
    }
    return i;
  }

  private sizeLine(raw: string): void {
    // Go 1.15: trailing whitespace off the line, then the extension cut at ';' (a space before
    // it is an invalid byte), and an empty size reads as 0, the last chunk.
    let line = raw.replace(/[ \t\r\n]+$/, '');
    const semi = line.indexOf(';');
    if (semi >= 0) line = line.slice(0, semi);
    let n = 0;
    for (let k = 0; k < line.length; k++) {
      const c = line.charCodeAt(k);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      else throw new BodyError('invalid byte in chunk length');
      // Go allows 16 hex digits (uint64); past 2^53 the count is approximate, and such a chunk
      // never arrives in full anyway.
      if (k === 16) throw new BodyError('http chunk length too large');
      n = n * 16 + d;
    }
    if (n === 0) {
      this.state = State.Trailer;
    } else {
      this.remaining = n;
      this.state = State.Data;
    }
  }

  private trailerLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      this.state = State.Done;
      return;
    }
    this.trailerBytes += raw.length + 1;
    if (this.trailerBytes > trailerBytesMax) throw new BodyError('http: trailer too large');
    if (line.indexOf(':') < 0 && line.charCodeAt(0) !== 0x20 && line.charCodeAt(0) !== 0x09) throw new BodyError(`malformed MIME header: missing colon: ${JSON.stringify(line)}`);
  }
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
