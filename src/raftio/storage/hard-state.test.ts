import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MusterError } from '../../lib/index.js';
import { encodeHardState, hardStateFileName, HardStateStore } from './hard-state.js';
import { countingFs, removeTempDirs, tempDir } from './test-support.js';

afterEach(removeTempDirs);

describe('hard state', () => {
  it('starts empty, and reads back what was saved', async () => {
    const dir = await tempDir();
    const store = await HardStateStore.open({ dir });
    expect(store.current).toEqual({ term: 0, vote: '', commit: 0 });
    await store.save({ term: 3, vote: '8f2a6c1e-0000-4000-8000-000000000001', commit: 17 });
    await store.save({ term: 2 ** 40, vote: '', commit: 2 ** 41 });
    await store.close();
    const again = await HardStateStore.open({ dir });
    expect(again.current).toEqual({ term: 2 ** 40, vote: '', commit: 2 ** 41 });
  });

  it('writes a temp file, fsyncs it, renames it and fsyncs the directory before save resolves', async () => {
    const dir = await tempDir();
    const fs = countingFs();
    const calls: string[] = [];
    const store = await HardStateStore.open({
      dir,
      fs: {
        ...fs,
        fsync: async (f, p) => {
          calls.push(`fsync ${p}`);
          await fs.fsync(f, p);
        },
        rename: async (a, b) => {
          calls.push(`rename ${a} ${b}`);
          await fs.rename(a, b);
        },
        syncDir: async (p) => {
          calls.push(`syncDir ${p}`);
          await fs.syncDir(p);
        },
      },
    });
    await store.save({ term: 1, vote: 'a', commit: 0 });
    const file = join(dir, hardStateFileName);
    expect(calls).toEqual([`fsync ${file}.tmp`, `rename ${file}.tmp ${file}`, `syncDir ${dir}`]);
  });

  it('ignores and removes a leftover temp file (a crash before the rename)', async () => {
    const dir = await tempDir();
    const store = await HardStateStore.open({ dir });
    await store.save({ term: 4, vote: 'a', commit: 2 });
    const file = join(dir, hardStateFileName);
    await writeFile(`${file}.tmp`, encodeHardState({ term: 5, vote: 'b', commit: 3 }));
    const again = await HardStateStore.open({ dir });
    expect(again.current).toEqual({ term: 4, vote: 'a', commit: 2 });
    expect(await readdir(dir)).toEqual([hardStateFileName]);
    await writeFile(`${file}.tmp`, 'half a fi');
    expect((await HardStateStore.open({ dir })).current.term).toBe(4);
  });

  it('fails on a damaged file, naming it', async () => {
    const dir = await tempDir();
    const store = await HardStateStore.open({ dir });
    await store.save({ term: 4, vote: 'node-a', commit: 2 });
    const file = join(dir, hardStateFileName);
    const good = await readFile(file);
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i]! ^= 0x01;
      await writeFile(file, bad);
      const err: unknown = await HardStateStore.open({ dir }).then(() => null, (e: unknown) => e);
      expect(MusterError.is(err), `byte ${i}`).toBe(true);
      expect((err as Error).message).toContain(file);
    }
    await writeFile(file, good.subarray(0, good.length - 1));
    await expect(HardStateStore.open({ dir })).rejects.toThrow(/raft hard state is corrupt/);
  });

  it('coalesces saves made while one is written; the latest wins', async () => {
    const dir = await tempDir();
    const fs = countingFs();
    const store = await HardStateStore.open({ dir, fs });
    const waits: Promise<void>[] = [];
    for (let t = 1; t <= 20; t++) waits.push(store.save({ term: t, vote: `n${t}`, commit: t }));
    await Promise.all(waits);
    expect(fs.fsyncs.length).toBeLessThanOrEqual(2);
    expect(store.current).toEqual({ term: 20, vote: 'n20', commit: 20 });
    const again = await HardStateStore.open({ dir });
    expect(again.current).toEqual({ term: 20, vote: 'n20', commit: 20 });
  });

  it('refuses to lower the term or change a vote already cast in the same term', async () => {
    const dir = await tempDir();
    const store = await HardStateStore.open({ dir });
    await store.save({ term: 5, vote: 'a', commit: 0 });
    expect(() => store.save({ term: 4, vote: '', commit: 0 })).toThrow(/below the stored term/);
    expect(() => store.save({ term: 5, vote: 'b', commit: 0 })).toThrow(/would change/);
    expect(() => store.save({ term: 5, vote: '', commit: 0 })).toThrow(/would change/);
    await store.save({ term: 5, vote: 'a', commit: 9 });
    await store.save({ term: 6, vote: '', commit: 9 });
    expect(store.current).toEqual({ term: 6, vote: '', commit: 9 });
  });
});
