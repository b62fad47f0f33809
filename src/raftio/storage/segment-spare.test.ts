/**
 * New segments never wait for a zero-fill: a brand-new log's first segment and any roll that
 * finds no complete spare get a sparse file (ftruncate), and a torn tail in such a file is
 * recognised as before. Every disk call goes through a facade that records it and can hold
 * the spare's zero-fill writes for as long as a test wants (a slow disk).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CaptureLogger, nullLogger } from '../../lib/index.js';
import type { Entry } from '../../raft/types.js';
import { segmentBytesDefault } from './constants.js';
import { nodeStorageFs, type FileHandle, type StorageFs } from './fs-facade.js';
import { SegmentLog } from './segment-log.js';
import { entries, entry, plain, removeTempDirs, tempDir } from './test-support.js';

afterEach(removeTempDirs);

type Event =
  | { op: 'write'; path: string; at: number; bytes: number }
  | { op: 'truncate'; path: string; bytes: number }
  | { op: 'datasync' | 'open'; path: string }
  | { op: 'rename'; from: string; to: string };

const name = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const never = new Promise<never>(() => {});

interface WatchingFs {
  fs: StorageFs;
  events: Event[];
  handles: FileHandle[];
  /** Lets the held zero-fill writes of `next.seg.tmp` go on (held from the start). */
  releaseFill(): void;
  /** From now on every call hangs, as if the process died; `tearWrite` may land part of one. */
  tearWrite?: (path: string, at: number, bytes: Uint8Array) => [number, number] | undefined;
}

function watchingFs(): WatchingFs {
  let release = (): void => {};
  const fillGate = new Promise<void>((resolve) => (release = resolve));
  let dead = false;
  const w: WatchingFs = { fs: nodeStorageFs, events: [], handles: [], releaseFill: () => release() };
  const live = <T>(op: () => Promise<T>): Promise<T> => (dead ? never : op());
  /** Each open handle's file name, following renames. */
  const named: { path: string }[] = [];
  const wrap = (fh: FileHandle, opened: string): FileHandle => {
    w.handles.push(fh);
    const file = { path: opened };
    named.push(file);
    const write = async (buf: Uint8Array, off: number, len: number, pos: number): Promise<unknown> => {
      const path = file.path;
      if (name(path) === 'next.seg.tmp') await fillGate;
      const torn = w.tearWrite?.(path, pos, buf.subarray(off, off + len));
      if (torn) {
        dead = true;
        await fh.write(buf, off + torn[0], torn[1] - torn[0], pos + torn[0]);
        return never;
      }
      w.events.push({ op: 'write', path, at: pos, bytes: len });
      return live(() => fh.write(buf, off, len, pos));
    };
    const truncate = (bytes: number): Promise<void> =>
      live(async () => {
        w.events.push({ op: 'truncate', path: file.path, bytes });
        await fh.truncate(bytes);
      });
    return new Proxy(fh, {
      get: (target, key): unknown => {
        if (key === 'write') return write;
        if (key === 'truncate') return truncate;
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  w.fs = {
    ...nodeStorageFs,
    open: (path, flags) =>
      live(async () => {
        w.events.push({ op: 'open', path });
        return wrap(await nodeStorageFs.open(path, flags), path);
      }),
    datasync: (file, path) =>
      live(async () => {
        await nodeStorageFs.datasync(file, path);
        w.events.push({ op: 'datasync', path });
      }),
    rename: (from, to) =>
      live(async () => {
        await nodeStorageFs.rename(from, to);
        for (const file of named) if (file.path === from) file.path = to;
        w.events.push({ op: 'rename', from, to });
      }),
    unlink: (p) => live(() => nodeStorageFs.unlink(p)),
    syncDir: (p) => live(() => nodeStorageFs.syncDir(p)),
  };
  return w;
}

/** The temporary file each segment was renamed from, by segment file name. */
function origins(events: readonly Event[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) if (e.op === 'rename') out[name(e.to)] = name(e.from);
  return out;
}

/** `p`, or a clear failure once 4 s passed (well under the test's own timeout). */
async function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not resolve within 4 s`)), 4_000)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function all(log: SegmentLog): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of log.entries()) out.push(e);
  return out;
}

describe('new segments without waiting for a zero-fill', () => {
  it('syncs the first entries of a brand-new log with no zero-fill written before (64 MiB segments)', async () => {
    const dir = await tempDir();
    const w = watchingFs();
    const log = await SegmentLog.open({ dir, logger: nullLogger, fs: w.fs });
    log.append([entry(1, 1, '', 'noop')]);
    await bounded(log.sync(), 'the first sync'); // zero-fill writes are held: resolving is the point
    const before = w.events.slice();

    const written = before.filter((e) => e.op === 'write');
    expect(written.every((e) => name(e.path) !== 'next.seg.tmp')).toBe(true);
    expect(written.reduce((n, e) => n + e.bytes, 0)).toBeLessThan(4096);
    const seg = join(dir, '00000000000000000001.seg');
    // Created sparse: full size by ftruncate, header, fdatasync (the size with it), then renamed.
    const ops = before.map((e) => (e.op === 'rename' ? `rename ${name(e.from)} ${name(e.to)}` : `${e.op} ${name(e.path)}${e.op === 'truncate' ? ` ${e.bytes}` : ''}`));
    const create = ['open sparse.seg.tmp', `truncate sparse.seg.tmp ${segmentBytesDefault}`, 'write sparse.seg.tmp', 'datasync sparse.seg.tmp', 'rename sparse.seg.tmp 00000000000000000001.seg'];
    expect(ops.filter((op) => create.includes(op))).toEqual(create);
    expect(ops.indexOf('datasync 00000000000000000001.seg')).toBeGreaterThan(ops.indexOf(create[4]!));
    expect((await stat(seg)).size).toBe(segmentBytesDefault);

    // The spare for the next roll starts only after that first fdatasync.
    await vi.waitFor(() => expect(w.events.some((e) => e.op === 'open' && name(e.path) === 'next.seg.tmp')).toBe(true), { timeout: 5_000, interval: 5 });
    w.releaseFill();
    await log.close();
    expect((await readdir(dir)).sort()).toEqual(['00000000000000000001.seg']);
    const again = await SegmentLog.open({ dir, logger: nullLogger });
    expect(plain(await all(again))).toEqual(plain([entry(1, 1, '', 'noop')]));
    await again.close();
  });

  it('rolls to sparse segments while the zero-fill is held, and to the spare once it is complete', async () => {
    const dir = await tempDir();
    const w = watchingFs();
    const log = await SegmentLog.open({ dir, logger: nullLogger, fs: w.fs, segmentBytes: 1024 });
    const data = (i: number): string => `payload-${String(i).padStart(40, '0')}`;
    for (let i = 1; i <= 60; i++) {
      log.append([entry(i, 1, data(i))]);
      await bounded(log.sync(), `sync ${i}`);
    }
    const sparse = origins(w.events);
    expect(Object.keys(sparse).length).toBeGreaterThan(3);
    expect(Object.values(sparse).every((from) => from === 'sparse.seg.tmp')).toBe(true);
    expect(w.events.some((e) => e.op === 'write' && name(e.path) === 'next.seg.tmp')).toBe(false);

    w.releaseFill();
    await vi.waitFor(() => expect(w.events.some((e) => e.op === 'datasync' && name(e.path) === 'next.seg.tmp')).toBe(true), { timeout: 5_000, interval: 5 });
    const segsBefore = Object.keys(sparse).length;
    let i = 61;
    while (Object.keys(origins(w.events)).length === segsBefore) {
      log.append([entry(i, 1, data(i))]);
      await log.sync();
      i++;
    }
    expect(Object.values(origins(w.events)).at(-1)).toBe('next.seg.tmp');
    await log.close();

    const again = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes: 1024 });
    expect((await all(again)).map((e) => e.index)).toEqual(Array.from({ length: i - 1 }, (_, k) => k + 1));
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.seg')).slice(0, -1)) expect((await stat(join(dir, f))).size).toBe(1024);
    await again.close();
  });

  it('keeps rolling when the zero-fill fails (a warning, not a failed log)', async () => {
    const dir = await tempDir();
    const w = watchingFs();
    w.releaseFill();
    const base = w.fs;
    const fs: StorageFs = {
      ...base,
      open: async (path, flags) => {
        if (name(path) === 'next.seg.tmp') throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), { code: 'ENOSPC' });
        return base.open(path, flags);
      },
    };
    const capture = new CaptureLogger();
    const log = await SegmentLog.open({ dir, logger: capture.logger, fs, segmentBytes: 1024 });
    for (let i = 1; i <= 60; i++) {
      log.append([entry(i, 1, `payload-${String(i).padStart(40, '0')}`)]);
      await bounded(log.sync(), `sync ${i}`);
    }
    const segments = Object.keys(origins(w.events)).length;
    expect(segments).toBeGreaterThan(3);
    const warnings = capture.lines().filter((l) => l.includes('preallocating the next segment failed'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(segments); // one attempt per roll, not per sync
    await log.close();
    const again = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes: 1024 });
    expect(again.lastIndex).toBe(60);
    await again.close();
  });

  it('cuts a torn tail in a sparse first segment after a crash, the unwritten part still a hole', async () => {
    const segmentBytes = 16 * 1024;
    const big = (i: number): string => `entry-${i}-`.padEnd(100, 'x');
    // [from, to) of the last batch's write that reaches the disk before the "kill -9".
    const cases: { label: string; lands: (len: number) => [number, number]; kept: number; warns: boolean }[] = [
      { label: 'nothing of the batch', lands: () => [0, 0], kept: 10, warns: false },
      { label: 'a prefix of its first record', lands: () => [0, 60], kept: 10, warns: true },
      { label: 'all but its last byte', lands: (len) => [0, len - 1], kept: 99, warns: true },
      { label: 'only its pages after the first 4 KiB (reordered)', lands: (len) => [4096, len], kept: 10, warns: true },
    ];
    for (const c of cases) {
      const dir = await tempDir();
      const w = watchingFs();
      const log = await SegmentLog.open({ dir, logger: nullLogger, fs: w.fs, segmentBytes });
      w.releaseFill();
      log.append(entries(1, 10, 1, big));
      await log.sync();
      let crashed = (): void => {};
      const dead = new Promise<void>((resolve) => (crashed = resolve));
      w.tearWrite = (path, _at, bytes) => {
        if (!path.endsWith('.seg')) return undefined;
        crashed();
        return c.lands(bytes.length);
      };
      log.append(entries(11, 100, 1, big));
      await Promise.race([log.sync(), dead]);
      for (const fh of w.handles) await fh.close().catch(() => {});
      expect(origins(w.events)['00000000000000000001.seg'], c.label).toBe('sparse.seg.tmp');

      const capture = new CaptureLogger();
      const again = await SegmentLog.open({ dir, logger: capture.logger, segmentBytes });
      expect(again.lastIndex, c.label).toBe(c.kept);
      expect(capture.lines().some((l) => l.includes('torn write')), c.label).toBe(c.warns);
      again.append([entry(again.lastIndex + 1, 2, 'after the crash')]);
      await again.close();
      const third = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes });
      expect(plain(await all(third)).at(-1)?.data, c.label).toBe('after the crash');
      await third.close();
    }
  });
});
