/**
 * The file-system calls the Raft storage makes, behind one interface so tests can count
 * fsyncs (group commit), fail a call, or watch the order of durable steps. Every call is
 * asynchronous (libuv's thread pool): nothing here blocks the event loop.
 */
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export type { FileHandle };

export interface StorageFs {
  /** `flags` as node's: 'r', 'r+', 'w', 'wx'. */
  open(path: string, flags: string): Promise<FileHandle>;
  readFile(path: string): Promise<Buffer>;
  readdir(path: string): Promise<string[]>;
  /** Creates the directory and its parents; no error when it exists. */
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Hard link: fails with EEXIST when `to` exists (the atomic exclusive create of dir-lock). */
  link(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes a file or a directory tree; no error when it is missing. */
  rmTree(path: string): Promise<void>;
  /**
   * fdatasync: the file's data and the metadata needed to read it back (its size). `path` is
   * the file's name, for observers (a test counting the log's fdatasyncs).
   */
  datasync(file: FileHandle, path: string): Promise<void>;
  /** fsync: the file's data and all its metadata. */
  fsync(file: FileHandle, path: string): Promise<void>;
  /** fsync of a directory, so entries created, renamed or removed in it survive a crash. */
  syncDir(path: string): Promise<void>;
}

export const nodeStorageFs: StorageFs = {
  open: (path, flags) => fsp.open(path, flags, 0o600),
  readFile: (path) => fsp.readFile(path),
  readdir: (path) => fsp.readdir(path),
  mkdir: async (path) => {
    await fsp.mkdir(path, { recursive: true, mode: 0o700 });
  },
  rename: (from, to) => fsp.rename(from, to),
  link: (from, to) => fsp.link(from, to),
  unlink: (path) => fsp.unlink(path),
  rmTree: (path) => fsp.rm(path, { recursive: true, force: true }),
  datasync: (file) => file.datasync(),
  fsync: (file) => file.sync(),
  syncDir: async (path) => {
    const dir = await fsp.open(path, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  },
};

/** The error code of a failed fs call (`ENOENT`), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Writes all of `bytes` at `position` (FileHandle.write may write less than asked). */
export async function writeFully(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at offset ${position + done}`);
    done += bytesWritten;
  }
}

/** Reads exactly `length` bytes at `position`, fewer only at the end of the file. */
export async function readFully(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}
