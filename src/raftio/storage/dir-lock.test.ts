import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureLogger, MusterError, nullLogger } from '../../lib/index.js';
import { acquireDirLock, identify, lockFileName } from './dir-lock.js';
import { removeTempDirs, tempDir } from './test-support.js';

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) await stop(c);
  await removeTempDirs();
});

function startChild(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function lockNaming(dir: string, pid: number, startTicks?: string): Promise<void> {
  const id = await identify(pid);
  const detail = { host: hostname(), bootId: id?.bootId ?? '', startTicks: startTicks ?? id?.startTicks ?? '' };
  await writeFile(join(dir, lockFileName), `${pid}\n${JSON.stringify(detail)}\n`);
}

async function refusal(dir: string): Promise<MusterError> {
  const err: unknown = await acquireDirLock(dir, { logger: nullLogger }).then(
    async (lock) => {
      await lock.release();
      return null;
    },
    (e: unknown) => e,
  );
  expect(MusterError.is(err)).toBe(true);
  return err as MusterError;
}

describe('data_dir lock', () => {
  it('holds our PID; a second agent in this process is refused until release', async () => {
    const dir = await tempDir();
    const lock = await acquireDirLock(dir, { logger: nullLogger });
    expect((await readFile(join(dir, lockFileName), 'utf8')).split('\n')[0]).toBe(String(process.pid));
    const err = await refusal(dir);
    expect(err.message).toBe(`data_dir ${dir} is in use by process ${process.pid} (lock file ${join(dir, lockFileName)}); stop that agent or use another data_dir`);
    expect(err.code).toBe('ERR_CONFIG');
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    const next = await acquireDirLock(dir, { logger: nullLogger });
    await next.release();
  });

  it('refuses while the holder process is alive and takes over once it is dead', async () => {
    const dir = await tempDir();
    const child = await startChild('setInterval(() => {}, 1000)');
    await lockNaming(dir, child.pid!);
    expect((await refusal(dir)).message).toContain(`is in use by process ${child.pid}`);
    await stop(child);
    const capture = new CaptureLogger();
    const lock = await acquireDirLock(dir, { logger: capture.logger });
    expect(capture.lines().join('\n')).toMatch(/stale data_dir lock/);
    expect((await readFile(join(dir, lockFileName), 'utf8')).startsWith(`${process.pid}\n`)).toBe(true);
    await lock.release();
  });

  it('takes over a lock whose PID now belongs to another process (start time differs)', async () => {
    const dir = await tempDir();
    const child = await startChild('setInterval(() => {}, 1000)');
    const id = await identify(child.pid!);
    if (id === null) return; // no /proc here: the PID alone decides
    await lockNaming(dir, child.pid!, String(Number(id.startTicks) - 1));
    const lock = await acquireDirLock(dir, { logger: nullLogger });
    await lock.release();
  });

  it('takes over a lock whose holder was killed but not yet reaped (a zombie holds no lock)', async () => {
    const dir = await tempDir();
    await lockNaming(dir, 4242, '99');
    const lock = await acquireDirLock(dir, { logger: nullLogger, isAlive: () => true, identify: async () => ({ bootId: '', startTicks: '99', exited: true }) });
    await lock.release();
    await lockNaming(dir, 4242, '99');
    await expect(acquireDirLock(dir, { logger: nullLogger, isAlive: () => true, identify: async () => ({ bootId: '', startTicks: '99', exited: false }) })).rejects.toThrow(/in use by process 4242/);
  });

  it('takes over a lock left by an earlier run with our own PID (a container restart)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, lockFileName), `${process.pid}\n{}\n`);
    const lock = await acquireDirLock(dir, { logger: nullLogger });
    await lock.release();
  });

  it('takes over an unreadable lock file, and release leaves a lock that is not ours', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, lockFileName), 'garbage');
    const lock = await acquireDirLock(dir, { logger: nullLogger });
    await writeFile(join(dir, lockFileName), '1\n{}\n');
    await lock.release();
    expect(await readFile(join(dir, lockFileName), 'utf8')).toBe('1\n{}\n');
  });

  it('lets only one of many concurrent acquirers win', async () => {
    const dir = await tempDir();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireDirLock(dir, { logger: nullLogger })));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });
});
