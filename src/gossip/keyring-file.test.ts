import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keyring, KeyringError } from './keyring.js';
import { encryptIgnoredText, parseKeyringFile, readKeyringFile, setupKeyrings, writeKeyringFile, type KeyringSetupOptions } from './keyring-file.js';

const k16 = '04VJc9NxYiTQq0IzsLy4mQ==';
const k24 = 'eqaH37gvSvbftNu+CEtWiCziCmCfX3FX';
const k32 = 'pDmKO/1g8pMyxsYOdwEFVuY/4zg8qc/bjhKsLfYyVno=';

let dataDir = '';
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'muster-keyring-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const lanPath = (): string => join(dataDir, 'serf', 'local.keyring');
const wanPath = (): string => join(dataDir, 'serf', 'remote.keyring');
const setup = (o: Partial<KeyringSetupOptions>) => setupKeyrings({ dataDir, encrypt: '', wan: false, disableKeyringFile: false, ...o });
const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

async function rejection(p: Promise<unknown>): Promise<KeyringError> {
  try {
    await p;
  } catch (e) {
    if (KeyringError.is(e)) return e;
    throw e;
  }
  throw new Error('resolved');
}

async function withLanFile(text: string): Promise<void> {
  await mkdir(join(dataDir, 'serf'), { recursive: true });
  await writeFile(lanPath(), text);
}

describe('start-up (Consul agent/keyring.go setupBaseKeyrings)', () => {
  it('with `encrypt` and no file: creates serf/local.keyring (and remote for a server) as Consul writes it', async () => {
    const s = await setup({ encrypt: k32, wan: true });
    expect(s.lan?.encoded()).toEqual([k32]);
    expect(s.wan?.encoded()).toEqual([k32]);
    expect([s.lanFile, s.wanFile]).toEqual([lanPath(), wanPath()]);
    expect(s.warnings).toEqual([]);
    expect(await readFile(lanPath(), 'utf8')).toBe(`["${k32}"]`);
    expect(await readFile(wanPath(), 'utf8')).toBe(`["${k32}"]`);
    expect(await mode(lanPath())).toBe(0o600);
    expect(await mode(join(dataDir, 'serf'))).toBe(0o700);
    expect((await readdir(join(dataDir, 'serf'))).sort()).toEqual(['local.keyring', 'remote.keyring']);
  });

  it('a client gets no WAN keyring', async () => {
    const s = await setup({ encrypt: k16 });
    expect([s.wan, s.wanFile]).toEqual([undefined, undefined]);
    expect(await readdir(join(dataDir, 'serf'))).toEqual(['local.keyring']);
  });

  it('an existing file wins over `encrypt`, with Consul\'s warning when it lacks that key', async () => {
    await withLanFile(JSON.stringify([k16, k24], null, 2));
    const s = await setup({ encrypt: k32 });
    expect(s.lan?.encoded()).toEqual([k16, k24]);
    expect(s.warnings).toEqual([{ message: encryptIgnoredText, keyring: 'LAN' }]);
    expect(encryptIgnoredText).toBe(" keyring doesn't include key provided with -encrypt, using keyring");
    expect(JSON.parse(await readFile(lanPath(), 'utf8'))).toEqual([k16, k24]);
    // The key is in the ring (not primary): no warning.
    expect((await setup({ encrypt: k24 })).warnings).toEqual([]);
  });

  it('warns per pool: an existing LAN file, a WAN file seeded from `encrypt`', async () => {
    await withLanFile(`["${k16}"]`);
    const s = await setup({ encrypt: k32, wan: true });
    expect(s.lan?.encoded()).toEqual([k16]);
    expect(s.wan?.encoded()).toEqual([k32]);
    expect(s.warnings.map((w) => w.keyring)).toEqual(['LAN']);
  });

  it('without `encrypt`: the file if there is one, else no encryption', async () => {
    expect(await setup({})).toEqual({ lan: undefined, wan: undefined, lanFile: undefined, wanFile: undefined, warnings: [] });
    await withLanFile(`["${k24}"]`);
    const s = await setup({});
    expect([s.lan?.encoded(), s.lanFile]).toEqual([[k24], lanPath()]);
  });

  it("refuses a bad `encrypt` with Consul's text and writes nothing", async () => {
    const e = await rejection(setup({ encrypt: 'YWJj' }));
    expect(e.message).toBe('Failed to configure keyring: Invalid key: key size must be 16, 24 or 32 bytes');
    await expect(stat(lanPath())).rejects.toThrow();
    expect((await rejection(setup({ encrypt: 'abc!' }))).message).toBe('Failed to configure keyring: Invalid key: illegal base64 data at input byte 3');
  });

  it('with disable_keyring_file (-dev): memory only, files neither read nor written', async () => {
    await withLanFile(`["${k16}"]`);
    const s = await setup({ encrypt: k32, wan: true, disableKeyringFile: true });
    expect([s.lan?.encoded(), s.wan?.encoded(), s.lanFile, s.wanFile]).toEqual([[k32], [k32], undefined, undefined]);
    expect(await readdir(join(dataDir, 'serf'))).toEqual(['local.keyring']);
    expect((await setup({ disableKeyringFile: true })).lan).toBeUndefined();
    expect((await rejection(setup({ encrypt: 'YWJj', disableKeyringFile: true }))).message).toBe('Failed to configure keyring: key size must be 16, 24 or 32 bytes');
  });

  it.each([
    ['[]', 'no keys present in keyring: PATH'],
    ['null', 'no keys present in keyring: PATH'],
    ['["YWJj"]', 'key size must be 16, 24 or 32 bytes'],
    ['["abc!"]', 'illegal base64 data at input byte 3'],
    [`["${k16}", "abc!"]`, 'illegal base64 data at input byte 3'],
    ['{"a":1}', 'json: cannot unmarshal object into Go value of type []string'],
    ['[1]', 'json: cannot unmarshal number into Go value of type string'],
    ['', 'unexpected end of JSON input'],
    ['["abc"', 'unexpected end of JSON input'],
    ['["a" "b"]', `invalid character '"' after array element`],
    ['["a"]x', "invalid character 'x' after top-level value"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
  ])('refuses a keyring file holding %j, as Consul does', async (text, reason) => {
    await withLanFile(text);
    const e = await rejection(setup({ encrypt: k32 }));
    expect(e.message).toBe(`Failed to configure keyring: ${reason.replace('PATH', lanPath())}`);
  });
});

describe('keyring files', () => {
  it('are rewritten after a change as serf writes them: indented, 0600, atomically', async () => {
    await setup({ encrypt: k32 });
    const ring = await readKeyringFile(lanPath());
    ring.install(Keyring.fromBase64([k16]).primary()!);
    await writeKeyringFile(lanPath(), ring);
    expect(await readFile(lanPath(), 'utf8')).toBe(`[\n  "${k32}",\n  "${k16}"\n]`);
    expect(await mode(lanPath())).toBe(0o600);
    expect(await readdir(join(dataDir, 'serf'))).toEqual(['local.keyring']);
    ring.use(Keyring.fromBase64([k16]).primary()!);
    await writeKeyringFile(lanPath(), ring);
    expect((await readKeyringFile(lanPath())).encoded()).toEqual([k16, k32]);
  });

  it('a file that cannot be written fails with "Failed to write keyring file"', async () => {
    await writeFile(join(dataDir, 'blocker'), 'x');
    const e = await rejection(writeKeyringFile(join(dataDir, 'blocker', 'serf', 'local.keyring'), Keyring.fromBase64([k16])));
    expect(e.message).toBe(`Failed to write keyring file: mkdir ${join(dataDir, 'blocker', 'serf')}: not a directory`);
  });

  it('a missing file reads as Go says it', async () => {
    const e = await rejection(readKeyringFile(lanPath()));
    expect(e.message).toBe(`open ${lanPath()}: no such file or directory`);
    expect(() => parseKeyringFile(`["${k16}","${k16}"]`, 'x').encoded()).not.toThrow();
  });
});
