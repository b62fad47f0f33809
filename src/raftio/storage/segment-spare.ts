/**
 * The next segment, prepared ahead in the background as etcd's WAL file pipeline does: a file
 * filled with zeros and fdatasynced, so a roll costs a header write and a rename, and later
 * fdatasyncs overwrite allocated blocks instead of allocating them (a journal commit each).
 * Node has no fallocate; writing zeros is the portable way to allocate.
 */
import { spareSyncEveryBytes, zeroFillChunkBytes } from './constants.js';
import { writeFully, type FileHandle, type StorageFs } from './fs-facade.js';

export interface Spare {
  path: string;
  fh: FileHandle;
}

let zeros: Buffer | null = null;

export async function prepareSpare(fs: StorageFs, path: string, sizeBytes: number): Promise<Spare> {
  if (zeros === null) zeros = Buffer.alloc(zeroFillChunkBytes);
  const chunk = zeros;
  const fh = await fs.open(path, 'w+');
  try {
    for (let at = 0; at < sizeBytes; at += chunk.length) {
      await writeFully(fh, chunk.subarray(0, Math.min(chunk.length, sizeBytes - at)), at);
      // Bounded dirty data: one long writeback would stall the log's own fdatasyncs.
      if ((at + chunk.length) % spareSyncEveryBytes === 0) await fs.datasync(fh, path);
    }
    await fs.datasync(fh, path);
    return { path, fh };
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
}
