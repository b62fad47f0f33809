/**
 * Snapshot archives in Consul's format (snapshot/archive.go, snapshot/snapshot.go): a gzipped
 * tar of `meta.json`, `state.bin` and `SHA256SUMS` (`<hex>  <name>` lines for the other two).
 * Both directions stream: writing tees state.bin through its hash into the gzip stream;
 * reading hands state.bin on as it is decompressed and checks every hash at the end, so the
 * caller must not act on the state before `readArchive` resolves. Error texts are Consul's.
 */
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { MusterError } from '../lib/index.js';
import { nodeCrypto } from '../host/index.js';
import { decodeMeta, encodeMeta, type RaftSnapshotMeta } from './meta.js';
import { readTar, tarEnd, tarHeader, tarPadding, TarError } from './tar.js';

/** Read size of the spooled state file: large reads keep gzip busy with few event-loop turns. */
const stateReadBytes = 256 * 1024;
/** meta.json and SHA256SUMS are a few hundred bytes; anything huge is not a snapshot. */
const smallFileBytesMax = 1024 * 1024;

/** A snapshot that cannot be read; the message is Consul's text (HTTP 500, as Consul answers). */
export class SnapshotError extends MusterError {
  constructor(message: string) {
    super('ERR_INTERNAL', message);
  }
}

/** state.bin written to a temporary file: its size must be known before its tar header. */
export interface SpooledState {
  path: string;
  size: number;
  /** Removes the file (idempotent). */
  remove(): Promise<void>;
}

/** Writes `chunks` to a new temporary file under `dir` (default: the OS's temp dir). */
export async function spoolState(chunks: AsyncIterable<Uint8Array>, dir = tmpdir()): Promise<SpooledState> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const folder = await mkdtemp(join(dir, 'snapshot-'));
  const path = join(folder, 'state.bin');
  const remove = (): Promise<void> => rm(folder, { recursive: true, force: true });
  let size = 0;
  try {
    const fh = await open(path, 'w', 0o600);
    try {
      for await (const c of chunks) {
        await fh.write(c);
        size += c.length;
      }
    } finally {
      await fh.close();
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return { path, size, remove };
}

/** Reads a spooled file back in large pieces. */
export function readSpooled(state: SpooledState): AsyncIterable<Uint8Array> {
  return createReadStream(state.path, { highWaterMark: stateReadBytes });
}

/**
 * The gzipped archive of `meta` and the `meta.Size` bytes of `state`, as Consul's write():
 * every file mode 0600 with mtime `nowMs`. A state of another length fails the stream.
 */
export function writeArchive(meta: RaftSnapshotMeta, state: AsyncIterable<Uint8Array>, nowMs: number): AsyncIterable<Uint8Array> {
  async function* tar(): AsyncGenerator<Uint8Array> {
    const mtime = nowMs / 1000;
    const metaBytes = encodeMeta(meta);
    const metaHash = nodeCrypto().createHash('sha256').update(metaBytes);
    yield tarHeader('meta.json', metaBytes.length, mtime);
    yield metaBytes;
    yield tarPadding(metaBytes.length);
    const stateHash = nodeCrypto().createHash('sha256');
    yield tarHeader('state.bin', meta.Size, mtime);
    let written = 0;
    for await (const c of state) {
      written += c.length;
      if (written > meta.Size) break;
      stateHash.update(c);
      yield c;
    }
    if (written !== meta.Size) throw new Error(`failed to write snapshot metadata: state is ${written} bytes, meta says ${meta.Size}`);
    yield tarPadding(meta.Size);
    const sums = new TextEncoder().encode(`${metaHash.digest('hex')}  meta.json\n${stateHash.digest('hex')}  state.bin\n`);
    yield tarHeader('SHA256SUMS', sums.length, mtime);
    yield sums;
    yield tarPadding(sums.length);
    yield tarEnd();
  }
  const source = Readable.from(tar(), { objectMode: false });
  const gzip = createGzip();
  source.on('error', (err) => gzip.destroy(err));
  source.pipe(gzip);
  return gzip;
}

export interface ReadArchiveOptions {
  /** Receives state.bin piece by piece (awaited: backpressure). Untrusted until the hashes check. */
  onState?: (chunk: Uint8Array) => void | Promise<void>;
}

/**
 * Reads and verifies an archive; resolves with its meta once every hash matched and the gzip
 * stream ended cleanly. Rejects with a SnapshotError carrying Consul's text.
 */
export async function readArchive(input: AsyncIterable<Uint8Array>, options: ReadArchiveOptions = {}): Promise<RaftSnapshotMeta> {
  const gunzip = new GunzipReader(input);
  const hashes = new Map<string, Hash>([
    ['meta.json', nodeCrypto().createHash('sha256')],
    ['state.bin', nodeCrypto().createHash('sha256')],
  ]);
  let metaBytes: Uint8Array[] = [];
  let sums: Uint8Array[] = [];
  let meta: RaftSnapshotMeta | undefined;
  const fail = (text: string): SnapshotError => new SnapshotError(`failed to read snapshot file: ${text}`);
  let trailing: number;
  try {
    trailing = await readTar(gunzip.stream(), (name, size) => {
      if (name === 'meta.json') {
        if (size > smallFileBytesMax) throw fail(`failed to read snapshot metadata: meta.json is ${size} bytes`);
        metaBytes = [];
        return {
          data: (c) => void (hashes.get(name)!.update(c), metaBytes.push(c.slice())),
          end: () => {
            try {
              meta = decodeMeta(Buffer.concat(metaBytes));
            } catch (err) {
              throw fail(`failed to decode snapshot metadata: ${(err as Error).message}`);
            }
          },
        };
      }
      if (name === 'state.bin') {
        return {
          data: async (c) => {
            hashes.get(name)!.update(c);
            if (options.onState) await options.onState(c);
          },
          end: () => {},
        };
      }
      if (name === 'SHA256SUMS') {
        if (size > smallFileBytesMax) throw fail(`failed to read snapshot hashes: SHA256SUMS is ${size} bytes`);
        sums = [];
        return { data: (c) => void sums.push(c.slice()), end: () => {} };
      }
      throw fail(`unexpected file ${JSON.stringify(name)} in snapshot`);
    });
  } catch (err) {
    throw gunzip.translate(err, fail);
  }
  const problem = verifySums(Buffer.concat(sums).toString('latin1'), hashes);
  if (problem) throw fail(`failed checking integrity of snapshot: ${problem}`);
  if (trailing > 0) throw new SnapshotError(`${trailing} unread uncompressed bytes remain`);
  return meta ?? decodeMeta(new TextEncoder().encode('{}'));
}

/** hashList.DecodeAndVerify: every listed file known and matching, every known file listed. */
function verifySums(text: string, hashes: Map<string, Hash>): string | undefined {
  const digests = new Map([...hashes].map(([name, h]) => [name, h.digest('hex')]));
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-fA-F]*) {2}(\S+)/.exec(line);
    if (!m) return line.trim() === '' ? 'unexpected EOF' : 'input does not match format';
    const [, hex, file] = m as unknown as [string, string, string];
    const want = digests.get(file);
    if (want === undefined) return `list missing hash for ${JSON.stringify(file)}`;
    if (hex.toLowerCase() !== want) return `hash check failed for ${JSON.stringify(file)}`;
    seen.add(file);
  }
  for (const file of digests.keys()) if (!seen.has(file)) return `file missing for ${JSON.stringify(file)}`;
  return undefined;
}

/**
 * Go's gzip.NewReader + reads, over node:zlib: an empty input is "EOF", a bad magic "gzip:
 * invalid header" (both "failed to decompress snapshot: ..."), a stream cut short "unexpected
 * EOF" in whatever was being read, a bad CRC "gzip: invalid checksum".
 */
class GunzipReader {
  private sawBytes = false;
  private badHeader = false;

  constructor(private readonly input: AsyncIterable<Uint8Array>) {}

  async *stream(): AsyncGenerator<Uint8Array> {
    const gunzip = createGunzip({ chunkSize: stateReadBytes });
    const source = Readable.from(this.watched(), { objectMode: false });
    source.on('error', (err) => gunzip.destroy(err));
    source.pipe(gunzip);
    yield* gunzip as AsyncIterable<Uint8Array>;
  }

  /** The input, noting whether any bytes came and whether they start with gzip's magic. */
  private async *watched(): AsyncGenerator<Uint8Array> {
    let head = new Uint8Array(0);
    for await (const c of this.input) {
      if (c.length === 0) continue;
      if (head.length < 2) {
        head = Buffer.concat([head, c]).subarray(0, 2);
        if (head.length >= 1 && head[0] !== 0x1f) this.badHeader = true;
        if (head.length === 2 && head[1] !== 0x8b) this.badHeader = true;
      }
      this.sawBytes = true;
      yield c;
    }
  }

  translate(err: unknown, fail: (text: string) => SnapshotError): Error {
    if (err instanceof SnapshotError) return err;
    if (!this.sawBytes) return new SnapshotError('failed to decompress snapshot: EOF');
    if (this.badHeader) return new SnapshotError('failed to decompress snapshot: gzip: invalid header');
    if (!(err instanceof TarError)) return err instanceof Error ? err : new Error(String(err));
    if (err.inputError === undefined) return fail(tarPhase(err.where, err.message));
    const cause = err.inputError;
    if (cause instanceof SnapshotError) return cause;
    const code = (cause as { code?: string }).code;
    const msg = (cause as Error)?.message ?? String(cause);
    if (code === 'Z_BUF_ERROR' || /unexpected end of file/.test(msg)) return fail(tarPhase(err.where, 'unexpected EOF'));
    if (/incorrect data check|incorrect length check/.test(msg)) return fail(tarPhase(err.where, 'gzip: invalid checksum'));
    if (code === 'Z_DATA_ERROR') return fail(tarPhase(err.where, 'flate: corrupt input'));
    return cause instanceof Error ? cause : new Error(msg);
  }
}

/** Consul's wording by what was being read when the stream broke. */
function tarPhase(where: TarError['where'], text: string): string {
  if ('header' in where) return `failed reading snapshot: ${text}`;
  switch (where.body) {
    case 'meta.json':
      return `failed to read snapshot metadata: ${text}`;
    case 'state.bin':
      return `failed to read or write snapshot data: ${text}`;
    case 'SHA256SUMS':
      return `failed to read snapshot hashes: ${text}`;
    default:
      return `failed reading snapshot: ${text}`;
  }
}

/** Go's snapshot.Verify: reads the whole archive, throwing the state away. */
export function verifyArchive(input: AsyncIterable<Uint8Array>): Promise<RaftSnapshotMeta> {
  return readArchive(input);
}
