/**
 * New segment files. Two ways, and a roll never waits for the slow one (README.md
 * "Preallocation"):
 *
 * - the spare: the next segment, zero-filled and fdatasynced ahead in the background as etcd's
 *   WAL file pipeline does, so later fdatasyncs overwrite allocated blocks instead of
 *   allocating them (Node has no fallocate; writing zeros is the portable way to allocate).
 *   It is handed over only once complete: a fill still running keeps going for a later roll.
 * - a sparse file: opened and ftruncated to full size, no data written. The hole reads as
 *   zeros, which is all torn-tail detection needs; the first fdatasync after the header write
 *   makes the size durable (fdatasync(2): "a change to the file size (st_size, as made by say
 *   ftruncate(2)), would require a metadata flush"). Used for a brand-new log's first segment
 *   and for any roll that finds no complete spare.
 */
import type { Logger } from '../../lib/index.js';
import { spareSyncEveryBytes, zeroFillChunkBytes } from './constants.js';
import { writeFully, type FileHandle, type StorageFs } from './fs-facade.js';

export interface Spare {
  path: string;
  fh: FileHandle;
}

let zeros: Buffer | null = null;
const noop = (): void => {};

class FillStopped extends Error {}

/** A file of `sizeBytes` zeros, written and fdatasynced; stops early when `stop.requested`. */
async function zeroFill(fs: StorageFs, path: string, sizeBytes: number, stop: { requested: boolean }): Promise<Spare> {
  if (zeros === null) zeros = Buffer.alloc(zeroFillChunkBytes);
  const chunk = zeros;
  const fh = await fs.open(path, 'w+');
  try {
    for (let at = 0; at < sizeBytes; at += chunk.length) {
      if (stop.requested) throw new FillStopped('stopped');
      await writeFully(fh, chunk.subarray(0, Math.min(chunk.length, sizeBytes - at)), at);
      // Bounded dirty data: one long writeback would stall the log's own fdatasyncs.
      if ((at + chunk.length) % spareSyncEveryBytes === 0) await fs.datasync(fh, path);
    }
    await fs.datasync(fh, path);
    return { path, fh };
  } catch (err) {
    await fh.close().catch(noop);
    throw err;
  }
}

/** The spare segment being zero-filled in the background (at most one at a time). */
export class SpareFill {
  private state: 'filling' | 'ready' | 'failed' | 'taken' | 'discarded' = 'filling';
  private spare: Spare | null = null;
  private readonly stop = { requested: false };
  private readonly settled: Promise<void>;

  constructor(
    private readonly fs: StorageFs,
    private readonly path: string,
    sizeBytes: number,
    logger: Logger,
  ) {
    this.settled = zeroFill(fs, path, sizeBytes, this.stop).then(
      (spare) => {
        this.spare = spare;
        this.state = 'ready';
      },
      (err: unknown) => {
        this.state = 'failed';
        if (!(err instanceof FillStopped)) {
          logger.warn('raft log: preallocating the next segment failed; the next roll creates a sparse segment', { file: path, error: err as Error });
        }
      },
    );
  }

  /** Whether the fill failed (a new one may be started; its file is overwritten). */
  get failed(): boolean {
    return this.state === 'failed';
  }

  /** The complete spare, handed over once; null while the fill runs or after it failed. */
  take(): Spare | null {
    if (this.state !== 'ready') return null;
    this.state = 'taken';
    return this.spare;
  }

  /** Stops the fill (after the chunk or fdatasync in progress), then closes and removes the file. */
  async discard(): Promise<void> {
    this.stop.requested = true;
    await this.settled;
    if (this.state === 'taken' || this.state === 'discarded') return;
    this.state = 'discarded';
    await this.spare?.fh.close().catch(noop);
    await this.fs.unlink(this.path).catch(noop);
  }
}

/** An empty segment file of `sizeBytes` without writing it: ftruncate leaves a hole of zeros. */
export async function sparseFile(fs: StorageFs, path: string, sizeBytes: number): Promise<Spare> {
  const fh = await fs.open(path, 'w+');
  try {
    await fh.truncate(sizeBytes);
    return { path, fh };
  } catch (err) {
    await fh.close().catch(noop);
    throw err;
  }
}
