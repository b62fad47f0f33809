import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotHarness, type SnapshotHarness } from '../../../http/snapshot-test-harness.js';
import { main } from '../../main.js';
import { CaptureUi } from '../../test-support.js';

const referenceConsul = '/var/cache/muster-ref/consul/usr/bin/consul';
const testdata = new URL('../../testdata/', import.meta.url);
const consulDevSnap = new URL('../../../snapshot/testdata/consul-1.8.7-dev.snap', import.meta.url);
const rebrand = (s: string): string => s.replace(/consul/g, 'muster').replace(/Consul/g, 'Muster');

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const ui = new CaptureUi(env);
  const code = await main(args, { ui });
  return { code, out: ui.stdout, err: ui.stderr };
}

describe('muster snapshot', () => {
  let h: SnapshotHarness;
  let addr: string;
  let dir: string;
  beforeAll(async () => {
    h = snapshotHarness();
    addr = await h.listen();
    dir = await mkdtemp(join(tmpdir(), 'snapshot-cli-'));
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('save writes a verified file and prints its index; restore puts the state back', async () => {
    await h.request({ method: 'PUT', url: '/v1/kv/hello', payload: 'world' });
    const file = join(dir, 'backup.snap');
    const saved = await run(['snapshot', 'save', `-http-addr=${addr}`, file]);
    expect(saved).toEqual({ code: 0, out: 'Saved and verified snapshot to index 2\n', err: '' });
    expect(await readdir(dir)).toEqual(['backup.snap']); // no .unverified left behind

    const inspected = await run(['snapshot', 'inspect', file]);
    expect(inspected.code).toBe(0);
    expect(inspected.out).toMatch(/^ID {11}1-2-1700000000000\nSize {9}\d+\nIndex {8}2\nTerm {9}1\nVersion {6}1\n\n$/);

    await h.request({ method: 'PUT', url: '/v1/kv/hello', payload: 'goodbye' });
    expect(await run(['snapshot', 'restore', `-http-addr=${addr}`, file])).toEqual({ code: 0, out: 'Restored snapshot\n', err: '' });
    const got = await h.request('/v1/kv/hello?raw');
    expect(got.payload).toBe('world');
  });

  it.skipIf(!existsSync(referenceConsul))('inspect prints what the reference consul prints', async () => {
    const file = join(dir, 'ref-check.snap');
    expect((await run(['snapshot', 'save', `-http-addr=${addr}`, file])).code).toBe(0);
    const ours = await run(['snapshot', 'inspect', file]);
    expect(ours.out).toBe(execFileSync(referenceConsul, ['snapshot', 'inspect', file], { encoding: 'utf8' }));
    const theirs = await run(['snapshot', 'inspect', consulDevSnap.pathname]);
    expect(theirs.out).toBe('ID           2-13-1795470196945\nSize         5041\nIndex        13\nTerm         2\nVersion      1\n\n');
  });

  it('says what is wrong, as Consul does', async () => {
    const bad = join(dir, 'bad.snap');
    await writeFile(bad, 'garbage');
    expect(await run(['snapshot', 'inspect'])).toEqual({ code: 1, out: '', err: 'Missing FILE argument\n' });
    expect(await run(['snapshot', 'inspect', 'a', 'b'])).toEqual({ code: 1, out: '', err: 'Too many arguments (expected 1, got 2)\n' });
    expect(await run(['snapshot', 'save', `-http-addr=${addr}`])).toEqual({ code: 1, out: '', err: 'Missing FILE argument\n' });
    expect(await run(['snapshot', 'restore', `-http-addr=${addr}`, 'a', 'b'])).toEqual({ code: 1, out: '', err: 'Too many arguments (expected 1, got 2)\n' });
    expect(await run(['snapshot', 'inspect', join(dir, 'nope')])).toEqual({ code: 1, out: '', err: `Error opening snapshot file: open ${join(dir, 'nope')}: no such file or directory\n` });
    expect(await run(['snapshot', 'inspect', bad])).toEqual({ code: 1, out: '', err: 'Error verifying snapshot: failed to decompress snapshot: gzip: invalid header\n' });
    expect(await run(['snapshot', 'restore', `-http-addr=${addr}`, bad])).toEqual({
      code: 1,
      out: '',
      err: 'Error restoring snapshot: Unexpected response code: 500 (failed to decompress snapshot: gzip: invalid header)\n',
    });
    expect(await run(['snapshot', 'save', `-http-addr=${addr}`, '-datacenter=nope', join(dir, 'x.snap')])).toEqual({
      code: 1,
      out: '',
      err: 'Error saving snapshot: Unexpected response code: 500 (No path to datacenter)\n',
    });
    expect(await run(['snapshot', 'save', '-http-addr=127.0.0.1:1', join(dir, 'x.snap')])).toEqual({
      code: 1,
      out: '',
      err: 'Error saving snapshot: Get "http://127.0.0.1:1/v1/snapshot": dial tcp 127.0.0.1:1: connect: connection refused\n',
    });
    expect(existsSync(join(dir, 'x.snap'))).toBe(false);
  });

  it.each(['save', 'restore', 'inspect'])('`snapshot %s -h` is Consul\'s help', async (verb) => {
    const want = rebrand(readFileSync(new URL(`consul-1.8.7-snapshot-${verb}-help.txt`, testdata), 'utf8'));
    const got = await run(['snapshot', verb, '-h']);
    const text = got.out + got.err;
    // The description up to the options is byte for byte; the HTTP flags are the same set.
    const head = (s: string): string => s.split('\n\nHTTP API Options')[0]!;
    expect(head(text).trim()).toBe(head(want).trim());
    const flags = (s: string): string[] => [...s.matchAll(/^ {2}-([a-z-]+)/gm)].map((m) => m[1]!).sort();
    expect(flags(text)).toEqual(flags(want));
  });
});
