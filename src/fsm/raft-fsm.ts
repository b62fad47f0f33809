/**
 * The FSM as Raft drives it (raftio's RaftFsm): committed command entries decoded and applied;
 * the whole state streamed out as a snapshot and back in on a restore.
 *
 * Snapshot stream: frames of `u32 length (big-endian) + msgpack([record, ...])`, each frame at
 * most `recordsPerFrame` records. A snapshot iterates the immutable StoreState it started from,
 * so entries applied while its chunks are read never show in it. A restore accepts the bytes
 * cut anywhere, rebuilds a new state frame by frame (StateRestorer) and installs it only at the
 * end: a stream that breaks off leaves the current state untouched.
 *
 * A frame also stays under about `frameBytesTarget` (so a restore chunk fits a log entry), and
 * when the FSM has a store index offset or a restore staging in progress (restore-staging.ts),
 * the stream ends with a trailer frame (a msgpack map, not a list: `FsmTrailer`) followed by
 * the staged records' frames, so a Raft snapshot taken mid-restore keeps the staging.
 */
import { decode, encode, MusterError } from '../lib/index.js';
import { StateRestorer, type SnapshotRecord } from '../state/index.js';
import type { Command } from './commands.js';
import type { Fsm } from './fsm.js';

/**
 * Records per frame: about 50–150 KiB of typical KV entries, a few ms to encode or decode, so a
 * save or restore turn of the event loop stays well under 50 ms even on a busy machine.
 */
export const recordsPerFrame = 512;
/** The first frame's records; each next frame doubles up to recordsPerFrame (cold code runs slowly). */
const firstFrameRecords = 32;
/** A frame is closed once its records' estimated size passes this (a KV value adds at most 512 KiB). */
export const frameBytesTarget = 512 * 1024;
/** A frame longer than this is corruption, not data (a KV value is at most 512 KiB). */
const frameBytesMax = 1024 * 1024 * 1024;

export interface CommandEntry {
  index: number;
  data: Uint8Array;
}

export class RaftFsm {
  constructor(readonly fsm: Fsm) {}

  /** Applies a committed command; its result goes to the proposer. */
  apply(entry: CommandEntry): unknown {
    return this.fsm.apply(entry.index, decode<Command>(entry.data));
  }

  /** The state as of now (with the index offset and any restore staging), as framed record batches. */
  snapshot(): AsyncIterable<Uint8Array> {
    const records = this.fsm.snapshot().records;
    const staging = this.fsm.staging.view();
    const offset = this.fsm.indexOffset;
    return (async function* frames() {
      yield* recordFrames(records);
      if (offset === 0 && !staging) return;
      const trailer: FsmTrailer = { fsm: { indexOffset: offset, staging: staging ? { id: staging.id, error: staging.error ?? null } : null } };
      yield frame(trailer);
      if (staging) yield* recordFrames(staging.records);
    })();
  }

  /** Replaces the whole state with the snapshot's, taken at `meta.index`. */
  async restore(chunks: AsyncIterable<Uint8Array>, meta: { index: number }): Promise<void> {
    const main = new StateRestorer();
    let target = main;
    let trailer: FsmTrailer['fsm'] | undefined;
    const reader = new FrameReader();
    for await (const chunk of chunks) {
      for (const body of reader.push(chunk)) {
        const value = decode<unknown>(body);
        if (Array.isArray(value)) {
          for (const r of value as SnapshotRecord[]) target.add(r);
        } else if (trailer === undefined && isTrailer(value)) {
          trailer = value.fsm;
          target = new StateRestorer();
        } else {
          throw corrupt('a frame that is neither records nor the FSM trailer');
        }
      }
    }
    reader.end();
    this.fsm.install(main.finish(), meta.index, trailer?.indexOffset ?? 0);
    if (trailer?.staging) this.fsm.staging.load(trailer.staging.id, trailer.staging.error ?? undefined, target);
    else this.fsm.staging.clear();
  }
}

/** What follows the state's frames when the FSM has more than a state to keep. */
export interface FsmTrailer {
  fsm: { indexOffset: number; staging: { id: string; error: string | null } | null };
}

function isTrailer(v: unknown): v is FsmTrailer {
  const fsm = (v as Partial<FsmTrailer> | null)?.fsm;
  return typeof fsm === 'object' && fsm !== null && typeof fsm.indexOffset === 'number';
}

/**
 * Framed batches of at most recordsPerFrame records and about frameBytesTarget bytes. The first
 * frames are smaller (firstFrameRecords, doubling): the encoder and the restorer's code start
 * cold, and a full frame through unoptimized code would hold the event loop for tens of ms.
 */
export function* recordFrames(records: Iterable<SnapshotRecord>): Generator<Uint8Array> {
  let batch: SnapshotRecord[] = [];
  let bytes = 0;
  let limit = firstFrameRecords;
  for (const r of records) {
    batch.push(r);
    bytes += estimatedBytes(r);
    if (batch.length >= limit || bytes >= frameBytesTarget) {
      yield frame(batch);
      batch = [];
      bytes = 0;
      limit = Math.min(limit * 2, recordsPerFrame);
    }
  }
  if (batch.length > 0) yield frame(batch);
}

/** A record's encoded size, roughly: KV entries by key and value, anything else a few hundred bytes. */
function estimatedBytes(r: SnapshotRecord): number {
  if (r.t === 'kvs') return 64 + r.v.key.length + (r.v.value?.length ?? 0);
  if (r.t === 'tombstone') return 32 + r.key.length;
  return 256;
}

function frame(records: SnapshotRecord[] | FsmTrailer): Uint8Array {
  const body = encode(records);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** Reassembles frames from bytes cut at arbitrary places. */
export class FrameReader {
  private pending: Uint8Array = new Uint8Array(0);

  *push(chunk: Uint8Array): Generator<Uint8Array> {
    let buf = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    let at = 0;
    while (buf.length - at >= 4) {
      const len = new DataView(buf.buffer, buf.byteOffset + at, 4).getUint32(0);
      if (len > frameBytesMax) throw corrupt(`a frame of ${len} bytes`);
      if (buf.length - at - 4 < len) break;
      // A copy: decoded byte arrays are views into it, and the caller may reuse its chunk.
      yield buf.slice(at + 4, at + 4 + len);
      at += 4 + len;
    }
    buf = buf.subarray(at);
    this.pending = buf.length === 0 ? new Uint8Array(0) : buf.slice();
  }

  /** The stream ended: anything left over is a truncated frame. */
  end(): void {
    if (this.pending.length > 0) throw corrupt(`${this.pending.length} bytes after the last frame`);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function corrupt(what: string): MusterError {
  return new MusterError('ERR_INTERNAL', `snapshot is corrupt: ${what}`);
}
