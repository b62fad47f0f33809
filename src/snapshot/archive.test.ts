import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArchive, snapshotMeta, spoolState, readSpooled, writeArchive, tarHeader, tarPadding, tarEnd, type RaftSnapshotMeta } from './index.js';

const referenceConsul = '/var/cache/muster-ref/consul/usr/bin/consul';
const consulDevSnap = new URL('./testdata/consul-1.8.7-dev.snap', import.meta.url);

async function* chunksOf(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

function meta(size: number): RaftSnapshotMeta {
  return snapshotMeta({
    index: 42,
    term: 3,
    nowMs: 1_700_000_000_123,
    servers: [{ id: 'b2f1e3d0-0000-4000-8000-000000000001', address: '127.0.0.1:8300', voter: true }],
    configurationIndex: 1,
    size,
  });
}

async function archiveOf(state: Uint8Array): Promise<Buffer> {
  return collect(writeArchive(meta(state.length), chunksOf(state, 1000), 1_700_000_000_123));
}

/** A tar of the given files, written with our own header writer (for corrupt variants). */
function tarOf(files: Array<[string, Uint8Array]>, end = true): Buffer {
  const parts: Uint8Array[] = [];
  for (const [name, body] of files) parts.push(tarHeader(name, body.length, 0), body, tarPadding(body.length));
  if (end) parts.push(tarEnd());
  return Buffer.concat(parts);
}

function filesOf(archive: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(archive);
  const out = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('latin1'), 8);
    out.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

async function readError(bytes: Uint8Array): Promise<string> {
  try {
    await readArchive(chunksOf(bytes, 100));
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('snapshot archive', () => {
  const state = new Uint8Array(5000).map((_, i) => (i * 31) & 0xff);
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'archive-test-'))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('round-trips meta and state, handing the state on in pieces', async () => {
    const archive = await archiveOf(state);
    const got: Uint8Array[] = [];
    const m = await readArchive(chunksOf(archive, 3), { onState: (c) => void got.push(c.slice()) });
    expect(m).toEqual(meta(state.length));
    expect(m.ID).toBe('3-42-1700000000123');
    expect(Buffer.concat(got).equals(Buffer.from(state))).toBe(true);
  });

  it('writes the files, modes and SHA256SUMS as Consul does', async () => {
    const files = filesOf(await archiveOf(state));
    expect([...files.keys()]).toEqual(['meta.json', 'state.bin', 'SHA256SUMS']);
    const metaText = files.get('meta.json')!.toString();
    expect(metaText).toBe(
      '{"Version":1,"ID":"3-42-1700000000123","Index":42,"Term":3,"Peers":"ka4xMjcuMC4wLjE6ODMwMA==","Configuration":{"Servers":[{"Suffrage":0,"ID":"b2f1e3d0-0000-4000-8000-000000000001","Address":"127.0.0.1:8300"}]},"ConfigurationIndex":1,"Size":5000}\n',
    );
    expect(files.get('SHA256SUMS')!.toString()).toMatch(/^[0-9a-f]{64} {2}meta\.json\n[0-9a-f]{64} {2}state\.bin\n$/);
    const tar = gunzipSync(await archiveOf(state));
    expect(tar.subarray(100, 108).toString('latin1')).toBe('0000600\0');
    expect(tar.subarray(257, 265).toString('latin1')).toBe('ustar\x0000');
    expect(tar.length).toBe(512 * 2 + 512 + 5120 + 512 * 2 + 1024); // no padding past the end marker
  });

  it('reads the meta of a snapshot the reference consul -dev saved', async () => {
    const m = await readArchive(await readFile(consulDevSnap).then((b) => chunksOf(b, 4096)));
    expect(m.Version).toBe(1);
    expect(m.ID).toBe('2-13-1795470196945');
    expect(m.Index).toBe(13);
    expect(m.Term).toBe(2);
    expect(m.Size).toBe(5041);
    expect(m.Configuration.Servers?.[0]?.Address).toBe('127.0.0.62:18564');
  });

  it.skipIf(!existsSync(referenceConsul))('is accepted by the reference `consul snapshot inspect`', async () => {
    const file = join(dir, 'ours.snap');
    await writeFile(file, await archiveOf(state));
    const out = execFileSync(referenceConsul, ['snapshot', 'inspect', file], { encoding: 'utf8' });
    expect(out).toContain('ID           3-42-1700000000123\n');
    expect(out).toContain('Index        42\n');
    expect(out).toContain('Term         3\n');
    expect(out).toContain('Size         5000\n');
  });

  it('spools a state to a file and streams it back', async () => {
    const spooled = await spoolState(chunksOf(state, 999), dir);
    expect(spooled.size).toBe(5000);
    expect((await collect(readSpooled(spooled))).equals(Buffer.from(state))).toBe(true);
    await spooled.remove();
    expect(existsSync(spooled.path)).toBe(false);
  });

  describe('names what is wrong with a bad archive', () => {
    const sums = (m: Uint8Array, s: Uint8Array): Uint8Array => {
      return Buffer.from(`${sha256Hex(m)}  meta.json\n${sha256Hex(s)}  state.bin\n`);
    };
    const m = Buffer.from('{"Version":1,"Index":5,"Size":3}\n');
    const s = Buffer.from('abc');

    it('an empty body', async () => expect(await readError(new Uint8Array(0))).toBe('failed to decompress snapshot: EOF'));
    it('not gzip', async () => expect(await readError(Buffer.from('garbage'))).toBe('failed to decompress snapshot: gzip: invalid header'));
    it('gzip of garbage', async () => expect(await readError(gzipSync('garbage\n'))).toBe('failed to read snapshot file: failed reading snapshot: unexpected EOF'));
    it('a tampered state.bin', async () => {
      const bad = gzipSync(tarOf([['meta.json', m], ['state.bin', Buffer.from('abd')], ['SHA256SUMS', sums(m, s)]]));
      expect(await readError(bad)).toBe('failed to read snapshot file: failed checking integrity of snapshot: hash check failed for "state.bin"');
    });
    it('a missing SHA256SUMS', async () => {
      const bad = gzipSync(tarOf([['meta.json', m], ['state.bin', s]]));
      expect(await readError(bad)).toBe('failed to read snapshot file: failed checking integrity of snapshot: file missing for "meta.json"');
    });
    it('an unknown file', async () => {
      const bad = gzipSync(tarOf([['meta.json', m], ['evil', s]]));
      expect(await readError(bad)).toBe('failed to read snapshot file: unexpected file "evil" in snapshot');
    });
    it('a hash for a file that is not there', async () => {
      const bad = gzipSync(tarOf([['meta.json', m], ['state.bin', s], ['SHA256SUMS', Buffer.concat([sums(m, s), Buffer.from(`${'0'.repeat(64)}  other\n`)])]]));
      expect(await readError(bad)).toBe('failed to read snapshot file: failed checking integrity of snapshot: list missing hash for "other"');
    });
    it('bad meta.json', async () => {
      const junk = Buffer.from('{nope');
      const bad = gzipSync(tarOf([['meta.json', junk], ['state.bin', s], ['SHA256SUMS', sums(junk, s)]]));
      expect(await readError(bad)).toMatch(/^failed to read snapshot file: failed to decode snapshot metadata: /);
    });
    it('a stream cut inside state.bin', async () => {
      const whole = await archiveOf(randomBytes(20_000));
      expect(await readError(whole.subarray(0, 10_000))).toBe('failed to read snapshot file: failed to read or write snapshot data: unexpected EOF');
    });
    it('a tar cut inside state.bin, gzip intact', async () => {
      const tar = tarOf([['meta.json', m], ['state.bin', Buffer.alloc(2000)]], false).subarray(0, 1600);
      expect(await readError(gzipSync(tar))).toBe('failed to read snapshot file: failed to read or write snapshot data: unexpected EOF');
    });
    it('a corrupt header checksum', async () => {
      const tar = tarOf([['meta.json', m]]);
      tar[0] = 0x4e; // 'N'
      expect(await readError(gzipSync(tar))).toBe('failed to read snapshot file: failed reading snapshot: archive/tar: invalid tar header');
    });
    it('a bad gzip checksum', async () => {
      const gz = Buffer.from(await archiveOf(state));
      gz[gz.length - 6] = gz[gz.length - 6]! ^ 0xff;
      expect(await readError(gz)).toMatch(/gzip: invalid checksum$/);
    });
    it('padding after the end of the tar (GNU tar pads to 10240 bytes)', async () => {
      const tar = Buffer.concat([tarOf([['meta.json', m], ['state.bin', s], ['SHA256SUMS', sums(m, s)]]), Buffer.alloc(1536)]);
      expect(await readError(gzipSync(tar))).toBe('1536 unread uncompressed bytes remain');
    });
  });
});

function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
