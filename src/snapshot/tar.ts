/**
 * The subset of tar that snapshot archives use, streamed both ways: USTAR headers as Go's
 * archive/tar writes them (mode, uid, gid, size and mtime in octal, `ustar\0` + `00`, no
 * padding of the archive to a record size), and a reader that accepts bytes cut anywhere and
 * hands each file's body on as it arrives (never a whole file in memory).
 *
 * Reading follows Go's tar.Reader where snapshots can tell: a stream ending cleanly at a header
 * boundary is the end; a partial header or body is "unexpected EOF"; a bad checksum or a
 * single zero block followed by data is "archive/tar: invalid tar header". PAX headers (`x`,
 * `g`) are skipped, except a PAX `size` record, and a base-256 size is read; files other than
 * regular ones are handed on like regular ones (the archive reader rejects their names).
 */

export const blockBytes = 512;
/** Largest size a USTAR header holds in its 11 octal digits (8 GiB - 1). */
export const ustarSizeMax = 0o77777777777;

export class TarError extends Error {
  constructor(
    /** Where the stream broke: in a header, or in the body of the named file. */
    readonly where: { header: true } | { body: string },
    message: string,
    /** The input's own error, when reading the input failed (e.g. a corrupt gzip stream). */
    readonly inputError?: unknown,
  ) {
    super(message);
  }
}

const ascii = new TextEncoder();
const latin = new TextDecoder('latin1');

function putString(block: Uint8Array, at: number, width: number, text: string): void {
  const bytes = ascii.encode(text);
  block.set(bytes.subarray(0, width), at);
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One header block, as Go's tar.Writer writes a regular file in USTAR format. */
export function tarHeader(name: string, size: number, mtimeSec: number, mode = 0o600): Uint8Array {
  if (size > ustarSizeMax) throw new RangeError(`tar: ${name} is ${size} bytes, over the USTAR limit of ${ustarSizeMax}`);
  const h = new Uint8Array(blockBytes);
  putString(h, 0, 100, name);
  putString(h, 100, 8, octal(mode, 8));
  putString(h, 108, 8, octal(0, 8));
  putString(h, 116, 8, octal(0, 8));
  putString(h, 124, 12, octal(size, 12));
  putString(h, 136, 12, octal(Math.max(0, Math.floor(mtimeSec)), 12));
  h[156] = 0x30; // '0': regular file
  putString(h, 257, 6, 'ustar\0');
  putString(h, 263, 2, '00');
  putString(h, 329, 8, octal(0, 8));
  putString(h, 337, 8, octal(0, 8));
  // The checksum is summed with its own field as spaces, then written as 6 digits, NUL, space.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** Zero bytes that pad a body of `size` bytes to a whole block. */
export function tarPadding(size: number): Uint8Array {
  const rest = size % blockBytes;
  return new Uint8Array(rest === 0 ? 0 : blockBytes - rest);
}

/** The end of an archive: two zero blocks (Go pads no further). */
export function tarEnd(): Uint8Array {
  return new Uint8Array(2 * blockBytes);
}

export interface TarFileSink {
  /** A piece of the body, in order; awaited before more is read (backpressure). */
  data(chunk: Uint8Array): void | Promise<void>;
  /** The body is complete. */
  end(): void | Promise<void>;
}

interface ParsedHeader {
  name: string;
  size: number;
  type: number;
}

function parseNumber(field: Uint8Array): number | undefined {
  if (field.length > 0 && (field[0]! & 0x80) !== 0) {
    // GNU base-256: big-endian, the top bit of the first byte set.
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = latin.decode(field).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

function parseHeader(h: Uint8Array): ParsedHeader | undefined {
  const stored = parseNumber(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < blockBytes; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  const size = parseNumber(h.subarray(124, 136));
  if (stored !== sum || size === undefined) return undefined;
  let name = latin.decode(h.subarray(0, 100)).replace(/\0.*$/s, '');
  const magic = latin.decode(h.subarray(257, 263));
  if (magic === 'ustar\0') {
    const prefix = latin.decode(h.subarray(345, 500)).replace(/\0.*$/s, '');
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return { name, size, type: h[156]! };
}

const invalidHeader = (): TarError => new TarError({ header: true }, 'archive/tar: invalid tar header');
const unexpectedEOF = 'unexpected EOF';

/**
 * Reads a tar stream, opening a sink per file. Resolves with the bytes that followed the end
 * marker (Go leaves them unread; the caller decides what they mean).
 */
export async function readTar(input: AsyncIterable<Uint8Array>, open: (name: string, size: number) => TarFileSink): Promise<number> {
  const header = new Uint8Array(blockBytes);
  let have = 0; // bytes of the current header block
  let body: { name: string; left: number; pad: number; sink: TarFileSink | undefined; paxSize: boolean } | undefined;
  let zeroBlocks = 0;
  let pendingPaxSize: number | undefined;
  let paxText: Uint8Array[] = [];
  let trailing = 0;
  let done = false;
  const it = input[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await it.next();
    } catch (err) {
      const where = body && (body.left > 0 || body.pad > 0) ? { body: body.name } : { header: true as const };
      throw new TarError(where, (err as Error)?.message ?? String(err), err);
    }
    if (next.done) break;
    const chunk = next.value;
    let at = 0;
    while (at < chunk.length) {
      if (done) {
        trailing += chunk.length - at;
        break;
      }
      if (body) {
        if (body.left > 0) {
          const n = Math.min(body.left, chunk.length - at);
          const piece = chunk.subarray(at, at + n);
          if (body.sink) await body.sink.data(piece);
          else if (body.paxSize) paxText.push(piece.slice());
          body.left -= n;
          at += n;
          if (body.left === 0 && body.sink) await body.sink.end();
          continue;
        }
        const n = Math.min(body.pad, chunk.length - at);
        body.pad -= n;
        at += n;
        if (body.pad === 0) {
          if (body.paxSize) pendingPaxSize = paxSizeOf(paxText);
          body = undefined;
        }
        continue;
      }
      const n = Math.min(blockBytes - have, chunk.length - at);
      header.set(chunk.subarray(at, at + n), have);
      have += n;
      at += n;
      if (have < blockBytes) continue;
      have = 0;
      if (header.every((b) => b === 0)) {
        zeroBlocks++;
        if (zeroBlocks === 2) done = true;
        continue;
      }
      if (zeroBlocks > 0) throw invalidHeader();
      const parsed = parseHeader(header);
      if (!parsed) throw invalidHeader();
      const isPax = parsed.type === 0x78 || parsed.type === 0x67; // 'x', 'g'
      let size = parsed.size;
      if (!isPax && pendingPaxSize !== undefined) size = pendingPaxSize;
      if (!isPax) pendingPaxSize = undefined;
      paxText = [];
      const sink = isPax ? undefined : open(parsed.name, size);
      body = { name: parsed.name, left: size, pad: tarPadding(size).length, sink, paxSize: parsed.type === 0x78 };
      if (size === 0 && sink) await sink.end();
      if (size === 0 && body.pad === 0) body = undefined;
    }
  }
  if (!done) {
    if (body && (body.left > 0 || body.pad > 0)) throw new TarError({ body: body.name }, unexpectedEOF);
    if (have > 0) throw new TarError({ header: true }, unexpectedEOF);
    // Go's reader: a clean EOF at a header boundary (or after a single zero block) ends the archive.
  }
  return trailing;
}

/** The `size` record of a PAX extended header, if any (records are `<len> key=value\n`). */
function paxSizeOf(parts: Uint8Array[]): number | undefined {
  const text = parts.map((p) => latin.decode(p)).join('');
  const m = /(?:^|\n)\d+ size=(\d+)\n/.exec(text);
  return m ? Number(m[1]) : undefined;
}
