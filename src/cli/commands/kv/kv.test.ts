import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../main.js';
import { CaptureUi, FakeAgent } from '../../test-support.js';

let agent: FakeAgent;
let env: Record<string, string>;

beforeEach(async () => {
  agent = new FakeAgent();
  env = { MUSTER_HTTP_ADDR: await agent.start() };
});
afterEach(() => agent.stop());

async function run(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string; ui: CaptureUi }> {
  const ui = new CaptureUi(env, Buffer.from(stdin));
  const code = await main(args, { ui });
  return { code, out: ui.stdout, err: ui.stderr, ui };
}
const sent = () => agent.requests.map((r) => `${r.method} ${r.url}`);

describe('kv get', () => {
  beforeEach(() => {
    agent.set('foo', 'bar');
    agent.set('a/b/c', 'hello', 42);
    agent.set('a/d', 'multi\nline');
    agent.set('a/e', '');
  });

  it.each([
    [['kv', 'get', 'foo'], 0, 'bar\n', '', ['GET /v1/kv/foo']],
    [['kv', 'get', '/foo'], 0, 'bar\n', '', ['GET /v1/kv/foo']],
    [['kv', 'get', '-base64', 'foo'], 0, 'YmFy\n', '', ['GET /v1/kv/foo']],
    [['kv', 'get', '-stale', '-datacenter=dc2', 'foo'], 0, 'bar\n', '', ['GET /v1/kv/foo?dc=dc2&stale=']],
    [['kv', 'get', 'nope'], 1, '', 'Error! No key exists at: nope\n', ['GET /v1/kv/nope']],
    [['kv', 'get'], 1, '', 'Error! Missing KEY argument\n', []],
    [['kv', 'get', 'a', 'b'], 1, '', 'Too many arguments (expected 1, got 2)\n', []],
    [['kv', 'get', '-recurse', 'a'], 0, 'a/b/c:hello\na/d:multi\nline\na/e:\n', '', ['GET /v1/kv/a?recurse=']],
    [['kv', 'get', '-recurse', '-base64', 'a'], 0, 'a/b/c:aGVsbG8=\na/d:bXVsdGkKbGluZQ==\na/e:\n', '', ['GET /v1/kv/a?recurse=']],
    [['kv', 'get', '-recurse', 'nope'], 0, '', '', ['GET /v1/kv/nope?recurse=']],
    [['kv', 'get', '-keys'], 0, 'a/\nfoo\n', '', ['GET /v1/kv/?keys=&separator=%2F']],
    [['kv', 'get', '-keys', 'a/'], 0, 'a/b/\na/d\na/e\n', '', ['GET /v1/kv/a/?keys=&separator=%2F']],
    [['kv', 'get', '-keys', '-separator=', 'a'], 0, 'a/b/c\na/d\na/e\n', '', ['GET /v1/kv/a?keys=']],
  ] as const)('%j', async (args, code, out, err, requests) => {
    const r = await run([...args]);
    expect({ code: r.code, out: r.out, err: r.err, requests: sent() }).toEqual({ code, out, err, requests });
  });

  it('-detailed: the tabwriter layout', async () => {
    expect((await run(['kv', 'get', '-detailed', 'a/b/c'])).out).toBe(
      'CreateIndex      12\nFlags            42\nKey              a/b/c\nLockIndex        0\nModifyIndex      12\nSession          -\nValue            hello\n',
    );
    expect((await run(['kv', 'get', '-detailed', 'a/e'])).out).toMatch(/Session {10}-\nValue\n$/);
  });

  it('-recurse -detailed separates entries with a blank line', async () => {
    const { out } = await run(['kv', 'get', '-recurse', '-detailed', 'a/b']);
    expect(out).toBe('CreateIndex      12\nFlags            42\nKey              a/b/c\nLockIndex        0\nModifyIndex      12\nSession          -\nValue            hello\n');
    agent.set('a/b/z', 'z');
    const two = await run(['kv', 'get', '-recurse', '-detailed', 'a/b']);
    expect(two.out.split('\n\n')).toHaveLength(2);
  });

  it('binary values come out byte for byte', async () => {
    agent.set('bin', Buffer.from([0, 0xff, 0xfe, 0x0a]));
    const r = await run(['kv', 'get', 'bin']);
    expect(r.ui.stdoutBytes).toEqual(Buffer.from([0, 0xff, 0xfe, 0x0a, 0x0a]));
  });

  it('agent errors and unreachable agents', async () => {
    agent.override = () => ({ status: 500, body: 'No path to datacenter' });
    expect(await run(['kv', 'get', 'foo'])).toMatchObject({ code: 1, out: '', err: 'Error querying Consul agent: Unexpected response code: 500\n' });
    env.MUSTER_HTTP_ADDR = 'ftp://x';
    expect(await run(['kv', 'get', 'foo'])).toMatchObject({ code: 1, err: 'Error connecting to Consul agent: Unknown protocol scheme: ftp\n' });
  });

  it('a bad flag prints Go’s error and the flag list to stderr, exit 1', async () => {
    const r = await run(['kv', 'get', '-recurse=x', 'a']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^invalid boolean value "x" for -recurse: parse error\nUsage:\n {2}-base64\n {4}\tBase64 encode the value\./);
    expect(r.err).toContain('  -separator string\n    \tString to use as a separator between keys. The default value is "/", but this option is only taken into account when paired with the -keys flag. (default "/")\n');
    expect(agent.requests).toEqual([]);
  });

  it('sends the token from the environment', async () => {
    env.CONSUL_HTTP_TOKEN = 'c-tok';
    env.MUSTER_HTTP_TOKEN = 'm-tok';
    await run(['kv', 'get', 'foo']);
    expect(agent.requests[0]!.headers['x-consul-token']).toBe('m-tok');
    await run(['kv', 'get', '-token=flag-tok', 'foo']);
    expect(agent.requests[1]!.headers['x-consul-token']).toBe('flag-tok');
  });
});

describe('kv put', () => {
  it.each([
    [['kv', 'put', 'k', 'v'], 0, 'Success! Data written to: k\n', '', ['PUT /v1/kv/k']],
    [['kv', 'put', '-flags=42', 'k', 'v'], 0, 'Success! Data written to: k\n', '', ['PUT /v1/kv/k?flags=42']],
    [['kv', 'put', 'k'], 0, 'Success! Data written to: k\n', '', ['PUT /v1/kv/k']],
    [['kv', 'put', '-cas', '-modify-index=1', 'k', 'v'], 1, '', 'Error! Did not write to k: CAS failed\n', ['PUT /v1/kv/k?cas=1']],
    [['kv', 'put', '-cas', 'k', 'v'], 1, '', 'Must specify -modify-index with -cas!\n', []],
    [['kv', 'put'], 1, '', 'Error! Missing KEY argument\n', []],
    [['kv', 'put', 'a', 'b', 'c'], 1, '', 'Error! Too many arguments (expected 1 or 2, got 3)\n', []],
    [['kv', 'put', '-acquire', 'k'], 1, '', 'Error! Missing -session (required with -acquire and -release)\n', []],
    [['kv', 'put', '-acquire', '-session=s1', 'k', 'v'], 0, 'Success! Lock acquired on: k\n', '', ['PUT /v1/kv/k?acquire=s1']],
    [['kv', 'put', '-release', '-session=s1', 'k'], 1, '', 'Error! Did not release lock\n', ['PUT /v1/kv/k?release=s1']],
    [['kv', 'put', '/k', 'v'], 1, '', "Error! Failed writing data: Invalid key. Key must not begin with a '/': /k\n", []],
    [['kv', 'put', 'k', '@/nonexistent'], 1, '', 'Error! Failed to read file: open /nonexistent: no such file or directory\n', []],
    [['kv', 'put', '-base64', 'k', '!!'], 1, '', 'Error! Cannot base 64 decode data: illegal base64 data at input byte 0\n', []],
    [['kv', 'put', 'k', '-x'], 0, 'Success! Data written to: k\n', '', ['PUT /v1/kv/k']],
  ] as const)('%j', async (args, code, out, err, requests) => {
    const r = await run([...args]);
    expect({ code: r.code, out: r.out, err: r.err, requests: sent() }).toEqual({ code, out, err, requests });
  });

  it('writes the data: literal, -base64, @file, stdin', async () => {
    await run(['kv', 'put', 'a', 'literal']);
    await run(['kv', 'put', '-base64', 'b', 'aGVsbG8=']);
    const dir = mkdtempSync(join(tmpdir(), 'muster-cli-'));
    writeFileSync(join(dir, 'f'), Buffer.from([1, 2, 255]));
    await run(['kv', 'put', 'c', `@${join(dir, 'f')}`]);
    await run(['kv', 'put', 'd', '-'], 'from stdin\n');
    expect(agent.requests.map((r) => r.body.toString('latin1'))).toEqual(['literal', 'hello', '\x01\x02\xff', 'from stdin\n']);
  });

  it('a successful cas', async () => {
    agent.set('k', 'old');
    const r = await run(['kv', 'put', '-cas', '-modify-index=11', 'k', 'new']);
    expect(r).toMatchObject({ code: 0, out: 'Success! Data written to: k\n' });
  });

  it('a 500 from the agent', async () => {
    agent.override = () => ({ status: 500, body: 'No cluster leader' });
    expect(await run(['kv', 'put', 'k', 'v'])).toMatchObject({ code: 1, err: 'Error! Failed writing data: Unexpected response code: 500 (No cluster leader)\n' });
    expect(await run(['kv', 'put', '-cas', '-modify-index=3', 'k', 'v'])).toMatchObject({
      code: 1,
      err: 'Error! Did not write to k: Unexpected response code: 500 (No cluster leader)\n',
    });
  });
});

describe('kv delete', () => {
  it.each([
    [['kv', 'delete', 'k'], 0, 'Success! Deleted key: k\n', '', ['DELETE /v1/kv/k']],
    [['kv', 'delete', '/k'], 0, 'Success! Deleted key: k\n', '', ['DELETE /v1/kv/k']],
    [['kv', 'delete', '-recurse', 'p'], 0, 'Success! Deleted keys with prefix: p\n', '', ['DELETE /v1/kv/p?recurse=']],
    [['kv', 'delete', '-recurse'], 0, 'Success! Deleted keys with prefix: \n', '', ['DELETE /v1/kv/?recurse=']],
    [['kv', 'delete', '-cas', '-modify-index=3', 'k'], 1, '', 'Error! Did not delete key k: CAS failed\n', ['DELETE /v1/kv/k?cas=3']],
    [['kv', 'delete'], 1, '', 'Error! Missing KEY argument\n', []],
    [['kv', 'delete', '-cas', 'k'], 1, '', 'Must specify -modify-index with -cas!\n', []],
    [['kv', 'delete', '-modify-index=3', 'k'], 1, '', 'Cannot specify -modify-index without -cas!\n', []],
    [['kv', 'delete', '-cas', '-modify-index=3', '-recurse', 'k'], 1, '', 'Cannot specify both -cas and -recurse!\n', []],
    [['kv', 'delete', 'a', 'b'], 1, '', 'Too many arguments (expected 1, got 2)\n', []],
  ] as const)('%j', async (args, code, out, err, requests) => {
    const r = await run([...args]);
    expect({ code: r.code, out: r.out, err: r.err, requests: sent() }).toEqual({ code, out, err, requests });
  });

  it('a successful cas, and agent errors', async () => {
    agent.set('k', 'v');
    expect(await run(['kv', 'delete', '-cas', '-modify-index=11', 'k'])).toMatchObject({ code: 0, out: 'Success! Deleted key: k\n' });
    agent.override = () => ({ status: 500, body: 'No path to datacenter' });
    expect((await run(['kv', 'delete', 'k'])).err).toBe('Error deleting key k: Unexpected response code: 500 (No path to datacenter)\n');
    expect((await run(['kv', 'delete', '-recurse', 'k'])).err).toBe('Error! Did not delete prefix k: Unexpected response code: 500 (No path to datacenter)\n');
  });
});

describe('kv export and import', () => {
  it('export: Go’s MarshalIndent with tabs; [] when empty', async () => {
    agent.set('a/b', 'hello', 42);
    agent.set('a/c', '');
    agent.set('a/<&>', 'x');
    const r = await run(['kv', 'export', 'a']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      '[\n\t{\n\t\t"key": "a/\\u003c\\u0026\\u003e",\n\t\t"flags": 0,\n\t\t"value": "eA=="\n\t},\n' +
        '\t{\n\t\t"key": "a/b",\n\t\t"flags": 42,\n\t\t"value": "aGVsbG8="\n\t},\n' +
        '\t{\n\t\t"key": "a/c",\n\t\t"flags": 0,\n\t\t"value": ""\n\t}\n]\n',
    );
    expect(sent()).toEqual(['GET /v1/kv/a?recurse=']);
    expect((await run(['kv', 'export', 'nope'])).out).toBe('[]\n');
    expect(await run(['kv', 'export', 'a', 'b'])).toMatchObject({ code: 1, err: 'Too many arguments (expected 1, got 2)\n' });
  });

  it('import: writes each entry and names it', async () => {
    const data = '[{"key":"i/x","flags":3,"value":"aGk="},{"key":"i/dir/","flags":18446744073709551615,"value":""}]';
    const r = await run(['kv', 'import', data]);
    expect(r).toMatchObject({ code: 0, out: 'Imported: i/x\nImported: i/dir/\n', err: '' });
    expect(sent()).toEqual(['PUT /v1/kv/i/x?flags=3', 'PUT /v1/kv/i/dir/?flags=18446744073709551615']);
    expect(agent.requests[0]!.body.toString()).toBe('hi');
  });

  it('import -prefix, from stdin', async () => {
    const r = await run(['kv', 'import', '-prefix=copy/', '-'], '[{"key":"x","flags":0,"value":"aGk="},{"key":"d/","flags":0,"value":""}]');
    expect(r.out).toBe('Imported: copy/x\nImported: copy/d/\n');
  });

  it.each([
    [['kv', 'import'], 'Error! Missing DATA argument\n'],
    [['kv', 'import', ''], 'Error! Empty DATA argument\n'],
    [['kv', 'import', 'a', 'b'], 'Error! Too many arguments (expected 1, got 2)\n'],
    [['kv', 'import', '@/nonexistent'], 'Error! Failed to read file: open /nonexistent: no such file or directory\n'],
    [['kv', 'import', '{"key":"x"}'], 'Cannot unmarshal data: json: cannot unmarshal object into Go value of type []*impexp.Entry\n'],
    [['kv', 'import', '[{"key":1}]'], 'Cannot unmarshal data: json: cannot unmarshal number into Go struct field Entry.key of type string\n'],
    [['kv', 'import', '[{"key":"y","value":"!!"}]'], 'Error base 64 decoding value for key y: illegal base64 data at input byte 0\n'],
  ] as const)('%j', async (args, err) => {
    const r = await run([...args]);
    expect({ code: r.code, err: r.err, requests: sent() }).toEqual({ code: 1, err, requests: [] });
  });
});
