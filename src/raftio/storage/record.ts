/**
 * The byte layout of a log segment (README.md "On-disk format"): a 32-byte header, then
 * records framed as length, CRC-32 and payload. All integers are little-endian.
 */
import { crc32 } from 'node:zlib';
import type { Entry } from '../../raft/types.js';

export const segmentMagic = Buffer.from('MUSTRWAL', 'latin1');
export const segmentFormatVersion = 1;
export const segmentHeaderBytes = 32;
/** length (u32) + crc (u32). */
export const frameHeaderBytes = 8;
/** index (u64) + term (u64) + durable watermark (u32) + type (u8). */
export const payloadFixedBytes = 21;
export const recordOverheadBytes = frameHeaderBytes + payloadFixedBytes;

const twoTo32 = 0x1_0000_0000;
/** The high 32 bits of a safe integer are below 2^21. */
const safeHighMax = 0x20_0000;

const typeCodes: Record<Entry['type'], number> = { command: 1, noop: 2, configuration: 3 };
const typeNames: readonly (Entry['type'] | undefined)[] = [undefined, 'command', 'noop', 'configuration'];

export function recordBytes(entry: Entry): number {
  return recordOverheadBytes + entry.data.length;
}

function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value % twoTo32, at);
  buf.writeUInt32LE(Math.floor(value / twoTo32), at + 4);
}

/** A u64 as a safe integer, or -1 when it is not one. */
function readU64(buf: Buffer, at: number): number {
  const high = buf.readUInt32LE(at + 4);
  return high >= safeHighMax ? -1 : high * twoTo32 + buf.readUInt32LE(at);
}

/** The 32-byte segment header: magic, version, reserved, first index, reserved, CRC-32. */
export function encodeSegmentHeader(firstIndex: number): Buffer {
  const buf = Buffer.alloc(segmentHeaderBytes);
  segmentMagic.copy(buf, 0);
  buf.writeUInt32LE(segmentFormatVersion, 8);
  writeU64(buf, firstIndex, 16);
  buf.writeUInt32LE(crc32(buf.subarray(0, 28)), 28);
  return buf;
}

/** The header's first index, or a reason it is not a valid header. */
export function decodeSegmentHeader(buf: Buffer): { firstIndex: number } | { error: string } {
  if (buf.length < segmentHeaderBytes) return { error: `header is ${buf.length} bytes, want ${segmentHeaderBytes}` };
  if (!buf.subarray(0, 8).equals(segmentMagic)) return { error: 'not a Muster raft log segment (bad magic)' };
  if (buf.readUInt32LE(28) !== crc32(buf.subarray(0, 28))) return { error: 'header CRC mismatch' };
  const version = buf.readUInt32LE(8);
  if (version !== segmentFormatVersion) return { error: `unsupported segment format version ${version}` };
  const firstIndex = readU64(buf, 16);
  if (firstIndex < 1) return { error: 'header first index out of range' };
  return { firstIndex };
}

/**
 * Writes one record at `at` and returns the offset after it. `durable` is the segment's
 * fdatasynced length when the record is written (the watermark that separates a torn tail
 * from corruption, see README.md).
 */
export function writeRecord(buf: Buffer, at: number, entry: Entry, durable: number): number {
  const n = payloadFixedBytes + entry.data.length;
  const p = at + frameHeaderBytes;
  buf.writeUInt32LE(n, at);
  writeU64(buf, entry.index, p);
  writeU64(buf, entry.term, p + 8);
  buf.writeUInt32LE(durable, p + 16);
  buf[p + 20] = typeCodes[entry.type];
  buf.set(entry.data, p + payloadFixedBytes);
  buf.writeUInt32LE(frameCrc(buf, at, n), at + 4);
  return p + n;
}

/** CRC-32 (IEEE) of the payload; a damaged length shows as a CRC over the wrong bytes. */
function frameCrc(buf: Buffer, at: number, n: number): number {
  const p = at + frameHeaderBytes;
  return crc32(buf.subarray(p, p + n));
}

export interface RecordView {
  index: number;
  term: number;
  type: Entry['type'];
  durable: number;
  /** Offsets in the buffer: where the record starts, its data, and where it ends. */
  start: number;
  dataStart: number;
  end: number;
}

/**
 * The record at `at` if its frame is whole, its CRC matches and its fields are in range;
 * undefined otherwise. Never reads past `buf.length`.
 */
export function readRecord(buf: Buffer, at: number): RecordView | undefined {
  if (at + recordOverheadBytes > buf.length) return undefined;
  const n = buf.readUInt32LE(at);
  if (n < payloadFixedBytes || n > buf.length - at - frameHeaderBytes) return undefined;
  if (buf.readUInt32LE(at + 4) !== frameCrc(buf, at, n)) return undefined;
  const p = at + frameHeaderBytes;
  const index = readU64(buf, p);
  const term = readU64(buf, p + 8);
  const type = typeNames[buf[p + 20]!];
  if (index < 1 || term < 0 || type === undefined) return undefined;
  return { index, term, type, durable: buf.readUInt32LE(p + 16), start: at, dataStart: p + payloadFixedBytes, end: p + n };
}

/** The entry a record holds, with its data copied out of `buf`. */
export function recordEntry(buf: Buffer, rec: RecordView): Entry {
  return { index: rec.index, term: rec.term, type: rec.type, data: new Uint8Array(buf.subarray(rec.dataStart, rec.end)) };
}

const zeroChunkBytes = 64 * 1024;
let zeroChunkBuf: Buffer | undefined;
/** 64 KiB of zeros, made when first compared against (a -dev agent never reads a log file). */
const zeros = (): Buffer => (zeroChunkBuf ??= Buffer.alloc(zeroChunkBytes));

/** Whether every byte of buf[from, to) is zero (compared a chunk at a time, natively). */
export function allZero(buf: Buffer, from: number, to: number): boolean {
  const zeroChunk = zeros();
  for (let i = from; i < to; i += zeroChunk.length) {
    const len = Math.min(zeroChunk.length, to - i);
    if (!buf.subarray(i, i + len).equals(zeroChunk.subarray(0, len))) return false;
  }
  return true;
}

/** The offset of the first non-zero byte at or after `from`, or buf.length. */
export function nextNonZero(buf: Buffer, from: number): number {
  const zeroChunk = zeros();
  let i = from;
  while (i < buf.length) {
    const len = Math.min(zeroChunk.length, buf.length - i);
    if (buf.subarray(i, i + len).equals(zeroChunk.subarray(0, len))) {
      i += len;
      continue;
    }
    for (let j = i; j < i + len; j++) if (buf[j] !== 0) return j;
  }
  return buf.length;
}
