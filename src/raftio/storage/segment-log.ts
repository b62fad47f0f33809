/**
 * The Raft log on disk: segment files of CRC-framed records (README.md), written with group
 * commit. `append` only queues entries in memory; `sync` writes everything queued and issues
 * one fdatasync, and every caller that asked while an fdatasync was running shares the next
 * one. All disk work runs in one serial queue, in call order, off the event loop (libuv).
 *
 * A failed write or fdatasync poisons the log: the page cache can no longer be trusted
 * (PostgreSQL's "fsyncgate"), so every later call fails and the agent must restart.
 */
import { join } from 'node:path';
import { assert, assertSafeIndex, MusterError, type Logger } from '../../lib/index.js';
import type { Entry } from '../../raft/types.js';
import { pendingBytesMax, readBatchBytesDefault, segmentBytesDefault, segmentBytesMax, segmentBytesMin } from './constants.js';
import { errnoCode, nodeStorageFs, readFully, writeFully, type FileHandle, type StorageFs } from './fs-facade.js';
import { loadSegments } from './segment-open.js';
import { SpareFill, sparseFile } from './segment-spare.js';
import { encodeSegmentHeader, readRecord, recordBytes, recordEntry } from './record.js';
import { checkBatch, findSegment, lastIndexOf, planReset, planTruncate, planWrites, type Layout, type Segment, type Step } from './segment-plan.js';
import { corruptLog } from './segment-scan.js';

export interface SegmentLogOptions {
  /** The log's directory (`<data_dir>/raft/wal`); created when missing. */
  dir: string;
  logger: Logger;
  fs?: StorageFs;
  /** Preallocated size of each segment (default 64 MiB). */
  segmentBytes?: number;
}

interface Active {
  seg: Segment;
  fh: FileHandle;
  dirty: boolean;
}

/** What was appended but not yet handed to the disk queue, in the order it must happen. */
interface Pending {
  reset: number | null;
  truncateFrom: number | null;
  entries: Entry[];
  bytes: number;
}

const emptyPending = (): Pending => ({ reset: null, truncateFrom: null, entries: [], bytes: 0 });
const noop = (): void => {};
const spareName = 'next.seg.tmp';
const sparseName = 'sparse.seg.tmp';

export class SegmentLog {
  private readonly fs: StorageFs;
  private readonly logger: Logger;
  private readonly layout: Layout;
  private active: Active | null = null;
  private pending: Pending = emptyPending();
  private queuedFlush: { sync: boolean; promise: Promise<void> } | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;
  private closed = false;
  private spare: SpareFill | null = null;

  private constructor(options: SegmentLogOptions, segmentBytes: number) {
    this.fs = options.fs ?? nodeStorageFs;
    this.logger = options.logger;
    this.layout = { dir: options.dir, segmentBytes, segments: [], durable: 0 };
  }

  /**
   * Opens (or creates) the log in `options.dir`: every segment is read and checked, a torn
   * tail is cut with a warning, and corruption anywhere else fails with a MusterError naming
   * the file and offset.
   */
  static async open(options: SegmentLogOptions): Promise<SegmentLog> {
    const segmentBytes = options.segmentBytes ?? segmentBytesDefault;
    assert(Number.isSafeInteger(segmentBytes) && segmentBytes >= segmentBytesMin && segmentBytes <= segmentBytesMax, `segmentBytes out of range: ${segmentBytes}`);
    const log = new SegmentLog(options, segmentBytes);
    await log.load();
    return log;
  }

  /** The first index in the log (1 for a new log; after compaction, the first kept). */
  get firstIndex(): number {
    return this.pending.reset ?? this.layout.segments[0]?.firstIndex ?? 1;
  }

  /** The last index appended (synced or not); firstIndex - 1 when the log is empty. */
  get lastIndex(): number {
    const n = this.pending.entries.length;
    return n > 0 ? this.pending.entries[n - 1]!.index : this.storedLast();
  }

  /** The term of the entry at `index`, or undefined when it is not in the log. */
  term(index: number): number | undefined {
    const stored = this.storedLast();
    if (index > stored) return this.pending.entries[index - stored - 1]?.term;
    if (this.pending.reset !== null) return undefined;
    const seg = findSegment(this.layout.segments, index);
    return seg?.terms[index - seg.firstIndex];
  }

  /**
   * Appends entries (contiguous indexes, non-decreasing terms) after entry `first - 1`: an
   * entry at or below lastIndex first removes it and everything after it (a Raft conflict).
   * Nothing is durable until `sync()` resolves. Entries must not be mutated afterwards.
   */
  append(entries: readonly Entry[]): void {
    this.checkUsable();
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    assertSafeIndex(first, 'entry index');
    assert(first >= this.firstIndex && first <= this.lastIndex + 1, `raft log: append at index ${first}, the log holds ${this.firstIndex}..${this.lastIndex}`);
    checkBatch(entries);
    const prevTerm = this.term(first - 1);
    assert(prevTerm === undefined || entries[0]!.term >= prevTerm, `raft log: term ${entries[0]!.term} at index ${first} is below term ${prevTerm} before it`);
    const stored = this.storedLast();
    const p = this.pending;
    if (first <= stored) {
      p.truncateFrom = first;
      p.entries = [];
      p.bytes = 0;
    } else if (first - stored - 1 < p.entries.length) {
      for (const e of p.entries.splice(first - stored - 1)) p.bytes -= recordBytes(e);
    }
    for (const e of entries) {
      p.entries.push(e);
      p.bytes += recordBytes(e);
    }
    if (p.bytes > pendingBytesMax) void this.scheduleFlush(false);
  }

  /** Resolves once everything appended before the call is on disk (one shared fdatasync). */
  sync(): Promise<void> {
    this.checkUsable();
    return this.scheduleFlush(true);
  }

  /**
   * Empties the log; the next append must be at `nextIndex` (after a snapshot is installed).
   * Durable when the promise resolves. Commit the snapshot first.
   */
  reset(nextIndex: number): Promise<void> {
    this.checkUsable();
    assertSafeIndex(nextIndex, 'nextIndex');
    assert(nextIndex >= 1, 'raft log: reset to index 0');
    this.pending = { ...emptyPending(), reset: nextIndex };
    return this.scheduleFlush(true);
  }

  /** Deletes the segments whose entries are all below `index` (never the last segment). */
  compactBefore(index: number): Promise<void> {
    this.checkUsable();
    return this.enqueue(async () => {
      const segs = this.layout.segments;
      let k = 0;
      while (k + 1 < segs.length && segs[k + 1]!.firstIndex <= index) k++;
      if (k === 0) return;
      const removed = segs.splice(0, k);
      await this.removeFiles(removed.map((s) => s.file));
    }, true);
  }

  /**
   * Entries [lo, hi), stopping early (after at least one) once `maxBytes` of records are read.
   * Runs in the disk queue, after the writes asked for before it.
   */
  read(lo: number, hi: number, maxBytes = Infinity): Promise<Entry[]> {
    this.checkUsable();
    return this.enqueue(async () => {
      assert(lo >= this.firstIndex && hi <= this.lastIndex + 1 && lo <= hi, `raft log: read ${lo}..${hi - 1} of ${this.firstIndex}..${this.lastIndex}`);
      const out: Entry[] = [];
      const stored = this.storedLast();
      let budget = maxBytes;
      let i = lo;
      while (i < hi && i <= stored && (out.length === 0 || budget > 0)) {
        const got = await this.readSegment(i, Math.min(hi - 1, stored), out.length === 0 ? Math.max(budget, 1) : budget);
        for (const e of got.entries) out.push(e);
        budget -= got.bytes;
        i += got.entries.length;
      }
      for (; i < hi && (out.length === 0 || budget > 0); i++) {
        const e = this.pending.entries[i - stored - 1]!;
        out.push(e);
        budget -= recordBytes(e);
      }
      return out;
    }, false);
  }

  /**
   * The entries from `from` to the last, in batches of about `maxBytes` (replay at start:
   * each batch is a short turn of the event loop).
   */
  async *batches(from = this.firstIndex, maxBytes = readBatchBytesDefault): AsyncGenerator<Entry[]> {
    let next = from;
    while (next <= this.lastIndex) {
      const batch = await this.read(next, this.lastIndex + 1, maxBytes);
      if (batch.length === 0) return;
      yield batch;
      next = batch[batch.length - 1]!.index + 1;
    }
  }

  /** The entries from `from` to the last, one at a time (see `batches`). */
  async *entries(from = this.firstIndex): AsyncGenerator<Entry> {
    for await (const batch of this.batches(from)) yield* batch;
  }

  /** Syncs what was appended, then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    const flushed = this.failure === null ? this.scheduleFlush(true).catch(noop) : Promise.resolve();
    this.closed = true;
    await flushed;
    await this.tail;
    await this.active?.fh.close().catch(noop);
    this.active = null;
    const spare = this.spare;
    this.spare = null;
    await spare?.discard();
  }

  /** The last index in the segments (written, or planned by a running flush). */
  private storedLast(): number {
    if (this.pending.reset !== null) return this.pending.reset - 1;
    if (this.pending.truncateFrom !== null) return this.pending.truncateFrom - 1;
    const segs = this.layout.segments;
    return segs.length > 0 ? lastIndexOf(segs[segs.length - 1]!) : 0;
  }

  private checkUsable(): void {
    if (this.closed) throw new MusterError('ERR_INTERNAL', 'raft log is closed');
    if (this.failure) throw this.failure;
  }

  /** Runs `fn` after every queued disk operation; a failure of a `sticky` one poisons the log. */
  private enqueue<T>(fn: () => Promise<T>, sticky: boolean): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.failure) throw this.failure;
      try {
        return await fn();
      } catch (err) {
        if (sticky && this.failure === null) {
          this.failure = new MusterError('ERR_INTERNAL', `raft log: a disk write failed, the log must be reopened: ${(err as Error).message}`, { cause: err });
          this.logger.error('raft log: disk write failed', { error: err as Error });
        }
        throw err;
      }
    };
    const p = this.tail.then(run, run);
    this.tail = p.catch(noop);
    return p;
  }

  /** Joins the flush waiting in the queue, or queues one: the heart of group commit. */
  private scheduleFlush(sync: boolean): Promise<void> {
    const queued = this.queuedFlush;
    if (queued) {
      queued.sync ||= sync;
      return queued.promise;
    }
    const op = { sync, promise: Promise.resolve() };
    op.promise = this.enqueue(async () => {
      if (this.queuedFlush === op) this.queuedFlush = null;
      await this.flush(op.sync);
    }, true);
    op.promise.catch(noop);
    this.queuedFlush = op;
    return op.promise;
  }

  private async flush(sync: boolean): Promise<void> {
    const p = this.pending;
    this.pending = emptyPending();
    const steps: Step[] = [];
    if (p.reset !== null) steps.push(...planReset(this.layout, p.reset));
    else if (p.truncateFrom !== null) steps.push(...planTruncate(this.layout, p.truncateFrom));
    if (p.entries.length > 0) steps.push(...planWrites(this.layout, p.entries));
    for (const step of steps) await this.run(step);
    const a = this.active;
    if (sync && a?.dirty) {
      await this.fs.datasync(a.fh, a.seg.file);
      a.dirty = false;
      if (this.active === a) this.layout.durable = a.seg.end;
    }
    // The next segment is zero-filled in the background from now on: never ahead of a new log's
    // first fdatasync, one fill at a time (a failed one is replaced after the next roll).
    if (this.spare === null && this.active !== null && !this.closed) {
      this.spare = new SpareFill(this.fs, join(this.layout.dir, spareName), this.layout.segmentBytes, this.logger);
    }
  }

  private async run(step: Step): Promise<void> {
    switch (step.kind) {
      case 'write':
        await writeFully(this.active!.fh, step.bytes, step.at);
        this.active!.dirty = true;
        return;
      case 'create':
        return this.createSegment(step.seg);
      case 'cut':
        return this.cut(this.active!, step.offset);
      case 'activate':
        this.active = { seg: step.seg, fh: await this.fs.open(step.seg.file, 'r+'), dirty: false };
        return;
      case 'remove':
        return this.removeFiles(step.files);
    }
  }

  private async removeFiles(files: string[]): Promise<void> {
    for (const file of files) {
      if (this.active?.seg.file === file) {
        await this.active.fh.close();
        this.active = null;
      }
      await this.fs.unlink(file).catch((err: unknown) => {
        if (errnoCode(err) !== 'ENOENT') throw err;
      });
    }
    await this.fs.syncDir(this.layout.dir);
  }

  /** Cuts the file at `offset`; the space after it reads as zeros again. */
  private async cut(a: Active, offset: number): Promise<void> {
    const size = (await a.fh.stat()).size;
    await a.fh.truncate(offset);
    await a.fh.truncate(Math.max(size, this.layout.segmentBytes));
    await this.fs.datasync(a.fh, a.seg.file);
    a.dirty = false;
  }

  /**
   * The old segment is made durable before the new one appears; the new one gets its header
   * before it is renamed into place, so a `.seg` file always starts with a valid header. The
   * new file is the spare if its zero-fill is complete, else a sparse file: a roll never waits
   * for a fill (segment-spare.ts).
   */
  private async createSegment(seg: Segment): Promise<void> {
    const old = this.active;
    if (old) {
      if (old.dirty) await this.fs.datasync(old.fh, old.seg.file);
      await old.fh.close();
      this.active = null;
    }
    const spare = this.spare?.take() ?? null;
    if (spare !== null || this.spare?.failed) this.spare = null;
    const file = spare ?? (await sparseFile(this.fs, join(this.layout.dir, sparseName), this.layout.segmentBytes));
    try {
      await writeFully(file.fh, encodeSegmentHeader(seg.firstIndex), 0);
      // Also makes the size of a sparse file durable (fdatasync(2) flushes an ftruncate's size).
      await this.fs.datasync(file.fh, file.path);
      await this.fs.rename(file.path, seg.file);
    } catch (err) {
      await file.fh.close().catch(noop);
      throw err;
    }
    this.active = { seg, fh: file.fh, dirty: false };
    await this.fs.syncDir(this.layout.dir);
  }

  /** Reads records of one segment from index `lo` up to `hi` or `maxBytes`. */
  private async readSegment(lo: number, hi: number, maxBytes: number): Promise<{ entries: Entry[]; bytes: number }> {
    const seg = findSegment(this.layout.segments, lo);
    if (seg === undefined) throw new MusterError('ERR_INTERNAL', `raft log: index ${lo} is not in the log`);
    const last = Math.min(hi, lastIndexOf(seg));
    const start = seg.offsets[lo - seg.firstIndex]!;
    let stop = lo;
    while (stop < last && recordEnd(seg, stop + 1) - start <= maxBytes) stop++;
    const end = recordEnd(seg, stop);
    const own = this.active?.seg === seg ? null : await this.fs.open(seg.file, 'r');
    try {
      const buf = await readFully(own ?? this.active!.fh, end - start, start);
      const entries: Entry[] = [];
      for (let at = 0, index = lo; index <= stop; index++) {
        const rec = readRecord(buf, at);
        if (rec === undefined || rec.index !== index) throw corruptLog(seg.file, start + at, `record for index ${index} fails its check on read`);
        entries.push(recordEntry(buf, rec));
        at = rec.end;
      }
      return { entries, bytes: end - start };
    } finally {
      await own?.close();
    }
  }

  /** Reads the segments at open (see `open`), makes the last one the active one. */
  private async load(): Promise<void> {
    const { segments, torn } = await loadSegments(this.fs, this.layout.dir, this.logger);
    this.layout.segments = segments;
    const last = segments[segments.length - 1];
    if (last === undefined) return;
    this.active = { seg: last, fh: await this.fs.open(last.file, 'r+'), dirty: false };
    if (torn) {
      this.logger.warn('raft log: cut a torn write at the end of the log (it was never acknowledged)', { file: last.file, offset: last.end, ...torn });
      await this.cut(this.active, last.end);
    } else {
      // What the last run wrote may still be only in the page cache: make it durable before
      // new records name it durable in their watermark.
      await this.fs.datasync(this.active.fh, last.file);
    }
    await this.fs.syncDir(this.layout.dir);
    this.layout.durable = last.end;
  }
}

function recordEnd(seg: Segment, index: number): number {
  const k = index - seg.firstIndex + 1;
  return k < seg.offsets.length ? seg.offsets[k]! : seg.end;
}
