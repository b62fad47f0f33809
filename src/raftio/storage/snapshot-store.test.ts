import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureLogger, ManualClock, MusterError, nullLogger } from '../../lib/index.js';
import type { SnapshotMeta } from '../../raft/types.js';
import { snapshotChunkBytes } from './constants.js';
import { SnapshotStore, type SnapshotReader } from './snapshot-store.js';
import { countingFs, removeTempDirs, tempDir } from './test-support.js';

afterEach(removeTempDirs);

const meta = (index: number, term = 2): SnapshotMeta => ({
  index,
  term,
  configuration: { servers: [{ id: 'a', address: '127.0.0.1:8300', suffrage: 'voter' }, { id: 'b', address: '127.0.0.2:8300', suffrage: 'nonvoter' }] },
  configurationIndex: 3,
});

/** Deterministic bytes: chunk `i` of `n` bytes. */
function chunk(i: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = (i * 31 + k * 7) & 0xff;
  return out;
}

async function readAll(reader: SnapshotReader): Promise<{ bytes: Buffer; largestChunk: number }> {
  const parts: Uint8Array[] = [];
  for await (const c of reader) parts.push(c);
  return { bytes: Buffer.concat(parts), largestChunk: Math.max(0, ...parts.map((p) => p.length)) };
}

describe('snapshot store', () => {
  it('streams a snapshot in and out; latest() and open() give it back', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(1_700_000_000_000);
    const store = await SnapshotStore.open({ dir, clock, logger: nullLogger });
    expect(await store.latest()).toBeUndefined();
    const sink = await store.create(meta(100, 4));
    expect(sink.id).toBe('4-100-1700000000000');
    const written: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const c = chunk(i, i % 3 === 0 ? 100_000 : 7_000 + i);
      written.push(c);
      await sink.write(c);
    }
    await sink.write(chunk(99, snapshotChunkBytes * 2));
    written.push(chunk(99, snapshotChunkBytes * 2));
    const info = await sink.commit();
    expect(await readdir(dir)).toEqual(['4-100-1700000000000']);
    expect(await readdir(join(dir, info.id))).toEqual(['meta.json', 'state.bin']);

    const again = await SnapshotStore.open({ dir, clock, logger: nullLogger });
    const latest = await again.latest();
    expect(latest).toEqual(info);
    expect(latest?.meta).toEqual(meta(100, 4));
    const { bytes, largestChunk } = await readAll(await again.open(info.id));
    expect(bytes.equals(Buffer.concat(written))).toBe(true);
    expect(largestChunk).toBeLessThanOrEqual(snapshotChunkBytes);
    expect(JSON.parse(await readFile(join(dir, info.id, 'meta.json'), 'utf8'))).toMatchObject({ size: bytes.length, meta: { index: 100, term: 4 } });
  });

  it('fsyncs state.bin and meta.json before the rename into place', async () => {
    const dir = await tempDir();
    const fs = countingFs();
    const order: string[] = [];
    const store = await SnapshotStore.open({
      dir,
      clock: new ManualClock(5),
      logger: nullLogger,
      fs: {
        ...fs,
        fsync: async (f, p) => {
          order.push(`fsync ${p.slice(dir.length + 1)}`);
          await fs.fsync(f, p);
        },
        syncDir: async (p) => {
          order.push(`syncDir ${p.slice(dir.length + 1) || '.'}`);
          await fs.syncDir(p);
        },
        rename: async (a, b) => {
          order.push(`rename ${a.slice(dir.length + 1)}`);
          await fs.rename(a, b);
        },
      },
    });
    const sink = await store.create(meta(7, 1));
    await sink.write(chunk(1, 10));
    await sink.commit();
    expect(order).toEqual(['fsync 1-7-5.tmp/state.bin', 'fsync 1-7-5.tmp/meta.json', 'syncDir 1-7-5.tmp', 'rename 1-7-5.tmp', 'syncDir .']);
  });

  it('keeps the 2 newest snapshots, ordered by term then index', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(1000);
    const store = await SnapshotStore.open({ dir, clock, logger: nullLogger });
    const ids: string[] = [];
    for (const [index, term] of [[10, 1], [20, 1], [15, 2], [15, 2]] as const) {
      const sink = await store.create(meta(index, term));
      await sink.write(chunk(index, 1000));
      ids.push((await sink.commit()).id);
      clock.advance(1);
    }
    expect(ids[2]).not.toBe(ids[3]);
    expect((await store.list()).map((s) => s.id)).toEqual([ids[3], ids[2]]);
    expect((await readdir(dir)).sort()).toEqual([ids[2], ids[3]].sort());
  });

  it('deletes a snapshot that crashed mid-write at open; latest() is the previous one', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(1000);
    const store = await SnapshotStore.open({ dir, clock, logger: nullLogger });
    const first = await store.create(meta(10));
    await first.write(chunk(1, 5000));
    const committed = await first.commit();
    clock.advance(10);
    const crashed = await store.create(meta(20));
    await crashed.write(chunk(2, 300_000));
    // The process dies here: no commit, no cancel.
    expect(await store.latest()).toEqual(committed);
    const capture = new CaptureLogger();
    const reopened = await SnapshotStore.open({ dir, clock, logger: capture.logger });
    expect(await readdir(dir)).toEqual([committed.id]);
    expect(capture.lines().join('\n')).toMatch(/never committed/);
    expect((await reopened.latest())?.id).toBe(committed.id);
    await crashed.cancel();
  });

  it('cancel removes everything written', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open({ dir, clock: new ManualClock(1), logger: nullLogger });
    const sink = await store.create(meta(10));
    await sink.write(chunk(1, 100));
    await sink.cancel();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a snapshot whose state no longer matches its CRC, and skips unreadable metadata', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(1);
    const store = await SnapshotStore.open({ dir, clock, logger: nullLogger });
    const a = await store.create(meta(10));
    await a.write(chunk(1, 1000));
    const older = await a.commit();
    clock.advance(1);
    const b = await store.create(meta(20));
    await b.write(chunk(2, 1000));
    const newer = await b.commit();

    const state = join(dir, newer.id, 'state.bin');
    const bytes = await readFile(state);
    bytes[500]! ^= 0x40;
    await writeFile(state, bytes);
    const err: unknown = await store.open(newer.id).then(() => null, (e: unknown) => e);
    expect(MusterError.is(err) && err.message).toContain(`raft snapshot is corrupt: ${state}`);

    await writeFile(join(dir, newer.id, 'meta.json'), '{"version":1,"id":');
    const capture = new CaptureLogger();
    const reopened = await SnapshotStore.open({ dir, clock, logger: capture.logger });
    expect((await reopened.latest())?.id).toBe(older.id);
    expect(capture.lines().join('\n')).toMatch(/cannot be read/);
    await expect(reopened.open('../etc')).rejects.toThrow(/not found/);
  });
});
