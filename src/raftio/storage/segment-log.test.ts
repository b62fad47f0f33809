import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureLogger, nullLogger } from '../../lib/index.js';
import type { Entry } from '../../raft/types.js';
import { SegmentLog, type SegmentLogOptions } from './segment-log.js';
import { countingFs, entries, entry, plain, removeTempDirs, tempDir } from './test-support.js';

afterEach(removeTempDirs);

const open = (dir: string, extra: Partial<SegmentLogOptions> = {}): Promise<SegmentLog> => SegmentLog.open({ dir, logger: nullLogger, segmentBytes: 4096, ...extra });

async function all(log: SegmentLog): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of log.entries()) out.push(e);
  return out;
}

async function segFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
}

describe('segment log', () => {
  it('round-trips entries of every type through a close and reopen', async () => {
    const dir = await tempDir();
    const log = await open(dir);
    expect([log.firstIndex, log.lastIndex]).toEqual([1, 0]);
    const written = [entry(1, 1, '', 'noop'), entry(2, 1, 'conf', 'configuration'), ...entries(3, 50, 2), entry(51, 3, 'x'.repeat(1000))];
    log.append(written);
    await log.sync();
    await log.close();

    const again = await open(dir);
    expect([again.firstIndex, again.lastIndex]).toEqual([1, 51]);
    expect(plain(await all(again))).toEqual(plain(written));
    expect([again.term(1), again.term(3), again.term(51), again.term(52)]).toEqual([1, 2, 3, undefined]);
    expect(plain(await again.read(10, 13))).toEqual(plain(written.slice(9, 12)));
    await again.close();
  });

  it('shares one fdatasync among many appends and among concurrent syncs (group commit)', async () => {
    const dir = await tempDir();
    const fs = countingFs();
    const log = await open(dir, { fs });
    log.append([entry(1)]);
    await log.sync();
    const segSyncs = (): number => fs.datasyncs.filter((p) => p.endsWith('.seg')).length;
    const before = segSyncs();

    for (let i = 2; i <= 101; i++) log.append([entry(i)]);
    await log.sync();
    expect(segSyncs() - before).toBe(1);

    const waits: Promise<void>[] = [];
    for (let i = 102; i <= 201; i++) {
      log.append([entry(i)]);
      waits.push(log.sync());
    }
    await Promise.all(waits);
    expect(segSyncs() - before).toBeLessThanOrEqual(3);

    const settled = segSyncs();
    await log.sync(); // nothing new: no fdatasync
    expect(segSyncs()).toBe(settled);
    await log.close();
    const again = await open(dir);
    expect(again.lastIndex).toBe(201);
    await again.close();
  });

  it('truncates the suffix when an append conflicts, on disk and in memory', async () => {
    const dir = await tempDir();
    const log = await open(dir);
    log.append(entries(1, 10, 1));
    await log.sync();
    log.append(entries(6, 7, 2));
    expect(log.lastIndex).toBe(7);
    expect(log.term(6)).toBe(2);
    expect(log.term(5)).toBe(1);
    await log.sync();
    // A conflict inside what is appended but not yet synced.
    log.append(entries(8, 12, 2));
    log.append([entry(10, 3, 'new-10')]);
    await log.sync();
    await log.close();

    const again = await open(dir);
    expect(again.lastIndex).toBe(10);
    expect(plain(await all(again)).map((e) => `${e.index}:${e.term}`)).toEqual(['1:1', '2:1', '3:1', '4:1', '5:1', '6:2', '7:2', '8:2', '9:2', '10:3']);
    await again.close();
  });

  it('rolls to new preallocated segments when one is full, and truncates across segments', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 1024 });
    log.append(entries(1, 100, 1, (i) => `payload-${String(i).padStart(40, '0')}`));
    await log.sync();
    const files = await segFiles(dir);
    expect(files.length).toBeGreaterThan(5);
    expect(files[0]).toBe('00000000000000000001.seg');
    for (const f of files.slice(0, -1)) expect((await stat(join(dir, f))).size).toBe(1024);

    log.append(entries(30, 35, 2));
    await log.sync();
    expect(log.lastIndex).toBe(35);
    const after = await segFiles(dir);
    expect(after.length).toBeLessThan(files.length);
    log.append(entries(36, 40, 2));
    await log.close();

    const again = await open(dir, { segmentBytes: 1024 });
    const got = await all(again);
    expect(got.map((e) => e.index)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(got.slice(28, 31).map((e) => e.term)).toEqual([1, 2, 2]);
    await again.close();
  });

  it('compactBefore deletes only whole segments below the index, never the last one', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 1024 });
    log.append(entries(1, 100, 1, (i) => `payload-${String(i).padStart(40, '0')}`));
    await log.sync();
    const files = await segFiles(dir);
    await log.compactBefore(60);
    expect(log.firstIndex).toBeLessThanOrEqual(60);
    expect(log.firstIndex).toBeGreaterThan(1);
    const kept = await segFiles(dir);
    expect(kept.length).toBeLessThan(files.length);
    expect(Number(kept[0]!.slice(0, 20))).toBe(log.firstIndex);
    expect((await log.read(log.firstIndex, log.firstIndex + 1))[0]!.index).toBe(log.firstIndex);
    await log.compactBefore(1000);
    expect(await segFiles(dir)).toEqual([files[files.length - 1]]);
    expect(log.lastIndex).toBe(100);
    await log.close();
    const again = await open(dir, { segmentBytes: 1024 });
    expect(again.lastIndex).toBe(100);
    expect((await all(again)).map((e) => e.index)[0]).toBe(again.firstIndex);
    await again.close();
  });

  it('reset empties the log for a snapshot; the next entry starts anywhere after it', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 1024 });
    log.append(entries(1, 50, 1, (i) => `payload-${String(i).padStart(40, '0')}`));
    await log.sync();
    await log.reset(500);
    expect([log.firstIndex, log.lastIndex]).toEqual([500, 499]);
    expect(await segFiles(dir)).toEqual(['00000000000000000500.seg']);
    await log.close();
    const again = await open(dir, { segmentBytes: 1024 });
    expect([again.firstIndex, again.lastIndex]).toEqual([500, 499]);
    again.append(entries(500, 502, 4));
    await again.close();
    const third = await open(dir, { segmentBytes: 1024 });
    expect(plain(await all(third)).map((e) => e.index)).toEqual([500, 501, 502]);
    await third.close();
  });

  it('reads in batches bounded by bytes, across segments and unsynced entries', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 1024 });
    log.append(entries(1, 40, 1, (i) => `payload-${String(i).padStart(40, '0')}`));
    await log.sync();
    log.append(entries(41, 45));
    const some = await log.read(1, 46, 200);
    expect(some.length).toBeGreaterThan(0);
    expect(some.length).toBeLessThan(10);
    expect(plain(await log.read(38, 46)).map((e) => e.index)).toEqual([38, 39, 40, 41, 42, 43, 44, 45]);
    expect((await log.read(45, 46, 1)).map((e) => e.index)).toEqual([45]);
    await log.close();
  });

  it('takes an entry larger than a segment', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 1024 });
    log.append([entry(1), entry(2, 1, 'y'.repeat(5000)), entry(3)]);
    await log.close();
    const again = await open(dir, { segmentBytes: 1024 });
    expect(plain(await all(again)).map((e) => e.data.length)).toEqual([7, 5000, 7]);
    await again.close();
  });

  it('rejects appends that would leave a gap or go back in term', async () => {
    const dir = await tempDir();
    const log = await open(dir);
    expect(() => log.append([entry(2)])).toThrow(/append at index 2/);
    log.append(entries(1, 3, 2));
    expect(() => log.append([entry(4, 1)])).toThrow(/below term 2/);
    expect(() => log.append([entry(4), entry(6)])).toThrow(/not contiguous/);
    expect(log.lastIndex).toBe(3);
    await log.close();
  });

  it('fails every later call once an fdatasync failed, and keeps what was synced before', async () => {
    const dir = await tempDir();
    const fs = countingFs();
    const log = await open(dir, { fs });
    log.append(entries(1, 5));
    await log.sync();
    fs.failDatasync = (p) => p.endsWith('.seg');
    log.append(entries(6, 8));
    await expect(log.sync()).rejects.toThrow(/EIO/);
    expect(() => log.append([entry(9)])).toThrow(/must be reopened/);
    await expect(log.close()).resolves.toBeUndefined();
    const again = await open(dir);
    expect(again.lastIndex).toBeGreaterThanOrEqual(5);
    await again.close();
  });

  it('removes leftover temporary files and warns about unknown ones at open', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'next.seg.tmp'), 'partial');
    await writeFile(join(dir, 'notes.txt'), 'hello');
    const capture = new CaptureLogger();
    const log = await SegmentLog.open({ dir, logger: capture.logger, segmentBytes: 4096 });
    expect(await readdir(dir)).not.toContain('partial');
    expect(capture.lines().some((l) => l.includes('unknown file'))).toBe(true);
    await log.close();
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
