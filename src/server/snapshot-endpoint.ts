/**
 * Snapshots a user saves and restores (Consul's consul/snapshot_endpoint.go with
 * snapshot/snapshot.go): `save` streams a gzipped archive of the state as of now; `restore`
 * reads an archive and replaces the state of every server through the log.
 *
 * Save: the state is captured at once (an immutable StoreState), framed as the FSM's snapshot
 * stream and spooled to a temporary file (the tar header of state.bin needs its size), then the
 * archive is generated from that file while the caller reads it; the file goes when the stream
 * ends or is abandoned. Meta: Index is the store's clock (the applied log index, plus the FSM's
 * index offset after a restore moved it), Term and Configuration come from Raft.
 *
 * Restore: `restore-begin`, then one `restore-chunk` per frame of state.bin as it is
 * decompressed (each awaited: never the whole state in memory, and a chunk is at most about
 * 1 MiB), then `restore-end` only once every hash in the archive matched; a bad archive or a
 * failed chunk sends `restore-abort` instead, and nothing changes. Then `compact()` (a Raft
 * snapshot, so the chunks need not stay in the log).
 */
import type { Authorizer } from '../acl/index.js';
import { permissionDenied } from './acl-resolver.js';
import { decode, MusterError, type Clock } from '../lib/index.js';
import { FrameReader, recordFrames, type CommandLog, type RaftFsm } from '../fsm/index.js';
import type { SnapshotRecord } from '../state/index.js';
import { readArchive, readSpooled, snapshotMeta, spoolState, SnapshotError, writeArchive } from '../snapshot/index.js';
import type { RaftView } from './raft-view.js';

export interface SnapshotSaveOptions {
  consistency: 'default' | 'stale' | 'consistent';
  /** The caller's ACL token: a snapshot needs a management token (`acl:write`). */
  token?: string;
}

export interface SnapshotSaveReply {
  /** X-Consul-Index: the index the archive's state is at. */
  index: number;
  /** The gzipped archive; iterate it to the end (or stop early) so its temporary file goes. */
  archive: AsyncIterable<Uint8Array>;
  /** X-Consul-KnownLeader / X-Consul-LastContact of the server that took it. */
  knownLeader?: boolean;
  lastContactMs?: number;
}

/** What the HTTP API (and a client agent, over RPC) asks of the servers about snapshots. */
export interface SnapshotApi {
  save(dc: string, opts: SnapshotSaveOptions): Promise<SnapshotSaveReply>;
  restore(dc: string, archive: AsyncIterable<Uint8Array>, token?: string): Promise<void>;
}

export interface SnapshotDeps {
  fsm: RaftFsm;
  log: CommandLog;
  raft: RaftView;
  datacenter: string;
  /** Takes a Raft snapshot and compacts the log (after a restore, the chunks are dead weight). */
  compact?: () => Promise<void>;
  /** Wall clock for the archive's ID and file times (default: the real one). */
  clock?: Pick<Clock, 'nowMs'>;
  /** Where the state is spooled while an archive is written (default: the OS's temp dir). */
  tmpDir?: string;
  /** A unique restore ID (default: term, index and a counter). */
  newID?: () => string;
  /** What a token may do (ACLs); default: everything. */
  authorize?: (token: string | undefined) => Authorizer;
}

/** A restore chunk larger than this (from an archive written elsewhere) is split before it is logged. */
export const restoreChunkBytesMax = 1024 * 1024;

export class SnapshotEndpoint implements SnapshotApi {
  private restores = 0;

  constructor(private readonly deps: SnapshotDeps) {}

  async save(dc: string, opts: SnapshotSaveOptions): Promise<SnapshotSaveReply> {
    this.checkDatacenter(dc);
    // Consul's consistentRead for anything but ?stale: a leader that still leads.
    if (opts.consistency !== 'stale') await this.deps.raft.readBarrier('quorum');
    this.vet(opts.token);
    const { fsm } = this.deps.fsm;
    const captured = fsm.snapshot();
    const index = captured.index + fsm.indexOffset;
    const term = this.deps.raft.stats().term;
    const config = this.deps.raft.configuration();
    const spooled = await spoolState(asAsync(recordFrames(captured.records)), this.deps.tmpDir);
    const nowMs = this.deps.clock?.nowMs() ?? Date.now();
    const meta = snapshotMeta({ index, term, nowMs, servers: config.servers, configurationIndex: config.index, size: spooled.size });
    const archive = writeArchive(meta, readSpooled(spooled), nowMs);
    return {
      index,
      knownLeader: this.deps.raft.leaderAddress() !== '',
      lastContactMs: this.deps.raft.lastContactMs(),
      archive: (async function* () {
        try {
          yield* archive;
        } finally {
          await spooled.remove();
        }
      })(),
    };
  }

  async restore(dc: string, archive: AsyncIterable<Uint8Array>, token?: string): Promise<void> {
    this.checkDatacenter(dc);
    // Only the leader restores; elsewhere this rejects (ERR_NO_LEADER) before the body is read.
    await this.deps.raft.readBarrier('lease');
    this.vet(token);
    const id = this.deps.newID?.() ?? `${this.deps.raft.stats().term}-${this.deps.log.lastIndex}-${++this.restores}`;
    await this.deps.log.apply({ type: 'restore-begin', id });
    let chunkError: string | undefined;
    try {
      const frames = new FrameReader();
      await readArchive(archive, {
        onState: async (bytes) => {
          for (const body of frames.push(bytes)) {
            if (chunkError !== undefined) continue; // keep reading: a bad hash is the better answer
            for (const frame of splitFrame(body)) {
              const r = await this.deps.log.apply({ type: 'restore-chunk', id, frame });
              if (r !== null) {
                chunkError = r.error;
                break;
              }
              // A log that commits at once (-dev) resolves without a turn of the event loop.
              await yieldToLoop();
            }
          }
        },
      }).then(() => frames.end());
    } catch (err) {
      await this.abort(id);
      throw MusterError.is(err) ? err : new SnapshotError(`Raft error when restoring snapshot: ${(err as Error).message}`);
    }
    if (chunkError !== undefined) {
      await this.abort(id);
      throw new SnapshotError(`Raft error when restoring snapshot: ${chunkError}`);
    }
    const ended = await this.deps.log.apply({ type: 'restore-end', id });
    if (ended !== null) throw new SnapshotError(`Raft error when restoring snapshot: ${ended.error}`);
    await this.deps.compact?.();
  }

  private async abort(id: string): Promise<void> {
    try {
      await this.deps.log.apply({ type: 'restore-abort', id });
    } catch {
      // Lost leadership or shut down: the next restore-begin drops the staging anyway.
    }
  }

  /** Consul's snapshot ACL check (after the datacenter and the leader, before any data moves). */
  private vet(token: string | undefined): void {
    const authz = this.deps.authorize?.(token);
    if (authz && !authz.snapshot()) throw permissionDenied();
  }

  private checkDatacenter(dc: string): void {
    if (dc !== '' && dc !== this.deps.datacenter) throw new MusterError('ERR_NO_PATH_TO_DC', 'No path to datacenter');
  }
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/** A frame body as is, or, if it is over restoreChunkBytesMax, its records re-batched into smaller ones. */
function* splitFrame(body: Uint8Array): Generator<Uint8Array> {
  if (body.length <= restoreChunkBytesMax) {
    yield body;
    return;
  }
  const records = decode<SnapshotRecord[]>(body);
  if (!Array.isArray(records)) {
    yield body; // not records: let the FSM name the corruption
    return;
  }
  // recordFrames batches by size; strip its 4-byte length prefix.
  for (const framed of recordFrames(records)) yield framed.subarray(4);
}
