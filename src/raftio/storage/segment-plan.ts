/**
 * What a flush of the log will do on disk, decided synchronously from the in-memory layout
 * before any I/O starts: the layout (offsets and terms of every record) is updated at once, so
 * lookups stay exact while the steps run. SegmentLog runs the steps in order.
 */
import { join } from 'node:path';
import { assert } from '../../lib/index.js';
import type { Entry } from '../../raft/types.js';
import { entryDataBytesMax } from './constants.js';
import { recordBytes, segmentHeaderBytes, writeRecord } from './record.js';

export interface Segment {
  firstIndex: number;
  /** Full path of `<first index, 20 digits>.seg`. */
  file: string;
  /** Start offset and term of each record, in index order. */
  offsets: number[];
  terms: number[];
  /** The offset after the last record. */
  end: number;
}

export type Step =
  /** Unlink the files in this order, then fsync the directory. */
  | { kind: 'remove'; files: string[] }
  /** Make an existing (older) segment the one written to. */
  | { kind: 'activate'; seg: Segment }
  /** Cut the active segment at `offset` (ftruncate, re-extend, fdatasync). */
  | { kind: 'cut'; offset: number }
  /** fdatasync and close the active segment; a new one (header, rename, dir fsync) takes over. */
  | { kind: 'create'; seg: Segment }
  /** Write bytes to the active segment at `at`. */
  | { kind: 'write'; at: number; bytes: Buffer };

/** The log's layout; `durable` is the active segment's length known to be on disk. */
export interface Layout {
  dir: string;
  segmentBytes: number;
  segments: Segment[];
  durable: number;
}

export const segmentNamePattern = /^(\d{20})\.seg$/;

export function segmentFile(dir: string, firstIndex: number): string {
  return join(dir, `${String(firstIndex).padStart(20, '0')}.seg`);
}

export function lastIndexOf(seg: Segment): number {
  return seg.firstIndex + seg.offsets.length - 1;
}

/** The segment holding `index`, by binary search (segments are in index order). */
export function findSegment(segments: readonly Segment[], index: number): Segment | undefined {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const seg = segments[mid]!;
    if (index < seg.firstIndex) hi = mid - 1;
    else if (index > lastIndexOf(seg)) lo = mid + 1;
    else return seg;
  }
  return undefined;
}

function newSegment(dir: string, firstIndex: number): Segment {
  return { firstIndex, file: segmentFile(dir, firstIndex), offsets: [], terms: [], end: segmentHeaderBytes };
}

/** Every segment goes; one empty segment starting at `nextIndex` takes their place. */
export function planReset(layout: Layout, nextIndex: number): Step[] {
  const steps: Step[] = [];
  if (layout.segments.length > 0) steps.push({ kind: 'remove', files: layout.segments.map((s) => s.file) });
  const seg = newSegment(layout.dir, nextIndex);
  layout.segments = [seg];
  layout.durable = segmentHeaderBytes;
  steps.push({ kind: 'create', seg });
  return steps;
}

/** Entries from `from` on are removed: later segments deleted newest first, then a cut. */
export function planTruncate(layout: Layout, from: number): Step[] {
  const seg = findSegment(layout.segments, from);
  if (seg === undefined) throw new Error(`truncate: index ${from} is not in the log`);
  const k = layout.segments.indexOf(seg);
  const steps: Step[] = [];
  const later = layout.segments.slice(k + 1);
  if (later.length > 0) {
    steps.push({ kind: 'remove', files: later.map((s) => s.file).reverse() });
    steps.push({ kind: 'activate', seg });
    layout.segments.length = k + 1;
  }
  const cut = from - seg.firstIndex;
  const offset = seg.offsets[cut]!;
  seg.offsets.length = cut;
  seg.terms.length = cut;
  seg.end = offset;
  layout.durable = offset;
  steps.push({ kind: 'cut', offset });
  return steps;
}

/**
 * Records for `entries` (contiguous, following the log's last index), one write per segment
 * they fall in; a new segment starts when the next record would not fit in a non-empty one.
 */
export function planWrites(layout: Layout, entries: readonly Entry[]): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < entries.length) {
    let seg = layout.segments[layout.segments.length - 1];
    const first = entries[i]!;
    if (seg === undefined || (seg.offsets.length > 0 && seg.end + recordBytes(first) > layout.segmentBytes)) {
      seg = newSegment(layout.dir, first.index);
      layout.segments.push(seg);
      layout.durable = segmentHeaderBytes;
      steps.push({ kind: 'create', seg });
    }
    let j = i;
    let bytes = 0;
    while (j < entries.length) {
      const size = recordBytes(entries[j]!);
      if (j > i || seg.offsets.length > 0) {
        if (seg.end + bytes + size > layout.segmentBytes) break;
      }
      bytes += size;
      j++;
    }
    steps.push({ kind: 'write', at: seg.end, bytes: encodeInto(seg, entries, i, j, bytes, layout.durable) });
    i = j;
  }
  return steps;
}

function encodeInto(seg: Segment, entries: readonly Entry[], from: number, to: number, bytes: number, durable: number): Buffer {
  const buf = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let k = from; k < to; k++) {
    const e = entries[k]!;
    seg.offsets.push(seg.end + at);
    seg.terms.push(e.term);
    at = writeRecord(buf, at, e, durable);
  }
  seg.end += bytes;
  return buf;
}

/** Programmer errors in a batch: indexes contiguous, terms non-decreasing, known types, bytes. */
export function checkBatch(entries: readonly Entry[]): void {
  const first = entries[0]!;
  for (const [i, e] of entries.entries()) {
    assert(e.index === first.index + i, `raft log: entries not contiguous at index ${e.index}`);
    assert(Number.isSafeInteger(e.term) && e.term >= (i > 0 ? entries[i - 1]!.term : 0), `raft log: bad term ${e.term} at index ${e.index}`);
    assert(e.type === 'command' || e.type === 'noop' || e.type === 'configuration', `raft log: bad entry type at index ${e.index}`);
    assert(e.data instanceof Uint8Array && e.data.length <= entryDataBytesMax, `raft log: entry data at index ${e.index} is not bytes or exceeds ${entryDataBytesMax} bytes`);
  }
}
