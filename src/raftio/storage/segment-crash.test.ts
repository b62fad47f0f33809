/**
 * kill -9 at any moment, simulated: after a random number of disk calls every call hangs for
 * ever (a write in progress lands partly), as if the process died there; what reached the
 * page cache stays. Reopening must then succeed and hold every acknowledged entry, unless a
 * later append overwrote it (a Raft conflict).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nullLogger, SeededRng } from '../../lib/index.js';
import type { Entry } from '../../raft/types.js';
import { nodeStorageFs, type FileHandle, type StorageFs } from './fs-facade.js';
import { SegmentLog } from './segment-log.js';
import { removeTempDirs, tempDir } from './test-support.js';

afterEach(removeTempDirs);

const never = new Promise<never>(() => {});

/** A facade that dies after `crashAfter` calls; `crashed` resolves then. */
function dyingFs(crashAfter: number, rng: SeededRng): { fs: StorageFs; crashed: Promise<void>; handles: FileHandle[] } {
  let calls = 0;
  let signal = (): void => {};
  const crashed = new Promise<void>((resolve) => (signal = resolve));
  const handles: FileHandle[] = [];
  /** Runs `op` unless dead; the call that kills may still happen (`landsAnyway`). */
  const step = async <T>(op: () => Promise<T>, partial?: () => Promise<unknown>): Promise<T> => {
    if (calls > crashAfter) return never;
    if (++calls <= crashAfter) return op();
    signal();
    if (partial) await partial();
    else if (rng.int(2) === 0) await op().catch(() => {});
    return never;
  };
  const wrap = (fh: FileHandle): FileHandle => {
    handles.push(fh);
    return {
      write: (buf: Uint8Array, off: number, len: number, pos: number) =>
        step(() => fh.write(buf, off, len, pos), () => fh.write(buf, off, rng.int(len + 1), pos)),
      read: (buf: Uint8Array, off: number, len: number, pos: number) => step(() => fh.read(buf, off, len, pos)),
      truncate: (len: number) => step(() => fh.truncate(len)),
      stat: () => step(() => fh.stat()),
      datasync: () => step(() => fh.datasync()),
      sync: () => step(() => fh.sync()),
      close: () => fh.close(),
    } as unknown as FileHandle;
  };
  const base = nodeStorageFs;
  const fs: StorageFs = {
    open: (p, f) => step(async () => wrap(await base.open(p, f))),
    readFile: (p) => step(() => base.readFile(p)),
    readdir: (p) => step(() => base.readdir(p)),
    mkdir: (p) => step(() => base.mkdir(p)),
    rename: (a, b) => step(() => base.rename(a, b)),
    link: (a, b) => step(() => base.link(a, b)),
    unlink: (p) => step(() => base.unlink(p)),
    rmTree: (p) => step(() => base.rmTree(p)),
    datasync: (f) => step(() => f.datasync()),
    fsync: (f) => step(() => f.sync()),
    syncDir: (p) => step(() => base.syncDir(p)),
  };
  return { fs, crashed, handles };
}

type State = string[]; // "term:data" per index - 1

function commonPrefix(a: State, b: State): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Random appends, conflicts, syncs and compactions until the crash; returns the states. */
async function workload(log: SegmentLog, rng: SeededRng, crashed: Promise<void>): Promise<{ states: State[]; acked: number }> {
  const states: State[] = [[]];
  let acked = 0;
  let term = 1;
  let model: State = [];
  const alive = async (p: Promise<unknown>): Promise<boolean> => (await Promise.race([p.then(() => true), crashed.then(() => false)])) as boolean;
  for (let step = 0; step < 300; step++) {
    const r = rng.int(10);
    if (r < 7) {
      let from = log.lastIndex + 1;
      if (r === 6 && log.lastIndex >= log.firstIndex) {
        from = Math.max(log.firstIndex, log.lastIndex - rng.int(6));
        term++;
      }
      const batch: Entry[] = [];
      for (let i = 0; i < 1 + rng.int(6); i++) batch.push({ index: from + i, term, type: 'command', data: new TextEncoder().encode('d'.repeat(rng.int(60)) + (from + i)) });
      log.append(batch);
      model = model.slice(0, from - 1).concat(batch.map((e) => `${e.term}:${new TextDecoder().decode(e.data)}`));
      states.push(model);
    } else if (r < 9) {
      const k = states.length - 1;
      const p = log.sync().then(() => (acked = Math.max(acked, k)));
      if (r === 7 && !(await alive(p))) break;
    } else {
      const upTo = rng.int(Math.max(1, commonPrefix(states[acked]!, model)));
      if (!(await alive(log.compactBefore(upTo)))) break;
    }
  }
  return { states, acked };
}

describe('segment log after a simulated kill -9', () => {
  it('reopens with every acknowledged entry, for many crash points', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = new SeededRng(seed);
      const dir = await tempDir();
      const { fs, crashed, handles } = dyingFs(5 + rng.int(400), rng);
      const opened = await Promise.race([SegmentLog.open({ dir, logger: nullLogger, fs, segmentBytes: 512 }), crashed.then(() => null)]);
      const { states, acked } = opened ? await workload(opened, rng, crashed) : { states: [[]], acked: 0 };
      for (const fh of handles) await fh.close().catch(() => {});

      const log = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes: 512 });
      const got: State = [];
      for await (const e of log.entries()) got[e.index - 1] = `${e.term}:${new TextDecoder().decode(e.data)}`;
      // The log on disk is a prefix of a state at or after the acknowledged one, holding every
      // acknowledged entry that a later state keeps: a crash inside a truncation toward a later
      // state leaves a prefix of the earlier one, newest segments gone first (README.md).
      const fits = states.slice(acked).some((s, k) => {
        const kept = Math.min(...states.slice(acked + k).map((later) => commonPrefix(states[acked]!, later)));
        if (log.lastIndex > s.length || log.lastIndex < kept) return false;
        for (let i = log.firstIndex; i <= log.lastIndex; i++) if (got[i - 1] !== s[i - 1]) return false;
        return true;
      });
      expect(fits, `seed ${seed}: recovered ${log.firstIndex}..${log.lastIndex}, acked state ${acked} of ${states.length - 1}`).toBe(true);
      log.append([{ index: log.lastIndex + 1, term: 1000, type: 'noop', data: new Uint8Array() }]);
      await log.close();
      const again = await SegmentLog.open({ dir, logger: nullLogger, segmentBytes: 512 });
      expect(again.term(again.lastIndex)).toBe(1000);
      await again.close();
    }
  });
});
