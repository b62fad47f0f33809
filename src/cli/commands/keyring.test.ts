/**
 * `muster keygen` and `muster keyring` against a fake agent answering what Consul 1.8.7's
 * agent answered; the expected output is what `consul keyring` printed for the same replies
 * (docs/reference/consul-1.8.7-keyring.md).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../../api/index.js';
import { answerKeyQuery, collectKeyResponses, goBase64Decode, Keyring, type KeyringOp } from '../../gossip/keyring.js';
import { keyringResponse, registerOperatorKeyring, type KeyringApi, type KeyringResponse } from '../../http/operator-keyring.js';
import { harness } from '../../http/test-harness.js';
import { main } from '../main.js';
import { CaptureUi, FakeAgent, type RecordedRequest } from '../test-support.js';

const k16 = '04VJc9NxYiTQq0IzsLy4mQ==';
const k24 = 'eqaH37gvSvbftNu+CEtWiCziCmCfX3FX';
const k32 = 'pDmKO/1g8pMyxsYOdwEFVuY/4zg8qc/bjhKsLfYyVno=';

let agent: FakeAgent;
let addr: string;
let reply: (r: RecordedRequest) => { status: number; body: string } | undefined;
beforeEach(async () => {
  agent = new FakeAgent();
  reply = () => ({ status: 200, body: '' });
  agent.override = (r) => (r.path === '/v1/operator/keyring' ? reply(r) : undefined);
  addr = await agent.start();
});
afterEach(() => agent.stop());

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const ui = new CaptureUi({});
  const code = await main(args, { ui });
  return { code, out: ui.stdout, err: ui.stderr };
}

const keyring = (...args: string[]) => run('keyring', ...args, `-http-addr=${addr}`);

/** A pool as the agent sends it (Go's json: map keys sorted). */
const pool = (wan: boolean, keys: Record<string, number>, primary: Record<string, number>, extra: Record<string, unknown> = {}) => ({
  WAN: wan,
  Datacenter: 'dc1',
  Segment: '',
  ...extra,
  Keys: keys,
  PrimaryKeys: primary,
  NumNodes: 1,
});

const removePrimary500 =
  '4 errors occurred:\n\t* WAN error: 1/1 nodes reported failure\n\t* vm.dc1: Removing the primary key is not allowed\n' +
  '\t* dc1 (LAN) error: 1/1 nodes reported failure\n\t* vm: Removing the primary key is not allowed\n\n';

describe('muster keygen', () => {
  it('prints a new 32-byte key in base64 each time', async () => {
    const a = await run('keygen');
    const b = await run('keygen');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(a.out.trim(), 'base64')).toHaveLength(32);
    expect(a.out).not.toBe(b.out);
  });

  it("has Consul's help", async () => {
    const h = await run('keygen', '-h');
    expect(h).toEqual({
      code: 0,
      out: 'Usage: muster keygen\n\n  Generates a new 32-byte encryption key that can be used to configure the\n  agent to encrypt traffic. The output of this command is already\n  in the proper format that the agent expects.\n',
      err: '',
    });
  });
});

describe('muster keyring', () => {
  it('-list: each pool with its keys and how many nodes hold them, as Consul prints it', async () => {
    reply = () => ({ status: 200, body: JSON.stringify([pool(true, { [k16]: 1 }, { [k16]: 1 }), pool(false, { [k16]: 1 }, { [k16]: 1 })]) });
    expect(await keyring('-list')).toEqual({
      code: 0,
      out: `==> Gathering installed encryption keys...\n\nWAN:\n  ${k16} [1/1]\n\ndc1 (LAN):\n  ${k16} [1/1]\n`,
      err: '',
    });
    const [req] = agent.requests;
    expect([req!.method, req!.url]).toEqual(['GET', '/v1/operator/keyring']);
  });

  it('-list-primary shows only the primary keys; -list every installed key', async () => {
    const keys = { [k16]: 1, [k24]: 1, [k32]: 1 };
    reply = () => ({ status: 200, body: JSON.stringify([pool(true, keys, { [k16]: 1 }), pool(false, keys, { [k16]: 1 })]) });
    expect((await keyring('-list-primary')).out).toBe(`==> Gathering installed primary encryption keys...\n\nWAN:\n  ${k16} [1/1]\n\ndc1 (LAN):\n  ${k16} [1/1]\n`);
    expect((await keyring('-list')).out).toBe(
      `==> Gathering installed encryption keys...\n\nWAN:\n  ${k16} [1/1]\n  ${k24} [1/1]\n  ${k32} [1/1]\n\ndc1 (LAN):\n  ${k16} [1/1]\n  ${k24} [1/1]\n  ${k32} [1/1]\n`,
    );
  });

  it("shows nodes' messages and segments", async () => {
    const lan = { ...pool(false, { [k16]: 2 }, { [k16]: 2 }, { Messages: { n2: 'warn b', n1: 'warn a' } }), Segment: 'alpha', NumNodes: 3 };
    reply = () => ({ status: 200, body: JSON.stringify([lan]) });
    expect((await keyring('-list')).out).toBe(`==> Gathering installed encryption keys...\n\ndc1 (LAN) [alpha]:\n  ===> n1: warn a\n  ===> n2: warn b\n  ${k16} [2/3]\n`);
  });

  it('-list -local-only -relay-factor 5 asks for just that', async () => {
    reply = () => ({ status: 200, body: JSON.stringify([pool(false, { [k16]: 1 }, { [k16]: 1 })]) });
    expect((await keyring('-list', '-local-only', '-relay-factor', '5')).out).toBe(`==> Gathering installed encryption keys...\n\ndc1 (LAN):\n  ${k16} [1/1]\n`);
    expect(agent.requests[0]!.url).toBe('/v1/operator/keyring?local-only=true&relay-factor=5');
  });

  it('-install, -use and -remove send the key with POST, PUT and DELETE', async () => {
    expect(await keyring('-install', k16)).toEqual({ code: 0, out: '==> Installing new gossip encryption key...\n', err: '' });
    expect(await keyring('-use', k16, '-relay-factor=2')).toEqual({ code: 0, out: '==> Changing primary gossip encryption key...\n', err: '' });
    expect(await keyring('-remove', k32)).toEqual({ code: 0, out: '==> Removing gossip encryption key...\n', err: '' });
    expect(agent.requests.map((r) => [r.method, r.url, JSON.parse(r.body.toString())])).toEqual([
      ['POST', '/v1/operator/keyring', { Key: k16 }],
      ['PUT', '/v1/operator/keyring?relay-factor=2', { Key: k16 }],
      ['DELETE', '/v1/operator/keyring', { Key: k32 }],
    ]);
  });

  it("prints the agent's error and exits 1 when any node failed", async () => {
    reply = () => ({ status: 500, body: removePrimary500 });
    expect(await keyring('-remove', k16)).toEqual({
      code: 1,
      out: '==> Removing gossip encryption key...\n',
      err: `error: Unexpected response code: 500 (${removePrimary500})\n`,
    });
    const list = await keyring('-list');
    expect([list.code, list.out, list.err]).toEqual([1, '==> Gathering installed encryption keys...\n', `error: Unexpected response code: 500 (${removePrimary500})\n`]);
  });

  it('says so when the agent cannot be reached', async () => {
    const r = await run('keyring', '-list', '-http-addr=127.0.0.1:1');
    expect(r).toEqual({
      code: 1,
      out: '==> Gathering installed encryption keys...\n',
      err: 'error: Get "http://127.0.0.1:1/v1/operator/keyring": dial tcp 127.0.0.1:1: connect: connection refused\n',
    });
  });

  it.each([
    [['-install', k16, '-use', k16], 'Only a single action is allowed\n'],
    [['-list', '-list-primary'], 'Only a single action is allowed\n'],
    [['-list', '-relay-factor', '6'], 'Error parsing relay factor: Relay factor must be in range: [0, 5]\n'],
    [['-list', '-relay-factor', '-1'], 'Error parsing relay factor: Relay factor must be in range: [0, 5]\n'],
    [['-install', k16, '-local-only'], 'Error validating local-only: local-only can only be set for list requests\n'],
    [['-list-primary', '-local-only'], 'Error validating local-only: local-only can only be set for list requests\n'],
  ])('%j: %j, exit 1, nothing sent', async (args, err) => {
    expect(await keyring(...args)).toEqual({ code: 1, out: '', err });
    expect(agent.requests).toEqual([]);
  });

  it('with no action prints its help on stderr and exits 1', async () => {
    const r = await keyring();
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toBe((await run('keyring', '-h')).out);
    expect(agent.requests).toEqual([]);
  });
});

/** One server's LAN and WAN rings behind the real HTTP layer, as serf's key queries treat them. */
function oneServerKeyringApi(rings: { wan: Keyring; lan: Keyring }): KeyringApi {
  const run = async (op: KeyringOp, key: string, localOnly: boolean): Promise<KeyringResponse[]> => {
    const pools = localOnly ? [['vm', rings.lan, false] as const] : ([['vm.dc1', rings.wan, true], ['vm', rings.lan, false]] as const);
    return pools.map(([node, ring, wan]) => {
      const raw = op === 'list' ? { ok: true as const, data: new Uint8Array(0) } : goBase64Decode(key);
      if (!raw.ok) return keyringResponse({ wan, datacenter: 'dc1' }, undefined, raw.error);
      const { pool, error } = collectKeyResponses(1, [{ from: node, answer: answerKeyQuery(ring, op, raw.data) }]);
      return keyringResponse({ wan, datacenter: 'dc1' }, pool, error);
    });
  };
  return {
    list: (o) => run('list', '', o.localOnly),
    install: (k, o) => run('install', k, o.localOnly),
    use: (k, o) => run('use', k, o.localOnly),
    remove: (k, o) => run('remove', k, o.localOnly),
  };
}

describe('key rotation through the HTTP API', () => {
  it("the Go API suite's TestAPI_OperatorKeyringInstallListPutRemove flow, with the client and the CLI", async () => {
    const [oldKey, newKey] = ['d8wu8CSUrqgtjVsvcBPmhQ==', 'qxycTi/SsePj/TZzCBmNXw=='];
    const h = harness();
    registerOperatorKeyring(h.api.router, oneServerKeyringApi({ wan: Keyring.fromBase64([oldKey]), lan: Keyring.fromBase64([oldKey]) }));
    const { port } = await h.api.listen('127.0.0.1', 0);
    const client = new Client({ address: `127.0.0.1:${port}` });
    try {
      await client.operator.keyringInstall(newKey);
      const listed = await client.operator.keyringList();
      expect(listed.map((r) => [r.wan, Object.keys(r.keys).sort()])).toEqual([[true, [newKey, oldKey].sort()], [false, [newKey, oldKey].sort()]]);
      await expect(client.operator.keyringRemove(oldKey)).rejects.toThrow('Removing the primary key is not allowed');
      await client.operator.keyringUse(newKey);
      const cli = await run('keyring', '-remove', oldKey, `-http-addr=127.0.0.1:${port}`);
      expect(cli).toEqual({ code: 0, out: '==> Removing gossip encryption key...\n', err: '' });
      expect((await run('keyring', '-list', `-http-addr=127.0.0.1:${port}`)).out).toBe(
        `==> Gathering installed encryption keys...\n\nWAN:\n  ${newKey} [1/1]\n\ndc1 (LAN):\n  ${newKey} [1/1]\n`,
      );
      expect((await client.operator.keyringList({ localOnly: true })).map((r) => [r.wan, r.keys, r.primaryKeys, r.numNodes])).toEqual([[false, { [newKey]: 1 }, { [newKey]: 1 }, 1]]);
    } finally {
      client.close();
      await h.api.close();
    }
  });
});
