/**
 * The driver's use of the storage: opening it at start (the state machine restored from the
 * newest readable snapshot, the log made to continue that snapshot, what the core restarts
 * from), and writing and finding snapshots.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MusterError, type Clock, type Logger } from '../lib/index.js';
import type { Configuration, Entry, HardState, Restored, SnapshotMeta } from '../raft/index.js';
import { HardStateStore, raftPaths, SegmentLog, SnapshotStore, type SnapshotInfo, type SnapshotReader, type StorageFs } from './storage/index.js';

export interface OpenedStorage {
  log: SegmentLog;
  hardState: HardStateStore;
  snapshots: SnapshotStore;
  /** The snapshot the state machine was restored from. */
  snapshot: SnapshotInfo | undefined;
  restored: Restored;
}

export interface OpenStorageOptions {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  fs?: StorageFs | undefined;
  segmentBytes?: number | undefined;
  bootstrap?: Configuration | undefined;
  restore(chunks: AsyncIterable<Uint8Array>, meta: SnapshotMeta): Promise<void>;
}

/** "index=1 servers=[{Suffrage:Voter ID:a Address:127.0.0.1:8300}]", hashicorp/raft's form. */
export function describeConfiguration(c: Configuration): string {
  return `[${c.servers.map((s) => `{Suffrage:${s.suffrage === 'voter' ? 'Voter' : 'Nonvoter'} ID:${s.id} Address:${s.address}}`).join(' ')}]`;
}

export async function openStorage(o: OpenStorageOptions): Promise<OpenedStorage> {
  const paths = raftPaths(o.dataDir);
  const snapshots = await SnapshotStore.open({ dir: paths.snapshots, clock: o.clock, logger: o.logger, fs: o.fs });
  const log = await SegmentLog.open({ dir: paths.wal, logger: o.logger, fs: o.fs, segmentBytes: o.segmentBytes });
  let hardState: HardStateStore | undefined;
  try {
    hardState = await HardStateStore.open({ dir: paths.raft, fs: o.fs });
    const snapshot = await restoreNewest(snapshots, log, o);
    const entries: Entry[] = [];
    for await (const batch of log.batches()) for (const e of batch) entries.push(e);
    return { log, hardState, snapshots, snapshot, restored: { hardState: startState(hardState.current, entries, snapshot?.meta), snapshot: snapshot?.meta, entries, bootstrap: o.bootstrap } };
  } catch (err) {
    await log.close().catch(() => {});
    await hardState?.close().catch(() => {});
    throw err;
  }
}

/**
 * The term a server restarts in is at least that of its newest entry and snapshot: entries of
 * a new term are written alongside the hard state that records it, and a crash between the
 * two can leave them first. A raised term has no vote (none was sent in it: a vote is sent
 * only once stored).
 */
function startState(hs: HardState, entries: readonly Entry[], snapshot: SnapshotMeta | undefined): HardState {
  const term = Math.max(hs.term, entries[entries.length - 1]?.term ?? 0, snapshot?.term ?? 0);
  return term === hs.term ? hs : { term, vote: '', commit: hs.commit };
}

/**
 * Restores the state machine from the newest snapshot that opens (its CRC checked), falling
 * back to older ones as hashicorp/raft does; the log is reset to follow it when it does not
 * (a crash between installing a snapshot and resetting the log, or a log behind it).
 */
async function restoreNewest(snapshots: SnapshotStore, log: SegmentLog, o: OpenStorageOptions): Promise<SnapshotInfo | undefined> {
  const all = await snapshots.list();
  for (const [k, info] of all.entries()) {
    let reader: SnapshotReader;
    try {
      reader = await snapshots.open(info.id);
    } catch (err) {
      o.logger.error('failed to open snapshot', { id: info.id, error: err as Error });
      continue;
    }
    const s = info.meta;
    const follows = logFollows(log, s);
    if (follows === 'gap') {
      await reader.close();
      if (k === 0) throw new MusterError('ERR_INTERNAL', `raft log starts at ${log.firstIndex}, after snapshot ${info.id} (index ${s.index}): entries are missing`);
      o.logger.error('failed to open snapshot', { id: info.id, error: `the log starts at ${log.firstIndex}, after its index` });
      continue;
    }
    if (follows === 'reset') {
      o.logger.info('the log does not continue the snapshot: starting it after the snapshot', { snapshot: info.id, first: log.firstIndex, last: log.lastIndex });
      await log.reset(s.index + 1);
    }
    await o.restore(reader, s);
    o.logger.info('restored from snapshot', { id: info.id });
    return info;
  }
  if (all.length > 0) throw new MusterError('ERR_INTERNAL', 'failed to load any existing snapshots');
  return undefined;
}

/**
 * Whether the log continues snapshot `s`: it holds entry s.index with the snapshot's term, or
 * starts right after it. Otherwise it is reset to start after it, unless entries between the
 * two are missing (a gap: the snapshot is older than the log's compaction point).
 */
function logFollows(log: SegmentLog, s: SnapshotMeta): 'ok' | 'reset' | 'gap' {
  const empty = log.lastIndex < log.firstIndex;
  if (empty) return log.firstIndex === s.index + 1 ? 'ok' : 'reset';
  if (log.firstIndex > s.index + 1) return 'gap';
  if (log.lastIndex <= s.index) return 'reset';
  if (log.firstIndex === s.index + 1) return 'ok';
  return log.term(s.index) === s.term ? 'ok' : 'reset';
}

/** Bytes of a snapshot the FSM is given per turn of the event loop: a few ms of decoding. */
const restoreSliceBytes = 64 * 1024;

/**
 * A snapshot's chunks for the FSM to restore, cut into slices of at most restoreSliceBytes with
 * a turn of the event loop after each. The FSM decodes and indexes what it is given at once; a
 * whole 256 KiB read holds the loop for about 20 ms, and V8's marking falls behind a mutator
 * that builds a large state that fast without letting its tasks run: installing 1M keys in
 * 256 KiB steps measured mark-compact pauses of 64–145 ms, in 64 KiB slices at most 16 ms
 * (BENCHMARKS.md, "Snapshots of a large store").
 */
export async function* pacedForRestore(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += restoreSliceBytes) {
      yield chunk.subarray(at, at + restoreSliceBytes);
      await nextTurn();
    }
  }
}

/** The committed snapshot described by `meta`, if the store still holds it. */
export async function findSnapshot(snapshots: SnapshotStore, meta: SnapshotMeta): Promise<SnapshotInfo | undefined> {
  return (await snapshots.list()).find((i) => i.meta.index === meta.index && i.meta.term === meta.term);
}

/**
 * Streams `data` into a new snapshot and commits it. The loop yields to the event loop at
 * least every `yieldMs`, however fast the chunks come.
 */
export async function writeSnapshot(
  snapshots: SnapshotStore,
  meta: SnapshotMeta,
  data: AsyncIterable<Uint8Array>,
  o: { aborted: () => Error | undefined; clock: Clock; yieldMs: number },
): Promise<SnapshotInfo> {
  const sink = await snapshots.create(meta);
  try {
    let lastYield = o.clock.monotonicMs();
    for await (const chunk of data) {
      const stop = o.aborted();
      if (stop) throw stop;
      await sink.write(chunk);
      if (o.clock.monotonicMs() - lastYield >= o.yieldMs) {
        await nextTurn();
        lastYield = o.clock.monotonicMs();
      }
    }
    return await sink.commit();
  } catch (err) {
    await sink.cancel().catch(() => {});
    throw err;
  }
}
