/**
 * Snapshot files, as hashicorp/raft's FileSnapshotStore lays them out: one directory per
 * snapshot, `<term>-<index>-<ms>/` with `meta.json` and `state.bin`, written under a `.tmp`
 * name and renamed into place once everything in it is fsynced. A `.tmp` directory is a
 * snapshot that never committed: it is deleted at open. The 2 newest are kept (retain).
 * Data streams through in chunks both ways; a snapshot is never held in memory whole.
 */
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { assert, MusterError, type Clock, type Logger } from '../../lib/index.js';
import type { SnapshotMeta } from '../../raft/types.js';
import { snapshotChunkBytes, snapshotsRetainedDefault } from './constants.js';
import { nodeStorageFs, readFully, writeFully, type FileHandle, type StorageFs } from './fs-facade.js';
import { parseSnapshotMeta } from './snapshot-meta.js';

export const snapshotMetaFile = 'meta.json';
export const snapshotStateFile = 'state.bin';
const tmpSuffix = '.tmp';
const idPattern = /^(\d+)-(\d+)-(\d+)$/;

export interface SnapshotInfo {
  /** `<term>-<index>-<ms>`: the directory name. */
  id: string;
  meta: SnapshotMeta;
  /** Bytes of state.bin and their CRC-32 (IEEE). */
  size: number;
  crc: number;
}

export interface SnapshotStoreOptions {
  /** `<data_dir>/raft/snapshots`; created when missing. */
  dir: string;
  clock: Clock;
  logger: Logger;
  fs?: StorageFs;
  /** Snapshots kept after a commit (default 2, as Consul). */
  retain?: number;
}

/** Where a new snapshot's bytes go. Call `commit` or `cancel` exactly once. */
export interface SnapshotSink {
  readonly id: string;
  /** Appends a chunk; it must not change until the promise resolves. */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the snapshot durable and visible, then removes snapshots beyond `retain`. */
  commit(): Promise<SnapshotInfo>;
  /** Discards everything written. */
  cancel(): Promise<void>;
}

/** A committed snapshot's bytes, streamed in chunks; `close` when not read to the end. */
export interface SnapshotReader extends AsyncIterable<Uint8Array> {
  readonly info: SnapshotInfo;
  close(): Promise<void>;
}

export class SnapshotStore {
  private readonly fs: StorageFs;
  readonly dir: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly retain: number;

  private constructor(options: SnapshotStoreOptions) {
    this.fs = options.fs ?? nodeStorageFs;
    this.dir = options.dir;
    this.clock = options.clock;
    this.logger = options.logger;
    this.retain = options.retain ?? snapshotsRetainedDefault;
    assert(Number.isSafeInteger(this.retain) && this.retain >= 1, 'snapshot store: retain must be at least 1');
  }

  /** Opens the store; partially written snapshots (`.tmp`) are deleted. */
  static async open(options: SnapshotStoreOptions): Promise<SnapshotStore> {
    const store = new SnapshotStore(options);
    await store.fs.mkdir(store.dir);
    for (const name of await store.fs.readdir(store.dir)) {
      if (!name.endsWith(tmpSuffix)) continue;
      store.logger.warn('raft snapshots: removing a snapshot that was never committed', { path: join(store.dir, name) });
      await store.fs.rmTree(join(store.dir, name));
    }
    return store;
  }

  async create(meta: SnapshotMeta): Promise<SnapshotSink> {
    const names = new Set(await this.fs.readdir(this.dir));
    let ms = Math.max(0, Math.floor(this.clock.nowMs()));
    while (names.has(`${meta.term}-${meta.index}-${ms}`) || names.has(`${meta.term}-${meta.index}-${ms}${tmpSuffix}`)) ms++;
    const id = `${meta.term}-${meta.index}-${ms}`;
    const tmpDir = join(this.dir, id + tmpSuffix);
    await this.fs.mkdir(tmpDir);
    const fh = await this.fs.open(join(tmpDir, snapshotStateFile), 'wx');
    return new FileSnapshotSink(this, id, tmpDir, structuredClone(meta), fh, this.fs);
  }

  /** Committed snapshots, newest first (by term, index, then time). Unreadable ones are skipped. */
  async list(): Promise<SnapshotInfo[]> {
    const out: { info: SnapshotInfo; ms: number }[] = [];
    for (const name of await this.fs.readdir(this.dir)) {
      const m = idPattern.exec(name);
      if (!m) continue;
      try {
        out.push({ info: await this.readInfo(name), ms: Number(m[3]) });
      } catch (err) {
        this.logger.warn('raft snapshots: skipping a snapshot whose metadata cannot be read', { id: name, error: err as Error });
      }
    }
    out.sort((a, b) => b.info.meta.term - a.info.meta.term || b.info.meta.index - a.info.meta.index || b.ms - a.ms);
    return out.map((o) => o.info);
  }

  async latest(): Promise<SnapshotInfo | undefined> {
    return (await this.list())[0];
  }

  /** Opens a snapshot for reading; its CRC is checked before the first chunk is handed out. */
  async open(id: string): Promise<SnapshotReader> {
    if (!idPattern.test(id)) throw new MusterError('ERR_NOT_FOUND', `snapshot ${JSON.stringify(id)} not found`);
    const info = await this.readInfo(id);
    const file = join(this.dir, id, snapshotStateFile);
    const fh = await this.fs.open(file, 'r');
    try {
      let crc = 0;
      let size = 0;
      for await (const chunk of readChunks(fh, Buffer.allocUnsafe(snapshotChunkBytes))) {
        crc = crc32(chunk, crc);
        size += chunk.length;
      }
      if (size !== info.size || crc !== info.crc) {
        throw new MusterError('ERR_INTERNAL', `raft snapshot is corrupt: ${file}: ${size} bytes with CRC ${crc}, meta.json says ${info.size} bytes with CRC ${info.crc}`);
      }
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new FileSnapshotReader(info, fh);
  }

  /** Removes snapshots beyond `retain`, oldest last in the list. */
  async reap(): Promise<void> {
    const all = await this.list();
    for (const old of all.slice(this.retain)) {
      this.logger.info('raft snapshots: removing an old snapshot', { id: old.id });
      await this.fs.rmTree(join(this.dir, old.id));
    }
  }

  private async readInfo(id: string): Promise<SnapshotInfo> {
    const text = (await this.fs.readFile(join(this.dir, id, snapshotMetaFile))).toString('utf8');
    const info = parseSnapshotMeta(text);
    if (info.id !== id) throw new Error(`meta.json names snapshot ${info.id}`);
    return info;
  }
}

class FileSnapshotSink implements SnapshotSink {
  private crc = 0;
  private size = 0;
  private readonly buf = Buffer.allocUnsafe(snapshotChunkBytes);
  private used = 0;
  /** Bytes handed to the file so far (the rest of `size` is in `buf`). */
  private position = 0;
  private chain: Promise<void> = Promise.resolve();
  private done = false;

  constructor(
    private readonly store: SnapshotStore,
    readonly id: string,
    private readonly tmpDir: string,
    private readonly meta: SnapshotMeta,
    private readonly fh: FileHandle,
    private readonly fs: StorageFs,
  ) {}

  write(chunk: Uint8Array): Promise<void> {
    assert(!this.done, 'snapshot sink: write after commit or cancel');
    const p = this.chain.then(() => this.append(chunk));
    this.chain = p;
    return p;
  }

  async commit(): Promise<SnapshotInfo> {
    assert(!this.done, 'snapshot sink: committed or cancelled twice');
    this.done = true;
    await this.chain;
    await this.flushBuffer();
    const state = join(this.tmpDir, snapshotStateFile);
    await this.fs.fsync(this.fh, state);
    await this.fh.close();
    const info: SnapshotInfo = { id: this.id, meta: this.meta, size: this.size, crc: this.crc };
    const metaPath = join(this.tmpDir, snapshotMetaFile);
    const mfh = await this.fs.open(metaPath, 'wx');
    try {
      await writeFully(mfh, Buffer.from(JSON.stringify({ version: 1, ...info }) + '\n'), 0);
      await this.fs.fsync(mfh, metaPath);
    } finally {
      await mfh.close();
    }
    await this.fs.syncDir(this.tmpDir);
    await this.fs.rename(this.tmpDir, join(this.store.dir, this.id));
    await this.fs.syncDir(this.store.dir);
    await this.store.reap();
    return info;
  }

  async cancel(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.chain.catch(() => {});
    await this.fh.close().catch(() => {});
    await this.fs.rmTree(this.tmpDir);
  }

  private async append(chunk: Uint8Array): Promise<void> {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    if (this.used + chunk.length > this.buf.length) await this.flushBuffer();
    if (chunk.length >= this.buf.length) {
      await writeFully(this.fh, chunk, this.position);
      this.position += chunk.length;
      return;
    }
    this.buf.set(chunk, this.used);
    this.used += chunk.length;
  }

  private async flushBuffer(): Promise<void> {
    if (this.used === 0) return;
    await writeFully(this.fh, this.buf.subarray(0, this.used), this.position);
    this.position += this.used;
    this.used = 0;
  }
}

class FileSnapshotReader implements SnapshotReader {
  private closed = false;

  constructor(
    readonly info: SnapshotInfo,
    private readonly fh: FileHandle,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    assert(!this.closed, 'snapshot reader: read after close');
    try {
      let crc = 0;
      for await (const chunk of readChunks(this.fh, null)) {
        crc = crc32(chunk, crc);
        yield chunk;
      }
      if (crc !== this.info.crc) throw new MusterError('ERR_INTERNAL', `raft snapshot ${this.info.id} changed while it was read (CRC mismatch)`);
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

/** The file from its start, in chunks: into `reuse` when given, else into fresh buffers. */
async function* readChunks(fh: FileHandle, reuse: Buffer | null): AsyncGenerator<Buffer> {
  for (let at = 0; ; ) {
    const chunk = reuse === null ? await readFully(fh, snapshotChunkBytes, at) : await readInto(fh, reuse, at);
    if (chunk.length === 0) return;
    yield chunk;
    at += chunk.length;
  }
}

async function readInto(fh: FileHandle, buf: Buffer, at: number): Promise<Buffer> {
  const { bytesRead } = await fh.read(buf, 0, buf.length, at);
  return buf.subarray(0, bytesRead);
}
