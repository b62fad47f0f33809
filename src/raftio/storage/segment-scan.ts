/**
 * Reading one segment back at open: every record checked, the end of the log found, and damage
 * classified as a torn tail (truncated with a warning) or corruption (open fails). README.md
 * "Torn tail or corruption" gives the rule and why it is safe.
 */
import { MusterError } from '../../lib/index.js';
import { scanYieldRecords, sectorBytes } from './constants.js';
import {
  allZero,
  decodeSegmentHeader,
  frameHeaderBytes,
  nextNonZero,
  payloadFixedBytes,
  readRecord,
  recordOverheadBytes,
  segmentHeaderBytes,
  type RecordView,
} from './record.js';

export interface SegmentScan {
  firstIndex: number;
  /** Start offset of each record, in index order. */
  offsets: number[];
  terms: number[];
  /** The offset after the last good record. */
  end: number;
  /** Set when the last segment ended in a torn write that must be cut at `end`. */
  torn?: { reason: string; droppedRecords: number; fileBytes: number };
}

export function corruptLog(file: string, offset: number, reason: string): MusterError {
  return new MusterError('ERR_INTERNAL', `raft log is corrupt: ${file} at offset ${offset}: ${reason}`);
}

/**
 * Scans `buf`, the whole content of segment `file`. `isLast`: only the last segment may end
 * in a torn write. Throws a MusterError naming the file and offset on corruption.
 */
export async function scanSegment(buf: Buffer, file: string, isLast: boolean): Promise<SegmentScan> {
  const header = decodeSegmentHeader(buf);
  if ('error' in header) throw corruptLog(file, 0, header.error);
  const offsets: number[] = [];
  const terms: number[] = [];
  let at = segmentHeaderBytes;
  let expected = header.firstIndex;
  for (;;) {
    const rec = readRecord(buf, at);
    if (rec === undefined) break;
    if (rec.index !== expected) throw corruptLog(file, at, `index gap: expected index ${expected}, found ${rec.index}`);
    offsets.push(at);
    terms.push(rec.term);
    at = rec.end;
    expected++;
    if (offsets.length % scanYieldRecords === 0) await yieldToLoop();
  }
  const scan: SegmentScan = { firstIndex: header.firstIndex, offsets, terms, end: at };
  if (allZero(buf, at, buf.length)) return scan;
  const reason = describeBadRecord(buf, at);
  const after = validRecordsAfter(buf, at);
  if (!isLast) {
    const tail = after.count > 0 ? `; a valid record follows at offset ${after.first}` : '';
    throw corruptLog(file, at, `${reason}${tail} (not the last segment, so not a torn write)`);
  }
  if (after.count > 0 && !(after.maxDurable <= at && zeroSectorIn(buf, at, after.first))) {
    throw corruptLog(file, at, `${reason}, followed by a valid record at offset ${after.first}`);
  }
  scan.torn = { reason, droppedRecords: after.count, fileBytes: buf.length };
  return scan;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Why the bytes at `at` are not a record (the record itself failed readRecord). */
export function describeBadRecord(buf: Buffer, at: number): string {
  const left = buf.length - at;
  if (left < frameHeaderBytes) return `partial record header (${left} bytes)`;
  const n = buf.readUInt32LE(at);
  if (n < payloadFixedBytes) return `bad record length ${n}`;
  if (n > left - frameHeaderBytes) return `record of ${n} bytes runs past the end of the file`;
  if (left < recordOverheadBytes) return `partial record (${left} bytes)`;
  const rec = readRecord(buf, at);
  return rec === undefined ? 'record CRC mismatch or fields out of range' : 'unexpected record';
}

interface ValidAfter {
  count: number;
  /** Offset of the first valid record found, and the highest durable watermark among them. */
  first: number;
  maxDurable: number;
}

/**
 * Every valid record after a bad one at `from`: lengths past damage are unknown, so each offset
 * is tried (skipping runs of zeros, which hold no record start), then chains are followed.
 */
function validRecordsAfter(buf: Buffer, from: number): ValidAfter {
  const out: ValidAfter = { count: 0, first: -1, maxDurable: 0 };
  let at = from + 1;
  while (at + recordOverheadBytes <= buf.length) {
    if (buf.readUInt32LE(at) === 0) {
      at = Math.max(at + 1, nextNonZero(buf, at) - 3);
      continue;
    }
    const rec: RecordView | undefined = readRecord(buf, at);
    if (rec === undefined) {
      at++;
      continue;
    }
    if (out.count === 0) out.first = at;
    out.count++;
    out.maxDurable = Math.max(out.maxDurable, rec.durable);
    at = rec.end;
  }
  return out;
}

/**
 * Whether a whole sector overlapping buf[from, to) is all zeros: the mark of a page the disk
 * never wrote (preallocated space is zeros), which a flipped bit never leaves.
 */
function zeroSectorIn(buf: Buffer, from: number, to: number): boolean {
  for (let s = Math.floor(from / sectorBytes) * sectorBytes; s < to && s + sectorBytes <= buf.length; s += sectorBytes) {
    if (allZero(buf, s, s + sectorBytes)) return true;
  }
  return false;
}
