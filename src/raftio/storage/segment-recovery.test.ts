/**
 * Crash recovery of the segment log: a torn tail is cut with a warning and the log goes on;
 * corruption anywhere else fails open with the file and offset.
 */
import { copyFile, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureLogger, MusterError, nullLogger } from '../../lib/index.js';
import type { Entry } from '../../raft/types.js';
import { readRecord, segmentHeaderBytes, writeRecord } from './record.js';
import { SegmentLog } from './segment-log.js';
import { entries, entry, plain, removeTempDirs, tempDir } from './test-support.js';

afterEach(removeTempDirs);

const segmentBytes = 16 * 1024;

async function all(log: SegmentLog): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of log.entries()) out.push(e);
  return out;
}

/** [start, end) of every record in a segment file. */
function spans(buf: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let at = segmentHeaderBytes, rec = readRecord(buf, at); rec; at = rec.end, rec = readRecord(buf, at)) out.push([at, rec.end]);
  return out;
}

/** A log of `batches` (each appended and synced on its own), closed; returns its one segment. */
async function writeLog(batches: Entry[][]): Promise<{ dir: string; file: string; buf: Buffer }> {
  const dir = await tempDir();
  const log = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes });
  for (const b of batches) {
    log.append(b);
    await log.sync();
  }
  await log.close();
  const file = join(dir, (await readdir(dir)).find((n) => n.endsWith('.seg'))!);
  return { dir, file, buf: await readFile(file) };
}

async function openCapturing(dir: string): Promise<{ log: SegmentLog; capture: CaptureLogger }> {
  const capture = new CaptureLogger();
  return { log: await SegmentLog.open({ dir, logger: capture.logger, segmentBytes }), capture };
}

async function openError(dir: string): Promise<MusterError> {
  const err: unknown = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes }).then(
    (log) => log.close().then(() => 'opened'),
    (e: unknown) => e,
  );
  expect(MusterError.is(err)).toBe(true);
  return err as MusterError;
}

describe('segment log recovery', () => {
  it('cuts a torn last record at every byte offset, with a warning, and stays usable', async () => {
    const { buf } = await writeLog([entries(1, 4), [entry(5, 1, 'the last record, torn')]]);
    const [start, end] = spans(buf).at(-1)!;
    for (let k = start; k < end; k++) {
      for (const how of ['zeros', 'short file'] as const) {
        const dir = await tempDir();
        const file = join(dir, '00000000000000000001.seg');
        const copy = Buffer.from(buf);
        copy.fill(0, k, end);
        await writeFile(file, how === 'zeros' ? copy : copy.subarray(0, k));
        const { log, capture } = await openCapturing(dir);
        expect(log.lastIndex, `${how} at ${k}`).toBe(4);
        const warned = capture.lines().some((l) => l.includes('torn write'));
        expect(warned, `${how} at ${k}`).toBe(k > start);
        log.append([entry(5, 2, 'rewritten')]);
        log.append([entry(6, 2)]);
        await log.close();
        const again = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes });
        expect(plain(await all(again)).slice(3).map((e) => e.data)).toEqual(['value-4', 'rewritten', 'value-6']);
        await again.close();
        await rm(dir, { recursive: true });
      }
    }
  });

  it('cuts a last record whose CRC fails (garbage, zeros after it)', async () => {
    const { dir, file, buf } = await writeLog([entries(1, 4), entries(5, 5)]);
    const [start] = spans(buf).at(-1)!;
    buf[start + 12]! ^= 0x10;
    await writeFile(file, buf);
    const { log, capture } = await openCapturing(dir);
    expect(log.lastIndex).toBe(4);
    expect(capture.lines().join('\n')).toMatch(/torn write/);
    await log.close();
  });

  it('fails on a flipped bit in any earlier record, naming the file and offset', async () => {
    for (const batched of [false, true]) {
      const list = entries(1, 6);
      const { dir, file, buf } = await writeLog(batched ? [list] : list.map((e) => [e]));
      const recs = spans(buf);
      for (const [i, [start, end]] of recs.slice(0, -1).entries()) {
        for (const at of [start, start + 5, start + 10, end - 1]) {
          const copy = Buffer.from(buf);
          copy[at]! ^= 0x04;
          await writeFile(file, copy);
          const err = await openError(dir);
          expect(err.message, `record ${i + 1} byte ${at}`).toContain(`${file} at offset ${start}`);
        }
      }
    }
  });

  it('treats an unwritten page inside the last unsynced batch as torn (power loss reorders pages)', async () => {
    const big = (i: number): string => `entry-${i}-`.padEnd(100, 'x');
    const { dir, file, buf } = await writeLog([entries(1, 10, 1, big), entries(11, 100, 1, big)]);
    const recs = spans(buf);
    const batchStart = recs[10]![0];
    const page = Math.ceil((batchStart + 4096) / 4096) * 4096;
    const firstHit = recs.findIndex(([s, e]) => e > page && s < page + 4096);
    const copy = Buffer.from(buf);
    copy.fill(0, page, page + 4096);
    await writeFile(file, copy);
    const { log, capture } = await openCapturing(dir);
    expect(log.lastIndex).toBe(firstHit);
    const warning = capture.records.find((r) => r.message.includes('torn write'));
    expect(warning?.fields.droppedRecords).toBeGreaterThan(0);
    await log.close();
  });

  it('fails when a zeroed page lies in a batch synced before later records', async () => {
    const big = (i: number): string => `entry-${i}-`.padEnd(100, 'x');
    const { dir, file, buf } = await writeLog([entries(1, 100, 1, big), entries(101, 110, 1, big)]);
    const copy = Buffer.from(buf);
    copy.fill(0, 4096, 8192);
    await writeFile(file, copy);
    const err = await openError(dir);
    expect(err.message).toMatch(/followed by a valid record/);
  });

  it('fails on corruption in a segment that is not the last one', async () => {
    const dir = await tempDir();
    const log = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes: 1024 });
    log.append(entries(1, 60, 1, (i) => `payload-${String(i).padStart(40, '0')}`));
    await log.close();
    const names = (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
    const first = join(dir, names[0]!);
    const buf = await readFile(first);
    const last = spans(buf).at(-1)!;
    buf[last[0] + 9]! ^= 1;
    await writeFile(first, buf);
    const err = await openError(dir);
    expect(err.message).toContain(`${first} at offset ${last[0]}`);
    expect(err.message).toMatch(/not the last segment/);
  });

  it('fails when a segment is missing from the middle', async () => {
    const dir = await tempDir();
    const log = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes: 1024 });
    log.append(entries(1, 60, 1, (i) => `payload-${String(i).padStart(40, '0')}`));
    await log.close();
    const names = (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
    await rm(join(dir, names[1]!));
    const err = await openError(dir);
    expect(err.message).toContain(join(dir, names[2]!));
    expect(err.message).toMatch(/a segment is missing/);
  });

  it('fails on a gap in indexes and on a bad header', async () => {
    const { dir, file, buf } = await writeLog([entries(1, 5)]);
    const recs = spans(buf);
    const copy = Buffer.from(buf);
    writeRecord(copy, recs[2]![0], entry(9, 1, 'value-3'), 0);
    await writeFile(file, copy);
    expect((await openError(dir)).message).toMatch(new RegExp(`at offset ${recs[2]![0]}: index gap: expected index 3, found 9`));

    const header = Buffer.from(buf);
    header[3]! ^= 1;
    await writeFile(file, header);
    expect((await openError(dir)).message).toContain(`${file} at offset 0: not a Muster raft log segment`);
  });

  it('keeps an empty last segment and a file shorter than its preallocation', async () => {
    const { dir, file } = await writeLog([entries(1, 3)]);
    const size = spans(await readFile(file)).at(-1)![1];
    await truncate(file, size);
    const log = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes });
    expect(log.lastIndex).toBe(3);
    log.append([entry(4)]);
    await log.close();
    const copyDir = await tempDir();
    await copyFile(file, join(copyDir, '00000000000000000001.seg'));
    const again = await SegmentLog.open({ dir: copyDir, logger: nullLogger, segmentBytes });
    expect(again.lastIndex).toBe(4);
    await again.close();
  });
});
