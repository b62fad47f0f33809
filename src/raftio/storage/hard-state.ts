/**
 * The stable store: Raft's persistent term, vote and commit hint (Fig. 2), in one small file
 * replaced atomically: written to a temporary file, fsynced, renamed over the old one, and the
 * directory fsynced, all before `save` resolves. A crash leaves the old state or the new one;
 * a leftover temporary file is ignored and removed. Format in README.md.
 */
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { assert, assertSafeIndex, MusterError } from '../../lib/index.js';
import { emptyHardState, type HardState } from '../../raft/types.js';
import { errnoCode, nodeStorageFs, writeFully, type StorageFs } from './fs-facade.js';

export const hardStateFileName = 'hard-state';
const magic = Buffer.from('MUSTRHST', 'latin1');
const formatVersion = 1;
const fixedBytes = 36;
/** A server ID is a UUID (36 chars); anything far larger is not one. */
const voteBytesMax = 1024;

export interface HardStateStoreOptions {
  /** The directory holding the file (`<data_dir>/raft`); created when missing. */
  dir: string;
  fs?: StorageFs;
}

export class HardStateStore {
  private readonly fs: StorageFs;
  private readonly file: string;
  private saved: HardState;
  /** The state of the last `save` call, written or not (checks run against it). */
  private latest: HardState;
  private queued: Promise<void> | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(fs: StorageFs, private readonly dir: string, initial: HardState) {
    this.fs = fs;
    this.file = join(dir, hardStateFileName);
    this.saved = initial;
    this.latest = initial;
  }

  /** Reads the stored state (the empty state when there is none); a bad file is an error. */
  static async open(options: HardStateStoreOptions): Promise<HardStateStore> {
    const fs = options.fs ?? nodeStorageFs;
    await fs.mkdir(options.dir);
    const file = join(options.dir, hardStateFileName);
    await fs.unlink(`${file}.tmp`).catch((err: unknown) => {
      if (errnoCode(err) !== 'ENOENT') throw err;
    });
    let state: HardState = emptyHardState;
    try {
      state = decodeHardState(await fs.readFile(file), file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    return new HardStateStore(fs, options.dir, state);
  }

  /** The state last made durable (or read at open). */
  get current(): HardState {
    return this.saved;
  }

  /**
   * Makes `state` durable; resolves once it is. Saves called while one is being written share
   * the next write, which stores the latest of them. Term never decreases, and the vote of a
   * term never changes once cast (a restarted server must not vote twice: CCF PR#8094).
   */
  save(state: HardState): Promise<void> {
    const prev = this.latest;
    assertSafeIndex(state.term, 'term');
    assertSafeIndex(state.commit, 'commit');
    assert(typeof state.vote === 'string' && Buffer.byteLength(state.vote) <= voteBytesMax, 'hard state: bad vote');
    assert(state.term >= prev.term, `hard state: term ${state.term} is below the stored term ${prev.term}`);
    assert(state.term > prev.term || prev.vote === '' || state.vote === prev.vote, `hard state: vote for ${prev.vote} in term ${prev.term} would change to '${state.vote}'`);
    this.latest = { term: state.term, vote: state.vote, commit: state.commit };
    if (this.queued) return this.queued;
    const p = this.tail.then(async () => {
      this.queued = null;
      const next = this.latest;
      if (sameState(next, this.saved)) return;
      await this.write(next);
      this.saved = next;
    });
    this.queued = p;
    this.tail = p.catch(() => {});
    return p;
  }

  /** Waits for writes in progress. */
  async close(): Promise<void> {
    await this.tail;
  }

  private async write(state: HardState): Promise<void> {
    const tmp = `${this.file}.tmp`;
    const fh = await this.fs.open(tmp, 'w');
    try {
      await writeFully(fh, encodeHardState(state), 0);
      await this.fs.fsync(fh, tmp);
    } finally {
      await fh.close();
    }
    await this.fs.rename(tmp, this.file);
    await this.fs.syncDir(this.dir);
  }
}

function sameState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** magic(8) version(4) crc(4) term(8) commit(8) voteLength(4) vote: crc covers bytes 16.. */
export function encodeHardState(state: HardState): Buffer {
  const vote = Buffer.from(state.vote, 'utf8');
  const buf = Buffer.alloc(fixedBytes + vote.length);
  magic.copy(buf, 0);
  buf.writeUInt32LE(formatVersion, 8);
  buf.writeBigUInt64LE(BigInt(state.term), 16);
  buf.writeBigUInt64LE(BigInt(state.commit), 24);
  buf.writeUInt32LE(vote.length, 32);
  vote.copy(buf, fixedBytes);
  buf.writeUInt32LE(crc32(buf.subarray(16)), 12);
  return buf;
}

export function decodeHardState(buf: Buffer, file: string): HardState {
  const bad = (why: string): MusterError => new MusterError('ERR_INTERNAL', `raft hard state is corrupt: ${file}: ${why}`);
  if (buf.length < fixedBytes || !buf.subarray(0, 8).equals(magic)) throw bad('not a Muster hard state file');
  if (buf.readUInt32LE(8) !== formatVersion) throw bad(`unsupported format version ${buf.readUInt32LE(8)}`);
  if (buf.readUInt32LE(12) !== crc32(buf.subarray(16))) throw bad('CRC mismatch');
  const voteLength = buf.readUInt32LE(32);
  if (buf.length !== fixedBytes + voteLength) throw bad(`length ${buf.length} does not match vote length ${voteLength}`);
  const term = Number(buf.readBigUInt64LE(16));
  const commit = Number(buf.readBigUInt64LE(24));
  if (!Number.isSafeInteger(term) || !Number.isSafeInteger(commit)) throw bad('term or commit out of range');
  return { term, vote: buf.toString('utf8', fixedBytes), commit };
}
