/**
 * /v1/operator/keyring against what Consul 1.8.7 answered (docs/reference/consul-1.8.7-keyring.md),
 * behind a simulated cluster built from the gossip keyring pieces: one server "vm" in dc1, a
 * LAN and a WAN pool (named "vm.dc1" there), as the reference `consul agent -dev` was.
 */
import { describe, expect, it } from 'vitest';
import { answerKeyQuery, collectKeyResponses, goBase64Decode, Keyring, type KeyringOp } from '../gossip/keyring.js';
import { MusterError } from '../lib/index.js';
import { keyringErrors, keyringResponse, registerOperatorKeyring, type KeyringApi, type KeyringOptions, type KeyringResponse } from './operator-keyring.js';
import { harness } from './test-harness.js';

const k16 = '04VJc9NxYiTQq0IzsLy4mQ==';
const k24 = 'eqaH37gvSvbftNu+CEtWiCziCmCfX3FX';
const k32 = 'pDmKO/1g8pMyxsYOdwEFVuY/4zg8qc/bjhKsLfYyVno=';

interface Pool {
  wan: boolean;
  nodes: Array<{ name: string; ring: Keyring | undefined }>;
}

/** The cluster side, as serf's key queries and Consul's Internal.KeyringOperation do it. */
class SimulatedCluster implements KeyringApi {
  readonly calls: Array<{ op: KeyringOp; key: string; opts: KeyringOptions }> = [];
  fail: Error | undefined;
  constructor(readonly pools: Pool[]) {}

  list = (opts: KeyringOptions) => this.run('list', '', opts);
  install = (key: string, opts: KeyringOptions) => this.run('install', key, opts);
  use = (key: string, opts: KeyringOptions) => this.run('use', key, opts);
  remove = (key: string, opts: KeyringOptions) => this.run('remove', key, opts);

  private async run(op: KeyringOp, key: string, opts: KeyringOptions): Promise<KeyringResponse[]> {
    this.calls.push({ op, key, opts });
    if (this.fail) throw this.fail;
    return this.pools
      .filter((p) => !(opts.localOnly && p.wan))
      .map((p) => {
        const where = { wan: p.wan, datacenter: 'dc1' };
        const raw = op === 'list' ? { ok: true as const, data: new Uint8Array(0) } : goBase64Decode(key);
        if (!raw.ok) return keyringResponse(where, undefined, raw.error);
        const answers = p.nodes.map((n) => ({ from: n.name, answer: answerKeyQuery(n.ring, op, raw.data) }));
        const { pool, error } = collectKeyResponses(p.nodes.length, answers);
        return keyringResponse(where, pool, error);
      });
  }
}

function setup(keys: string[] | null = [k16]) {
  const ring = (): Keyring | undefined => (keys ? Keyring.fromBase64(keys) : undefined);
  const cluster = new SimulatedCluster([
    { wan: true, nodes: [{ name: 'vm.dc1', ring: ring() }] },
    { wan: false, nodes: [{ name: 'vm', ring: ring() }] },
  ]);
  const h = harness({ pretty: true }); // the reference ran -dev, which always pretty-prints
  registerOperatorKeyring(h.api.router, cluster);
  const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, body?: unknown) =>
    h.request({ method, url: `/v1/operator/keyring${url}`, ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }) });
  return { cluster, req };
}

const listing = (pools: Array<[boolean, string[], string]>): string => {
  const one = ([wan, keys, primary]: [boolean, string[], string]): string =>
    `    {\n        "WAN": ${wan},\n        "Datacenter": "dc1",\n        "Segment": "",\n` +
    `        "Keys": {\n${[...keys].sort().map((k) => `            "${k}": 1`).join(',\n')}\n        },\n` +
    `        "PrimaryKeys": {\n            "${primary}": 1\n        },\n        "NumNodes": 1\n    }`;
  return `[\n${pools.map(one).join(',\n')}\n]\n`;
};

const failures = (pairs: Array<[string, string]>): string =>
  `${pairs.length * 2} errors occurred:\n\t${pairs.flatMap(([pool, msg]) => [`* ${pool} error: 1/1 nodes reported failure`, `* ${pool === 'WAN' ? 'vm.dc1' : 'vm'}: ${msg}`]).join('\n\t')}\n\n`;

describe('/v1/operator/keyring', () => {
  it('GET lists the WAN pool, then the LAN pool, byte for byte as Consul', async () => {
    const { req } = setup();
    const r = await req('GET', '');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(listing([[true, [k16], k16], [false, [k16], k16]]));
    const local = await req('GET', '?local-only=true');
    expect(local.body).toBe(listing([[false, [k16], k16]]));
  });

  it('rotates a key: install (POST), use (PUT), remove (DELETE), each answering an empty 200', async () => {
    const { req } = setup([k32]);
    for (const [method, key] of [['POST', k16], ['POST', k16], ['POST', k24], ['PUT', k16], ['DELETE', k32]] as const) {
      const r = await req(method, '', { Key: key });
      expect([method, r.statusCode, r.body, r.headers['content-type']]).toEqual([method, 200, '', undefined]);
    }
    expect((await req('GET', '')).body).toBe(listing([[true, [k16, k24], k16], [false, [k16, k24], k16]]));
  });

  it("answers failed operations with 500 and Consul's list of every pool's and node's error", async () => {
    const { req } = setup([k16]);
    const primary = await req('DELETE', '', { Key: k16 });
    expect([primary.statusCode, primary.body]).toEqual([500, failures([['WAN', 'Removing the primary key is not allowed'], ['dc1 (LAN)', 'Removing the primary key is not allowed']])]);
    expect(primary.body).toBe(
      '4 errors occurred:\n\t* WAN error: 1/1 nodes reported failure\n\t* vm.dc1: Removing the primary key is not allowed\n' +
        '\t* dc1 (LAN) error: 1/1 nodes reported failure\n\t* vm: Removing the primary key is not allowed\n\n',
    );
    expect((await req('PUT', '', { Key: '' })).body).toBe(failures([['WAN', 'Requested key is not in the keyring'], ['dc1 (LAN)', 'Requested key is not in the keyring']]));
    expect((await req('PUT', '', {})).body).toBe(failures([['WAN', 'Requested key is not in the keyring'], ['dc1 (LAN)', 'Requested key is not in the keyring']]));
    expect((await req('POST', '', { Key: 'YWJj' })).body).toBe(failures([['WAN', 'key size must be 16, 24 or 32 bytes'], ['dc1 (LAN)', 'key size must be 16, 24 or 32 bytes']]));
    expect((await req('DELETE', '', { Key: '' })).statusCode).toBe(200); // nothing to remove
    const notBase64 = await req('PUT', '', { Key: 'nosuchkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' });
    expect([notBase64.statusCode, notBase64.body]).toEqual([
      500,
      '2 errors occurred:\n\t* WAN error: illegal base64 data at input byte 45\n\t* dc1 (LAN) error: illegal base64 data at input byte 45\n\n',
    ]);
  });

  it('says so when gossip is not encrypted', async () => {
    const { req } = setup(null);
    const r = await req('GET', '');
    expect([r.statusCode, r.body]).toEqual([500, failures([['WAN', 'Keyring is empty (encryption not enabled)'], ['dc1 (LAN)', 'Keyring is empty (encryption not enabled)']])]);
    expect((await req('POST', '', { Key: k16 })).body).toBe(failures([['WAN', 'No keyring to modify (encryption not enabled)'], ['dc1 (LAN)', 'No keyring to modify (encryption not enabled)']]));
    expect((await req('GET', '?local-only=true')).body).toBe('2 errors occurred:\n\t* dc1 (LAN) error: 1/1 nodes reported failure\n\t* vm: Keyring is empty (encryption not enabled)\n\n');
  });

  it.each([
    ['GET', '?relay-factor=6', undefined, 'Bad request: Invalid relay-factor: Relay factor must be in range: [0, 5]'],
    ['GET', '?relay-factor=-1', undefined, 'Bad request: Invalid relay-factor: Relay factor must be in range: [0, 5]'],
    ['GET', '?relay-factor=abc', undefined, 'Bad request: Error parsing relay factor: strconv.Atoi: parsing "abc": invalid syntax'],
    ['GET', '?relay-factor=99999999999999999999', undefined, 'Bad request: Error parsing relay factor: strconv.Atoi: parsing "99999999999999999999": value out of range'],
    ['GET', '?local-only=yes', undefined, 'Bad request: Error parsing local-only: strconv.ParseBool: parsing "yes": invalid syntax'],
    ['POST', '?local-only=true', { Key: k16 }, 'Bad request: Invalid use of local-only: local-only can only be set for list requests'],
    ['POST', '', { Key: k16, Bogus: 1 }, 'Bad request: Request decode failed: json: unknown field "Bogus"'],
    ['POST', '', { Key: 5 }, 'Bad request: Request decode failed: json: cannot unmarshal number into Go struct field keyringArgs.Key of type string'],
    ['POST', '', { Key: k16, RelayFactor: 300 }, 'Bad request: Request decode failed: json: cannot unmarshal number 300 into Go struct field keyringArgs.RelayFactor of type uint8'],
    ['POST', '', '', 'Bad request: Request decode failed: EOF'],
    ['DELETE', '', '', 'Bad request: Request decode failed: EOF'],
    ['PUT', '', '{', 'Bad request: Request decode failed: unexpected EOF'],
  ] as const)('%s %s %j: 400 %j, and the cluster is not asked', async (method, query, body, text) => {
    const { req, cluster } = setup();
    const r = await req(method, query, body);
    expect([r.statusCode, r.body]).toEqual([400, text]);
    expect(cluster.calls).toEqual([]);
  });

  it('passes relay factor, local-only and the token on; reads Key in any case; ignores LocalOnly in a body', async () => {
    const { req, cluster } = setup();
    expect((await req('GET', '?local-only=1&relay-factor=2&token=t1')).statusCode).toBe(200);
    expect((await req('GET', '?relay-factor=%2B3&local-only=false')).statusCode).toBe(200);
    expect((await req('POST', '?local-only=false', { key: k24, LocalOnly: true })).statusCode).toBe(200);
    expect(cluster.calls.map((c) => [c.op, c.key, c.opts])).toEqual([
      ['list', '', { token: 't1', relayFactor: 2, localOnly: true }],
      ['list', '', { token: '', relayFactor: 3, localOnly: false }],
      ['install', k24, { token: '', relayFactor: 0, localOnly: false }],
    ]);
  });

  it('takes the token from ?token, X-Consul-Token or a Bearer Authorization, in that order', async () => {
    const { cluster } = setup();
    const h = harness();
    registerOperatorKeyring(h.api.router, cluster);
    await h.request({ url: '/v1/operator/keyring?token=q', headers: { 'X-Consul-Token': 'h' } });
    await h.request({ url: '/v1/operator/keyring', headers: { 'X-Consul-Token': 'h', Authorization: 'Bearer b' } });
    await h.request({ url: '/v1/operator/keyring', headers: { Authorization: 'bearer  b2 extra' } });
    await h.request({ url: '/v1/operator/keyring', headers: { Authorization: 'Basic xyz' } });
    expect(cluster.calls.map((c) => c.opts.token)).toEqual(['q', 'h', 'b2', '']);
  });

  it('answers 500 with the reason when the operation cannot run, and 405 to other methods', async () => {
    const { req, cluster } = setup();
    cluster.fail = new MusterError('ERR_RPC', 'keyring operations must run against a server node');
    expect([(await req('GET', '')).statusCode, (await req('GET', '')).body]).toEqual([500, 'keyring operations must run against a server node']);
    const patch = await req('PATCH', '');
    expect([patch.statusCode, patch.body]).toEqual([405, 'method PATCH not allowed']);
  });
});

describe('keyringErrors', () => {
  it("formats one failure as go-multierror's single error, and none as none", () => {
    const ok: KeyringResponse = { WAN: false, Datacenter: 'dc1', Segment: '', Keys: {}, PrimaryKeys: {}, NumNodes: 1 };
    expect(keyringErrors([ok])).toBeUndefined();
    expect(keyringErrors([{ ...ok, WAN: true, Error: 'boom' }])).toBe('1 error occurred:\n\t* WAN error: boom\n\n');
  });
});
