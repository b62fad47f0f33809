/**
 * One agent per data_dir. Node has no flock without a native addon, so the lock is a file
 * created exclusively (a hard link of a fully written temporary file: it never exists half
 * written) that names its holder: PID, host, boot ID and the process's start time. The lock is
 * stale when that process is gone: `process.kill(pid, 0)` fails with ESRCH, or the PID now
 * belongs to another process (different start time or boot), or it is our own PID but no lock
 * of this process holds it (a container restarted as PID 1). A stale lock is taken over.
 */
import { readFile, realpath } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MusterError, type Logger } from '../../lib/index.js';
import { errnoCode, nodeStorageFs, writeFully, type StorageFs } from './fs-facade.js';

export const lockFileName = 'muster.lock';
/** Attempts to take over a stale lock before giving up (another agent may be racing us). */
const takeoverAttemptsMax = 3;

export interface LockHolder {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id and field 22 of /proc/<pid>/stat; '' where unknown. */
  bootId: string;
  startTicks: string;
}

export interface DirLock {
  readonly path: string;
  /** Removes the lock file (when it is still ours). */
  release(): Promise<void>;
}

export interface DirLockOptions {
  logger: Logger;
  fs?: StorageFs;
  /** For tests: who we are, and how liveness is checked. */
  self?: LockHolder;
  identify?: (pid: number) => Promise<(Pick<LockHolder, 'bootId' | 'startTicks'> & { exited?: boolean }) | null>;
  isAlive?: (pid: number) => boolean;
}

/** data_dirs (real paths) locked by this process: two agents in one process must not share one. */
const heldHere = new Set<string>();

export async function acquireDirLock(dataDir: string, options: DirLockOptions): Promise<DirLock> {
  const fs = options.fs ?? nodeStorageFs;
  const path = join(dataDir, lockFileName);
  const self = options.self ?? (await currentHolder());
  const content = `${self.pid}\n${JSON.stringify({ host: self.host, bootId: self.bootId, startTicks: self.startTicks })}\n`;
  await fs.mkdir(dataDir);
  const key = await realpath(dataDir); // one key however the directory is spelled
  if (heldHere.has(key)) throw inUse(dataDir, path, self.pid, '');
  heldHere.add(key); // reserved: other acquirers in this process are refused above
  try {
    for (let attempt = 1; !(await tryCreate(fs, path, content)); attempt++) {
      if (attempt > takeoverAttemptsMax) throw new MusterError('ERR_CONFIG', `data_dir ${dataDir}: could not take over the stale lock file ${path}`);
      const text = await fs.readFile(path).then((b) => b.toString('utf8'), () => null);
      if (text === null) continue; // removed meanwhile: try again
      const holder = parseLock(text);
      if (holder && (await holderAlive(holder, self, options))) throw inUse(dataDir, path, holder.pid, holder.host !== self.host ? holder.host : '');
      options.logger.warn('removing a stale data_dir lock', { path, pid: holder?.pid ?? 'unreadable' });
      await removeIfUnchanged(fs, path, text, self.pid);
    }
  } catch (err) {
    heldHere.delete(key);
    throw err;
  }
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      heldHere.delete(key);
      const now = await fs.readFile(path).then((b) => b.toString('utf8'), () => null);
      if (now === content) await fs.unlink(path).catch(() => {});
    },
  };
}

function inUse(dataDir: string, path: string, pid: number, host: string): MusterError {
  const where = host ? ` on host ${host}` : '';
  return new MusterError('ERR_CONFIG', `data_dir ${dataDir} is in use by process ${pid}${where} (lock file ${path}); stop that agent or use another data_dir`);
}

/** Exclusive create of a complete file; false when the lock file exists. */
async function tryCreate(fs: StorageFs, path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fh = await fs.open(tmp, 'wx');
  try {
    await writeFully(fh, Buffer.from(content), 0);
    await fs.fsync(fh, tmp);
  } finally {
    await fh.close();
  }
  try {
    await fs.link(tmp, path);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (code !== undefined && noHardLinks.has(code)) return createDirectly(fs, path, content);
    throw err;
  } finally {
    await fs.unlink(tmp).catch(() => {});
  }
}

/** Error codes of file systems without hard links. */
const noHardLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Exclusive create where links are not supported (the file is briefly empty). */
async function createDirectly(fs: StorageFs, path: string, content: string): Promise<boolean> {
  let fh;
  try {
    fh = await fs.open(path, 'wx');
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    await writeFully(fh, Buffer.from(content), 0);
    await fs.fsync(fh, path);
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Moves the stale lock aside and checks it is the one judged stale; if another agent replaced
 * it meanwhile, puts that one back.
 */
async function removeIfUnchanged(fs: StorageFs, path: string, staleText: string, pid: number): Promise<void> {
  const aside = `${path}.stale.${pid}.tmp`;
  try {
    await fs.rename(path, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  const moved = await fs.readFile(aside).then((b) => b.toString('utf8'), () => staleText);
  if (moved !== staleText) await fs.link(aside, path).catch(() => {});
  await fs.unlink(aside).catch(() => {});
}

export function parseLock(text: string): LockHolder | null {
  const [pidLine, detail] = text.split('\n');
  const pid = Number(pidLine);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  let extra: Partial<LockHolder> = {};
  try {
    extra = JSON.parse(detail ?? '{}') as Partial<LockHolder>;
  } catch {
    // an older or hand-written lock: the PID alone
  }
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { pid, host: str(extra.host), bootId: str(extra.bootId), startTicks: str(extra.startTicks) };
}

/**
 * The host is not compared: a container recreated on the same volume gets a new host name,
 * and its old lock must not block it for ever. (A data_dir shared between hosts over NFS is
 * not supported, as with Consul.)
 */
async function holderAlive(holder: LockHolder, self: LockHolder, options: DirLockOptions): Promise<boolean> {
  // Our own PID, yet no lock of this process holds the path: an earlier run's.
  if (holder.pid === self.pid) return false;
  if (!(options.isAlive ?? pidAlive)(holder.pid)) return false;
  const now = await (options.identify ?? identify)(holder.pid);
  if (now === null) return true;
  // Killed but not yet reaped by its parent: it holds nothing any more (a flock would be free).
  if (now.exited) return false;
  if (holder.bootId && now.bootId && holder.bootId !== now.bootId) return false;
  return !(holder.startTicks && now.startTicks && holder.startTicks !== now.startTicks);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** Boot ID and start time of a process (Linux /proc); null elsewhere or when unreadable. */
export async function identify(pid: number): Promise<(Pick<LockHolder, 'bootId' | 'startTicks'> & { exited?: boolean }) | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    // Fields after the command name (which may hold spaces) start at field 3; starttime is 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 3, the state: Z (zombie) or X (dead) is a process that has exited.
    return { bootId, startTicks: fields[19] ?? '', exited: fields[0] === 'Z' || fields[0] === 'X' };
  } catch {
    return null;
  }
}

async function currentHolder(): Promise<LockHolder> {
  const id = await identify(process.pid);
  return { pid: process.pid, host: hostname(), bootId: id?.bootId ?? '', startTicks: id?.startTicks ?? '' };
}
