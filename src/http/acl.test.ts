/**
 * /v1/acl/* in process: an HTTP API over a Server with ACLs enabled (default deny, master token
 * "root", initialized as a leader does), compared with what Consul 1.8.7 answers to the same
 * requests: status codes, texts, JSON fields and their order, blocking-query headers.
 */
import type { InjectOptions } from 'light-my-request';
import { describe, expect, it } from 'vitest';
import type { AclSettings } from '../server/index.js';
import { aclServer } from '../server/acl-test-harness.js';
import { injector, testHttpApi } from './test-harness.js';

async function aclHarness(acl: Partial<AclSettings> = {}) {
  const { server, store, clock } = aclServer(acl, 1);
  await server.acl.initialize();
  const inject = injector(testHttpApi(server, clock));
  const request = (method: string, url: string, payload?: unknown, token = 'root') => {
    const opts: InjectOptions = { method: method as InjectOptions['method'], url, headers: token === '' ? {} : { 'X-Consul-Token': token } };
    if (payload !== undefined) opts.payload = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return inject(opts);
  };
  const json = async (method: string, url: string, payload?: unknown, token = 'root') => {
    const r = await request(method, url, payload, token);
    expect(r.statusCode, r.body).toBe(200);
    return JSON.parse(r.body) as Record<string, unknown>;
  };
  return { server, store, clock, request, json };
}

const GM = '00000000-0000-0000-0000-000000000001';
const ANON = '00000000-0000-0000-0000-000000000002';
const meta = (r: { headers: Record<string, unknown> }) => [r.headers['x-consul-index'], r.headers['x-consul-knownleader'], r.headers['x-consul-lastcontact']];

describe('/v1/acl: disabled', () => {
  it('answers 401 "ACL support disabled" on every route before looking at the request', async () => {
    const h = await aclHarness({ enabled: false });
    for (const [method, url] of [
      ['GET', '/v1/acl/tokens'],
      ['PUT', '/v1/acl/token'],
      ['PUT', '/v1/acl/bootstrap'],
      ['GET', '/v1/acl/replication'],
      ['POST', '/v1/acl/rules/translate'],
      ['GET', '/v1/acl/policy/x'],
      ['PUT', '/v1/acl/create'],
      ['GET', '/v1/acl/list'],
    ] as const) {
      const r = await h.request(method, url, 'bad');
      expect([url, r.statusCode, r.body]).toEqual([url, 401, 'ACL support disabled']);
    }
  });
});

describe('/v1/acl: tokens and policies', () => {
  it("renders tokens and policies with Consul's fields, in Consul's order", async () => {
    const h = await aclHarness();
    const self = await h.request('GET', '/v1/acl/token/self');
    expect(meta(self)[1]).toBe('true');
    const master = JSON.parse(self.body) as Record<string, unknown>;
    expect(Object.keys(master)).toEqual(['AccessorID', 'SecretID', 'Description', 'Policies', 'Local', 'CreateTime', 'Hash', 'CreateIndex', 'ModifyIndex']);
    expect(master).toMatchObject({ SecretID: 'root', Description: 'Master Token', Policies: [{ ID: GM, Name: 'global-management' }], Local: false, CreateTime: '2023-11-14T22:13:20Z' });

    const p = await h.json('PUT', '/v1/acl/policy', { Name: 'p1', Description: 'd', Rules: 'node_prefix "" { policy = "read" }', Datacenters: ['dc1'] });
    expect(Object.keys(p)).toEqual(['ID', 'Name', 'Description', 'Rules', 'Datacenters', 'Hash', 'CreateIndex', 'ModifyIndex']);
    const p2 = await h.json('PUT', '/v1/acl/policy', { Name: 'p2', Rules: '' });
    expect(Object.keys(p2)).toEqual(['ID', 'Name', 'Description', 'Rules', 'Hash', 'CreateIndex', 'ModifyIndex']);
    const policies = JSON.parse((await h.request('GET', '/v1/acl/policies')).body) as Array<Record<string, unknown>>;
    expect(policies.find((x) => x['ID'] === GM)).toEqual({
      ID: GM,
      Name: 'global-management',
      Description: 'Builtin Policy that grants unlimited access',
      Datacenters: null,
      Hash: expect.any(String),
      CreateIndex: expect.any(Number),
      ModifyIndex: expect.any(Number),
    });
    expect(await h.json('GET', `/v1/acl/policy/${p['ID'] as string}`)).toEqual(p);
    expect(await h.json('GET', '/v1/acl/policy/name/p1')).toEqual(p);

    const t = await h.json('PUT', '/v1/acl/token', {
      Description: 't1',
      Policies: [{ Name: 'p1' }, { ID: p['ID'] }],
      ServiceIdentities: [{ ServiceName: 'web' }, { ServiceName: 'api', Datacenters: ['dc1'] }],
      NodeIdentities: [{ NodeName: 'n1', Datacenter: 'dc1' }],
      ExpirationTTL: '10m',
    });
    expect(Object.keys(t)).toEqual(['AccessorID', 'SecretID', 'Description', 'Policies', 'ServiceIdentities', 'NodeIdentities', 'Local', 'ExpirationTime', 'CreateTime', 'Hash', 'CreateIndex', 'ModifyIndex']);
    expect(t).toMatchObject({
      Policies: [{ ID: p['ID'], Name: 'p1' }],
      ServiceIdentities: [{ ServiceName: 'api', Datacenters: ['dc1'] }, { ServiceName: 'web' }],
      NodeIdentities: [{ NodeName: 'n1', Datacenter: 'dc1' }],
      ExpirationTime: '2023-11-14T22:23:20Z',
    });
    const read = await h.request('GET', `/v1/acl/token/${t['AccessorID'] as string}`);
    expect(JSON.parse(read.body)).toEqual(t);
    expect(meta(read)).toEqual([String(t['ModifyIndex']), 'true', '0']);
    const list = JSON.parse((await h.request('GET', '/v1/acl/tokens')).body) as Array<Record<string, unknown>>;
    const stub = list.find((x) => x['AccessorID'] === t['AccessorID'])!;
    expect(Object.keys(stub)).toEqual(['AccessorID', 'Description', 'Policies', 'ServiceIdentities', 'NodeIdentities', 'Local', 'ExpirationTime', 'CreateTime', 'Hash', 'CreateIndex', 'ModifyIndex']);
    expect(list.map((x) => x['AccessorID'])).toContain(ANON);
    const filtered = JSON.parse((await h.request('GET', `/v1/acl/tokens?policy=${p['ID'] as string}`)).body) as unknown[];
    expect(filtered).toHaveLength(1);

    // Update, clone, delete.
    const u = await h.json('PUT', `/v1/acl/token/${t['AccessorID'] as string}`, { Description: 'upd', ExpirationTime: t['ExpirationTime'] });
    expect([u['Description'], u['SecretID'], u['Policies'], u['CreateIndex']]).toEqual(['upd', t['SecretID'], undefined, t['CreateIndex']]);
    const c = await h.json('PUT', `/v1/acl/token/${t['AccessorID'] as string}/clone`, { Description: 'cl' });
    expect(c['Description']).toBe('cl');
    expect((await h.request('DELETE', `/v1/acl/token/${c['AccessorID'] as string}`)).body).toBe('true');
    expect((await h.request('DELETE', `/v1/acl/policy/${p2['ID'] as string}`)).body).toBe('true');
    const gone = await h.request('GET', `/v1/acl/policy/${p2['ID'] as string}`);
    expect([gone.statusCode, gone.body, meta(gone)[1]]).toEqual([403, 'ACL not found', 'true']);
  });

  it("refuses bad requests with Consul's status codes and texts", async () => {
    const h = await aclHarness();
    const cases: Array<[string, string, unknown, number, string]> = [
      ['PUT', '/v1/acl/token', '', 400, 'Bad request: Token decoding failed: EOF'],
      ['PUT', '/v1/acl/token', { Type: 'client' }, 400, 'Bad request: Token decoding failed: json: unknown field "Type"'],
      ['PUT', '/v1/acl/token', { Namespace: 'x' }, 400, 'Bad request: Token decoding failed: json: unknown field "Namespace" - Namespaces are a Consul Enterprise feature'],
      ['PUT', '/v1/acl/token', { ExpirationTTL: 'abc' }, 400, 'Bad request: Token decoding failed: time: invalid duration "abc"'],
      ['PUT', '/v1/acl/token', { ExpirationTime: 'bad' }, 400, 'Bad request: Token decoding failed: parsing time ""bad"" as ""2006-01-02T15:04:05Z07:00"": cannot parse "bad"" as "2006"'],
      ['PUT', '/v1/acl/token', { ExpirationTime: '2030-13-01T00:00:00Z' }, 400, 'Bad request: Token decoding failed: parsing time ""2030-13-01T00:00:00Z"": month out of range'],
      ['PUT', '/v1/acl/token', { ExpirationTTL: '5s' }, 500, 'ExpirationTime cannot be less than 1m0s in the future (was 5s)'],
      ['PUT', '/v1/acl/token', { Policies: [{ Name: 'nope' }] }, 500, 'No such ACL policy with name "nope"'],
      ['PUT', '/v1/acl/token?ns=x', {}, 400, 'Bad request: Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature'],
      ['PUT', `/v1/acl/token/${ANON}`, { AccessorID: GM }, 400, 'Bad request: Token Accessor ID in URL and payload do not match'],
      ['PUT', '/v1/acl/token/83eedef0-d814-8ab3-d480-e6604ce1459e', {}, 500, 'Cannot find token "83eedef0-d814-8ab3-d480-e6604ce1459e"'],
      ['PUT', '/v1/acl/token/x/clone', {}, 500, 'failed acl token lookup: index error: UUID must be 36 characters'],
      ['PUT', '/v1/acl/token/83eedef0-d814-8ab3-d480-e6604ce1459e/clone', {}, 403, 'ACL not found'],
      ['GET', '/v1/acl/token/', undefined, 400, 'Bad request: Missing token ID'],
      ['DELETE', '/v1/acl/token/x', undefined, 500, 'Accessor ID is missing or an invalid UUID'],
      ['DELETE', `/v1/acl/token/${ANON}`, undefined, 500, 'Delete operation not permitted on the anonymous token'],
      ['PUT', '/v1/acl/policy', { ID: 'x', Name: 'p' }, 400, 'Bad request: Cannot specify the ID when creating a new policy'],
      ['PUT', '/v1/acl/policy', { Name: 'p', Bogus: 1 }, 400, 'Bad request: Policy decoding failed: json: unknown field "Bogus"'],
      ['PUT', '/v1/acl/policy', { Name: 'bad name' }, 500, "Invalid Policy: invalid Name. Only alphanumeric characters, '-' and '_' are allowed"],
      ['PUT', `/v1/acl/policy/${GM}`, { ID: ANON, Name: 'p' }, 400, 'Bad request: Policy ID in URL and payload do not match'],
      ['PUT', `/v1/acl/policy/${GM}`, { Name: 'gm', Rules: 'acl = "read"' }, 500, 'Changing the Rules for the builtin global-management policy is not permitted'],
      ['DELETE', `/v1/acl/policy/${GM}`, undefined, 500, 'Delete operation not permitted on the builtin global-management policy'],
      ['DELETE', '/v1/acl/policy/', undefined, 400, 'Bad request: Missing policy ID'],
      ['GET', '/v1/acl/policy/name/', undefined, 400, 'Bad request: Missing policy Name'],
      ['GET', '/v1/acl/policy/name/nope', undefined, 403, 'ACL not found'],
      ['PUT', '/v1/acl/bootstrap', undefined, 403, 'Permission denied: ACL bootstrap no longer allowed (reset index: 3)'],
    ];
    for (const [method, url, body, status, text] of cases) {
      const r = await h.request(method, url, body);
      expect([method, url, r.statusCode, r.body]).toEqual([method, url, status, text]);
    }
  });

  it('answers read errors with the headers of a read that did not run, and permission errors as 403', async () => {
    const h = await aclHarness();
    const denied = await h.request('GET', '/v1/acl/tokens', undefined, '');
    expect([denied.statusCode, denied.body, ...meta(denied)]).toEqual([403, 'Permission denied', '1', 'false', '0']);
    const unknown = await h.request('GET', '/v1/acl/policies', undefined, 'nosuch');
    expect([unknown.statusCode, unknown.body]).toEqual([403, 'ACL not found']);
    const bad = await h.request('GET', '/v1/acl/token/x');
    expect([bad.statusCode, bad.body, ...meta(bad)]).toEqual([500, 'failed acl token lookup: index error: UUID must be 36 characters', '1', 'false', '0']);
    const both = await h.request('GET', '/v1/acl/tokens?policy=a&authmethod=b');
    expect([both.statusCode, both.body, meta(both)[0]]).toEqual([500, 'can only filter by one of policy, role, or methodName at a time', '1']);
    const missing = await h.request('GET', '/v1/acl/token/83eedef0-d814-8ab3-d480-e6604ce1459e');
    expect([missing.statusCode, missing.body, meta(missing)[1]]).toEqual([403, 'ACL not found', 'true']);
    // token/self with no token is the anonymous token.
    expect((await h.json('GET', '/v1/acl/token/self', undefined, ''))['AccessorID']).toBe(ANON);
    const repl = await h.request('GET', '/v1/acl/replication', undefined, '');
    expect(repl.headers['x-consul-index']).toBeUndefined();
    expect(JSON.parse(repl.body)).toEqual({
      Enabled: false,
      Running: false,
      SourceDatacenter: '',
      ReplicationType: '',
      ReplicatedIndex: 0,
      ReplicatedRoleIndex: 0,
      ReplicatedTokenIndex: 0,
      LastSuccess: '0001-01-01T00:00:00Z',
      LastError: '0001-01-01T00:00:00Z',
    });
  });

  it('bootstraps once, answering the token with its secret as ID', async () => {
    const h = await aclHarness({ masterToken: '' });
    const t = await h.json('PUT', '/v1/acl/bootstrap', undefined, '');
    expect(Object.keys(t)).toEqual(['ID', 'AccessorID', 'SecretID', 'Description', 'Policies', 'Local', 'CreateTime', 'Hash', 'CreateIndex', 'ModifyIndex']);
    expect([t['ID'], t['Description']]).toEqual([t['SecretID'], 'Bootstrap Token (Global Management)']);
    const again = await h.request('PUT', '/v1/acl/bootstrap', undefined, '');
    expect([again.statusCode, again.body]).toEqual([403, `Permission denied: ACL bootstrap no longer allowed (reset index: ${t['CreateIndex'] as number})`]);
  });

  it('blocks a token read until the token changes', async () => {
    const h = await aclHarness();
    const t = await h.json('PUT', '/v1/acl/token', { Description: 'a' });
    const id = t['AccessorID'] as string;
    const pending = h.request('GET', `/v1/acl/token/${id}?index=${t['ModifyIndex'] as number}&wait=1m`);
    await new Promise((r) => setImmediate(r));
    await h.json('PUT', `/v1/acl/token/${id}`, { Description: 'b' });
    const r = await pending;
    expect(JSON.parse(r.body)['Description']).toBe('b');
    expect(Number(r.headers['x-consul-index'])).toBeGreaterThan(t['ModifyIndex'] as number);
  });
});

describe('/v1/acl: rules translation and the legacy endpoints', () => {
  it('translates raw rules and a legacy token’s rules', async () => {
    const h = await aclHarness();
    const ok = await h.request('POST', '/v1/acl/rules/translate', 'key "" { policy = "read" }');
    expect([ok.statusCode, ok.body, ok.headers['content-type']]).toEqual([200, 'key_prefix "" {\n  policy = "read"\n}', 'text/plain; charset=utf-8']);
    const bad = await h.request('POST', '/v1/acl/rules/translate', 'key "" {');
    expect([bad.statusCode, bad.body]).toEqual([400, 'Bad request: Failed to parse rules: At 1:10: object expected closing RBRACE got: EOF']);
    expect((await h.request('POST', '/v1/acl/rules/translate', '', '')).statusCode).toBe(403);

    const id = (await h.json('PUT', '/v1/acl/create', { Name: 'leg', Type: 'client', Rules: 'key "" { policy = "deny" }' }))['ID'] as string;
    const accessor = (await h.json('GET', '/v1/acl/token/self', undefined, id))['AccessorID'] as string;
    const tr = await h.request('GET', `/v1/acl/rules/translate/${accessor}`);
    expect([tr.statusCode, tr.body, tr.headers['x-consul-index']]).toEqual([200, 'key_prefix "" {\n  policy = "deny"\n}', undefined]);
    const master = (await h.json('GET', '/v1/acl/token/self'))['AccessorID'] as string;
    const none = await h.request('GET', `/v1/acl/rules/translate/${master}`);
    expect([none.statusCode, none.body, meta(none)[1]]).toEqual([500, 'The specified token does not have any rules set', 'true']);
    expect((await h.request('GET', '/v1/acl/rules/translate/')).body).toBe('Bad request: Missing token ID');
  });

  it('creates, updates, reads, lists, clones and destroys legacy tokens', async () => {
    const h = await aclHarness();
    const id = (await h.json('PUT', '/v1/acl/create', { Name: 'leg', Rules: 'key "" { policy = "read" }' }))['ID'] as string;
    const info = await h.request('GET', `/v1/acl/info/${id}`, undefined, '');
    const [entry] = JSON.parse(info.body) as Array<Record<string, unknown>>;
    expect(Object.keys(entry!)).toEqual(['ID', 'Name', 'Type', 'Rules', 'CreateIndex', 'ModifyIndex']);
    expect(entry).toMatchObject({ ID: id, Name: 'leg', Type: 'client', Rules: 'key "" { policy = "read" }' });
    expect(meta(info)[1]).toBe('true');
    const stub = (JSON.parse((await h.request('GET', '/v1/acl/tokens')).body) as Array<Record<string, unknown>>).find((t) => t['Description'] === 'leg')!;
    expect([stub['CreateTime'], stub['Legacy']]).toEqual(['0001-01-01T00:00:00Z', true]);
    expect((await h.json('PUT', '/v1/acl/update', { ID: id, Name: 'leg2', Type: 'client' }))['ID']).toBe(id);
    expect((await h.json('PUT', '/v1/acl/create', { ID: 'my-secret', Name: 'mine' }))['ID']).toBe('my-secret');
    expect((await h.json('PUT', '/v1/acl/create'))['ID']).toMatch(/^[0-9a-f-]{36}$/);
    const clone = await h.request('PUT', `/v1/acl/clone/${id}`);
    expect(meta(clone)[1]).toBe('true');
    const cloned = JSON.parse(clone.body)['ID'] as string;
    expect((JSON.parse((await h.request('GET', `/v1/acl/info/${cloned}`)).body) as unknown[])[0]).toMatchObject({ Name: 'leg2', Type: 'client' });
    const list = JSON.parse((await h.request('GET', '/v1/acl/list')).body) as Array<Record<string, unknown>>;
    const ids = list.map((x) => x['ID'] as string);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toContain('root');
    expect((await h.request('PUT', `/v1/acl/destroy/${id}`)).body).toBe('true');
    expect((await h.request('GET', `/v1/acl/info/${id}`)).body).toBe('[]');

    const cases: Array<[string, string, unknown, number, string]> = [
      ['PUT', '/v1/acl/update', { Name: 'x' }, 400, 'ACL ID must be set'],
      ['PUT', '/v1/acl/create', { Name: 'x', Type: 'foo' }, 500, 'Invalid ACL Type'],
      ['PUT', '/v1/acl/create', { Name: 'x', Bogus: 1 }, 400, 'Request decode failed: json: unknown field "Bogus"'],
      ['PUT', '/v1/acl/update', { ID: 'root', Name: 'x' }, 500, 'Cannot use legacy endpoint to modify a non-legacy token'],
      ['PUT', '/v1/acl/update', { ID: 'deny', Name: 'x' }, 403, 'Permission denied: Cannot modify root ACL'],
      ['PUT', '/v1/acl/destroy/anonymous', undefined, 403, 'Permission denied: Cannot delete anonymous token'],
      ['PUT', '/v1/acl/destroy/', undefined, 400, 'Missing ACL'],
      ['GET', '/v1/acl/info/', undefined, 400, 'Missing ACL'],
      ['PUT', '/v1/acl/clone/nope', undefined, 403, 'Permission denied'],
    ];
    for (const [method, url, body, status, text] of cases) {
      const r = await h.request(method, url, body);
      expect([method, url, r.statusCode, r.body]).toEqual([method, url, status, text]);
    }
    const denied = await h.request('GET', '/v1/acl/list', undefined, '');
    expect([denied.statusCode, ...meta(denied)]).toEqual([403, '1', 'false', '0']);
  });
});

describe('ACL: shared renderings', () => {
  it('never serves one token the body rendered for another (the render cache keys by token)', async () => {
    const { server, request } = await aclHarness();
    await server.catalog.register('', { node: { id: '', node: 'n1', address: '10.0.0.1', datacenter: 'dc1', taggedAddresses: {}, meta: {} }, skipNodeUpdate: false, checks: [] }, 'root');
    const anon = await request('GET', '/v1/catalog/nodes', undefined, '');
    expect(JSON.parse(anon.body)).toEqual([]);
    const root = await request('GET', '/v1/catalog/nodes');
    expect((JSON.parse(root.body) as Array<{ Node: string }>).map((n) => n.Node)).toEqual(['n1']);
    expect((JSON.parse((await request('GET', '/v1/catalog/nodes', undefined, '')).body) as unknown[]).length).toBe(0);
  });
});
