/**
 * Helpers for this directory's tests: temporary directories (removed after each test), an
 * fs facade that counts fsyncs or fails on demand, and entry builders.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../../raft/types.js';
import { nodeStorageFs, type StorageFs } from './fs-facade.js';

const made: string[] = [];

export async function tempDir(prefix = 'muster-raftio-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Call from afterEach. */
export async function removeTempDirs(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

export interface CountingFs extends StorageFs {
  /** Paths passed to datasync / fsync, in call order. */
  datasyncs: string[];
  fsyncs: string[];
  /** When set, datasync of a path for which it returns true fails with EIO. */
  failDatasync?: (path: string) => boolean;
}

export function countingFs(base: StorageFs = nodeStorageFs): CountingFs {
  const fs: CountingFs = {
    ...base,
    datasyncs: [],
    fsyncs: [],
    datasync: async (file, path) => {
      fs.datasyncs.push(path);
      if (fs.failDatasync?.(path)) throw Object.assign(new Error(`EIO: i/o error, fdatasync '${path}'`), { code: 'EIO' });
      await base.datasync(file, path);
    },
    fsync: async (file, path) => {
      fs.fsyncs.push(path);
      await base.fsync(file, path);
    },
  };
  return fs;
}

const text = new TextEncoder();

export function entry(index: number, term = 1, data = `value-${index}`, type: Entry['type'] = 'command'): Entry {
  return { index, term, type, data: text.encode(data) };
}

export function entries(from: number, to: number, term = 1, data?: (i: number) => string): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, data ? data(i) : `value-${i}`));
  return out;
}

/** Entries as plain comparable objects (data as text). */
export function plain(list: readonly Entry[]): { index: number; term: number; type: string; data: string }[] {
  const dec = new TextDecoder();
  return list.map((e) => ({ index: e.index, term: e.term, type: e.type, data: dec.decode(e.data) }));
}
