/**
 * Raft storage in data_dir (README.md): the segment-file log, the hard state, snapshot files
 * and the data_dir lock.
 */
import { join } from 'node:path';

export { SegmentLog, type SegmentLogOptions } from './segment-log.js';
export { HardStateStore, type HardStateStoreOptions } from './hard-state.js';
export { SnapshotStore, type SnapshotInfo, type SnapshotReader, type SnapshotSink, type SnapshotStoreOptions } from './snapshot-store.js';
export { acquireDirLock, type DirLock, type DirLockOptions } from './dir-lock.js';
export { nodeStorageFs, type StorageFs } from './fs-facade.js';

/** Where each part lives under data_dir. */
export function raftPaths(dataDir: string): { raft: string; wal: string; snapshots: string } {
  const raft = join(dataDir, 'raft');
  return { raft, wal: join(raft, 'wal'), snapshots: join(raft, 'snapshots') };
}
