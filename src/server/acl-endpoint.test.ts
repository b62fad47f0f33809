/**
 * The ACL endpoint over a real store and in-memory log (every command goes through the codec),
 * on a manual clock: the leader's initialization, bootstrap, token and policy CRUD with
 * Consul 1.8.7's error texts (taken from the reference binary), permissions, expiration, the
 * legacy endpoints, and the RPC table's ACL entries round-tripped through RoutedServer.
 */
import { describe, expect, it } from 'vitest';
import { decode, encode, MusterError } from '../lib/index.js';
import type { ACLTokenSetArgs } from './acl-endpoint.js';
import type { AclSettings } from './acl-resolver.js';
import { aclServer, tokenArgs } from './acl-test-harness.js';
import type { ReadOptions } from './endpoints.js';
import { RoutedServer } from './routed.js';
import { serveLocally } from './rpc-methods.js';

const GM = '00000000-0000-0000-0000-000000000001';
const ANON = '00000000-0000-0000-0000-000000000002';

const setup = (acl: Partial<AclSettings> = {}) => aclServer(acl);

async function ready(acl: Partial<AclSettings> = {}) {
  const s = setup(acl);
  await s.acl.initialize();
  return s;
}

const ro = (token = 'root', more: Partial<ReadOptions> = {}): ReadOptions => ({ datacenter: '', consistency: 'default', minIndex: 0, waitMs: 0, token, ...more });


async function rejects(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('ACL: initialization (the leader)', () => {
  it('creates the global-management policy, bootstraps the master token, creates the anonymous token, once', async () => {
    const { acl, store, capture } = setup();
    await acl.initialize();
    expect(capture.lines().filter((l) => l.startsWith('[INFO]'))).toEqual([
      '[INFO] initializing acls',
      "[INFO] Created ACL 'global-management' policy",
      '[INFO] Bootstrapped ACL master token from configuration',
      '[INFO] Created ACL anonymous token from configuration',
    ]);
    expect(capture.lines()).toContain('[WARN] Configuring a non-UUID master token is deprecated');
    const gm = (await acl.policyRead(GM, ro())).value!;
    expect([gm.name, gm.description, gm.datacenters, gm.hash.length]).toEqual(['global-management', 'Builtin Policy that grants unlimited access', [], 44]);
    const master = (await acl.tokenSelf(ro('root'))).value!;
    expect(master).toMatchObject({ secretID: 'root', description: 'Master Token', policies: [{ id: GM, name: 'global-management' }], type: 'management' });
    const anon = (await acl.tokenRead(ANON, ro())).value!;
    expect(anon).toMatchObject({ secretID: 'anonymous', description: 'Anonymous Token', policies: [], createTime: '2023-11-14T22:13:20Z' });
    expect(await rejects(acl.bootstrap(''))).toBe(`ACL bootstrap no longer allowed (reset index: ${master.createIndex})`);
    const index = store.latestIndex;
    await acl.initialize();
    expect(store.latestIndex).toBe(index);
  });

  it('does nothing with ACLs disabled, and every endpoint says so', async () => {
    const { acl, store } = setup({ enabled: false });
    const index = store.latestIndex;
    await acl.initialize();
    expect(store.latestIndex).toBe(index);
    expect(await acl.enabled()).toBe(false);
    expect(await rejects(acl.policyList(ro()))).toBe('ACL support disabled');
    expect(await rejects(acl.legacyApply('', 'set', { id: '', name: '', type: 'client', rules: '' }, ''))).toBe('ACL support disabled');
  });

  it('bootstraps once without a master token', async () => {
    const { acl } = await ready({ masterToken: '' });
    const t = await acl.bootstrap('');
    expect(t).toMatchObject({ description: 'Bootstrap Token (Global Management)', policies: [{ id: GM, name: 'global-management' }], type: 'management', local: false });
    expect(t.secretID).toMatch(/^[0-9a-f-]{36}$/);
    expect((await acl.tokenSelf(ro(t.secretID))).value!.accessorID).toBe(t.accessorID);
    expect(await rejects(acl.bootstrap(''))).toBe(`ACL bootstrap no longer allowed (reset index: ${t.createIndex})`);
    expect(await rejects(acl.bootstrap('dc2'))).toBe('No path to datacenter');
  });
});

describe('ACL: permissions', () => {
  it('needs acl:read to read and acl:write to write; an unknown token is "ACL not found"', async () => {
    const { acl } = await ready();
    expect(await rejects(acl.tokenList({ policy: '', role: '', authMethod: '', includeLocal: true, includeGlobal: true }, ro('')))).toBe('Permission denied');
    expect(await rejects(acl.policyList(ro('nosuch')))).toBe('ACL not found');
    const reader = await acl.policySet('', { id: '', name: 'reader', description: '', rules: 'acl = "read"', datacenters: null }, 'root');
    const t = await acl.tokenSet('', tokenArgs({ policies: [{ id: reader.id, name: '' }] }), true, 'root');
    // acl:read sees tokens with the secret redacted, and may not write.
    expect((await acl.tokenRead(t.accessorID, ro(t.secretID))).value!.secretID).toBe('<hidden>');
    expect((await acl.tokenRead(t.accessorID, ro('root'))).value!.secretID).toBe(t.secretID);
    expect(await rejects(acl.tokenSet('', tokenArgs(), true, t.secretID))).toBe('Permission denied');
    const err = await acl.policyDelete('', reader.id, t.secretID).catch((e: unknown) => e);
    expect(MusterError.is(err) && err.code).toBe('ERR_PERMISSION_DENIED');
    // token/self needs no permission.
    expect((await acl.tokenSelf(ro(t.secretID))).value!.accessorID).toBe(t.accessorID);
    expect((await acl.tokenSelf(ro(''))).value!.accessorID).toBe(ANON);
    expect((await acl.tokenSelf(ro('nosuch'))).value).toBeUndefined();
  });
});

describe('ACL: tokens', () => {
  it('creates with generated IDs, links by ID and by name (de-duplicated), sorted identities', async () => {
    const { acl, clock } = await ready();
    const p1 = await acl.policySet('', { id: '', name: 'p1', description: 'd', rules: 'node_prefix "" { policy = "read" }', datacenters: ['dc1'] }, 'root');
    const t = await acl.tokenSet(
      '',
      tokenArgs({
        description: 't1',
        policies: [{ id: '', name: 'P1' }, { id: p1.id, name: '' }],
        serviceIdentities: [
          { serviceName: 'web', datacenters: [] },
          { serviceName: 'api', datacenters: ['dc2', 'dc1'] },
          { serviceName: 'api', datacenters: ['dc1', 'dc3'] },
        ],
        nodeIdentities: [
          { nodeName: 'n2', datacenter: 'dc1' },
          { nodeName: 'n1', datacenter: 'dc1' },
          { nodeName: 'n2', datacenter: 'dc1' },
        ],
      }),
      true,
      'root',
    );
    expect(t).toMatchObject({
      description: 't1',
      policies: [{ id: p1.id, name: 'p1' }],
      serviceIdentities: [
        { serviceName: 'api', datacenters: ['dc1', 'dc2', 'dc3'] },
        { serviceName: 'web', datacenters: [] },
      ],
      nodeIdentities: [
        { nodeName: 'n1', datacenter: 'dc1' },
        { nodeName: 'n2', datacenter: 'dc1' },
      ],
      type: '',
      local: false,
      createTime: '2023-11-14T22:13:20Z',
      expirationTime: '',
    });
    expect(t.createIndex).toBe(t.modifyIndex);
    expect((await acl.tokenRead(t.accessorID, ro())).value).toEqual(t);
    // An update replaces the links, keeps the secret and the create time.
    clock.advance(1500);
    const u = await acl.tokenSet('', tokenArgs({ accessorID: t.accessorID, description: 'upd' }), false, 'root');
    expect(u).toMatchObject({ accessorID: t.accessorID, secretID: t.secretID, description: 'upd', policies: [], createTime: t.createTime, createIndex: t.createIndex });
    expect(u.modifyIndex).toBeGreaterThan(t.modifyIndex);
    expect(u.hash).not.toBe(t.hash);
    // Given IDs are kept.
    const given = await acl.tokenSet('', tokenArgs({ accessorID: '11111111-2222-3333-4444-555555555555', secretID: '66666666-7777-8888-9999-000000000000' }), true, 'root');
    expect([given.accessorID, given.secretID]).toEqual(['11111111-2222-3333-4444-555555555555', '66666666-7777-8888-9999-000000000000']);
  });

  it("refuses what Consul refuses, with Consul's texts, writing nothing", async () => {
    const { acl, store } = await ready();
    const p1 = await acl.policySet('', { id: '', name: 'p1', description: '', rules: '', datacenters: null }, 'root');
    const t = await acl.tokenSet('', tokenArgs({ local: true }), true, 'root');
    const exp = await acl.tokenSet('', tokenArgs({ expirationTtlMs: 600_000 }), true, 'root');
    const reserved = '00000000-0000-0000-0000-000000000009';
    const cases: Array<[Partial<ACLTokenSetArgs>, boolean, string]> = [
      [{ accessorID: 'x' }, true, 'Failed acl token lookup by accessor: failed acl token lookup: index error: UUID must be 36 characters'],
      [{ accessorID: 'zzzzzzzz-d814-8ab3-d480-e6604ce1459e' }, true, "Failed acl token lookup by accessor: failed acl token lookup: index error: Invalid UUID: encoding/hex: invalid byte: U+007A 'z'"],
      [{ accessorID: '0123456789-0123456789-0123456789-012' }, true, 'Failed acl token lookup by accessor: failed acl token lookup: index error: Input (without hyphens) must be even length'],
      [{ accessorID: '0123456-0123456-0123456-0123456-0123' }, true, 'Invalid Token: AccessorID is not a valid UUID'],
      [{ accessorID: t.accessorID }, true, 'Invalid Token: AccessorID is already in use'],
      [{ accessorID: t.secretID }, true, 'Invalid Token: AccessorID is already in use'],
      [{ accessorID: reserved }, true, 'Invalid Token: UUIDs with the prefix "00000000-0000-0000-0000-0000000000" are reserved'],
      [{ secretID: 'x' }, true, 'Invalid Token: SecretID is not a valid UUID'],
      [{ secretID: 'root' }, true, 'Invalid Token: SecretID is not a valid UUID'],
      [{ secretID: t.secretID }, true, 'Invalid Token: SecretID is already in use'],
      [{ secretID: t.accessorID }, true, 'Invalid Token: SecretID is already in use'],
      [{ secretID: reserved }, true, 'Invalid Token: UUIDs with the prefix "00000000-0000-0000-0000-0000000000" are reserved'],
      [{ authMethod: 'm' }, true, 'AuthMethod field is disallowed outside of Login'],
      [{ expirationTtlMs: 5000 }, true, 'ExpirationTime cannot be less than 1m0s in the future (was 5s)'],
      [{ expirationTtlMs: 48 * 3_600_000 }, true, 'ExpirationTime cannot be more than 24h0m0s in the future (was 48h0m0s)'],
      [{ expirationTtlMs: -300_000 }, true, "Token Expiration TTL '-5m0s' should be > 0"],
      [{ expirationTtlMs: 600_000, expirationTime: '2030-01-01T00:00:00Z' }, true, 'Token Expiration TTL and Expiration Time cannot both be set'],
      [{ expirationTime: '2020-01-01T00:00:00Z' }, true, 'ExpirationTime cannot be before CreateTime'],
      [{ policies: [{ id: '', name: 'nope' }] }, true, 'No such ACL policy with name "nope"'],
      [{ policies: [{ id: '50961064-953b-aa5c-4952-9cd1232c16bc', name: '' }] }, true, 'No such ACL policy with ID "50961064-953b-aa5c-4952-9cd1232c16bc"'],
      [{ policies: [{ id: 'x', name: '' }] }, true, 'Error looking up policy for id "x": failed acl policy lookup: index error: UUID must be 36 characters'],
      [{ roles: [{ id: '', name: 'r' }] }, true, 'No such ACL role with name "r"'],
      [{ serviceIdentities: [{ serviceName: '', datacenters: [] }] }, true, 'Service identity is missing the service name field on this token'],
      [{ serviceIdentities: [{ serviceName: 'Web', datacenters: [] }] }, true, `Service identity "Web" has an invalid name. Only alphanumeric characters, '-' and '_' are allowed`],
      [{ local: true, serviceIdentities: [{ serviceName: 'web', datacenters: ['dc1'] }] }, true, 'Service identity "web" cannot specify a list of datacenters on a local token'],
      [{ nodeIdentities: [{ nodeName: '', datacenter: 'dc1' }] }, true, 'Node identity is missing the node name field on this token'],
      [{ nodeIdentities: [{ nodeName: 'n1', datacenter: '' }] }, true, 'Node identity is missing the datacenter field on this token'],
      [{ nodeIdentities: [{ nodeName: 'n_', datacenter: 'dc1' }] }, true, "Node identity has an invalid name. Only alphanumeric characters, '-' and '_' are allowed"],
      [{ rules: 'x' }, true, 'Rules cannot be specified for this token'],
      // Updates.
      [{ accessorID: '83eedef0-d814-8ab3-d480-e6604ce1459e' }, false, 'Cannot find token "83eedef0-d814-8ab3-d480-e6604ce1459e"'],
      [{ accessorID: t.accessorID, secretID: 'deny' }, false, 'Permission denied: Cannot modify root ACL'],
      [{ accessorID: t.accessorID, local: true, secretID: p1.id }, false, 'Changing a tokens SecretID is not permitted'],
      [{ accessorID: t.accessorID }, false, `cannot toggle local mode of ${t.accessorID}`],
      [{ accessorID: t.accessorID, local: true, authMethod: 'm' }, false, `Cannot change AuthMethod of ${t.accessorID}`],
      [{ accessorID: t.accessorID, local: true, expirationTtlMs: 600_000 }, false, `Cannot change expiration time of ${t.accessorID}`],
      [{ accessorID: t.accessorID, local: true, expirationTime: '2030-01-01T00:00:00Z' }, false, `Cannot change expiration time of ${t.accessorID}`],
      [{ accessorID: exp.accessorID, expirationTime: '2030-01-01T00:00:00Z' }, false, `Cannot change expiration time of ${exp.accessorID}`],
    ];
    const index = store.latestIndex;
    for (const [args, create, text] of cases) {
      expect([args, await rejects(acl.tokenSet('', tokenArgs(args), create, 'root'))]).toEqual([args, text]);
    }
    expect(store.latestIndex).toBe(index);
    // Restating the same expiration time is allowed.
    const same = await acl.tokenSet('', tokenArgs({ accessorID: exp.accessorID, expirationTime: exp.expirationTime, description: 'x' }), false, 'root');
    expect(same.expirationTime).toBe(exp.expirationTime);
  });

  it('expires tokens: ExpirationTTL sets ExpirationTime; an expired token is gone for reads and lists', async () => {
    const { acl, clock } = await ready();
    const t = await acl.tokenSet('', tokenArgs({ expirationTtlMs: 600_000, description: 'exp' }), true, 'root');
    expect([t.createTime, t.expirationTime]).toEqual(['2023-11-14T22:13:20Z', '2023-11-14T22:23:20Z']);
    const list = { policy: '', role: '', authMethod: '', includeLocal: true, includeGlobal: true };
    expect((await acl.tokenList(list, ro())).value.map((x) => x.description)).toContain('exp');
    clock.advance(600_001);
    expect((await acl.tokenRead(t.accessorID, ro())).value).toBeUndefined();
    expect((await acl.tokenList(list, ro())).value.map((x) => x.description)).not.toContain('exp');
    expect(await rejects(acl.tokenClone('', t.accessorID, '', 'root'))).toBe('ACL not found');
    expect(await rejects(acl.tokenRead(t.accessorID, ro(t.secretID)))).toBe('ACL not found');
  });

  it('clones, deletes (never the anonymous token nor the caller), lists by secret with filters', async () => {
    const { acl } = await ready();
    const master = (await acl.tokenSelf(ro('root'))).value!;
    const p = await acl.policySet('', { id: '', name: 'p', description: '', rules: '', datacenters: null }, 'root');
    const a = await acl.tokenSet('', tokenArgs({ description: 'a', policies: [{ id: p.id, name: '' }] }), true, 'root');
    const c = await acl.tokenClone('', a.accessorID, '', 'root');
    expect(c).toMatchObject({ description: 'a', policies: [{ id: p.id, name: 'p' }] });
    expect([c.accessorID === a.accessorID, c.secretID === a.secretID]).toEqual([false, false]);
    const named = await acl.tokenClone('', master.accessorID, 'cloned', 'root');
    expect(named).toMatchObject({ description: 'cloned', policies: master.policies, type: '' });
    expect(await rejects(acl.tokenClone('', 'x', '', 'root'))).toBe('failed acl token lookup: index error: UUID must be 36 characters');
    expect(await rejects(acl.tokenClone('', '83eedef0-d814-8ab3-d480-e6604ce1459e', '', 'root'))).toBe('ACL not found');

    const filter = { policy: '', role: '', authMethod: '', includeLocal: true, includeGlobal: true };
    const all = (await acl.tokenList(filter, ro())).value;
    expect(all.map((t) => t.accessorID).sort()).toEqual([ANON, master.accessorID, a.accessorID, c.accessorID, named.accessorID].sort());
    const secrets = new Map([[ANON, 'anonymous'], [master.accessorID, 'root'], [a.accessorID, a.secretID], [c.accessorID, c.secretID], [named.accessorID, named.secretID]]);
    const bySecret = all.map((t) => secrets.get(t.accessorID)!);
    expect(bySecret).toEqual([...bySecret].sort());
    expect((await acl.tokenList({ ...filter, policy: p.id }, ro())).value.map((t) => t.accessorID).sort()).toEqual([a.accessorID, c.accessorID].sort());
    expect((await acl.tokenList({ ...filter, policy: 'x' }, ro())).value).toEqual([]);
    expect((await acl.tokenList({ ...filter, role: 'r' }, ro())).value).toEqual([]);
    expect((await acl.tokenList({ ...filter, authMethod: 'm' }, ro())).value).toEqual([]);
    expect((await acl.tokenList({ ...filter, includeGlobal: false }, ro())).value).toEqual([]);
    expect(await rejects(acl.tokenList({ ...filter, policy: p.id, authMethod: 'm' }, ro()))).toBe('can only filter by one of policy, role, or methodName at a time');
    expect(all.find((t) => t.accessorID === a.accessorID)).not.toHaveProperty('secretID');

    expect(await rejects(acl.tokenDelete('', 'x', 'root'))).toBe('Accessor ID is missing or an invalid UUID');
    expect(await rejects(acl.tokenDelete('', ANON, 'root'))).toBe('Delete operation not permitted on the anonymous token');
    expect(await rejects(acl.tokenDelete('', master.accessorID, 'root'))).toBe("Deletion of the request's authorization token is not permitted");
    expect(await acl.tokenDelete('', '83eedef0-d814-8ab3-d480-e6604ce1459e', 'root')).toBe('');
    expect(await acl.tokenDelete('', a.accessorID, 'root')).toBe(a.accessorID);
    expect((await acl.tokenRead(a.accessorID, ro())).value).toBeUndefined();
  });
});

describe('ACL: policies', () => {
  it("creates, updates, reads by ID and name, lists and deletes, refusing with Consul's texts", async () => {
    const { acl, store } = await ready();
    const p = await acl.policySet('', { id: '', name: 'p1', description: 'd', rules: 'node_prefix "" { policy = "read" }', datacenters: ['dc1'] }, 'root');
    expect(p).toMatchObject({ name: 'p1', description: 'd', datacenters: ['dc1'] });
    expect((await acl.policyReadByName('P1', ro())).value).toEqual(p);
    await acl.policySet('', { id: '', name: 'p2', description: '', rules: '', datacenters: null }, 'root');
    const index = store.latestIndex;
    const cases: Array<[Parameters<typeof acl.policySet>[1], string]> = [
      [{ id: '', name: 'p1', description: '', rules: '', datacenters: null }, 'Invalid Policy: A Policy with Name "p1" already exists'],
      [{ id: '', name: 'bad name', description: '', rules: '', datacenters: null }, "Invalid Policy: invalid Name. Only alphanumeric characters, '-' and '_' are allowed"],
      [{ id: '', name: '', description: '', rules: '', datacenters: null }, 'Invalid Policy: no Name is set'],
      [{ id: '', name: 'p3', description: '', rules: 'node "" { policy = "rw" }', datacenters: null }, 'Invalid node policy: &acl.NodeRule{Name:"", Policy:"rw", EnterpriseRule:acl.EnterpriseRule{}}'],
      [{ id: '', name: 'p3', description: '', rules: 'node {', datacenters: null }, 'Failed to parse ACL rules: At 1:8: object expected closing RBRACE got: EOF'],
      [{ id: 'x', name: 'p3', description: '', rules: '', datacenters: null }, 'Policy ID invalid UUID'],
      [{ id: '50961064-953b-aa5c-4952-9cd1232c16bc', name: 'p3', description: '', rules: '', datacenters: null }, 'cannot find policy 50961064-953b-aa5c-4952-9cd1232c16bc'],
      [{ id: p.id, name: 'p2', description: '', rules: '', datacenters: null }, 'Invalid Policy: A policy with name "p2" already exists'],
      [{ id: GM, name: 'gm', description: '', rules: 'acl = "read"', datacenters: null }, 'Changing the Rules for the builtin global-management policy is not permitted'],
      [{ id: GM, name: 'gm', description: '', rules: '', datacenters: [] }, 'Changing the Datacenters of the builtin global-management policy is not permitted'],
    ];
    for (const [args, text] of cases) expect([args.name, await rejects(acl.policySet('', args, 'root'))]).toEqual([args.name, text]);
    expect(await rejects(acl.policyDelete('', GM, 'root'))).toBe('Delete operation not permitted on the builtin global-management policy');
    expect(await rejects(acl.policyDelete('', 'x', 'root'))).toBe('failed acl policy lookup: index error: UUID must be 36 characters');
    expect(await rejects(acl.policyRead('x', ro()))).toBe('failed acl policy lookup: index error: UUID must be 36 characters');
    expect(store.latestIndex).toBe(index);

    // The builtin policy may be renamed, keeping its rules.
    const gm = (await acl.policyRead(GM, ro())).value!;
    const renamed = await acl.policySet('', { id: GM, name: 'gm', description: gm.description, rules: gm.rules, datacenters: null }, 'root');
    expect(renamed.name).toBe('gm');
    const updated = await acl.policySet('', { id: p.id, name: 'p1', description: 'd2', rules: '', datacenters: null }, 'root');
    expect(updated).toMatchObject({ id: p.id, description: 'd2', datacenters: [], createIndex: p.createIndex });
    expect(updated.modifyIndex).toBeGreaterThan(p.modifyIndex);
    const list = (await acl.policyList(ro())).value;
    expect(list.map((x) => x.name)).toEqual([...list].sort((a, b) => (a.id < b.id ? -1 : 1)).map((x) => x.name));
    expect(list[0]).not.toHaveProperty('rules');
    expect(await acl.policyDelete('', p.id, 'root')).toBe('p1');
    expect(await acl.policyDelete('', p.id, 'root')).toBe('');
    expect((await acl.policyRead(p.id, ro())).value).toBeUndefined();
  });
});

describe('ACL: legacy endpoints', () => {
  it('creates, reads, updates, lists and destroys legacy tokens by their secret', async () => {
    const { acl } = await ready();
    const id = await acl.legacyApply('', 'set', { id: '', name: 'leg', type: 'client', rules: 'key "" { policy = "read" }' }, 'root');
    const [e] = (await acl.legacyGet(id, ro(''))).value;
    expect(e).toMatchObject({ id, name: 'leg', type: 'client', rules: 'key "" { policy = "read" }' });
    // Already upgraded: an AccessorID, no CreateTime; a legacy stub in the new list.
    const self = (await acl.tokenSelf(ro(id))).value!;
    expect(self).toMatchObject({ secretID: id, description: 'leg', createTime: '', type: 'client' });
    expect(self.accessorID).toMatch(/^[0-9a-f-]{36}$/);
    const mgmt = await acl.legacyApply('', 'set', { id: 'my-secret', name: 'm', type: 'management', rules: '' }, 'root');
    expect((await acl.tokenSelf(ro(mgmt))).value!.policies).toEqual([{ id: GM, name: 'global-management' }]);
    // An update keeps the AccessorID.
    await acl.legacyApply('', 'set', { id, name: 'leg2', type: 'client', rules: '' }, 'root');
    expect((await acl.tokenSelf(ro(id))).value).toMatchObject({ accessorID: self.accessorID, description: 'leg2', rules: '' });
    expect((await acl.legacyList(ro())).value.map((x) => x.id)).toEqual(['my-secret', 'root', id].sort());
    expect((await acl.legacyGet('nope', ro())).value).toEqual([]);

    expect(await rejects(acl.legacyApply('', 'set', { id: 'x', name: '', type: 'foo', rules: '' }, 'root'))).toBe('Invalid ACL Type');
    expect(await rejects(acl.legacyApply('', 'set', { id: '', name: '', type: 'client', rules: 'key "" { policy = "rw" }' }, 'root'))).toBe(
      'ACL rule compilation failed: Invalid key policy: &acl.KeyRule{Prefix:"", Policy:"rw", EnterpriseRule:acl.EnterpriseRule{}}',
    );
    expect(await rejects(acl.legacyApply('', 'set', { id: 'root', name: '', type: 'client', rules: '' }, 'root'))).toBe('Cannot use legacy endpoint to modify a non-legacy token');
    expect(await rejects(acl.legacyApply('', 'set', { id: mgmt, name: '', type: 'client', rules: '' }, 'root'))).toBe('Cannot use legacy endpoint to modify a non-legacy token');
    expect(await rejects(acl.legacyApply('', 'set', { id: 'deny', name: '', type: 'client', rules: '' }, 'root'))).toBe('Permission denied: Cannot modify root ACL');
    expect(await rejects(acl.legacyApply('', 'delete', { id: 'anonymous', name: '', type: '', rules: '' }, 'root'))).toBe('Permission denied: Cannot delete anonymous token');
    expect(await rejects(acl.legacyApply('', 'set', { id: '', name: '', type: 'client', rules: '' }, id))).toBe('Permission denied');
    expect(await rejects(acl.legacyList(ro('')))).toBe('Permission denied');

    await acl.legacyApply('', 'delete', { id, name: '', type: '', rules: '' }, 'root');
    await acl.legacyApply('', 'delete', { id: 'nope', name: '', type: '', rules: '' }, 'root');
    expect((await acl.legacyGet(id, ro())).value).toEqual([]);
  });

  it('translates legacy rules with acl:read', async () => {
    const { acl } = await ready();
    expect(await acl.rulesTranslate('key "" { policy = "read" }', 'root')).toEqual({ rules: 'key_prefix "" {\n  policy = "read"\n}' });
    expect(await acl.rulesTranslate('key "" {', 'root')).toEqual({ error: 'Failed to parse rules: At 1:10: object expected closing RBRACE got: EOF' });
    expect(await rejects(acl.rulesTranslate('', ''))).toBe('Permission denied');
    expect(await acl.replicationStatus('')).toEqual({
      enabled: false,
      running: false,
      sourceDatacenter: '',
      replicationType: '',
      replicatedIndex: 0,
      replicatedRoleIndex: 0,
      replicatedTokenIndex: 0,
      lastSuccess: '0001-01-01T00:00:00Z',
      lastError: '0001-01-01T00:00:00Z',
    });
  });
});

describe('ACL over the RPC table', () => {
  it('every AclApi method of RoutedServer reaches the server with its arguments and token', async () => {
    const { server } = await ready();
    const calls: string[] = [];
    // What travels is encoded and decoded as on the wire.
    const routed = new RoutedServer('dc1', async (method, body) => {
      calls.push(method);
      const wire = decode<typeof body>(encode(body));
      return decode(encode(await serveLocally(server, method, wire, undefined))) as never;
    });
    const acl = routed.acl;
    expect(await acl.enabled()).toBe(true);
    const p = await acl.policySet('', { id: '', name: 'p', description: '', rules: 'acl = "read"', datacenters: null }, 'root');
    expect((await acl.policyRead(p.id, ro())).value!.name).toBe('p');
    expect((await acl.policyReadByName('p', ro())).value!.id).toBe(p.id);
    expect((await acl.policyList(ro())).value).toHaveLength(2);
    const t = await acl.tokenSet('', tokenArgs({ policies: [{ id: '', name: 'p' }], serviceIdentities: [{ serviceName: 'web', datacenters: ['dc1'] }] }), true, 'root');
    expect((await acl.tokenRead(t.accessorID, ro(t.secretID))).value!.secretID).toBe('<hidden>');
    expect((await acl.tokenSelf(ro(t.secretID))).value!.accessorID).toBe(t.accessorID);
    const c = await acl.tokenClone('', t.accessorID, 'c', 'root');
    expect((await acl.tokenList({ policy: p.id, role: '', authMethod: '', includeLocal: true, includeGlobal: true }, ro())).value).toHaveLength(2);
    expect(await acl.tokenDelete('', c.accessorID, 'root')).toBe(c.accessorID);
    expect(await rejects(acl.tokenSet('', tokenArgs(), true, t.secretID))).toBe('Permission denied');
    const legacy = await acl.legacyApply('', 'set', { id: '', name: 'l', type: 'client', rules: '' }, 'root');
    expect((await acl.legacyGet(legacy, ro(''))).value).toHaveLength(1);
    expect((await acl.legacyList(ro())).value.length).toBeGreaterThan(0);
    expect(await acl.rulesTranslate('key "" { policy = "read" }', t.secretID)).toHaveProperty('rules');
    expect((await acl.replicationStatus('')).running).toBe(false);
    expect(await acl.policyDelete('', p.id, 'root')).toBe('p');
    expect(await rejects(acl.bootstrap(''))).toMatch(/^ACL bootstrap no longer allowed/);
    expect(new Set(calls).size).toBe(16);
    expect(await rejects((async () => serveLocally(server, 'ACL.TokenSet', { args: ['', { accessorID: 5 }, true], token: 'root' }, undefined))())).toBe('rpc: bad request: accessorID must be a string');
    expect(await rejects((async () => serveLocally(server, 'ACL.TokenRead', { args: ['other', ''], opts: { dc: '', consistency: 'default', minIndex: 0, waitMs: 0 } }, undefined))())).toBe(
      'rpc: bad request: token ID type must be accessor or secret',
    );
  });
});
